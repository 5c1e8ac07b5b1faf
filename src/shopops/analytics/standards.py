"""Reference standards from the spec (SPEC §10, §8, §9), as defaults the shop can override
(table metric_standards). Pure: judging a value needs no database."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

Direction = Literal["min", "max"]
AppliesTo = Literal["value", "pop", "yoy"]


@dataclass(frozen=True, slots=True)
class Standard:
    metric: str
    target: Decimal
    direction: Direction  # min: on track when ≥ target; max: when ≤ target
    applies_to: AppliesTo = "value"  # the value itself, or its change 环比/同比
    note_zh: str = ""
    note_en: str = ""


DEFAULT_STANDARDS: tuple[Standard, ...] = (
    Standard("conversion_rate", Decimal("0.03"), "min", "value", "行业参考 3–5%", "industry 3–5%"),
    Standard("uv", Decimal("0.05"), "min", "pop", "访客环比 ≥ +5%", "UV period-on-period ≥ +5%"),
    Standard(
        "gmv", Decimal("0.10"), "min", "pop", "成交额环比 ≥ +10%", "GMV period-on-period ≥ +10%"
    ),
    Standard(
        "repurchase_rate_30d",
        Decimal("0.20"),
        "min",
        "value",
        "30天复购率 ≥ 20%",
        "30-day repurchase ≥ 20%",
    ),
    Standard("roi", Decimal("3"), "min", "value", "投产比 ≥ 3:1", "ROI ≥ 3:1"),
    Standard(
        "refund_rate",
        Decimal("0.038"),
        "max",
        "value",
        "行业参考 1.8%，超出 2 个百分点预警",
        "industry 1.8%; alert above +2 pts",
    ),
)


def judge(standard: Standard, value: Decimal | None, change: Decimal | None) -> bool | None:
    """On track (True), off track (False), or unknown (None) when there is nothing to judge."""
    observed = value if standard.applies_to == "value" else change
    if observed is None:
        return None
    if standard.direction == "min":
        return observed >= standard.target
    return observed <= standard.target


def merge_overrides(overrides: dict[str, Standard]) -> dict[str, Standard]:
    merged = {s.metric: s for s in DEFAULT_STANDARDS}
    merged.update(overrides)
    return merged
