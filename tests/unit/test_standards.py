from datetime import date
from decimal import Decimal

from shopops.analytics.metrics import Kpis, ratio, relative_change
from shopops.analytics.periods import Period
from shopops.analytics.standards import DEFAULT_STANDARDS, Standard, judge, merge_overrides

STANDARDS = {s.metric: s for s in DEFAULT_STANDARDS}


def test_spec_defaults_are_the_reference_standards() -> None:
    assert STANDARDS["conversion_rate"].target == Decimal("0.03")
    assert STANDARDS["repurchase_rate_30d"].target == Decimal("0.20")
    assert STANDARDS["roi"].target == Decimal("3")
    assert (STANDARDS["uv"].applies_to, STANDARDS["uv"].target) == ("pop", Decimal("0.05"))
    assert (STANDARDS["gmv"].applies_to, STANDARDS["gmv"].target) == ("pop", Decimal("0.10"))


def test_judge_min_max_and_unknown() -> None:
    assert judge(STANDARDS["roi"], Decimal("3.00"), None) is True
    assert judge(STANDARDS["roi"], Decimal("2.99"), None) is False
    assert judge(STANDARDS["refund_rate"], Decimal("0.05"), None) is False
    assert judge(STANDARDS["gmv"], Decimal("100"), Decimal("0.12")) is True
    assert judge(STANDARDS["gmv"], Decimal("100"), None) is None


def test_shop_overrides_replace_defaults() -> None:
    merged = merge_overrides({"roi": Standard("roi", Decimal("4"), "min")})
    assert merged["roi"].target == Decimal("4")
    assert merged["conversion_rate"] == STANDARDS["conversion_rate"]


def test_ratios_and_changes_have_no_base_when_zero() -> None:
    assert ratio(1, 0) is None
    assert ratio(1, 3) == Decimal("0.3333")
    assert relative_change(110, 100) == Decimal("0.1000")
    assert relative_change(5, 0) is None


def _kpis(**kw: object) -> Kpis:
    base: dict[str, object] = dict(
        period=Period("day", date(2026, 1, 1), date(2026, 1, 1)),
        gmv=Decimal("1000.00"), refund_amount=Decimal("100.00"), paid_orders=10,
        refunded_orders=1, buyers=8, new_buyers=5, repeat_buyers_30d=2, uv=200, pv=500,
        ad_spend=Decimal("250.00"))
    base.update(kw)
    return Kpis(**base)  # type: ignore[arg-type]


def test_derived_kpis_follow_their_definitions() -> None:
    k = _kpis()
    assert k.net_gmv == Decimal("900.00")
    assert k.conversion_rate == Decimal("0.0400")  # buyers / UV
    assert k.aov == Decimal("100.00")
    assert k.refund_rate == Decimal("0.1000")
    assert k.repurchase_rate_30d == Decimal("0.2500")
    assert k.returning_buyers == 3
    assert k.roi == Decimal("4.00")


def test_roi_is_unknown_without_spend() -> None:
    assert _kpis(ad_spend=None).roi is None
    assert _kpis(ad_spend=Decimal("0")).roi is None
