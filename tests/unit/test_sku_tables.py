from decimal import Decimal

from shopops.analytics.breakdowns import SkuRow, slow_skus, top_skus


def row(sku: str, units: int, available: int, gmv: str = "0") -> SkuRow:
    return SkuRow(sku, sku, "类目", units, Decimal(gmv), units, 100, available, days=30)


def test_days_of_cover_is_available_over_daily_sales() -> None:
    assert row("A", units=30, available=90).days_of_cover == Decimal("90.0")
    assert row("B", units=0, available=5).days_of_cover is None


def test_slow_movers_have_stock_and_over_sixty_days_of_cover_biggest_stock_first() -> None:
    rows = [row("fast", 60, 30), row("idle-small", 0, 2), row("idle-big", 0, 500),
            row("slow", 10, 400), row("empty", 0, 0), row("ok", 30, 59)]
    assert [r.sku for r in slow_skus(rows)] == ["idle-big", "slow", "idle-small"]
    assert [r.sku for r in slow_skus(rows, cover_days=2000)] == ["idle-big", "idle-small"]


def test_top_skus_rank_by_gmv_and_skip_unsold() -> None:
    rows = [row("a", 1, 0, "10"), row("b", 2, 0, "30"), row("c", 0, 0, "0")]
    assert [r.sku for r in top_skus(rows, limit=5)] == ["b", "a"]
