"""route() stops trying larger splits once a smaller one works when fewest_shipments decides
first; over thousands of random orders and stocks its plan is the plan of the full search
over every group of up to MAX_SPLIT warehouses (the search before that shortcut)."""

from __future__ import annotations

import random
from itertools import combinations

import pytest

from shopops.orders import allocation as rules_module
from shopops.orders.allocation import (
    MAX_SPLIT,
    Parcel,
    Rule,
    WarehouseStock,
    route,
)

CODES = {"WH-SH": "华东", "WH-GZ": "华南", "WH-BJ": "华北", "WH-CD": "西南"}
RULE_LISTS = [
    [Rule("fewest_shipments"), Rule("nearest_region"), Rule("warehouse_priority")],
    [Rule("exclude_warehouses", ("WH-BJ",)), Rule("fewest_shipments"),
     Rule("warehouse_priority", ("WH-CD", "WH-SH"))],
    [Rule("nearest_region"), Rule("fewest_shipments")],
    [Rule("warehouse_priority", ("WH-GZ",)), Rule("fewest_shipments")],
    [],
]


def full_search(lines: dict[str, int], buyer: str | None, stock: list[WarehouseStock],
                rules: list[Rule]) -> tuple[Parcel, ...] | None:
    """Every group of up to MAX_SPLIT warehouses tried, the best by the rules."""
    excluded = {c for r in rules if r.kind == "exclude_warehouses" for c in r.warehouses}
    allowed = [w for w in stock if w.code not in excluded]
    ranked = sorted(allowed, key=lambda w: rules_module._preference(w, buyer, rules))
    regions = {w.code: w.region for w in allowed}
    plans = [plan for size in range(1, min(MAX_SPLIT, len(ranked)) + 1)
             for group in combinations(ranked, size)
             if (plan := rules_module._fill(lines, group)) is not None]
    if not plans:
        return None
    return min(plans, key=lambda p: (
        tuple(rules_module._score(r, p, buyer, regions) for r in rules),
        tuple(sorted(x.warehouse for x in p))))


@pytest.mark.parametrize("seed", range(4))
def test_shortcut_plans_equal_the_full_search(seed: int) -> None:
    rng = random.Random(seed)
    compared = split = 0
    for _ in range(500):
        skus = rng.sample("ABCDE", rng.randint(1, 3))
        lines = {s: rng.randint(1, 4) for s in skus}
        stock = [WarehouseStock(code, region, {s: rng.choice((0, 0, 1, 2, 5)) for s in "ABCDE"})
                 for code, region in CODES.items()]
        buyer = rng.choice([*CODES.values(), "东北", None])
        rules = rng.choice(RULE_LISTS)
        decision = route(lines, buyer, stock, rules)
        expected = full_search(lines, buyer, stock, rules)
        if decision.shortages:
            assert expected is None
            continue
        assert decision.parcels == expected
        compared += 1
        split += len(decision.parcels) > 1
    assert compared >= 100 and split >= 20
