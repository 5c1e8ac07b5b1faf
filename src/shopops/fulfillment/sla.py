"""Ship SLA (发货时效) and carriers: pure rules, no database, no clock (pass `now`).

The ship-by deadline is the payment time plus the platform's limit (SPEC §4: 天猫 48 h, 京东
24 h, 拼多多 24 h, 抖音 48 h; the shop's own standard 24 h). The limits are per-shop settings
(`fulfillment.ship_within_hours.<platform>`) with these defaults. A parcel is promised to the
buyer within `fulfillment.promise_days.<service>` days of shipping (standard 3, express 1).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from shopops.core.errors import ValidationError

SHIP_WITHIN_HOURS: dict[str, int] = {
    "tmall": 48, "taobao": 48, "jd": 24, "pdd": 24, "douyin": 48, "own": 24,
}
PROMISE_DAYS: dict[str, int] = {"standard": 3, "express": 1}
FIRST_SCAN_HOURS = 24  # 发货后 24 小时内应有揽收扫描
STALL_HOURS = 72  # 72 小时无新轨迹视为停滞

# carrier code → Chinese name (常用快递)
CARRIERS: dict[str, str] = {
    "SF": "顺丰速运", "ZTO": "中通快递", "YTO": "圆通速递", "YUNDA": "韵达快递",
    "STO": "申通快递", "JD": "京东物流", "EMS": "中国邮政EMS", "JT": "极兔速递",
    "DBL": "德邦快递",
}
_CARRIER_ALIASES: dict[str, str] = {
    **{name: code for code, name in CARRIERS.items()},
    "顺丰": "SF", "中通": "ZTO", "圆通": "YTO", "韵达": "YUNDA", "申通": "STO",
    "京东": "JD", "京东快递": "JD", "邮政": "EMS", "EMS": "EMS", "极兔": "JT", "德邦": "DBL",
}


def setting_keys() -> dict[str, int]:
    """The settings this module reads, with their defaults."""
    return {**{f"fulfillment.ship_within_hours.{p}": h for p, h in SHIP_WITHIN_HOURS.items()},
            **{f"fulfillment.promise_days.{s}": d for s, d in PROMISE_DAYS.items()},
            "fulfillment.first_scan_hours": FIRST_SCAN_HOURS,
            "fulfillment.stall_hours": STALL_HOURS}


def _hours(settings: Mapping[str, object], key: str, default: int) -> int:
    value = settings.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValidationError(f"设置 {key} 应为正整数，收到 {value!r} — setting {key} must be "
                              f"a positive whole number, got {value!r}",
                              field=key)
    return value


def ship_within_hours(platform: str, settings: Mapping[str, object]) -> int:
    """The platform's ship limit in hours (the shop's own standard for unknown platforms)."""
    default = SHIP_WITHIN_HOURS.get(platform, SHIP_WITHIN_HOURS["own"])
    return _hours(settings, f"fulfillment.ship_within_hours.{platform}", default)


def ship_by(paid_at: datetime, platform: str, settings: Mapping[str, object]) -> datetime:
    """最晚发货时间: paid_at + the platform's limit."""
    return paid_at + timedelta(hours=ship_within_hours(platform, settings))


def promised_by(shipped_at: datetime, service: str, settings: Mapping[str, object]) -> datetime:
    """承诺送达时间: shipped_at + the service level's days."""
    if service not in PROMISE_DAYS:
        raise ValidationError(f"配送服务 {service!r} 不存在，可选：{', '.join(PROMISE_DAYS)} — "
                              f"service {service!r} is not one of {', '.join(PROMISE_DAYS)}",
                              field="service")
    days = _hours(settings, f"fulfillment.promise_days.{service}", PROMISE_DAYS[service])
    return shipped_at + timedelta(days=days)


def carrier_code(value: object) -> str:
    """A carrier code (SF, ZTO …) from a code or a Chinese name; unknown ones are refused."""
    text = str(value).strip() if value is not None else ""
    code = text.upper() if text.upper() in CARRIERS else _CARRIER_ALIASES.get(text)
    if code is None:
        raise ValidationError(f"未知快递公司 {text!r}，可选：{', '.join(CARRIERS)} — unknown "
                              f"carrier {text!r}; known: {', '.join(CARRIERS)}",
                              field="carrier")
    return code
