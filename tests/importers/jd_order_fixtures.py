"""京东 POP 订单导出 fixture: the headers ``orders/importers/jd_orders.py`` relies on (as public
importers of the real file list them, see its docstring) and invented rows (no real buyers)."""

from __future__ import annotations

from shopops.demo import export_formats
from tests.importers.fixtures import Row, csv_bytes

# the 30 columns of the exported CSV, in the file's order (one list, the demo's export writes it)
JD_ORDER_HEADERS = list(export_formats.JD_ORDER_HEADERS)
# the order-list collector's variant: no 应付金额 / 运费金额 / times beyond 下单时间
JD_COLLECTOR_HEADERS = ["订单号", "商品ID", "商品名称", "订购数量", "下单时间", "京东价",
                        "订单金额", "商家应收", "订单状态", "下单帐号", "客户姓名", "客户地址",
                        "联系电话"]


def _row(no: str, goods: str, sku: str, quantity: str, price: str, status: str, **more: str
         ) -> Row:
    base = {"订单号": no, "商品ID": goods, "商品名称": f"商品 {sku}", "订购数量": quantity,
            "支付方式": "在线支付", "下单时间": "2026-11-20 21:00:00", "京东价": price,
            "余额支付": "0.00", "订单状态": status, "订单类型": "销售订单",
            "下单帐号": "jd_buyer01", "客户姓名": "王**", "客户地址": "江西南昌市青山湖区****",
            "联系电话": "137****1772", "运费金额": "0.00",
            "付款确认时间": "2026-11-20 21:00:30", "货号": sku, "订单来源": "移动端订单",
            "订单渠道": "暂无来源"}
    return {**base, **more}


JD_ORDERS: list[Row] = [
    # two SKUs, one order: 758×1 + 339×1 = 1097 listed, 932.45 paid → 164.55 discount
    _row("11729384072", "1953814331", "SKU-A", "1", "758.00", "等待出库",
         订单金额="1097.00", 结算金额="932.45", 应付金额="932.45"),
    _row("11729384072", "1953814332", "SKU-B", "1", "339.00", "等待出库",
         订单金额="1097.00", 结算金额="932.45", 应付金额="932.45"),
    # shipped, with shipping and part of it paid from the JD balance; phone with apostrophe
    _row("11729384073", "1953814333", "SKU-C", "2", "59.90", "等待确认收货",
         订单金额="129.80", 余额支付="20.00", 应付金额="109.80", 运费金额="10.00",
         联系电话="'13767111772", 下单帐号="rds3199358"),
    # completed: 订单完成时间
    _row("11729384074", "1953814334", "SKU-D", "1", "25.00", "完成",
         订单金额="25.00", 应付金额="25.00", 订单完成时间="2026-11-23 10:00:00"),
    # deleted by JD: cancelled
    _row("11729384075", "1953814331", "SKU-A", "1", "758.00", "(删除)等待出库",
         订单金额="758.00", 应付金额="758.00"),
    # not paid yet
    _row("11729384076", "1953814334", "SKU-D", "1", "25.00", "等待付款",
         订单金额="25.00", 应付金额="25.00", 付款确认时间=""),
]


def jd_orders_csv(rows: list[Row] | None = None, headers: list[str] | None = None) -> bytes:
    """The export as JD writes it: GB18030 CSV."""
    return csv_bytes(headers or JD_ORDER_HEADERS, JD_ORDERS if rows is None else rows,
                     "gb18030")
