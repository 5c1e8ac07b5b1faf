"""Warehouse allocation (智能分仓): which warehouse ships which units of a paid order. Pure
rules — plain data in, a decision out; the service reads stock and settings and reserves.

Like Shopify's order routing, a store keeps an ordered list of rules. Every way to ship the
order (one warehouse, or a split over several) is a candidate *plan*; each rule gives a plan
a score and plans are compared rule by rule, the first rule deciding, the next breaking ties,
the warehouse codes last (so the answer never depends on dict order). Rules:

- ``exclude_warehouses`` {"warehouses": [codes]} — never ship from these (a filter).
- ``fewest_shipments`` — fewer parcels first: a single warehouse with all the stock beats any
  split; a split is only chosen when no single warehouse can ship the whole order.
- ``nearest_region`` — the warehouse in the buyer's region first, then the nearer regions
  (great-circle distance between the regions' hub cities); unknown buyer region: no opinion.
- ``warehouse_priority`` {"warehouses": [codes]} — the operator's preferred order.

The default list is fewest_shipments → nearest_region → warehouse_priority: "ship from the
nearest warehouse that has all the stock, split only when no single one can".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import combinations
from typing import Any

from shopops.core.errors import ValidationError

# region → hub city (lat, lon): 上海 / 广州 / 北京 / 武汉 / 成都 / 西安 / 沈阳
REGION_HUBS: dict[str, tuple[float, float]] = {
    "华东": (31.23, 121.47), "华南": (23.13, 113.26), "华北": (39.90, 116.40),
    "华中": (30.59, 114.31), "西南": (30.57, 104.07), "西北": (34.34, 108.94),
    "东北": (41.80, 123.43),
}
PROVINCE_REGIONS: dict[str, str] = {
    **dict.fromkeys(("上海", "江苏", "浙江", "安徽", "福建", "江西", "山东", "台湾"), "华东"),
    **dict.fromkeys(("广东", "广西", "海南", "香港", "澳门"), "华南"),
    **dict.fromkeys(("北京", "天津", "河北", "山西", "内蒙古"), "华北"),
    **dict.fromkeys(("河南", "湖北", "湖南"), "华中"),
    **dict.fromkeys(("重庆", "四川", "贵州", "云南", "西藏"), "西南"),
    **dict.fromkeys(("陕西", "甘肃", "青海", "宁夏", "新疆"), "西北"),
    **dict.fromkeys(("辽宁", "吉林", "黑龙江"), "东北"),
}
RULE_KINDS = ("exclude_warehouses", "fewest_shipments", "nearest_region", "warehouse_priority")
DEFAULT_RULES: tuple[dict[str, Any], ...] = (
    {"kind": "fewest_shipments"}, {"kind": "nearest_region"}, {"kind": "warehouse_priority"})
MAX_SPLIT = 3  # a plan uses at most this many warehouses (keeps the search small)
_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")


@dataclass(frozen=True, slots=True)
class Rule:
    kind: str
    warehouses: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class WarehouseStock:
    """A sellable warehouse and the 可用 units it holds of the order's SKUs."""

    code: str
    region: str
    available: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class Parcel:
    """What one warehouse ships: (sku, units) pairs."""

    warehouse: str
    lines: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class Shortage:
    sku: str
    requested: int
    available: int

    @property
    def shortfall(self) -> int:
        return self.requested - self.available


@dataclass(frozen=True, slots=True)
class Decision:
    """Parcels to reserve, or the SKUs no combination of warehouses can cover."""

    parcels: tuple[Parcel, ...] = ()
    shortages: tuple[Shortage, ...] = ()
    region: str | None = None
    explanation: tuple[str, ...] = field(default=())


def region_of(place: str | None) -> str | None:
    """The region (华东 …) of a province (``广东`` / ``广东省`` / ``广西壮族自治区``) or of a
    region name itself; None when unknown or empty."""
    if not place or not place.strip():
        return None
    name = place.strip()
    if name in REGION_HUBS:
        return name
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    return PROVINCE_REGIONS.get(name) or PROVINCE_REGIONS.get(name[:2])


@cache
def region_distance(a: str | None, b: str | None) -> float:
    """Great-circle km between two regions' hubs; same region 0, unknown = infinitely far."""
    if a is None or b is None or a not in REGION_HUBS or b not in REGION_HUBS:
        return math.inf
    if a == b:
        return 0.0
    (la1, lo1), (la2, lo2) = (map(math.radians, REGION_HUBS[r]) for r in (a, b))
    h = (math.sin((la2 - la1) / 2) ** 2
         + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2)
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def parse_rules(raw: object) -> list[Rule]:
    """Check a stored/typed rule list: [{"kind": …, "warehouses": [...]}, …] in order."""
    if not isinstance(raw, list | tuple):
        raise ValidationError("routing rules must be a list of {kind, warehouses}",
                              field="rules")
    rules: list[Rule] = []
    for i, item in enumerate(raw):
        kind = item.get("kind") if isinstance(item, Mapping) else None
        if kind not in RULE_KINDS:
            raise ValidationError(f"rules[{i}].kind {kind!r} is not one of "
                                  f"{', '.join(RULE_KINDS)}", field=f"rules[{i}].kind")
        codes = item.get("warehouses", []) if isinstance(item, Mapping) else []
        if not isinstance(codes, list | tuple) or not all(isinstance(c, str) for c in codes):
            raise ValidationError(f"rules[{i}].warehouses must be a list of warehouse codes",
                                  field=f"rules[{i}].warehouses")
        if kind == "exclude_warehouses" and not codes:
            raise ValidationError(f"rules[{i}] excludes no warehouse",
                                  field=f"rules[{i}].warehouses")
        rules.append(Rule(kind, tuple(codes)))
    return rules


def _shortages(lines: Mapping[str, int], stock: Sequence[WarehouseStock]) -> list[Shortage]:
    short = []
    for sku, need in sorted(lines.items()):
        have = sum(w.available.get(sku, 0) for w in stock)
        if have < need:
            short.append(Shortage(sku, need, have))
    return short


def _fill(lines: Mapping[str, int], group: Sequence[WarehouseStock]) -> tuple[Parcel, ...] | None:
    """Each SKU taken from the group's warehouses in the given order, as much as possible
    from each; None when the group cannot cover the order or leaves a warehouse idle."""
    taken: dict[str, list[tuple[str, int]]] = {w.code: [] for w in group}
    for sku, need in sorted(lines.items()):
        for w in group:
            take = min(need, max(w.available.get(sku, 0), 0))
            if take:
                taken[w.code].append((sku, take))
                need -= take
        if need:
            return None
    if any(not chunk for chunk in taken.values()):
        return None
    return tuple(Parcel(w.code, tuple(taken[w.code])) for w in group)


def _score(rule: Rule, plan: tuple[Parcel, ...], buyer: str | None,
           regions: Mapping[str, str]) -> tuple[float, ...]:
    if rule.kind == "fewest_shipments":
        return (len(plan),)
    if rule.kind == "nearest_region":  # units-weighted distance, then the farthest parcel
        units = [(sum(q for _, q in p.lines), region_distance(buyer, regions[p.warehouse]))
                 for p in plan]
        if buyer is None:
            return (0.0,)
        total = sum(n * d if d != math.inf else n * 1e6 for n, d in units)
        return (total, max(d for _, d in units))
    if rule.kind == "warehouse_priority":
        rank = {code: i for i, code in enumerate(rule.warehouses)}
        return tuple(sorted(rank.get(p.warehouse, len(rank)) for p in plan))
    return ()


def _preference(w: WarehouseStock, buyer: str | None, rules: Sequence[Rule]
                ) -> tuple[float | str, ...]:
    """How much the rules like one warehouse on its own (fills a split in this order)."""
    key: list[float | str] = []
    for r in rules:
        if r.kind == "nearest_region" and buyer is not None:
            key.append(region_distance(buyer, w.region))
        elif r.kind == "warehouse_priority":
            key.append(r.warehouses.index(w.code) if w.code in r.warehouses
                       else len(r.warehouses))
    return (*key, w.code)


def route(lines: Mapping[str, int], buyer_region: str | None,
          stock: Sequence[WarehouseStock], rules: Sequence[Rule]) -> Decision:
    """The best plan for `lines` (sku → units) under the ordered `rules`."""
    if not lines or any(q <= 0 for q in lines.values()):
        raise ValidationError("an order needs at least one line with a positive quantity",
                              field="lines")
    excluded = {c for r in rules if r.kind == "exclude_warehouses" for c in r.warehouses}
    allowed = sorted((w for w in stock if w.code not in excluded), key=lambda w: w.code)
    notes = [f"排除仓库 {', '.join(sorted(excluded))}"] if excluded else []
    short = _shortages(lines, allowed)
    if short:
        return Decision(shortages=tuple(short), region=buyer_region, explanation=tuple(notes))
    # warehouses inside a split are filled nearest / highest priority first
    ranked = sorted(allowed, key=lambda w: _preference(w, buyer_region, rules))
    regions = {w.code: w.region for w in allowed}
    # fewest_shipments deciding first (exclude_warehouses scores nothing): no plan of more
    # parcels can win once a size has plans, so larger splits are not even tried
    deciding = [r.kind for r in rules if r.kind != "exclude_warehouses"]
    fewest_first = bool(deciding) and deciding[0] == "fewest_shipments"
    plans: list[tuple[Parcel, ...]] = []
    for size in range(1, min(MAX_SPLIT, len(ranked)) + 1):
        if plans and fewest_first:
            break
        for group in combinations(ranked, size):
            plan = _fill(lines, group)
            if plan is not None:
                plans.append(plan)
    if not plans:  # stock exists, but only spread over more than MAX_SPLIT warehouses
        return Decision(shortages=tuple(
            Shortage(sku, need, 0) for sku, need in sorted(lines.items())), region=buyer_region,
            explanation=(*notes, f"无法在 {MAX_SPLIT} 个仓库内凑齐"))
    best = min(plans, key=lambda p: (
        tuple(_score(r, p, buyer_region, regions) for r in rules),
        tuple(sorted(x.warehouse for x in p))))
    notes.append(("单仓发货 " if len(best) == 1 else f"拆成 {len(best)} 个包裹 ")
                 + "、".join(f"{p.warehouse}({regions[p.warehouse]})" for p in best)
                 + (f"，买家地区 {buyer_region}" if buyer_region else "，买家地区未知")
                 + "；规则 " + " → ".join(r.kind for r in rules))
    return Decision(parcels=best, region=buyer_region, explanation=tuple(notes))
