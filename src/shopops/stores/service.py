"""Store use cases: add and list channel accounts, resolve a store code."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from shopops.core.errors import StoreExists, UnknownStore, ValidationError
from shopops.core.money import to_decimal
from shopops.core.uow import UnitOfWork
from shopops.stores.models import PLATFORMS, Store

# 平台默认佣金 (SPEC §4 table; the midpoint of each platform's range) — a default only.
DEFAULT_COMMISSION = {
    "tmall": Decimal("0.05"),
    "taobao": Decimal("0.02"),
    "jd": Decimal("0.05"),
    "pdd": Decimal("0.006"),
    "douyin": Decimal("0.05"),
    "own": Decimal("0"),
}
PLATFORM_NAMES = {
    "tmall": "天猫",
    "taobao": "淘宝",
    "jd": "京东",
    "pdd": "拼多多",
    "douyin": "抖音",
    "own": "自营商城",
}


@dataclass(frozen=True)
class StoreView:
    id: int
    code: str
    platform: str
    name: str
    timezone: str
    commission_rate: Decimal

    def as_json(self) -> dict[str, str | int]:
        return {
            "id": self.id,
            "code": self.code,
            "platform": self.platform,
            "name": self.name,
            "timezone": self.timezone,
            "commission_rate": str(self.commission_rate),
        }


def _view(store: Store) -> StoreView:
    return StoreView(
        store.id, store.code, store.platform, store.name, store.timezone, store.commission_rate
    )


def validate_store_fields(code: str, platform: str, timezone: str, commission: Decimal) -> None:
    if not code or not code.replace("-", "").replace("_", "").isalnum() or len(code) > 32:
        raise ValidationError(
            f"店铺编码 {code!r} 应为 1–32 个字母、数字、- 或 _ — store code {code!r} must be "
            "1–32 letters, digits, - or _", field="code"
        )
    if platform not in PLATFORMS:
        raise ValidationError(
            f"平台 {platform!r} 不存在，可选：{', '.join(PLATFORMS)} — platform {platform!r} is "
            f"not one of {', '.join(PLATFORMS)}", field="platform"
        )
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"未知时区 {timezone!r} — unknown time zone {timezone!r}",
                              field="timezone") from None
    if not Decimal(0) <= commission < Decimal(1):
        raise ValidationError(
            f"佣金比例 {commission} 应在 0 到 1 之间（不含 1） — commission {commission} must be "
            "a fraction in [0, 1)", field="commission"
        )


def add_store(
    uow: UnitOfWork,
    code: str,
    platform: str,
    *,
    name: str | None = None,
    timezone: str = "Asia/Shanghai",
    commission: object | None = None,
) -> StoreView:
    rate = (
        DEFAULT_COMMISSION.get(platform, Decimal(0))
        if commission is None
        else to_decimal(commission, field="commission")
    )
    validate_store_fields(code, platform, timezone, rate)
    if uow.session.scalar(select(Store.id).where(Store.code == code)):
        raise StoreExists(f"店铺 {code!r} 已存在 — store {code!r} already exists", field="code")
    store = Store(
        code=code,
        platform=platform,
        name=name or f"{PLATFORM_NAMES[platform]} {code}",
        timezone=timezone,
        commission_rate=rate,
        created_at=uow.now(),
    )
    uow.session.add(store)
    uow.session.flush()
    uow.record(
        "store.added",
        entity="store",
        entity_id=store.id,
        store_id=store.id,
        code=code,
        platform=platform,
    )
    return _view(store)


def list_stores(uow: UnitOfWork) -> list[StoreView]:
    return [_view(s) for s in uow.session.scalars(select(Store).order_by(Store.id))]


def store_by_id(uow: UnitOfWork, store_id: int) -> StoreView:
    """The store a row points at (one row, not the whole list); a dangling id is a bug."""
    store = uow.session.get(Store, store_id)
    if store is None:
        raise LookupError(f"no store with id {store_id}")
    return _view(store)


def get_store(uow: UnitOfWork, code: str) -> StoreView:
    store = uow.session.scalar(select(Store).where(Store.code == code))
    if store is None:
        known = ", ".join(s.code for s in list_stores(uow)) or "none yet"
        raise UnknownStore(f"没有店铺 {code!r}（现有：{known}） — unknown store {code!r} "
                           f"(known: {known})", field="store")
    return _view(store)
