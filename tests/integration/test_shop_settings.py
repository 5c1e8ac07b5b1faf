from shopops.bootstrap import App
from shopops.db.facts import Fact
from shopops.db.shop_settings import read_settings, write_setting

DEFAULTS = {"inventory.best_seller_cover_days": 3, "inventory.slow_mover_cover_days": 60}


def test_unset_keys_read_as_the_spec_defaults_and_overrides_win(app: App) -> None:
    with app.reader() as uow:
        assert read_settings(uow, DEFAULTS) == DEFAULTS
    with app.uow() as uow:
        write_setting(uow, "inventory.slow_mover_cover_days", 45)
    with app.uow() as uow:
        write_setting(uow, "inventory.slow_mover_cover_days", 50)
    with app.reader() as uow:
        assert read_settings(uow, DEFAULTS) == {**DEFAULTS, "inventory.slow_mover_cover_days": 50}
        changes = uow.session.query(Fact).filter(Fact.kind == "settings.changed").count()
    assert changes == 2


def test_the_cockpit_slow_sku_table_follows_the_shops_slow_mover_line(app: App) -> None:
    """One unit sold on the day, 45 available → 45 days of cover: not slow at the spec's 60,
    slow once the shop lowers its line to 30."""
    from datetime import date

    from shopops.analytics.periods import period_containing
    from shopops.analytics.service import cockpit
    from shopops.inventory.models import Warehouse
    from shopops.inventory.service import receive
    from shopops.stores.service import add_store
    from tests.factories import Line, add_category, add_order, add_product, add_sku, shanghai

    with app.uow() as uow:
        store = add_store(uow, "tm", "tmall")
        sku = add_sku(uow, "S1", add_product(uow, "P1", add_category(uow, "C1")), price="10",
                      cost="5")
        uow.session.add(Warehouse(code="WH1", name="华东仓", region="华东"))
        uow.session.flush()
        receive(uow, "S1", "WH1", 45, "PO-1")
        add_order(uow, store.id, "O-1", [Line(sku, 1, "10")], paid_at=shanghai(2026, 11, 20, 12))
    day = period_containing("day", date(2026, 11, 20))

    def slow() -> list[str]:
        with app.reader() as uow:
            return [r.sku for r in cockpit(uow, day).slow_skus]

    assert slow() == []
    with app.uow() as uow:
        write_setting(uow, "inventory.slow_mover_cover_days", 30)
    assert slow() == ["S1"]
