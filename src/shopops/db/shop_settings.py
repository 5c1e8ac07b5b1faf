"""Per-shop settings (店铺设置): the spec's thresholds are defaults the operator can change.
One key → JSON value table; each domain owns its keys (e.g. `inventory.best_seller_cover_days`)
and passes its defaults, so an unset key always reads as the spec's value."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import JSON, String, select
from sqlalchemy.orm import Mapped, mapped_column

from shopops.core.uow import UnitOfWork
from shopops.db.base import Base
from shopops.db.types import UtcDateTime

T = TypeVar("T")


class ShopSetting(Base):
    __tablename__ = "shop_settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


def read_settings(uow: UnitOfWork, defaults: dict[str, T]) -> dict[str, T]:
    """The defaults, overridden by whatever the shop stored for those keys."""
    rows = uow.session.execute(
        select(ShopSetting.key, ShopSetting.value).where(ShopSetting.key.in_(defaults))
    ).all()
    return {**defaults, **{key: value for key, value in rows}}


def write_setting(uow: UnitOfWork, key: str, value: Any) -> None:
    """Store one setting (in the caller's transaction) and record the change as a fact."""
    row = uow.session.get(ShopSetting, key)
    if row is None:
        uow.session.add(ShopSetting(key=key, value=value, updated_at=uow.now()))
    else:
        row.value, row.updated_at = value, uow.now()
    uow.record("settings.changed", entity="setting", entity_id=0, key=key, value=value)
