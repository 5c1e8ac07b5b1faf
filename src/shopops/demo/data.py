"""Static facts of the demo shop: stores, categories, products, warehouses, ad campaigns and
the calibration targets the generator aims at (SPEC §3, §4, §9, §10)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

KINDS = ("apparel", "digital", "food", "home")

# 转化率 targets per category kind (paid buyers ÷ UV) — middle of the SPEC §10 ranges
KIND_CONVERSION = {"apparel": 0.035, "digital": 0.02, "food": 0.072, "home": 0.038}
# 退款率 per order line: apparel (size/fit) highest, food lowest
KIND_REFUND = {"apparel": 0.075, "digital": 0.03, "food": 0.014, "home": 0.04}
KIND_COST_RATIO = {"apparel": (0.32, 0.45), "digital": (0.58, 0.75), "food": (0.48, 0.62),
                   "home": (0.38, 0.52)}
KIND_ADD_TO_CART = {"apparel": 0.13, "digital": 0.08, "food": 0.14, "home": 0.10}


@dataclass(frozen=True)
class StoreSpec:
    code: str
    platform: str
    name: str
    commission: Decimal  # within the SPEC §4 platform range
    share: float  # share of orders at the start of the range
    growth: float  # extra yearly growth of this channel (抖音 grows fastest)
    listing: dict[str, float]  # chance a product of a kind is listed here
    affinity: dict[str, float]  # how well a kind sells here
    sources: tuple[float, float, float, float, float, float]  # search … external shares
    order_no_style: str


# traffic source order: search, category, paid, content, activity, external
STORES = (
    StoreSpec("tmall-flagship", "tmall", "天猫旗舰店", Decimal("0.04"), 0.34, 0.10,
              {"apparel": 1, "digital": 1, "food": 1, "home": 1},
              {"apparel": 1.2, "digital": 1.0, "food": 1.0, "home": 1.0},
              (0.38, 0.10, 0.26, 0.09, 0.12, 0.05), "taobao"),
    StoreSpec("jd-pop", "jd", "京东POP店", Decimal("0.06"), 0.23, 0.05,
              {"apparel": 0.5, "digital": 1, "food": 0.6, "home": 0.9},
              {"apparel": 0.7, "digital": 2.0, "food": 0.8, "home": 1.1},
              (0.40, 0.12, 0.25, 0.05, 0.13, 0.05), "jd"),
    StoreSpec("pdd-main", "pdd", "拼多多官方旗舰店", Decimal("0.008"), 0.20, 0.15,
              {"apparel": 0.6, "digital": 0.4, "food": 1, "home": 0.8},
              {"apparel": 0.9, "digital": 0.6, "food": 1.6, "home": 1.2},
              (0.20, 0.10, 0.15, 0.05, 0.45, 0.05), "pdd"),
    StoreSpec("douyin-live", "douyin", "抖音直播小店", Decimal("0.03"), 0.15, 0.55,
              {"apparel": 0.9, "digital": 0.3, "food": 0.9, "home": 0.5},
              {"apparel": 1.6, "digital": 0.5, "food": 1.2, "home": 0.8},
              (0.08, 0.04, 0.20, 0.60, 0.05, 0.03), "douyin"),
    StoreSpec("own-mini", "own", "微信小程序商城", Decimal("0"), 0.08, 0.25,
              {"apparel": 0.5, "digital": 0.5, "food": 0.7, "home": 0.5},
              {"apparel": 1.0, "digital": 1.0, "food": 1.2, "home": 1.0},
              (0.10, 0.15, 0.05, 0.15, 0.15, 0.40), "own"),
)

# (code, 类目名, kind, leaf categories (code, name))
CATEGORIES = (
    ("apparel", "服饰", "apparel", (("tee", "T恤"), ("dress", "连衣裙"), ("hoodie", "卫衣"),
                                    ("jacket", "外套"))),
    ("digital", "数码", "digital", (("earphone", "耳机"), ("charger", "充电器/数据线"),
                                    ("case", "手机壳"), ("watch", "智能手表"))),
    ("food", "食品", "food", (("nuts", "坚果炒货"), ("tea", "茶叶"), ("snack", "休闲零食"))),
    ("home", "家居", "home", (("storage", "收纳整理"), ("bedding", "床上用品"))),
)

# (leaf category, product name, list price in yuan, variant axis, variants (name, price factor))
_SIZES = (("M", 1.0), ("L", 1.0), ("XL", 1.04))
_PRODUCTS: tuple[tuple[str, str, str, str, tuple[tuple[str, float], ...]], ...] = (
    ("tee", "纯棉圆领短袖T恤 男女同款", "69.00", "颜色", (("白色", 1.0), ("黑色", 1.0))),
    ("tee", "冰丝速干运动T恤", "89.00", "颜色", (("灰色", 1.0), ("藏青", 1.0))),
    ("tee", "重磅宽松落肩T恤", "99.00", "颜色", (("杏色", 1.0), ("黑色", 1.0))),
    ("tee", "儿童卡通印花短袖", "49.90", "颜色", (("粉色", 1.0), ("蓝色", 1.0))),
    ("dress", "法式碎花连衣裙 收腰显瘦", "199.00", "颜色", (("蓝色碎花", 1.0), ("黄色碎花", 1.0))),
    ("dress", "针织长袖连衣裙 秋冬款", "259.00", "颜色", (("燕麦色", 1.0), ("黑色", 1.0))),
    ("dress", "真丝缎面吊带裙", "329.00", "颜色", (("香槟色", 1.0), ("墨绿", 1.0))),
    ("hoodie", "加绒连帽卫衣", "159.00", "颜色", (("灰色", 1.0), ("黑色", 1.0))),
    ("hoodie", "华夫格圆领卫衣", "139.00", "颜色", (("米白", 1.0), ("雾蓝", 1.0))),
    ("hoodie", "情侣款印花卫衣", "149.00", "颜色", (("白色", 1.0), ("酒红", 1.0))),
    ("jacket", "轻薄羽绒服 90白鸭绒", "399.00", "颜色", (("黑色", 1.0), ("卡其", 1.0))),
    ("jacket", "防风冲锋衣 三合一", "459.00", "颜色", (("藏青", 1.0), ("军绿", 1.0))),
    ("jacket", "复古牛仔夹克", "229.00", "颜色", (("浅蓝", 1.0), ("深蓝", 1.0))),
    ("earphone", "真无线蓝牙耳机 主动降噪", "299.00", "颜色",
     (("白色", 1.0), ("黑色", 1.0), ("薄荷绿", 1.03))),
    ("earphone", "头戴式降噪耳机", "599.00", "颜色", (("黑色", 1.0), ("银色", 1.0))),
    ("earphone", "运动挂耳式蓝牙耳机", "159.00", "颜色", (("黑色", 1.0), ("红色", 1.0))),
    ("charger", "65W 氮化镓快充充电器", "129.00", "规格",
     (("单口", 1.0), ("双口", 1.2), ("三口", 1.4))),
    ("charger", "编织快充数据线", "29.90", "规格", (("1米", 1.0), ("2米", 1.3), ("两条装", 1.7))),
    ("charger", "20000mAh 移动电源", "149.00", "颜色", (("白色", 1.0), ("黑色", 1.0))),
    ("case", "液态硅胶手机壳 iPhone 16", "39.90", "颜色",
     (("午夜黑", 1.0), ("远峰蓝", 1.0), ("樱花粉", 1.0))),
    ("case", "磁吸透明防摔手机壳", "49.00", "规格", (("iPhone 16", 1.0), ("iPhone 16 Pro", 1.0))),
    ("case", "钢化膜 全屏覆盖 两片装", "25.90", "规格",
     (("iPhone 16", 1.0), ("iPhone 16 Pro", 1.0))),
    ("watch", "智能运动手表 心率血氧", "499.00", "颜色", (("黑色", 1.0), ("银色", 1.0))),
    ("watch", "儿童电话手表 4G", "399.00", "颜色", (("蓝色", 1.0), ("粉色", 1.0))),
    ("nuts", "每日坚果 混合果仁", "89.00", "规格", (("30袋装", 1.0), ("60袋装", 1.85))),
    ("nuts", "临安山核桃仁", "69.90", "规格", (("250g", 1.0), ("500g", 1.8))),
    ("nuts", "巴旦木 奶香味", "39.90", "规格", (("500g", 1.0), ("1kg", 1.85))),
    ("nuts", "开心果 原色无漂白", "59.00", "规格", (("500g", 1.0), ("1kg", 1.85))),
    ("nuts", "夏威夷果 奶油味", "45.90", "规格", (("500g", 1.0), ("1kg", 1.85))),
    ("tea", "明前龙井 特级", "268.00", "规格", (("100g", 1.0), ("250g 礼盒", 2.3))),
    ("tea", "云南普洱熟茶饼", "128.00", "规格", (("357g", 1.0), ("两饼装", 1.9))),
    ("tea", "福鼎白茶 寿眉", "98.00", "规格", (("200g", 1.0), ("500g", 2.2))),
    ("tea", "花果茶 冷泡茶包", "39.90", "规格", (("20包", 1.0), ("40包", 1.8))),
    ("snack", "手撕牛肉干 内蒙古风味", "79.00", "规格", (("250g", 1.0), ("500g", 1.85))),
    ("snack", "麻辣鸭脖 锁鲜装", "49.90", "规格", (("微辣", 1.0), ("特辣", 1.0))),
    ("snack", "芝士海苔脆", "29.90", "规格", (("6袋装", 1.0), ("12袋装", 1.8))),
    ("snack", "低糖燕麦饼干", "35.90", "规格", (("1kg", 1.0), ("2kg", 1.9))),
    ("snack", "螺蛳粉 三袋装", "39.90", "规格", (("原味", 1.0), ("加辣", 1.0))),
    ("snack", "黑芝麻丸 无蔗糖", "49.00", "规格", (("126g", 1.0), ("252g", 1.85))),
    ("storage", "可折叠收纳箱 大号", "59.00", "规格", (("单个", 1.0), ("三只装", 2.6))),
    ("storage", "桌面化妆品收纳盒", "45.90", "颜色", (("白色", 1.0), ("透明", 1.0))),
    ("storage", "真空压缩袋 十件套", "39.90", "规格", (("手泵款", 1.0), ("电泵款", 1.6))),
    ("storage", "衣柜分层隔板", "29.90", "规格", (("4片装", 1.0), ("8片装", 1.8))),
    ("bedding", "全棉四件套 1.8m床", "299.00", "颜色",
     (("雾霾蓝", 1.0), ("奶咖", 1.0), ("浅灰", 1.0))),
    ("bedding", "大豆纤维冬被", "259.00", "规格", (("200×230", 1.0), ("220×240", 1.15))),
    ("bedding", "乳胶枕 一对装", "199.00", "规格", (("标准款", 1.0), ("高低款", 1.1))),
    ("bedding", "珊瑚绒毛毯", "89.00", "规格", (("150×200", 1.0), ("200×230", 1.3))),
    ("bedding", "记忆棉床垫 10cm", "499.00", "规格", (("1.5m", 1.0), ("1.8m", 1.2))),
)
APPAREL_LEAVES = ("tee", "dress", "hoodie", "jacket")


def product_specs() -> tuple[tuple[str, str, str, str, tuple[tuple[str, float], ...]], ...]:
    """Products with their variants; apparel gets colour × size (颜色 × 尺码)."""
    return _PRODUCTS


def size_variants() -> tuple[tuple[str, float], ...]:
    return _SIZES


# (code, name, region): nearest-warehouse allocation by the buyer's region
WAREHOUSES = (("WH-SH", "上海仓", "华东"), ("WH-GZ", "广州仓", "华南"), ("WH-BJ", "北京仓", "华北"))

# province, weight, warehouse index (0 华东 / 1 华南 / 2 华北)
PROVINCES = (
    ("广东", 11, 1), ("浙江", 8, 0), ("江苏", 8, 0), ("上海", 6, 0), ("山东", 6, 2),
    ("北京", 5, 2), ("四川", 5, 1), ("河南", 5, 2), ("福建", 4, 0), ("湖北", 4, 1),
    ("湖南", 4, 1), ("安徽", 3, 0), ("河北", 3, 2), ("天津", 2, 2), ("重庆", 2, 1),
    ("陕西", 2, 2), ("辽宁", 2, 2), ("广西", 2, 1), ("江西", 2, 0), ("云南", 2, 1),
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁"

# per platform: (channel, campaign name, target ROI 投产比, cost per click in yuan)
AD_CAMPAIGNS = {
    "tmall": (("ztc", "直通车-核心词", 3.4, 1.6), ("ztc", "直通车-拉新人群", 1.6, 1.2),
              ("ylmf", "引力魔方-猜你喜欢", 4.9, 0.9)),
    "jd": (("jd_kuaiche", "京东快车-品类词", 3.0, 1.8), ("jd_haitou", "京东海投", 1.7, 1.1)),
    "pdd": (("duoduo_search", "多多搜索", 3.6, 0.7), ("duoduo_scene", "多多场景", 2.2, 0.5),
            ("duoduo_quanzhan", "全站推广", 5.2, 0.6)),
    "douyin": (("qianchuan", "巨量千川-直播间", 2.8, 1.0),
               ("qianchuan", "巨量千川-短视频", 1.5, 0.8),
               ("suixintui", "随心推", 3.3, 0.6), ("qianchuan", "千川全域推广", 5.0, 0.9)),
    "own": (("wechat_moments", "朋友圈广告", 2.5, 2.0), ("wechat_search", "微信搜一搜", 4.4, 1.5)),
}
STORE_AD_RATIO = (5.0, 7.0)  # store GMV ÷ ad spend (投产比 at store level) is drawn in this band
