"""Realistic platform export files, built from the reference headers, and a malformed corpus.

No real buyer data: names, phones and addresses are invented (and masked where platforms mask).
``write_platform_files(dir)`` and ``write_malformed_files(dir)`` return {name: path}.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

import openpyxl

# ---- headers, as in shared/reference/platform-export-headers.json (the 淘宝 pair is the demo
# export's, which tests/unit/test_export_headers.py checks against the reference)
from shopops.demo.export_formats import TAOBAO_ITEM_HEADERS, TAOBAO_ORDER_HEADERS

PDD_HEADERS = [
    "订单成交时间", "商品", "订单号", "订单状态", "商品总价(元)", "邮费(元)", "店铺优惠折扣(元)",
    "平台优惠折扣(元)", "多多支付立减金额(元)", "用户实付金额(元)", "商家实收金额(元)",
    "商品数量(件)", "发货时间", "确认收货时间", "商品id", "商品规格", "样式ID", "商家编码-规格维度",
    "商家编码-商品维度", "商家备注", "售后状态", "快递单号", "快递公司", "省", "市", "区",
]
DOUYIN_HEADERS = [
    "主订单编号", "子订单编号", "选购商品", "商品规格", "货号", "商品ID", "商家编码", "商品数量",
    "商品金额", "订单应付金额", "订单提交时间", "支付完成时间", "订单完成时间", "订单状态",
    "取消原因", "售后状态", "订单类型", "备注", "达人ID", "达人昵称",
]
JD_SETTLEMENT_HEADERS = ["订单编号", "订单状态", "商品编号", "商品名称", "商品数量", "应结金额",
                         "费用名称", "收支方向", "售后服务单号", "佣金比例"]
GENERIC_HEADERS = ["单号", "状态", "下单时间", "付款时间", "SKU", "商品名", "数量", "单价",
                   "运费", "实付", "买家手机"]
GENERIC_MAPPING_JSON = """{
  "columns": {"单号": "channel_order_no", "状态": "status", "下单时间": "created_at",
              "付款时间": "paid_at", "SKU": "sku_code", "商品名": "title", "数量": "quantity",
              "单价": "unit_price", "运费": "shipping_fee", "实付": "paid_amount",
              "买家手机": "buyer_phone"},
  "status_words": {"已付款待发": "paid"}
}"""

Row = Mapping[str, object]

# ---- the rows (expected records are spelled out in the tests)
TAOBAO_ORDERS: list[Row] = [
    {"订单编号": '="1930679858170647"', "买家会员名": "tb_小明", "买家应付货款": "198.00",
     "买家应付邮费": "0.00", "总金额": "198.00", "买家实际支付金额": "188.00",
     "订单状态": "买家已付款，等待卖家发货", "收货人姓名": "王*",
     "收货地址 ": "上海市 浦东新区 ***",
     "联系手机": "'18612345678", "订单创建时间": "2026-11-20 23:30:00",
     "订单付款时间 ": "2026-11-20 23:31:05", "宝贝种类": "2", "宝贝总数量": "3",
     "退款金额": "0.00"},
    {"订单编号": '="1930679858170648"', "买家会员名": "t**3", "买家应付货款": "59.90",
     "买家应付邮费": "10.00", "总金额": "69.90", "买家实际支付金额": "69.90",
     "订单状态": "交易成功", "联系手机": "138****1234", "订单创建时间": "2026/11/19 10:00",
     "订单付款时间 ": "2026/11/19 10:02", "物流单号 ": "'773012345678901", "物流公司": "中通快递",
     "退款金额": "0元"},
    {"订单编号": '="1930679858170649"', "买家会员名": "****", "买家应付货款": "30.00",
     "买家应付邮费": "0.00", "买家实际支付金额": "30.00", "订单状态": "交易关闭",
     "订单创建时间": "2026-11-18 08:00:00", "订单付款时间 ": "2026-11-18 08:00:30",
     "退款金额": "30.00"},
    {"订单编号": '="1930679858170650"', "买家会员名": "tb_待付", "买家应付货款": "25.00",
     "买家应付邮费": "0.00", "买家实际支付金额": "25.00", "订单状态": "等待买家付款",
     "订单创建时间": "2026-11-21 00:05:00", "订单付款时间 ": ""},
]
TAOBAO_ITEMS: list[Row] = [
    {"订单编号": '="1930679858170647"', "标题": "保温杯 500ml", "价格": "99.00", "购买数量": "1",
     "商家编码": "SKU-A", "订单状态": "买家已付款，等待卖家发货"},
    {"订单编号": '="1930679858170647"', "标题": "杯套", "价格": "49.50", "购买数量": "2",
     "外部系统编号": "SKU-B"},
    {"订单编号": '="1930679858170648"', "标题": "茶叶 250g", "价格": "59.90", "购买数量": "1",
     "商家编码": "SKU-C"},
    {"订单编号": '="1930679858170649"', "标题": "保温杯 促销", "价格": "30.00", "购买数量": "1",
     "商家编码": "SKU-A"},
    {"订单编号": '="1930679858170650"', "标题": "杯刷", "价格": "25.00", "购买数量": "1",
     "商家编码": "SKU-D"},
]
PDD_ORDERS: list[Row] = [
    {"订单成交时间": "2026-11-20 12:00:00", "商品": "纸巾 3提", "订单号": "201120-123456789012345",
     "订单状态": "已发货，待签收", "商品总价(元)": "99.00", "邮费(元)": "0元",
     "店铺优惠折扣(元)": "5.00", "平台优惠折扣(元)": "3.00", "多多支付立减金额(元)": "1.00",
     "用户实付金额(元)": "90.00", "商家实收金额(元)": "93.00", "商品数量(件)": "3",
     "发货时间": "2026-11-21 09:00:00", "商品id": "5550001", "商品规格": "3提装",
     "商家编码-规格维度": "PDD-SKU-1", "售后状态": "无售后或售后取消", "快递单号": "'YT1234567890",
     "快递公司": "圆通快递", "省": "****", "市": "****", "区": "****"},
    {"订单成交时间": "2026/11/19 08:30", "商品": "抽纸", "订单号": "201119-223456789012345",
     "订单状态": "已收货", "商品总价(元)": "45.50", "邮费(元)": "0", "用户实付金额(元)": "45.50",
     "商品数量(件)": "1", "确认收货时间": "2026-11-22 18:00:00", "商品id": "5550002",
     "商家编码-商品维度": "PDD-SKU-2", "售后状态": "退款成功"},
    {"订单成交时间": "2026-11-18 21:00:00", "商品": "空气炸锅", "订单号": "201118-323456789012345",
     "订单状态": "待发货", "商品总价(元)": "1,299.00", "邮费(元)": "¥0.00",
     "店铺优惠折扣(元)": "50.00", "用户实付金额(元)": "1,249.00", "商品数量(件)": "1",
     "商品id": "5550003", "商家编码-规格维度": "PDD-SKU-3", "售后状态": "无售后或售后取消"},
]
DOUYIN_ORDERS: list[Row] = [
    {"主订单编号": "6920000000000000001", "子订单编号": "6920000000000000002",
     "选购商品": "防晒霜", "商品规格": "50ml", "商家编码": "DY-1", "商品数量": 1,
     "商品金额": 89.0, "订单应付金额": 79.0, "订单提交时间": datetime(2026, 11, 20, 20, 15, 30),
     "支付完成时间": datetime(2026, 11, 20, 20, 16), "订单状态": "已发货", "售后状态": "-",
     "达人昵称": "小美"},
    {"主订单编号": "6920000000000000001", "子订单编号": "6920000000000000003",
     "选购商品": "卸妆水", "货号": "DY-2", "商品数量": 2, "商品金额": "20.00",
     "订单应付金额": "40.00", "订单提交时间": "2026-11-20 20:15:30",
     "支付完成时间": "2026-11-20 20:16:00", "订单状态": "已发货", "售后状态": ""},
    {"主订单编号": "6920000000000000004", "子订单编号": "6920000000000000005",
     "选购商品": "面膜", "商家编码": "DY-3", "商品数量": 1, "商品金额": 59.9,
     "订单应付金额": 59.9, "订单提交时间": "2026/11/18 09:00:00",
     "支付完成时间": "2026/11/18 09:01:00", "订单完成时间": "2026/11/25 10:00:00",
     "订单状态": "已完成", "售后状态": "退款成功"},
]
JD_FEES: list[Row] = [
    {"订单编号": "300000000001", "订单状态": "已完成", "商品编号": "100012345",
     "商品名称": "电动牙刷", "商品数量": "1", "应结金额": "199.00", "费用名称": "货款",
     "收支方向": "收入"},
    {"订单编号": "300000000001", "订单状态": "已完成", "商品编号": "100012345",
     "应结金额": "19.90", "费用名称": "佣金", "收支方向": "支出", "佣金比例": "10%"},
    {"订单编号": "300000000001", "应结金额": "1.99", "费用名称": "交易服务费", "收支方向": "支出"},
    {"订单编号": "300000000001", "应结金额": "-2.00", "费用名称": "京豆", "收支方向": "支出"},
    {"订单编号": "300000000002", "订单状态": "等待确认收货", "商品编号": "100067890",
     "商品名称": "牙刷头", "商品数量": "2", "应结金额": "50.00", "费用名称": "货款",
     "收支方向": "收入"},
    {"订单编号": "300000000002", "应结金额": "5.00", "费用名称": "佣金", "收支方向": "支出",
     "售后服务单号": "AS-9001"},
]
GENERIC_ORDERS: list[Row] = [
    {"单号": "W-1001", "状态": "已付款待发", "下单时间": "2026-11-20 10:00", "付款时间":
     "2026-11-20 10:01", "SKU": "OWN-1", "商品名": "帆布袋", "数量": "2", "单价": "30.00",
     "运费": "6.00", "实付": "60.00", "买家手机": "'13900001111"},
    {"单号": "W-1001", "状态": "已付款待发", "下单时间": "2026-11-20 10:00", "付款时间":
     "2026-11-20 10:01", "SKU": "OWN-2", "商品名": "徽章", "数量": "1", "单价": "10.00",
     "运费": "6.00", "实付": "60.00", "买家手机": "'13900001111"},
    {"单号": "W-1002", "状态": "shipped", "下单时间": "2026-11-19 09:00:00", "付款时间":
     "2026-11-19 09:00:10", "SKU": "OWN-1", "商品名": "帆布袋", "数量": "1", "单价": "30.00",
     "运费": "0", "实付": "", "买家手机": ""},
]


def cells_of(headers: Sequence[str], row: Row) -> list[object]:
    return [row.get(header, "") for header in headers]


def csv_bytes(headers: Sequence[str], rows: Sequence[Row], encoding: str = "utf-8",
              delimiter: str = ",") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(cells_of(headers, row))
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(sheets: Mapping[str, tuple[Sequence[str], Sequence[Row]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, (headers, rows) in sheets.items():
        sheet = book.create_sheet(title)
        if headers:
            sheet.append(list(headers))
        for row in rows:
            sheet.append(cells_of(headers, row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write(root: Path, files: Mapping[str, bytes]) -> dict[str, Path]:
    root.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, data in files.items():
        path = root / name
        path.write_bytes(data)
        paths[name] = path
    return paths


def platform_files() -> dict[str, bytes]:
    return {
        "ExportOrderList202611.csv": csv_bytes(TAOBAO_ORDER_HEADERS, TAOBAO_ORDERS, "gbk"),
        "ExportOrderDetailList202611.csv": csv_bytes(TAOBAO_ITEM_HEADERS, TAOBAO_ITEMS,
                                                     "utf-8-sig"),
        "订单明细-pdd.csv": csv_bytes(PDD_HEADERS, PDD_ORDERS, "utf-8"),
        "抖店订单导出.xlsx": xlsx_bytes({"订单": (DOUYIN_HEADERS, DOUYIN_ORDERS)}),
        "京东结算明细.csv": csv_bytes(JD_SETTLEMENT_HEADERS, JD_FEES, "gb18030", "\t"),
        "own-store.csv": csv_bytes(GENERIC_HEADERS, GENERIC_ORDERS, "utf-8", ";"),
    }


def write_platform_files(root: Path) -> dict[str, Path]:
    return write(root, platform_files())


def _pdd_with(changes: Mapping[int, Mapping[str, str]]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = [dict(row) for row in PDD_ORDERS]
    for index, change in changes.items():
        rows[index].update(change)
    return rows


def malformed_files() -> dict[str, bytes]:
    """Each file exercises one way an export goes wrong; see test_malformed for the messages."""
    good_utf8 = csv_bytes(PDD_HEADERS, PDD_ORDERS, "utf-8")
    douyin_xlsx = platform_files()["抖店订单导出.xlsx"]
    return {
        "zero-bytes.csv": b"",
        "empty.csv": b"\r\n  \r\n",
        "bom-only.csv": b"\xef\xbb\xbf",
        # cut in the middle of a UTF-8 character
        "truncated-mid-char.csv": good_utf8[: good_utf8.rindex("抽纸".encode()) + 4],
        # cut in the middle of the last row: its required cells are missing
        "truncated-mid-row.csv": good_utf8[: good_utf8.rindex(b"1,299.00")],
        "truncated.xlsx": douyin_xlsx[: len(douyin_xlsx) // 2],
        "undecodable.csv": b"\xd6\xd0\xce\xc4,\xff\xfe\xff\r\n1,2\r\n",
        "gbk-taobao.csv": csv_bytes(TAOBAO_ORDER_HEADERS, TAOBAO_ORDERS, "gbk"),
        "missing-column.csv": csv_bytes([h for h in PDD_HEADERS if h != "用户实付金额(元)"],
                                        PDD_ORDERS),
        "bad-amounts.csv": csv_bytes(PDD_HEADERS, _pdd_with({
            0: {"用户实付金额(元)": "-5.00"}, 1: {"邮费(元)": "免邮"}})),
        "impossible-date.csv": csv_bytes(PDD_HEADERS, _pdd_with({
            1: {"订单成交时间": "2026-02-30 10:00:00"}})),
        "duplicates.csv": csv_bytes(PDD_HEADERS, [PDD_ORDERS[0], PDD_ORDERS[1], PDD_ORDERS[0],
                                                  PDD_ORDERS[2]]),
        "two-sheets.xlsx": xlsx_bytes({"订单": (DOUYIN_HEADERS, DOUYIN_ORDERS),
                                       "说明": (["说明"], [{"说明": "导出说明"}])}),
        "first-sheet-empty.xlsx": xlsx_bytes({"封面": ([], []),
                                              "订单": (DOUYIN_HEADERS, DOUYIN_ORDERS)}),
        "unknown-status.csv": csv_bytes(PDD_HEADERS, _pdd_with({2: {"订单状态": "神秘状态"}})),
        "not-a-workbook.xlsx": b"PK\x03\x04" + b"\x00" * 64,
    }


def write_malformed_files(root: Path) -> dict[str, Path]:
    return write(root, malformed_files())
