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
