"""How each platform's seller back-end writes an order export, as rows (pure): headers from
`reference/platform-export-headers.json`, status words, and the quirks of real files
(`reference/platform-exports.md`) — ``="…"`` order numbers, phones with a leading apostrophe,
masked buyer data, amounts with 元, header cells with a trailing space. The demo's orders go
in as `DemoOrder`; rows come out as {header: cell text}."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0")
CENT = Decimal("0.01")

TAOBAO_ORDER_HEADERS = [
    "订单编号", "买家会员名", "买家支付宝账号", "买家应付货款", "买家应付邮费", "买家支付积分",
    "总金额", "返点积分", "买家实际支付金额", "买家实际支付积分", "订单状态", "买家留言",
    "收货人姓名", "收货地址 ", "运送方式", "联系电话 ", "联系手机", "订单创建时间",
    "订单付款时间 ", "宝贝标题 ", "宝贝种类", "物流单号 ", "物流公司", "订单备注", "宝贝总数量",
    "店铺Id", "店铺名称", "订单关闭原因", "卖家服务费", "买家服务费", "发票抬头", "是否手机订单",
    "分阶段订单信息", "特权订金订单id", "是否上传合同照片", "是否上传小票", "是否代付", "定金排名",
    "修改后的sku", "修改后的收货地址", "异常信息", "天猫卡券抵扣", "集分宝抵扣", "是否是O2O交易",
    "退款金额",
]  # trailing spaces on some, as real exports have
TAOBAO_ITEM_HEADERS = ["订单编号", "标题", "价格", "购买数量", "外部系统编号", "商品属性",
                       "套餐信息", "备注", "订单状态", "商家编码"]
PDD_HEADERS = [
    "订单成交时间", "商品", "订单号", "订单状态", "商品总价(元)", "邮费(元)", "店铺优惠折扣(元)",
    "平台优惠折扣(元)", "多多支付立减金额(元)", "用户实付金额(元)", "商家实收金额(元)",
    "商品数量(件)", "发货时间", "确认收货时间", "商品id", "商品规格", "样式ID",
    "商家编码-规格维度", "商家编码-商品维度", "商家备注", "售后状态", "快递单号", "快递公司",
    "退款金额(元)", "省", "市", "区",
]
DOUYIN_HEADERS = [
    "主订单编号", "子订单编号", "选购商品", "商品规格", "货号", "商品ID", "商家编码", "商品数量",
    "商品金额", "订单应付金额", "订单提交时间", "支付完成时间", "订单完成时间", "订单状态",
    "取消原因", "售后状态", "订单类型", "备注", "达人ID", "达人昵称",
]
JD_SETTLEMENT_HEADERS = ["订单编号", "订单状态", "商品编号", "商品名称", "商品数量", "应结金额",
                         "费用名称", "收支方向", "售后服务单号", "佣金比例"]
GENERIC_HEADERS = ["订单号", "订单状态", "下单时间", "付款时间", "发货时间", "签收时间",
                   "完成时间", "买家", "手机号", "商品编码", "商品名称", "数量", "单价",
                   "商品实付", "商品退款", "运费", "订单实付", "订单退款", "快递公司", "快递单号"]
GENERIC_MAPPING: dict[str, dict[str, str]] = {
    "columns": {
        "订单号": "channel_order_no", "订单状态": "status", "下单时间": "created_at",
        "付款时间": "paid_at", "发货时间": "shipped_at", "签收时间": "delivered_at",
        "完成时间": "completed_at",
        "买家": "buyer_id", "手机号": "buyer_phone", "商品编码": "sku_code",
        "商品名称": "title", "数量": "quantity", "单价": "unit_price",
        "商品实付": "line_paid_amount", "商品退款": "line_refund_amount", "运费": "shipping_fee",
        "订单实付": "paid_amount", "订单退款": "refund_amount", "快递公司": "carrier",
        "快递单号": "tracking_no",
    },
}
GENERIC_WORDS = {"created": "待付款", "paid": "已付款", "shipped": "已发货",
                 "delivered": "已签收", "completed": "已完成", "cancelled": "已取消",
                 "refunded": "已退款"}
GENERIC_MAPPING["status_words"] = {word: status for status, word in GENERIC_WORDS.items()}
CARRIERS = (("中通快递", "7731"), ("圆通速递", "YT"), ("韵达快递", "4312"), ("顺丰速运", "SF"),
            ("申通快递", "7730"))
REGIONS = ("浙江省 杭州市 西湖区", "广东省 深圳市 南山区", "上海 上海市 浦东新区",
           "江苏省 南京市 鼓楼区", "四川省 成都市 武侯区", "北京 北京市 朝阳区")
SURNAMES = "王李张刘陈杨黄赵吴周"


@dataclass(frozen=True, slots=True)
class DemoLine:
    sku: str
    product_code: str
    title: str  # the product's name
    spec: str  # 颜色：白色；尺码：M
    quantity: int
    list_price: Decimal
    paid: Decimal
    refund: Decimal


@dataclass(frozen=True, slots=True)
class DemoOrder:
    """One demo order as its store shows it; times are the store's local wall-clock times."""

    id: int
    no: str
    status: str
    buyer: str | None
    customer_id: int | None
    created_at: datetime
    paid_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    completed_at: datetime | None
    list_amount: Decimal
    discount: Decimal
    goods: Decimal
    shipping: Decimal
    paid: Decimal
    refund: Decimal
    lines: tuple[DemoLine, ...]


Cells = dict[str, object]


def when(at: datetime | None, style: str = "-") -> str:
    """Local time as exports write it: 2026-11-20 23:30:00 (Taobao also 2026/11/20 23:30)."""
    if at is None:
        return ""
    return at.strftime("%Y/%m/%d %H:%M" if style == "/" else "%Y-%m-%d %H:%M:%S")


def yuan(value: Decimal, unit: str = "") -> str:
    return f"{value.quantize(CENT, ROUND_HALF_UP):.2f}{unit}"


def phone(order: DemoOrder) -> str:
    """A made-up mobile number; most exports mask the middle four digits."""
    seed = (order.customer_id or order.id) * 7_919
    number = f"1{3 + seed % 7}{seed % 10**9:09d}"
    return f"{number[:3]}****{number[-4:]}" if order.id % 4 else f"'{number}"


def tracking(order: DemoOrder) -> tuple[str, str]:
    carrier, prefix = CARRIERS[order.id % len(CARRIERS)]
    return carrier, f"{prefix}{order.id * 104_729 % 10**12:012d}"


def buyer_nick(order: DemoOrder) -> str:
    """The buyer id; one order in six shows it masked, as exports increasingly do."""
    if not order.buyer:
        return "****"
    return order.buyer if order.id % 6 else f"{order.buyer[:2]}**{order.buyer[-1]}"


# ---------------------------------------------------------------- 淘宝/天猫

TAOBAO_WORDS = {"created": "等待买家付款", "paid": "买家已付款，等待卖家发货",
                "shipped": "卖家已发货，等待买家确认", "delivered": "卖家已发货，等待买家确认",
                "completed": "交易成功", "cancelled": "交易关闭",
                "refunded": "付款以后用户退款成功，交易自动关闭"}


def taobao_order_row(order: DemoOrder, store_name: str) -> Cells:
    shipped = order.shipped_at is not None
    carrier, number = tracking(order)
    first = order.lines[0]
    return {
        "订单编号": f'="{order.no}"', "买家会员名": buyer_nick(order),
        "买家支付宝账号": "", "买家应付货款": yuan(order.list_amount),
        "买家应付邮费": yuan(order.shipping), "买家支付积分": "0",
        "总金额": yuan(order.list_amount + order.shipping), "返点积分": "0",
        "买家实际支付金额": yuan(order.paid), "买家实际支付积分": "0",
        "订单状态": TAOBAO_WORDS[order.status], "买家留言": "",
        "收货人姓名": SURNAMES[order.id % len(SURNAMES)] + "*",
        "收货地址 ": f"{REGIONS[order.id % len(REGIONS)]} ***", "运送方式": "快递",
        "联系电话 ": "", "联系手机": phone(order),
        "订单创建时间": when(order.created_at, "-" if order.id % 3 else "/"),
        "订单付款时间 ": when(order.paid_at), "宝贝标题 ": first.title,
        "宝贝种类": str(len(order.lines)), "物流单号 ": f"'{number}" if shipped else "",
        "物流公司": carrier if shipped else "", "订单备注": "",
        "宝贝总数量": str(sum(line.quantity for line in order.lines)), "店铺Id": "",
        "店铺名称": store_name, "订单关闭原因": "未付款超时关闭" if order.paid_at is None else "",
        "是否手机订单": "手机订单",
        "退款金额": yuan(order.refund, "元" if not order.refund else ""),
    }


def taobao_item_rows(order: DemoOrder) -> list[Cells]:
    return [{"订单编号": f'="{order.no}"', "标题": line.title, "价格": yuan(line.list_price),
             "购买数量": str(line.quantity), "外部系统编号": line.sku, "商品属性": line.spec,
             "套餐信息": "", "备注": "", "订单状态": TAOBAO_WORDS[order.status],
             "商家编码": line.sku} for line in order.lines]


# ---------------------------------------------------------------- 拼多多


def _progress_word(order: DemoOrder, words: dict[str, str]) -> str:
    """A refunded order's 订单状态 is how far delivery got; the refund is in 售后状态."""
    if order.status != "refunded":
        return words[order.status]
    if order.completed_at:
        return words["completed"]
    return words["shipped"] if order.shipped_at else words["paid"]


PDD_WORDS = {"paid": "待发货", "shipped": "已发货，待收货", "delivered": "已签收",
             "completed": "已收货"}


def pdd_exportable(order: DemoOrder) -> str | None:
    """Why a demo order cannot appear in a 拼多多 export (None: it can)."""
    if order.paid_at is None:
        return "unpaid: 拼多多 exports only orders that were struck (paid)"
    if len(order.lines) > 1:
        return "several SKUs: a 拼多多 order is one goods (one row per order)"
    return None


def pdd_row(order: DemoOrder) -> Cells:
    line = order.lines[0]
    carrier, number = tracking(order)
    shipped = order.shipped_at is not None
    return {
        "订单成交时间": when(order.paid_at), "商品": line.title, "订单号": order.no,
        "订单状态": _progress_word(order, PDD_WORDS), "商品总价(元)": yuan(order.list_amount),
        "邮费(元)": yuan(order.shipping, "元" if not order.shipping else ""),
        "店铺优惠折扣(元)": yuan(order.discount), "平台优惠折扣(元)": "0.00",
        "多多支付立减金额(元)": "0.00", "用户实付金额(元)": yuan(order.paid),
        "商家实收金额(元)": yuan(order.paid), "商品数量(件)": str(line.quantity),
        "发货时间": when(order.shipped_at), "确认收货时间": when(order.completed_at),
        "商品id": line.product_code,
        "商品规格": line.spec, "样式ID": "", "商家编码-规格维度": line.sku,
        "商家编码-商品维度": line.product_code, "商家备注": "",
        "售后状态": "退款成功" if order.status == "refunded" else "无售后或售后取消",
        "快递单号": f"'{number}" if shipped else "", "快递公司": carrier if shipped else "",
        "退款金额(元)": yuan(order.refund), "省": "****", "市": "****", "区": "****",
    }


# ---------------------------------------------------------------- 抖店

DOUYIN_WORDS = {"created": "待支付", "paid": "待发货", "shipped": "已发货",
                "delivered": "已签收", "completed": "已完成", "cancelled": "已取消"}


def douyin_rows(order: DemoOrder) -> list[Cells]:
    word = _progress_word(order, DOUYIN_WORDS)
    after_sale = "退款成功" if order.status == "refunded" else ""
    return [{
        "主订单编号": order.no, "子订单编号": f"{order.no[:-2]}{i + 1:02d}",
        "选购商品": line.title, "商品规格": line.spec, "货号": "", "商品ID": line.product_code,
        "商家编码": line.sku, "商品数量": line.quantity, "商品金额": yuan(line.list_price),
        "订单应付金额": yuan(line.paid), "订单提交时间": order.created_at.replace(tzinfo=None),
        "支付完成时间": order.paid_at.replace(tzinfo=None) if order.paid_at else None,
        "订单完成时间": order.completed_at.replace(tzinfo=None) if order.completed_at else None,
        "订单状态": word, "取消原因": "超时未支付" if order.status == "cancelled" else "",
        "售后状态": after_sale, "订单类型": "普通订单", "备注": "",
        "达人ID": "", "达人昵称": "",
    } for i, line in enumerate(order.lines)]


# ---------------------------------------------------------------- 京东 结算


def jd_settlement_rows(order: DemoOrder, commission: Decimal) -> list[Cells]:
    """A settled (完成) order's fee rows: 货款 per SKU in, 佣金 per SKU and 交易服务费 out."""
    rows: list[Cells] = []
    for line in order.lines:
        base = {"订单编号": order.no, "订单状态": "完成", "商品编号": line.sku,
                "商品名称": line.title, "商品数量": str(line.quantity), "售后服务单号": ""}
        rows.append({**base, "应结金额": yuan(line.paid), "费用名称": "货款",
                     "收支方向": "收入", "佣金比例": ""})
        rows.append({**base, "应结金额": yuan(line.paid * commission), "费用名称": "佣金",
                     "收支方向": "支出", "佣金比例": f"{commission * 100:.1f}%"})
    rows.append({"订单编号": order.no, "应结金额": yuan(order.goods * Decimal("0.006")),
                 "费用名称": "交易服务费", "收支方向": "支出"})
    return rows


# ---------------------------------------------------------------- generic (own store)


def generic_rows(order: DemoOrder) -> list[Cells]:
    carrier, number = tracking(order)
    shipped = order.shipped_at is not None
    return [{
        "订单号": order.no, "订单状态": GENERIC_WORDS[order.status],
        "下单时间": when(order.created_at), "付款时间": when(order.paid_at),
        "发货时间": when(order.shipped_at), "签收时间": when(order.delivered_at),
        "完成时间": when(order.completed_at), "买家": order.buyer or "",
        "手机号": phone(order), "商品编码": line.sku, "商品名称": line.title,
        "数量": str(line.quantity), "单价": yuan(line.list_price), "商品实付": yuan(line.paid),
        "商品退款": yuan(line.refund), "运费": yuan(order.shipping), "订单实付": yuan(order.paid),
        "订单退款": yuan(order.refund), "快递公司": carrier if shipped else "",
        "快递单号": number if shipped else "",
    } for line in order.lines]


# ---------------------------------------------------------------- 京东 订单导出

# the POP order export's 30 columns, as public importers of the real file list them
# (orders/importers/jd_orders.py names them)
JD_ORDER_HEADERS = [
    "订单号", "商品ID", "商品名称", "订购数量", "支付方式", "下单时间", "京东价", "订单金额",
    "结算金额", "余额支付", "应付金额", "订单状态", "订单类型", "下单帐号", "客户姓名", "客户地址",
    "联系电话", "订单备注", "发票类型", "发票抬头", "发票内容", "商家备注",
    "商家备注等级（等级1-5为由高到低）", "运费金额", "付款确认时间", "增值税发票", "货号",
    "订单完成时间", "订单来源", "订单渠道",
]
JD_WORDS = {"created": "等待付款", "paid": "等待出库", "allocated": "等待出库",
            "shipped": "等待确认收货", "delivered": "等待确认收货",  # JD shows no 签收 status
            "completed": "完成", "cancelled": "已取消"}


def jd_exportable(order: DemoOrder) -> str | None:
    """Why a demo order cannot appear in a 京东 order export (None: it can)."""
    if order.status not in JD_WORDS:
        return f"{order.status}: the 京东 order export has no refund column (售后 is its own file)"
    return None


def jd_order_rows(order: DemoOrder) -> list[Cells]:
    """One row per SKU; the order's amounts and times repeat on each."""
    head = {
        "订单号": order.no, "支付方式": "在线支付", "下单时间": when(order.created_at),
        "订单金额": yuan(order.list_amount + order.shipping), "结算金额": yuan(order.paid),
        "余额支付": "0.00", "应付金额": yuan(order.paid), "订单状态": JD_WORDS[order.status],
        "订单类型": "销售订单", "下单帐号": buyer_nick(order),
        "客户姓名": SURNAMES[order.id % len(SURNAMES)] + "**",
        "客户地址": f"{REGIONS[order.id % len(REGIONS)].replace(' ', '')}****",
        "联系电话": phone(order), "运费金额": yuan(order.shipping),
        "付款确认时间": when(order.paid_at), "订单完成时间": when(order.completed_at),
        "订单来源": "移动端订单" if order.id % 3 else "PC端订单", "订单渠道": "暂无来源",
    }
    return [{**head, "商品ID": line.sku, "商品名称": f"{line.title} {line.spec}".strip(),
             "订购数量": str(line.quantity), "京东价": yuan(line.list_price), "货号": line.sku}
            for line in order.lines]
