"""售后原因 reason codes (pure): each code belongs to a category and carries the shop's default
handling (SPEC §7: quality → full refund incl. shipping + apology; size → free exchange).
The 7-day no-reason window (七天无理由) applies only to the no_reason category: the other
reasons are the shop's fault or the goods' and are not bound by it."""

from __future__ import annotations

from dataclasses import dataclass

from shopops.core.errors import ValidationError

CATEGORIES = ("quality", "size", "description", "logistics", "no_reason")
CATEGORY_NAMES = {"quality": "质量", "size": "尺码", "description": "描述不符",
                  "logistics": "物流/发货", "no_reason": "无理由"}


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    name: str  # 中文, as the buyer chose it
    name_en: str
    category: str
    kind: str  # default handling: return_refund | exchange | refund_only
    refund_shipping: bool  # the shop pays the shipping back (its fault)
    apology: bool  # say sorry (道歉) — quality problems
    restock: bool  # returned goods are sellable by default; else 待检区 first


REASONS: dict[str, Reason] = {r.code: r for r in (
    Reason("quality", "质量问题", "quality problem", "quality", "return_refund", True, True,
           False),
    Reason("size", "尺码不合适", "wrong size", "size", "exchange", True, False, True),
    Reason("not_as_described", "与描述不符", "not as described", "description",
           "return_refund", True, False, True),
    Reason("no_reason", "七天无理由", "7-day no reason", "no_reason", "return_refund", False,
           False, True),
    Reason("wrong_item", "发错货", "wrong item sent", "logistics", "exchange", True, True,
           True),
    Reason("damaged", "物流破损", "damaged in transit", "logistics", "return_refund", True,
           True, False),
    Reason("changed_mind", "不想要了", "changed mind", "no_reason", "return_refund", False,
           False, True),
)}


def reason(code: str, field: str = "reason") -> Reason:
    """The reason for a code; an unknown code is an error listing the known ones."""
    found = REASONS.get((code or "").strip())
    if found is None:
        raise ValidationError(f"售后原因 {code!r} 不存在，可选：{', '.join(REASONS)} — reason "
                              f"{code!r} is not one of {', '.join(REASONS)}",
                              field=field)
    return found
