"""Numbers the way Chinese operators read them (pure): ¥ amounts, 万/亿 for big figures,
rates as percentages, changes with arrows. The API's raw strings go in, display text comes out;
the raw value stays on the page in a data attribute, so nothing is lost by formatting."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal

Kind = Literal["amount", "count", "rate", "ratio"]
Lang = Literal["zh", "en"]
DASH = "—"

WAN = Decimal(10_000)  # 万
YI = Decimal(100_000_000)  # 亿

AMOUNT_METRICS = frozenset({"gmv", "net_gmv", "aov", "ad_spend", "refund_amount"})
RATE_METRICS = frozenset({"conversion_rate", "refund_rate", "repurchase_rate_30d"})
RATIO_METRICS = frozenset({"roi", "days_of_cover"})


def metric_kind(metric: str) -> Kind:
    if metric in AMOUNT_METRICS:
        return "amount"
    if metric in RATE_METRICS:
        return "rate"
    if metric in RATIO_METRICS:
        return "ratio"
    return "count"


def to_decimal(value: object) -> Decimal | None:
    """The API's value (a decimal string, an int, a Decimal or None) as a Decimal."""
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _q(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _grouped(value: Decimal, places: int) -> str:
    return f"{_q(value, places):,.{places}f}"


def big_number(value: Decimal, places: int, lang: Lang = "zh") -> str:
    """12345.6 → 1.23万 (zh); 123456789 → 1.23亿; below 10,000 with thousands separators.
    English keeps the full figure with separators."""
    if lang == "zh":
        magnitude = abs(value)
        if magnitude >= YI:
            return f"{_q(value / YI, 2)}亿"
        if magnitude >= WAN:
            return f"{_q(value / WAN, 2)}万"
    return _grouped(value, places)


def format_amount(value: object, lang: Lang = "zh") -> str:
    """¥12.35万 / ¥1,234.56 / —."""
    number = to_decimal(value)
    if number is None:
        return DASH
    sign = "-" if number < 0 else ""
    return f"{sign}¥{big_number(abs(number), 2, lang)}"


def format_count(value: object, lang: Lang = "zh") -> str:
    number = to_decimal(value)
    return DASH if number is None else big_number(number, 0, lang)


def format_rate(value: object, places: int = 2) -> str:
    """A fraction as a percentage: 0.0342 → 3.42%."""
    number = to_decimal(value)
    return DASH if number is None else f"{_q(number * 100, places)}%"


def format_ratio(value: object, places: int = 2) -> str:
    number = to_decimal(value)
    return DASH if number is None else _grouped(number, places)


def format_metric(metric: str, value: object, lang: Lang = "zh") -> str:
    kind = metric_kind(metric)
    if kind == "amount":
        return format_amount(value, lang)
    if kind == "rate":
        return format_rate(value)
    if metric == "days_of_cover":
        return format_ratio(value, 1)
    if kind == "ratio":
        return format_ratio(value)
    return format_count(value, lang)


def change_direction(value: object) -> str:
    """'up', 'down', 'flat' or 'none' — the CSS class of a 环比/同比 change."""
    number = to_decimal(value)
    if number is None:
        return "none"
    if number > 0:
        return "up"
    return "down" if number < 0 else "flat"


ARROWS = {"up": "▲", "down": "▼", "flat": "", "none": ""}


def format_change(value: object) -> str:
    """A relative change as a signed percentage with an arrow: ▲ +12.30% / ▼ -4.00% / —."""
    number = to_decimal(value)
    if number is None:
        return DASH
    arrow = ARROWS[change_direction(number)]
    sign = "+" if number > 0 else ""
    text = f"{sign}{_q(number * 100, 2)}%"
    return f"{arrow} {text}" if arrow else text


def raw(value: object) -> str:
    """The value exactly as the API gives it, for data-value attributes ('' for None)."""
    return "" if value is None else str(value)
