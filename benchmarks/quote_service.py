"""到手价 quote through the service and the HTTP API: cached promotions beside loading them.

For each database (SQLite file, PostgreSQL if reachable) a fresh, migrated database gets a
store, 40 SKUs in five categories (one a sub-category) and 50 promotions active for that store
(the mix of benchmarks/pricing.py: 限时折扣, 会员价, 满件折, 满减 / 每满减, 店铺券 and 平台券,
some held by the buyer, platform 满减, 包邮, 满赠), stored through ``create_promotion``. One
20-line cart (gold member, 5 coupons held) is quoted ``--repeats`` times per route, each quote
its own read unit of work, as ``POST /api/v1/pricing/quote`` does:

- before: the service as it was before this change (commit 0c3e307): one query per cart line
  for its SKU, the categories read twice (three queries each), the promotions loaded through
  the ORM and parsed on every quote;
- uncached: today's service with the cache off (``promotion_cache.uncached()``): one query for
  the SKUs, one for the categories, the promotions loaded and parsed on every quote;
- cached: today's service: the promotions token read (one primary-key read), the parsed
  promotions reused while it is unchanged.

Then the same three through HTTP: uvicorn on 127.0.0.1 in this process, one keep-alive
connection, API token auth, JSON in and out. Every route must give the same quote (checked);
``SQL/quote`` counts the statements one service quote sends (SQLite: its BEGIN included).
Target (issue 6 brief): service ≤ 3 ms median on SQLite.

    .venv/bin/python benchmarks/quote_service.py [--repeats 400] [--seed 1]
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from setup import optional_pg_database  # benchmarks/setup.py (the script's own folder)

STORE = "s1"
CATEGORIES = ("apparel", "apparel-tops", "beauty", "snacks", "home")
SKUS = [f"SKU{i:03d}" for i in range(1, 41)]
AT = "2026-06-18T20:00:00+08:00"  # 618 evening
WINDOW = {"starts_at": "2026-06-16T20:00:00+08:00", "ends_at": "2026-06-19T20:00:00+08:00"}
MIX = (  # the 50 of benchmarks/pricing.py FULL_MIX
    ["timed"] * 16 + ["member"] * 5 + ["multi_item"] * 6
    + ["store_full"] * 5 + ["store_every"] * 2 + ["store_multi"]
    + ["store_coupon_held"] * 5 + ["store_coupon_not_held"]
    + ["platform_full"] * 2 + ["platform_coupon_held"] * 2 + ["platform_coupon_not_held"]
    + ["ship_store", "ship_platform", "gift", "timed"])
TARGET_MEDIAN_MS = 3.0
WARMUP = 20


# ---------------------------------------------------------------- the shop
def payloads(rng: random.Random, prices: dict[str, int]) -> tuple[list[dict[str, Any]],
                                                                   list[str]]:
    """The 50 promotions (payloads for create_promotion) and the coupon codes held."""
    out: list[dict[str, Any]] = []
    held: list[str] = []

    def some(k: tuple[int, int]) -> list[str]:
        return sorted(rng.sample(SKUS, rng.randint(*k)))

    def rate(low: int, high: int) -> str:
        return str(Decimal(rng.randint(low, high)) / 100)

    for n, kind in enumerate(MIX):
        code = f"p{n:02d}-{kind.replace('_', '-')}"
        store = STORE
        base: dict[str, Any] = {"code": code, "name": f"活动{n}", **WINDOW,
                                "override_reason": "benchmark"}
        if kind == "timed":
            body: dict[str, Any] = {"type": "timed_discount", "store": store,
                                    "skus": some((2, 5)), "rate": rate(70, 95)}
        elif kind == "member":
            body = {"type": "member_price", "store": store, "prices": {"gold": {
                sku: str(Decimal(prices[sku] * rng.randint(80, 95) // 100))
                for sku in some((3, 3))}}}
        elif kind == "multi_item":
            body = {"type": "multi_buy_discount", "store": store, "skus": some((3, 6)),
                    "tiers": [{"qty": 2, "rate": rate(88, 95)}, {"qty": 3, "rate": rate(78, 87)}]}
        elif kind == "store_full":
            low = rng.choice((100, 150, 200, 300))
            body = {"type": "full_reduction", "store": store, "tiers": [
                {"threshold": str(low * k), "off": str(low * k * rng.randint(8, 15) // 100)}
                for k in range(1, rng.randint(2, 4))]}
        elif kind == "store_every":
            body = {"type": "full_reduction", "store": store, "repeat": True,
                    "tiers": [{"threshold": "200", "off": str(rng.choice((15, 20, 25)))}],
                    "cap": str(rng.choice((60, 100, 200)))}
        elif kind == "store_multi":
            body = {"type": "multi_buy_discount", "store": store, "level": "store_level",
                    "tiers": [{"qty": 3, "rate": rate(90, 95)}, {"qty": 5, "rate": rate(82, 89)}]}
        elif kind.startswith("store_coupon"):
            amount = rng.choice((10, 20, 30, 50, 80))
            body = {"type": "coupon", "store": store, "off": str(amount),
                    "threshold": str(rng.choice((0, amount * 5, amount * 10)))}
        elif kind == "platform_full":
            body = {"type": "full_reduction", "tiers": [
                {"threshold": str(rng.choice((299, 399))), "off": "30"},
                {"threshold": str(rng.choice((799, 999))), "off": "80"}]}
        elif kind.startswith("platform_coupon"):
            amount = rng.choice((15, 40, 100))
            body = {"type": "coupon", "off": str(amount),
                    "threshold": str(amount * rng.choice((6, 10)))}
        elif kind == "ship_store":
            body = {"type": "free_shipping_threshold", "store": store, "threshold": "99"}
        elif kind == "ship_platform":
            body = {"type": "free_shipping_threshold", "threshold": "199"}
        elif kind == "gift":
            body = {"type": "gift_with_purchase", "store": store, "threshold": "500",
                    "gift_sku": SKUS[-1]}
        else:
            raise ValueError(kind)
        if kind.endswith("_held"):
            held.append(code)
        out.append({**base, **body})
    return out, held


def prepare(url: str, seed: int) -> tuple[Any, dict[str, Any], str]:
    """The migrated, seeded database; the cart request; an API token."""
    from shopops.accounts.service import create_token, create_user
    from shopops.bootstrap import App
    from shopops.catalog.models import Category, Product, Sku
    from shopops.config import Settings
    from shopops.db.migrate import upgrade
    from shopops.pricing.service import create_promotion
    from shopops.stores.service import add_store

    rng = random.Random(seed)
    core = App(Settings(database_url=url))
    upgrade(core.engine)
    prices = {sku: rng.randint(1_990, 39_900) // 100 for sku in SKUS}
    with core.uow() as uow:
        add_store(uow, STORE, "tmall")
        ids: dict[str, int] = {}
        for code in CATEGORIES:
            parent = ids.get("apparel") if code == "apparel-tops" else None
            category = Category(code=code, name=code, kind="general", parent_id=parent)
            uow.session.add(category)
            uow.session.flush()
            ids[code] = category.id
        for n, sku in enumerate(SKUS):
            product = Product(code=f"P{n}", name=f"款{n}",
                              category_id=ids[CATEGORIES[n % len(CATEGORIES)]],
                              created_at=uow.now())
            uow.session.add(product)
            uow.session.flush()
            uow.session.add(Sku(code=sku, product_id=product.id, name=sku, attributes={},
                                price=Decimal(prices[sku]), cost=Decimal(1),
                                listed_at=uow.now(), active=True))
        uow.session.flush()
        promos, held = payloads(rng, prices)
        for payload in promos:
            create_promotion(uow, payload)
        create_user(uow, "bench", "correct-horse-battery", display_name="bench")
        token = create_token(uow, "bench", "benchmark")
    lines = [{"sku": sku, "qty": rng.randint(1, 3)} for sku in sorted(rng.sample(SKUS, 20))]
    cart = {"store": STORE, "customer": {"tier": "gold", "is_new": False, "coupons": held},
            "lines": lines, "shipping_fee": "12", "at": AT}
    return core, cart, token


# ---------------------------------------------------------------- the service before
def before_quote(uow: Any, request: dict[str, Any], now: datetime) -> dict[str, Any]:
    """quote_cart as of commit 0c3e307 (no customer id here, so no coupon-claim check)."""
    from shopops.catalog.service import get_sku, list_categories
    from shopops.pricing import promotions as p
    from shopops.pricing.bundles import bind_to_cart
    from shopops.pricing.engine import quote
    from shopops.pricing.payloads import parse_time
    from shopops.pricing.service import _active_rows, _customer, load_promotion, quote_json
    from shopops.pricing.usage_service import capped_promotions
    from shopops.stores.service import get_store

    def paths() -> dict[str, tuple[str, ...]]:
        parent = {r["code"]: r["parent"] for r in list_categories(uow, 1, 1_000_000)["items"]}
        found = {}
        for code in parent:
            path, node = [], code
            while node is not None and node not in path:
                path.append(node)
                node = parent.get(node)
            found[code] = tuple(path)
        return found

    store = get_store(uow, request["store"])
    at = parse_time(request["at"], "at", store.timezone) if request.get("at") else now
    tier, is_new, held = _customer(request.get("customer"))
    first = paths()
    lines = []
    for line in request["lines"]:
        found = get_sku(uow, line["sku"])
        lines.append(p.CartLine(found["sku"], line["qty"], Decimal(found["price"]),
                                category=found["category"], store=store.code,
                                category_path=first.get(found["category"], ())))
    shipping = p.money(request.get("shipping_fee", "0"), "shipping_fee", error=p.InvalidCart)
    rows = _active_rows(uow, store, at, held)
    capped = capped_promotions(uow, rows, None)
    second = paths()
    promos = [p.with_sub_categories(load_promotion(r, store.code if r.store_id else None),
                                    second) for r in rows if r.id not in capped]
    cart = p.Cart(tuple(lines), member_tier=tier, coupons=tuple(held), shipping_fee=shipping,
                  is_new=is_new)
    result = quote(cart, bind_to_cart(cart, promos), at)
    return {"store": store.code, "at": at.isoformat(),
            "customer": {"tier": tier, "is_new": is_new, "coupons": held},
            **quote_json(result)}


@contextmanager
def route(name: str) -> Iterator[None]:
    """The service as ``name`` runs it (for direct calls and the API alike)."""
    from shopops.pricing import api, promotion_cache
    from shopops.pricing.service import quote_cart

    if name == "before":
        setattr(api, "quote_cart", before_quote)  # noqa: B010 - the route's own name
        try:
            yield
        finally:
            setattr(api, "quote_cart", quote_cart)  # noqa: B010
    elif name == "uncached":
        with promotion_cache.uncached():
            yield
    else:
        yield


ROUTES = ("before", "uncached", "cached")


# ---------------------------------------------------------------- measuring
def timed(call: Callable[[], Any], repeats: int) -> tuple[float, float, Any]:
    """Median and p99 (nearest rank) in ms, and the last answer."""
    answer = None
    for _ in range(WARMUP):
        answer = call()
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        answer = call()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1,
                                                   int(len(samples) * 0.99))], answer


def queries_per_quote(core: Any, call: Callable[[], Any]) -> int:
    """SQL statements one quote sends (BEGIN/ROLLBACK not counted): steady, unlike times."""
    from sqlalchemy import event

    sent: list[str] = []

    def count(*args: Any) -> None:
        sent.append(args[2])

    event.listen(core.engine, "before_cursor_execute", count)
    try:
        call()
    finally:
        event.remove(core.engine, "before_cursor_execute", count)
    return len(sent)


def service_call(core: Any, name: str, cart: dict[str, Any]) -> Callable[[], Any]:
    from shopops.pricing.service import quote_cart

    quote = before_quote if name == "before" else quote_cart

    def call() -> Any:
        with core.reader() as uow:
            return quote(uow, cart, uow.now())
    return call


@contextmanager
def http_server(core: Any) -> Iterator[int]:
    import uvicorn

    from shopops.web.app import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(create_app(core), host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def http_call(port: int, token: str, cart: dict[str, Any]) -> Callable[[], Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    body = json.dumps(cart).encode()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call() -> Any:
        conn.request("POST", "/api/v1/pricing/quote", body, headers)
        response = conn.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}: {data[:300]!r}")
        return json.loads(data)
    return call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rows: list[tuple[str, str, str, float, float]] = []
    queries: dict[tuple[str, str], int] = {}
    with tempfile.TemporaryDirectory() as folder, optional_pg_database("bench_quote") as pg_url:
        backends = [("sqlite", f"sqlite:///{Path(folder) / 'bench.db'}")]
        if pg_url:
            backends.append(("postgresql", pg_url))
        for backend, url in backends:
            core, cart, token = prepare(url, args.seed)
            answers = {}
            for name in ROUTES:
                with route(name):
                    call = service_call(core, name, cart)
                    median, p99, answer = timed(call, args.repeats)
                    queries[(backend, name)] = queries_per_quote(core, call)
                rows.append((backend, "service", name, median, p99))
                answers[("service", name)] = answer
            with http_server(core) as port:
                for name in ROUTES:
                    with route(name):
                        median, p99, answer = timed(http_call(port, token, cart),
                                                    args.repeats)
                    rows.append((backend, "HTTP", name, median, p99))
                    answers[("HTTP", name)] = answer
            first = answers[("service", "cached")]
            same = all(a == first for a in answers.values())
            print(f"{backend}: 20 lines, 50 promotions, total ¥{first['total']} "
                  f"(discount ¥{first['discount_total']}, {len(first['applied'])} offers "
                  f"applied); every route gives the same quote: {'yes' if same else 'NO'}")
            core.dispose()
    print()
    print(f"{'database':<11} {'level':<8} {'route':<9} {'median ms':>10} {'p99 ms':>8} "
          f"{'vs before':>10} {'SQL/quote':>10}")
    base = {(b, lvl): m for b, lvl, name, m, _ in rows if name == "before"}
    for backend, level, name, median, p99 in rows:
        print(f"{backend:<11} {level:<8} {name:<9} {median:>10.2f} {p99:>8.2f} "
              f"{base[(backend, level)] / median:>9.1f}× {queries[(backend, name)]:>10}")
    sqlite = next(m for b, lvl, name, m, _ in rows
                  if (b, lvl, name) == ("sqlite", "service", "cached"))
    print(f"\nTarget service quote ≤ {TARGET_MEDIAN_MS:g} ms median on SQLite: "
          f"{sqlite:.2f} ms — {'met' if sqlite <= TARGET_MEDIAN_MS else 'NOT met'}")


if __name__ == "__main__":
    main()
