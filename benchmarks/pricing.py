"""Quote latency of the 到手价 engine versus brute force over every legal combination.

    .venv/bin/python benchmarks/pricing.py [--lines 20] [--promotions 50] [--small 10]
                                           [--repeats 500] [--seed 1] [--naive-budget 20]

1. builds, from a seeded ``random.Random``, a cart of N lines across two stores and P active
   promotions of mixed kinds: item-level 限时折扣 / 会员价 / 满件折 on various SKUs, per store
   满减 tiers, 每满减 and a 店铺满件折, store coupons the buyer holds (and some not held),
   platform 满减 and platform coupons, 包邮 thresholds and a 满赠 gift;
2. times ``shopops.pricing.engine.quote`` (branch and bound) after a warm-up, and in the same run
   the naive alternative: every legal pick (≤ 1 per exclusion group per level and store, an
   exclusive offer alone) of every usable store/platform offer, each priced with the engine's own
   ``price_combination``, the cheapest total kept;
3. does the same on a smaller set of promotions where brute force is cheap enough to repeat as
   often as the engine, so the two compare like with like;
4. prints one table, checks both give the same total, and marks the issue's targets (quote median
   ≤ 1 ms and p99 ≤ 5 ms for 20 lines / 50 promotions) as met or not met;
5. flash-sale throughput (``benchmarks/pricing_flash.py``): the buy API through uvicorn on
   127.0.0.1 with ``--clients`` concurrent clients on PostgreSQL and SQLite, orders/s and
   oversold units, beside the naive read-then-write stock check in the same run (target: zero
   oversold at ≥ 500 orders/s on PostgreSQL). ``--flash-attempts 0`` skips it.

Note: the scenario's "not held" coupons end in ``_held`` too, so the buyer holds every coupon
(kept as first measured, so numbers stay comparable across versions).

    .venv/bin/python benchmarks/pricing.py --flash-units 1000 --flash-attempts 1500 \
        --clients 64 --flash-seconds 30 --flash-backends postgresql,sqlite \
        --redis redis://127.0.0.1:6379/0
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pricing_flash

from shopops.pricing.engine import (
    best_item_offers,
    legal_combinations,
    price_combination,
    quote,
)
from shopops.pricing.promotions import (
    Cart,
    CartLine,
    Coupon,
    FreeShippingThreshold,
    FullReduction,
    GiftWithPurchase,
    ItemOffer,
    MemberPrice,
    MultiBuyDiscount,
    OrderOffer,
    Promotion,
    TimedDiscount,
    to_cents,
)

NOW = datetime(2026, 6, 18, 20, 0)  # 618 evening
STORES = ("s1", "s2")
CATEGORIES = ("apparel", "beauty", "snacks", "home")
TARGET_MEDIAN_MS = 1.0
TARGET_P99_MS = 5.0
WARMUP = 20

# The mix of kinds for the full set (50) and the small one (10); a size in between takes the
# first entries of the full mix, which is ordered so that every prefix stays mixed.
FULL_MIX = (
    ["timed"] * 16 + ["member"] * 5 + ["multi_item"] * 6          # 27 item level
    + ["store_full"] * 5 + ["store_every"] * 2 + ["store_multi"]   # 8 store activities
    + ["store_coupon_held"] * 5 + ["store_coupon_not_held"] * 1    # 6 store coupons
    + ["platform_full"] * 2 + ["platform_coupon_held"] * 2          # 4 platform offers
    + ["platform_coupon_not_held"]
    + ["ship_store", "ship_platform", "gift", "timed"]              # 4 extras → 50
)
SMALL_MIX = ("timed", "timed", "member", "multi_item", "store_full", "store_full",
             "store_coupon_held", "platform_full", "platform_coupon_held", "ship_platform")


def yuan(cents: int) -> Decimal:
    return Decimal(cents) / 100


# ---------------------------------------------------------------- building the scenario
def build_cart(rng: random.Random, n_lines: int, held: Sequence[str]) -> Cart:
    skus = rng.sample([f"SKU{i:03d}" for i in range(1, 2 * n_lines + 1)], n_lines)
    lines = tuple(CartLine(sku, rng.randint(1, 3), yuan(rng.randint(1_990, 39_900)),
                           category=rng.choice(CATEGORIES),
                           store=STORES[0] if i < (n_lines * 3 + 4) // 5 else STORES[1])
                  for i, sku in enumerate(sorted(skus)))
    return Cart(lines, member_tier="gold", coupons=tuple(held), shipping_fee=Decimal("12.00"))


def build_promotions(rng: random.Random, lines: Sequence[CartLine], mix: Sequence[str],
                     ) -> tuple[list[Promotion], list[str]]:
    """The promotions of ``mix`` (all active at NOW) and the coupon ids the buyer holds."""
    window = {"starts_at": NOW - timedelta(days=2), "ends_at": NOW + timedelta(days=1)}
    by_store = {s: [ln for ln in lines if ln.store == s] for s in STORES}
    promos: list[Promotion] = []
    held: list[str] = []

    def some_skus(store: str | None = None, k: tuple[int, int] = (2, 5)) -> list[str]:
        pool = by_store[store] if store else list(lines)
        return [ln.sku for ln in rng.sample(pool, min(len(pool), rng.randint(*k)))]

    def rate(low: int, high: int) -> Decimal:
        return Decimal(rng.randint(low, high)) / 100

    for n, kind in enumerate(mix):
        pid = f"p{n:02d}-{kind}"
        common = {"id": pid, "name": f"活动{n}", **window}
        store = rng.choice(STORES)
        if kind == "timed":
            promos.append(TimedDiscount(**common, skus=some_skus(), rate=rate(70, 95)))
        elif kind == "member":
            chosen = rng.sample(list(lines), 3)
            promos.append(MemberPrice(**common, prices={"gold": {
                ln.sku: yuan(to_cents(ln.unit_price) * rng.randint(80, 95) // 100)
                for ln in chosen}}))
        elif kind == "multi_item":
            promos.append(MultiBuyDiscount(**common, skus=some_skus(k=(3, 6)),
                                           tiers=((2, rate(88, 95)), (3, rate(78, 87)))))
        elif kind == "store_full":
            low = rng.choice((100, 150, 200, 300))
            tiers = [(Decimal(low * k), Decimal(low * k * rng.randint(8, 15) // 100))
                     for k in range(1, rng.randint(2, 4))]
            promos.append(FullReduction(**common, store=store, tiers=tuple(tiers)))
        elif kind == "store_every":
            promos.append(FullReduction(**common, store=store, repeat=True,
                                        tiers=((Decimal(200), Decimal(rng.choice((15, 20, 25)))),),
                                        cap=Decimal(rng.choice((60, 100, 200)))))
        elif kind == "store_multi":
            promos.append(MultiBuyDiscount(**common, level="store_level", store=store,
                                           tiers=((3, rate(90, 95)), (5, rate(82, 89)))))
        elif kind.startswith("store_coupon"):
            amount = rng.choice((10, 20, 30, 50, 80))
            promos.append(Coupon(**common, store=store, amount=Decimal(amount),
                                 threshold=Decimal(rng.choice((0, amount * 5, amount * 10)))))
            if kind.endswith("_held"):
                held.append(pid)
        elif kind == "platform_full":
            promos.append(FullReduction(**common, level="platform_level",
                                        tiers=((Decimal(rng.choice((299, 399))), Decimal(30)),
                                               (Decimal(rng.choice((799, 999))), Decimal(80)))))
        elif kind.startswith("platform_coupon"):
            amount = rng.choice((15, 40, 100))
            promos.append(Coupon(**common, level="platform_level", amount=Decimal(amount),
                                 threshold=Decimal(amount * rng.choice((6, 10)))))
            if kind.endswith("_held"):
                held.append(pid)
        elif kind == "ship_store":
            promos.append(FreeShippingThreshold(**common, store=store, threshold=Decimal(99)))
        elif kind == "ship_platform":
            promos.append(FreeShippingThreshold(**common, level="platform_level",
                                                threshold=Decimal(199)))
        elif kind == "gift":
            promos.append(GiftWithPurchase(**common, store=store, threshold=Decimal(500),
                                           gift_sku="GIFT-TOTE"))
        else:
            raise ValueError(kind)
    return promos, held


def scenario(seed: int, n_lines: int, mix: Sequence[str]) -> tuple[Cart, list[Promotion]]:
    rng = random.Random(seed)
    skeleton = build_cart(rng, n_lines, ())  # lines first, then offers on those SKUs
    promos, held = build_promotions(rng, skeleton.lines, mix)
    cart = Cart(skeleton.lines, member_tier=skeleton.member_tier, coupons=tuple(held),
                shipping_fee=skeleton.shipping_fee)
    return cart, promos


# ---------------------------------------------------------------- the two routes
def engine_total(cart: Cart, promos: Sequence[Promotion]) -> int:
    return to_cents(quote(cart, promos, NOW).total)


def naive_total(cart: Cart, promos: Sequence[Promotion]) -> int:
    """Brute force: price every legal combination of usable store/platform offers."""
    return naive_search(cart, promos)[0]


def naive_search(cart: Cart, promos: Sequence[Promotion]) -> tuple[int, int]:
    """(cheapest total in cents, combinations priced)."""
    items = best_item_offers(cart, [p for p in promos if isinstance(p, ItemOffer)
                                    and p.level == "item_level"], NOW)
    base = [amount for amount, _ in items]
    offers = [p for p in promos if isinstance(p, OrderOffer) and p.level != "item_level"
              and p.usable_by(cart, NOW)]
    ships = [p for p in promos if isinstance(p, FreeShippingThreshold) and p.usable_by(cart, NOW)
             and any(p.covers(ln) for ln in cart.lines)]
    shipping = to_cents(cart.shipping_fee)
    best, priced = None, 0
    for combination in legal_combinations(offers):
        amounts = price_combination(cart, base, combination).amounts
        free = any(sum(a for ln, a in zip(cart.lines, amounts, strict=True) if p.covers(ln))
                   >= to_cents(p.threshold) for p in ships)
        total = sum(amounts) + (0 if free else shipping)
        priced += 1
        if best is None or total < best:
            best = total
    assert best is not None
    return best, priced


def measure(route: Callable[[Cart, Sequence[Promotion]], int], cart: Cart,
            promos: Sequence[Promotion], repeats: int, warmup: int) -> dict[str, float]:
    total = 0
    for _ in range(warmup):
        total = route(cart, promos)
    times = []
    for _ in range(repeats):
        started = time.perf_counter_ns()
        total = route(cart, promos)
        times.append((time.perf_counter_ns() - started) / 1e6)
    times.sort()

    def pct(q: float) -> float:  # nearest rank
        return times[min(len(times) - 1, max(0, round(q * len(times) + 0.5) - 1))]

    return {"runs": repeats, "median": statistics.median(times), "p95": pct(0.95),
            "p99": pct(0.99), "max": times[-1], "total": total}


# ---------------------------------------------------------------- driver
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=20)
    parser.add_argument("--promotions", type=int, default=50, help="at most len(FULL_MIX)")
    parser.add_argument("--small", type=int, default=10, help="size where both run (≤ 10)")
    parser.add_argument("--repeats", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--naive-budget", type=float, default=20.0,
                        help="seconds the brute force may take at the full size")
    parser.add_argument("--flash-units", type=int, default=1000)
    parser.add_argument("--flash-attempts", type=int, default=1500, help="0: skip the flash sale")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--flash-seconds", type=float, default=30.0, help="time bound per route")
    parser.add_argument("--flash-backends", default="postgresql,sqlite")
    parser.add_argument("--server-workers", type=int, default=2)
    parser.add_argument("--redis", default=None, help="Redis URL: also measure the Redis gate")
    args = parser.parse_args()
    if not 1 <= args.promotions <= len(FULL_MIX) or not 1 <= args.small <= len(SMALL_MIX):
        parser.error(f"--promotions ≤ {len(FULL_MIX)}, --small ≤ {len(SMALL_MIX)}")

    sizes = [(args.small, SMALL_MIX[:args.small]), (args.promotions, FULL_MIX[:args.promotions])]
    rows = []
    for size, mix in sizes:
        cart, promos = scenario(args.seed, args.lines, mix)
        combos = naive_search(cart, promos)[1]
        engine = measure(engine_total, cart, promos, args.repeats, WARMUP)
        started = time.perf_counter()
        naive_total(cart, promos)
        one = time.perf_counter() - started
        naive_runs = max(5, min(args.repeats, int(args.naive_budget / max(one, 1e-9))))
        naive = measure(naive_total, cart, promos, naive_runs, min(WARMUP, 2))
        for label, r, priced in (("engine quote (B&B)", engine, "—"),
                                 ("naive brute force", naive, f"{combos:,}")):
            rows.append((size, label, priced, r, r["total"] == engine["total"]))
        print(f"  {size} promotions: engine {engine['median']:.3f} ms, naive "
              f"{naive['median']:.3f} ms over {combos:,} combinations", file=sys.stderr)

    print(f"\nQuote latency, {args.lines}-line cart across {len(STORES)} stores, seed {args.seed}, "
          f"{WARMUP} warm-up calls, all promotions active at {NOW:%Y-%m-%d %H:%M}\n")
    print(f"| {'promos':>6} | {'route':<19} | {'combos':>7} | {'runs':>5} | {'median ms':>9} | "
          f"{'p95 ms':>8} | {'p99 ms':>8} | {'max ms':>8} | {'total ¥':>9} | same total |")
    print(f"|{'-' * 8}|{'-' * 21}|{'-' * 9}|{'-' * 7}|{'-' * 11}|{'-' * 10}|{'-' * 10}|"
          f"{'-' * 10}|{'-' * 11}|{'-' * 12}|")
    for size, label, priced, r, same in rows:
        print(f"| {size:>6} | {label:<19} | {priced:>7} | {r['runs']:>5} | {r['median']:>9.3f} | "
              f"{r['p95']:>8.3f} | {r['p99']:>8.3f} | {r['max']:>8.3f} | "
              f"{yuan(int(r['total'])):>9.2f} | {'yes' if same else 'NO'} |")

    full = next(r for size, label, _, r, _ in reversed(rows) if label.startswith("engine"))
    full_naive = rows[-1][3]
    print(f"\nSpeed-up of the engine over brute force at {args.promotions} promotions: "
          f"{full_naive['median'] / full['median']:.0f}× (median)")
    at_target = args.lines == 20 and args.promotions == 50
    note = "" if at_target else f" (measured at {args.lines} lines / {args.promotions} " \
                                "promotions, not the target's 20 / 50)"
    for name, value, limit in (("median", full["median"], TARGET_MEDIAN_MS),
                               ("p99", full["p99"], TARGET_P99_MS)):
        verdict = "met" if value <= limit else "NOT MET"
        print(f"Target quote {name} ≤ {limit:g} ms (20 lines / 50 promotions): "
              f"{value:.3f} ms — {verdict}{note}")
    if not all(same for *_, same in rows):
        print("WARNING: the engine and brute force disagree on the total")
    if args.flash_attempts > 0:
        flash_table(args)


def flash_table(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        rows = pricing_flash.run(args.flash_backends.split(","), args.flash_units,
                                 args.flash_attempts, args.clients, args.flash_seconds,
                                 args.redis, Path(folder), args.server_workers)
    print(f"\nFlash sale: {args.flash_units} units, 每人限购 1, {args.flash_attempts} buy "
          f"attempts (10 % repeat buyers), {args.clients} concurrent clients, uvicorn "
          f"{args.server_workers} workers on 127.0.0.1\n")
    print(f"| {'database':<10} | {'route':<28} | {'answered':>8} | {'seconds':>7} | "
          f"{'orders/s':>8} | {'server CPU ms/req':>17} | {'holds':>5} | {'order units':>11} | "
          f"{'taken':>5} | {'oversold':>8} | over limit |")
    print(f"|{'-' * 12}|{'-' * 30}|{'-' * 10}|{'-' * 9}|{'-' * 10}|{'-' * 19}|{'-' * 7}|"
          f"{'-' * 13}|{'-' * 7}|{'-' * 10}|{'-' * 12}|")
    for r in rows:
        cpu = f"{r['server_cpu_ms']:.2f}" if "server_cpu_ms" in r else "—"
        print(f"| {r['backend']:<10} | {r['route']:<28} | {r['answered']:>8} | "
              f"{r['seconds']:>7.1f} | {r['per_s']:>8.0f} | {cpu:>17} | {r['held']:>5} | "
              f"{r['ordered']:>11} | {r['taken']:>5} | {r['oversold']:>8} | "
              f"{r['over_limit']:>10} |")
    print("\norders/s = answered buy requests (hold or 409) per second; order units = units of "
          "the orders the buys created (not cancelled); taken = the larger of holds and order "
          "units (naive: its orders); server CPU = CPU seconds of the server's processes per "
          "request (Linux); load average at the end: "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    pg = next((r for r in rows if r["backend"] == "postgresql" and r["route"] == "HTTP: ShopOps"),
              None)
    if pg is not None:
        met = pg["oversold"] == 0 and pg["per_s"] >= 500
        print(f"Target flash sale zero oversold at ≥ 500 orders/s on PostgreSQL: "
              f"{pg['oversold']} oversold at {pg['per_s']:.0f} orders/s — "
              f"{'met' if met else 'NOT MET'}")


if __name__ == "__main__":
    main()
