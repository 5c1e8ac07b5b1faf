"""Flash-sale throughput through the HTTP API (the second half of ``benchmarks/pricing.py``).

For each database (PostgreSQL, SQLite) a fresh, migrated database gets one store, one SKU, an
API token and a flash sale of ``units`` units (每人限购 1). A uvicorn server on 127.0.0.1 (its
own process, ``workers`` worker processes) serves the real app plus one benchmark-only route,
the naive alternative: read the units left and, if there are any, write ``left − 1`` back and
create the order (read-then-write, two statements, no condition) on a plain table.
``clients`` keep-alive HTTP/1.1 connections, driven by one asyncio loop in this process (raw
streams: the load costs ~0.15 ms of CPU per request, so the cores go to the server and the
database), send ``attempts`` buy requests (10 % from customers who already tried) as fast as
answers come back, bounded by ``seconds``; each connection first sends one status GET, not
counted. The same buys are also called on the service from threads without HTTP (what the
database path sustains alone), and through the Redis gate when a Redis URL is given. Oversold
units are counted in the database afterwards: ShopOps' holds and the units of the orders its
buys created beyond the pool, the naive route's orders beyond its units. The server's CPU
seconds per request (Linux /proc, the server and its workers) are reported too: on a shared
machine they say more than requests per second do.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from setup import PG_ADMIN_URL, add_catalog  # benchmarks/setup.py (the script's own folder)
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, text

from shopops.db.scratch import scratch_database

BENCH_META = MetaData()
NAIVE_STOCK = Table("bench_naive_stock", BENCH_META, Column("id", Integer, primary_key=True),
                    Column("remaining", Integer, nullable=False))
NAIVE_ORDERS = Table("bench_naive_orders", BENCH_META, Column("id", Integer, primary_key=True),
                     Column("customer", String(64), nullable=False))
_SERIAL = itertools.count()


# ---------------------------------------------------------------- the server (child process)
def web_app() -> Any:
    """The app with the naive route, for the database in BENCH_FLASH_DB_URL (uvicorn factory,
    so each worker process builds its own)."""
    from fastapi import Depends
    from sqlalchemy import select, update

    from shopops.bootstrap import App
    from shopops.config import Settings
    from shopops.web.app import create_app
    from shopops.web.deps import current_api_user

    core = App(Settings(database_url=os.environ["BENCH_FLASH_DB_URL"]))
    web = create_app(core)

    def naive_buy(body: dict[str, Any]) -> dict[str, Any]:
        """The obvious code: check, then write back what was read minus one."""
        with core.engine.connect() as conn:
            left = conn.execute(select(NAIVE_STOCK.c.remaining)).scalar_one()
            conn.commit()
            if left < 1:
                return {"status": "sold_out"}
            conn.execute(update(NAIVE_STOCK).values(remaining=left - 1))
            conn.execute(NAIVE_ORDERS.insert().values(customer=str(body.get("customer"))))
            conn.commit()
        return {"status": "held"}

    web.add_api_route("/bench/naive/orders", naive_buy, methods=["POST"], status_code=201,
                      dependencies=[Depends(current_api_user)])
    return web


def serve(port: int, workers: int) -> None:
    """Run the app on 127.0.0.1:port (called in the child process)."""
    import uvicorn

    uvicorn.run("pricing_flash:web_app", factory=True, host="127.0.0.1", port=port,
                workers=workers, log_level="warning", access_log=False)


# ---------------------------------------------------------------- set-up (parent process)
@contextmanager
def database(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        folder.mkdir(parents=True, exist_ok=True)
        yield f"sqlite:///{folder / 'flash.db'}"
        return
    name = f"shopops_bench_flash_{os.getpid()}_{next(_SERIAL)}"
    with scratch_database(PG_ADMIN_URL, name, replace=True) as url:
        yield url


def prepare(url: str, units: int) -> tuple[str, int]:
    """Migrate, seed a store, a SKU, a user with a token, the sale and the naive pool."""
    from shopops.accounts.service import create_token, create_user
    from shopops.bootstrap import App
    from shopops.config import Settings
    from shopops.db.migrate import upgrade
    from shopops.pricing.service import create_promotion
    from shopops.stores.service import add_store

    core = App(Settings(database_url=url))
    upgrade(core.engine)
    with core.uow() as uow:
        add_store(uow, "tm-1", "tmall")
        add_catalog(uow, ("P1", "爆款"), [("HOT", "爆款", "99", "40")])
        create_user(uow, "bench", "correct-horse-battery", display_name="bench")
        token = create_token(uow, "bench", "benchmark")
        sale = create_promotion(uow, {"type": "flash_sale", "store": "tm-1", "sku": "HOT",
                                      "price": "9.90", "units": units, "per_customer": 1,
                                      "hold_minutes": 15})
    BENCH_META.create_all(core.engine)
    with core.engine.begin() as conn:
        conn.execute(NAIVE_STOCK.insert().values(id=1, remaining=units))
    core.dispose()
    return token, sale.id


def counts(url: str, sale_id: int) -> tuple[int, int, int, int]:
    """(ShopOps units held or sold, ShopOps holds over one per customer, naive orders, units
    in ShopOps' order book — the orders its buys created)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        holds = conn.execute(text("SELECT COALESCE(SUM(qty), 0) FROM flash_sale_holds "
                                  "WHERE flash_sale_id = :s"), {"s": sale_id}).scalar_one()
        ordered = conn.execute(text(
            "SELECT COALESCE(SUM(l.quantity), 0) FROM order_lines l JOIN orders o ON "
            "o.id = l.order_id WHERE o.status <> 'cancelled'")).scalar_one()
        over = conn.execute(text(
            "SELECT COUNT(*) FROM (SELECT customer FROM flash_sale_holds WHERE "
            "flash_sale_id = :s GROUP BY customer HAVING SUM(qty) > 1) x"),
            {"s": sale_id}).scalar_one()
        naive = conn.execute(text("SELECT COUNT(*) FROM bench_naive_orders")).scalar_one()
    engine.dispose()
    return int(holds), int(over), int(naive), int(ordered)


def forget(url: str, redis_url: str, sale_id: int) -> None:
    """Drop the benchmark sale's counts from Redis."""
    from shopops.bootstrap import App
    from shopops.config import Settings
    from shopops.pricing.flash_redis import RedisGate
    from shopops.pricing.flash_service import sale_gate_key

    core = App(Settings(database_url=url))
    with core.reader() as uow:
        key = sale_gate_key(uow, sale_id)
    core.dispose()
    gate = RedisGate(redis_url)
    gate.client.delete(*gate.keys(key))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(root: int) -> float | None:
    """CPU seconds (user + system) of a process and its children, from /proc (Linux)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total, found = 0.0, False
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        if pid == root or int(fields[1]) == root:
            total += (int(fields[11]) + int(fields[12])) / tick
            found = True
    return total if found else None


@contextmanager
def server(url: str, redis_url: str | None, workers: int) -> Iterator[tuple[str, int]]:
    port = _free_port()
    env = {**os.environ, "BENCH_FLASH_DB_URL": url, "PYTHONPATH": os.pathsep.join(filter(None, [
        str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]))}
    env.pop("SHOPOPS_REDIS_URL", None)
    if redis_url:
        env["SHOPOPS_REDIS_URL"] = redis_url
    child = subprocess.Popen(
        [sys.executable, "-c", f"import pricing_flash; pricing_flash.serve({port}, {workers})"],
        env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{base}/api/v1/openapi.json", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError("the server did not start")
        yield base, child.pid
    finally:
        child.terminate()
        child.wait(timeout=30)


# ---------------------------------------------------------------- the load
class Client:
    """One keep-alive HTTP/1.1 connection, raw asyncio streams: a request is one write and
    its answer a header block plus Content-Length bytes — the cheapest honest client, so the
    2 cores go to the server and the database rather than to the load."""

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port = host, port
        self.head = (f"Host: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
                     "Connection: keep-alive\r\n")
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def send(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        assert self.reader is not None and self.writer is not None
        kind = "Content-Type: application/json\r\n" if body else ""
        self.writer.write(f"{method} {path} HTTP/1.1\r\n{self.head}{kind}"
                          f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        header = await self.reader.readuntil(b"\r\n\r\n")
        status = int(header[9:12])
        length = 0
        for line in header.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        return status, await self.reader.readexactly(length)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()


def outcome(status: int, payload: bytes) -> str:
    """held, a problem code (flash_sale.sold_out …), a naive route's status, or the HTTP
    status when the answer is not JSON."""
    try:
        body = json.loads(payload)
    except ValueError:
        return str(status)
    return str(body.get("code") or body.get("status") or status)


def load(base: str, path: str, token: str, attempts: int, clients: int, seconds: float,
         warm_path: str | None = None) -> dict[str, Any]:
    """``clients`` keep-alive connections in one asyncio loop send up to ``attempts`` buys
    (bounded by ``seconds``), each as soon as its previous answer came back. Every
    connection first opens and sends one ``warm_path`` GET (not counted): connecting, the
    server's database pool and caches are set-up, not throughput."""
    host, port = base.removeprefix("http://").split(":")
    return asyncio.run(_load(host, int(port), path, token, attempts, clients, seconds,
                             warm_path))


async def _load(host: str, port: int, path: str, token: str, attempts: int, clients: int,
                seconds: float, warm_path: str | None) -> dict[str, Any]:
    distinct = max(1, attempts * 9 // 10)
    tickets = itertools.count()
    outcomes: Counter[str] = Counter()
    pool = [Client(host, port, token) for _ in range(clients)]
    await asyncio.gather(*(c.open() for c in pool))
    for c in pool if warm_path else ():  # one at a time: the server's pool grows as needed
        await c.send("GET", warm_path or "")

    async def client(http: Client, stop_at: float) -> None:
        while time.monotonic() < stop_at:
            n = next(tickets)
            if n >= attempts:
                break
            body = json.dumps({"customer": f"c{n % distinct:06d}", "qty": 1}).encode()
            try:
                outcomes[outcome(*await http.send("POST", path, body))] += 1
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                outcomes[type(exc).__name__] += 1
                await http.close()
                await http.open()

    began = time.perf_counter()
    stop_at = time.monotonic() + seconds
    await asyncio.gather(*(client(c, stop_at) for c in pool))
    elapsed = time.perf_counter() - began
    await asyncio.gather(*(c.close() for c in pool))
    answered = sum(outcomes.values())
    return {"seconds": elapsed, "answered": answered, "per_s": answered / elapsed,
            "held": outcomes.get("held", 0), "outcomes": dict(outcomes)}


def direct(url: str, sale_id: int, attempts: int, clients: int, seconds: float,
           ) -> dict[str, Any]:
    """The same buys called on the service from ``clients`` threads, no HTTP: what the
    database path alone sustains."""
    from shopops.bootstrap import App
    from shopops.config import Settings
    from shopops.core.errors import ShopOpsError
    from shopops.pricing.flash_service import buy

    core = App(Settings(database_url=url))
    distinct = max(1, attempts * 9 // 10)
    tickets = itertools.count()
    lock = threading.Lock()
    outcomes: Counter[str] = Counter()
    stop_at = time.monotonic() + seconds

    def worker() -> None:
        seen: Counter[str] = Counter()
        while time.monotonic() < stop_at:
            with lock:
                n = next(tickets)
            if n >= attempts:
                break
            try:
                with core.uow() as uow:
                    buy(uow, sale_id, f"c{n % distinct:06d}", 1)
                seen["held"] += 1
            except ShopOpsError as exc:
                seen[exc.code] += 1
        with lock:
            outcomes.update(seen)

    threads = [threading.Thread(target=worker) for _ in range(min(clients, 28))]  # PG pool 30
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    core.dispose()
    answered = sum(outcomes.values())
    return {"seconds": elapsed, "answered": answered, "per_s": answered / elapsed,
            "held": outcomes.get("held", 0), "outcomes": dict(outcomes)}


def run(backends: list[str], units: int, attempts: int, clients: int, seconds: float,
        redis_url: str | None, folder: Path, workers: int = 2, only: str = "",
        ) -> list[dict[str, Any]]:
    """Every route on every backend (``only``: the routes whose label contains it)."""
    rows = []
    for backend in backends:
        routes = [("HTTP: ShopOps", None), ("HTTP: naive read-then-write", None),
                  ("service, no HTTP: ShopOps", None)]
        if redis_url:
            routes.insert(1, ("HTTP: ShopOps + Redis gate", redis_url))
        for label, gate_url in [r for r in routes if only in r[0]]:
            with database(backend, folder / f"{backend}-{len(rows)}") as url:
                token, sale_id = prepare(url, units)
                path = ("/bench/naive/orders" if "naive" in label
                        else f"/api/v1/flash-sales/{sale_id}/orders")
                if label.startswith("service"):
                    result = direct(url, sale_id, attempts, clients, seconds)
                else:
                    with server(url, gate_url, workers) as (base, pid):
                        before = cpu_seconds(pid)
                        result = load(base, path, token, attempts, clients, seconds,
                                      f"/api/v1/flash-sales/{sale_id}")
                        after = cpu_seconds(pid)
                    if before is not None and after is not None:
                        result["server_cpu_ms"] = (after - before) * 1000 / result["answered"]
                held, over_limit, naive, ordered = counts(url, sale_id)
                if gate_url:
                    forget(url, gate_url, sale_id)
                taken = naive if "naive" in label else max(held, ordered)
                rows.append({"backend": backend, "route": label, **result, "units": units,
                             "ordered": naive if "naive" in label else ordered,
                             "taken": taken, "oversold": max(0, taken - units),
                             "over_limit": 0 if "naive" in label else over_limit})
            print(f"  {backend} {label}: {result['per_s']:.0f} req/s, taken {taken}/{units}",
                  file=sys.stderr)
    return rows
