"""Pure fulfillment rules as tables: routing plans, ship-by deadlines per platform, each
logistics exception at its boundary (met at the deadline, open one second later), carrier
names and tracking-file rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shopops.core.errors import ValidationError
from shopops.fulfillment import sla
from shopops.fulfillment.exceptions import (
    OrderSnapshot,
    ShipmentSnapshot,
    counts,
    find_exceptions,
)
from shopops.fulfillment.tracking_file import event_status, parse_tracking_file
from shopops.orders.allocation import (
    DEFAULT_RULES,
    Rule,
    WarehouseStock,
    parse_rules,
    region_of,
    route,
)

T0 = datetime(2026, 11, 11, 2, 0, tzinfo=UTC)
H = timedelta(hours=1)
S = timedelta(seconds=1)
DEFAULT = parse_rules(list(DEFAULT_RULES))
SH, GZ, BJ = "WH-SH", "WH-GZ", "WH-BJ"
REGIONS = {SH: "华东", GZ: "华南", BJ: "华北"}


def stock(**per: dict[str, int]) -> list[WarehouseStock]:
    return [WarehouseStock(f"WH-{k}", REGIONS[f"WH-{k}"], v) for k, v in per.items()]


@pytest.mark.parametrize(("place", "region"), [
    ("广东", "华南"), ("广东省", "华南"), ("广西壮族自治区", "华南"), ("上海市", "华东"),
    ("黑龙江省", "东北"), ("内蒙古自治区", "华北"), ("华中", "华中"), ("", None), (None, None),
    ("火星", None)])
def test_region_of_province(place: str | None, region: str | None) -> None:
    assert region_of(place) == region


@pytest.mark.parametrize(("lines", "buyer", "have", "rules", "plan"), [
    # the buyer's own region has everything
    ({"A": 1}, "华南", stock(SH={"A": 5}, GZ={"A": 5}, BJ={"A": 5}), DEFAULT, {GZ: {"A": 1}}),
    # nearest region that has everything: 华中 buyer → GZ (Wuhan–Guangzhou < Wuhan–Beijing)
    ({"A": 1}, "华中", stock(GZ={"A": 5}, BJ={"A": 5}), DEFAULT, {GZ: {"A": 1}}),
    # one far warehouse with all of it beats a split from the buyer's region
    ({"A": 1, "B": 1}, "华南", stock(GZ={"A": 5}, BJ={"A": 1, "B": 1}), DEFAULT,
     {BJ: {"A": 1, "B": 1}}),
    # split only when needed; units come from the nearer warehouse first
    ({"A": 4}, "华南", stock(SH={"A": 3}, GZ={"A": 2}, BJ={"A": 3}), DEFAULT,
     {GZ: {"A": 2}, SH: {"A": 2}}),
    # nearest first: with nearest_region ranked first a nearer split wins over one far parcel
    ({"A": 1, "B": 1}, "华南", stock(SH={"B": 1}, GZ={"A": 1}, BJ={"A": 1, "B": 1}),
     [Rule("nearest_region"), Rule("fewest_shipments")], {GZ: {"A": 1}, SH: {"B": 1}}),
    # excluded warehouses never ship
    ({"A": 1}, "华南", stock(GZ={"A": 5}, BJ={"A": 5}),
     [Rule("exclude_warehouses", (GZ,)), *DEFAULT], {BJ: {"A": 1}}),
    # priority list decides when the region is unknown
    ({"A": 1}, None, stock(SH={"A": 1}, GZ={"A": 1}, BJ={"A": 1}),
     [Rule("fewest_shipments"), Rule("nearest_region"), Rule("warehouse_priority", (BJ, GZ))],
     {BJ: {"A": 1}}),
    # no rule has an opinion: the warehouse code decides (deterministic)
    ({"A": 1}, None, stock(SH={"A": 1}, GZ={"A": 1}), [], {GZ: {"A": 1}}),
])
def test_route_plans(lines: dict[str, int], buyer: str | None, have: list[WarehouseStock],
                     rules: list[Rule], plan: dict[str, dict[str, int]]) -> None:
    decision = route(lines, buyer, have, rules)
    assert not decision.shortages
    assert {p.warehouse: dict(p.lines) for p in decision.parcels} == plan
    assert decision.explanation


def test_route_names_every_short_sku_and_plans_nothing() -> None:
    decision = route({"A": 3, "B": 1, "C": 1}, "华东", stock(SH={"A": 1, "C": 1}, GZ={"A": 1}),
                     DEFAULT)
    assert decision.parcels == ()
    assert [(s.sku, s.requested, s.available, s.shortfall) for s in decision.shortages] == [
        ("A", 3, 2, 1), ("B", 1, 0, 1)]


def test_excluded_stock_does_not_count() -> None:
    decision = route({"A": 1}, "华南", stock(GZ={"A": 5}), [Rule("exclude_warehouses", (GZ,))])
    assert [s.sku for s in decision.shortages] == ["A"]


@pytest.mark.parametrize(("raw", "field"), [
    ("fewest", "rules"), ([{"kind": "cheapest"}], "rules[0].kind"),
    ([{"kind": "fewest_shipments"}, {"kind": "exclude_warehouses"}], "rules[1].warehouses"),
    ([{"kind": "warehouse_priority", "warehouses": "WH-SH"}], "rules[0].warehouses")])
def test_bad_rule_lists_name_the_field(raw: object, field: str) -> None:
    with pytest.raises(ValidationError) as bad:
        parse_rules(raw)
    assert bad.value.field == field


@pytest.mark.parametrize(("platform", "hours"), [
    ("tmall", 48), ("taobao", 48), ("jd", 24), ("pdd", 24), ("douyin", 48), ("own", 24)])
def test_ship_by_per_platform(platform: str, hours: int) -> None:
    assert sla.ship_by(T0, platform, {}) == T0 + hours * H


def test_ship_limits_are_shop_settings() -> None:
    settings = {"fulfillment.ship_within_hours.tmall": 24, "fulfillment.promise_days.standard": 2}
    assert sla.ship_by(T0, "tmall", settings) == T0 + 24 * H
    assert sla.promised_by(T0, "standard", settings) == T0 + 48 * H
    assert sla.promised_by(T0, "express", {}) == T0 + 24 * H
    with pytest.raises(ValidationError) as bad:
        sla.ship_by(T0, "jd", {"fulfillment.ship_within_hours.jd": 0})
    assert bad.value.field == "fulfillment.ship_within_hours.jd"


@pytest.mark.parametrize(("given", "code"), [
    ("SF", "SF"), ("sf", "SF"), ("顺丰", "SF"), ("中通快递", "ZTO"), ("圆通", "YTO"),
    ("韵达", "YUNDA"), ("京东物流", "JD"), ("EMS", "EMS"), ("邮政", "EMS")])
def test_carrier_codes(given: str, code: str) -> None:
    assert sla.carrier_code(given) == code


def test_unknown_carrier_is_refused() -> None:
    with pytest.raises(ValidationError) as bad:
        sla.carrier_code("飞毛腿")
    assert bad.value.field == "carrier"


def snapshot(status: str = "shipped", *, ship_by: datetime | None = T0 + 24 * H,
             shipped: datetime | None = T0, first: datetime | None = None,
             last: datetime | None = None, delivered: datetime | None = None,
             promised: datetime = T0 + 72 * H) -> OrderSnapshot:
    parcels = () if shipped is None else (ShipmentSnapshot(
        7, "顺丰速运", "SF1", shipped, promised, first, last, delivered),)
    return OrderSnapshot(1, "N1", "tm", status, ship_by, parcels)


def kinds(order: OrderSnapshot, now: datetime) -> list[str]:
    return [e.kind for e in find_exceptions([order], now, first_scan_hours=24,
                                            stall_hours=72)]


@pytest.mark.parametrize(("order", "now", "found"), [
    # not shipped by the deadline (ship_by T0 + 24 h)
    (snapshot("paid", shipped=None), T0 + 24 * H, []),
    (snapshot("paid", shipped=None), T0 + 24 * H + S, ["not_shipped"]),
    (snapshot("allocated", shipped=None), T0 + 24 * H + S, ["not_shipped"]),
    (snapshot("created", shipped=None, ship_by=None), T0 + 99 * H, []),
    (snapshot("shipped", shipped=None), T0 + 99 * H, []),
    # no first scan 24 h after shipping
    (snapshot(), T0 + 24 * H, []),
    (snapshot(), T0 + 24 * H + S, ["no_first_scan"]),
    # no movement for 72 h after the last scan
    (snapshot(first=T0 + H, last=T0 + 2 * H, promised=T0 + 999 * H), T0 + 74 * H, []),
    (snapshot(first=T0 + H, last=T0 + 2 * H, promised=T0 + 999 * H), T0 + 74 * H + S,
     ["stalled"]),
    # not delivered by the promised time
    (snapshot(first=T0 + H, last=T0 + 70 * H), T0 + 72 * H, []),
    (snapshot(first=T0 + H, last=T0 + 70 * H), T0 + 72 * H + S, ["late_delivery"]),
    # delivered parcels raise nothing, however late
    (snapshot(first=T0 + H, last=T0 + 90 * H, delivered=T0 + 90 * H), T0 + 500 * H, []),
])
def test_exception_boundaries(order: OrderSnapshot, now: datetime, found: list[str]) -> None:
    assert kinds(order, now) == found


def test_exception_carries_age_action_and_a_stable_key() -> None:
    [e] = find_exceptions([snapshot("paid", shipped=None)], T0 + 30 * H, first_scan_hours=24,
                          stall_hours=72)
    assert (e.age, e.age_hours, e.since, e.store) == (6 * H, 6.0, T0 + 24 * H, "tm")
    assert e.label == "未按时发货" and "发货" in e.action
    assert e.key == f"not_shipped:1:0:{int((T0 + 24 * H).timestamp())}"
    assert counts([e]) == {"not_shipped": 1, "no_first_scan": 0, "stalled": 0,
                           "late_delivery": 0}


@pytest.mark.parametrize(("status", "description", "mapped"), [
    ("已揽收", "", "collected"), ("", "【广州】快件已被揽收", "collected"),
    ("运输中", "", "in_transit"), ("", "快件到达【上海转运中心】", "in_transit"),
    ("派件中", "", "out_for_delivery"), ("已签收", "", "delivered"),
    ("", "您的快件已签收，签收人：本人", "delivered"), ("疑难件", "", "exception"),
    ("delivered", "", "delivered"), ("", "状态不明", None)])
def test_event_status_words(status: str, description: str, mapped: str | None) -> None:
    assert event_status(status, description) == mapped


def test_tracking_file_xlsx_and_missing_column() -> None:
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([" 快递单号 ", "扫描时间", "物流信息", "快递公司"])
    sheet.append(["'YT9", datetime(2026, 11, 12, 9, 30), "已签收", "圆通"])
    buffer = io.BytesIO()
    book.save(buffer)
    [event], problems = parse_tracking_file(buffer.getvalue(), "yto.xlsx")
    assert problems == []
    assert (event.tracking_no, event.status, event.carrier) == ("YT9", "delivered", "圆通")
    assert event.occurred_at == datetime(2026, 11, 12, 1, 30, tzinfo=UTC)
    with pytest.raises(ValidationError) as missing:
        parse_tracking_file("运单号,描述\nSF1,x\n".encode(), "bad.csv")
    assert missing.value.field == "time"
    with pytest.raises(ValidationError):
        parse_tracking_file(b"", "empty.csv")
