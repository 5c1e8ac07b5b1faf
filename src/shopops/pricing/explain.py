"""The 到手价 explanation in words (价格说明), for the cart simulator, the API and the CLI."""

from __future__ import annotations

from shopops.pricing.engine import Quote

LEVEL_ZH = {"item_level": "单品优惠", "store_level": "店铺优惠", "platform_level": "平台优惠"}


def explanation_lines(quote: Quote) -> list[str]:
    """Ordered lines from 商品原价 to 实付, each applied offer with its amount and lines."""
    out = [f"商品原价 ¥{quote.list_total}"]
    for step in quote.steps:
        skus = "、".join(sorted({a.sku for a in step.allocations})) or "整单"
        out.append(f"{LEVEL_ZH[step.level]} · {step.name}（{step.promotion_id}）"
                   f" −¥{step.amount}，作用于 {skus}")
    for gift in quote.gifts:
        out.append(f"赠品 {gift.sku} ×{gift.quantity} ¥{gift.unit_price}（{gift.promotion_id}）")
    out.append(f"商品到手 ¥{quote.goods_total}")
    shipping = "包邮" if quote.free_shipping else f"运费 ¥{quote.shipping_fee}"
    out.append(f"{shipping}，实付 ¥{quote.total}")
    for promotion_id, why in quote.not_used:
        out.append(f"未使用 {promotion_id}：{why}")
    return out
