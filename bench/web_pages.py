"""Server time of the web app's pages over the bench's order set. `make bench` times them on its
scale set (bench/run.py); alone, it builds its own:

    COMMERCY_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test \\
        .venv/bin/python -m bench.web_pages --orders 1000000

Builds a throwaway PostgreSQL database (or reads ``--database``, already loaded), seeds it
(bench/seed.py), loads the orders (bench/dataset.py: the bench reseller has every tenth), signs
in as the bench reseller, supplier and admin through the sign-in form, then times each page
in-process (httpx on the ASGI app: the server's own time, no network) and prints the median and
the 95th percentile of each, with its size in bytes.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench import dataset
from bench.seed import PASSWORD, add_agents, seed
from commercy.core.settings import Settings
from commercy.main import create_app

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
#: The signed-in session's token, as the pages hand it to htmx.
SESSION_CSRF = re.compile(r'"X-CSRF-Token": "([^"]+)"')
TARGET_MS = 50.0
#: What a page may weigh, uncompressed ("a few hundred kB").
MAX_BYTES = 300_000
RESELLER = "bench-reseller@commercy.local"
SUPPLIER = "bench-supplier@commercy.local"
ADMIN = "bench-admin@commercy.local"
#: The bench reseller's call-center agent (added on first use).
AGENT = "bench-agent-1@commercy.local"
#: The reseller's lists timed; the API's GET /orders runs the same statements.
# The searches: a name in every order of the reseller's, one in none of them (but in many
# others'), one in three of them (bench.dataset.RARE_NAME).
RESELLER_LISTS = (
    "", "status=pending", "search=Amira", "search=Youssef", "search=Zaouali",
    "sort=-total&page=100",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class PageTime:
    user: str
    path: str
    median_ms: float
    p95_ms: float
    size: int

    @property
    def met(self) -> bool:
        return self.median_ms < TARGET_MS and self.size <= MAX_BYTES

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "met": self.met}


def pages(order_number: str) -> dict[str, tuple[str, ...]]:
    """The pages timed, by who signs in to see them."""
    return {
        RESELLER: (
            *(f"/app/orders?{query}" for query in RESELLER_LISTS),
            "/app/orders?dateFrom=2026-01-01&dateTo=2026-12-31",
            "/app/orders?sort=customerName",
            f"/app/orders/{order_number}",
            "/app/dashboard",
            "/app/calls",
            "/app/settings/agents",
            "/app/static/htmx.min.js",
            "/app/static/app.css",
        ),
        SUPPLIER: ("/app/shipping", "/app/stock", "/app/dashboard"),
        ADMIN: (
            "/app/orders",
            "/app/orders?sort=-total&page=100",
            "/app/dashboard",
            "/app/admin/resellers",
            "/app/admin/suppliers",
            "/app/admin/users",
        ),
        # The agent's screen, then "next order" as its button sends it (each run claims the
        # next order of the big reseller's queue and ends the agent's previous claim).
        AGENT: ("/app/calls", "POST /app/calls/next"),
    }


async def time_page(client: httpx.AsyncClient, user: str, path: str, runs: int) -> PageTime:
    """``path`` is a page, or ``POST`` and a path: an action as htmx sends it."""
    method, _, url = path.rpartition(" ")
    took: list[float] = []
    size = 0
    for _ in range(runs):
        started = time.perf_counter()
        answer = await client.request(method or "GET", url)
        took.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, (path, answer.status_code)
        size = len(answer.content)
    took.sort()
    p95 = took[max(0, int(len(took) * 0.95) - 1)]
    return PageTime(user.split("@")[0], path, statistics.median(took), p95, size)


def line(timed: PageTime) -> str:
    return (
        f"{timed.user:<15} {timed.path:<55} median {timed.median_ms:6.1f} ms  "
        f"p95 {timed.p95_ms:6.1f} ms  {timed.size:>7,} B"
    )


@asynccontextmanager
async def signed_in(app: Any, identifier: str) -> AsyncIterator[httpx.AsyncClient]:
    """A browser of ``identifier``, signed in through the sign-in form."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        form = await client.get("/app/login")
        token = CSRF.search(form.text)
        assert token
        answer = await client.post(
            "/app/login",
            data={"identifier": identifier, "password": PASSWORD, "csrf_token": token.group(1)},
        )
        assert answer.status_code == 303, (identifier, answer.status_code)
        signed = SESSION_CSRF.search((await client.get("/app/orders")).text)
        assert signed
        client.headers["X-CSRF-Token"] = signed.group(1)
        yield client


async def time_pages(url: str, *, order_number: str, runs: int) -> list[PageTime]:
    """Every page of :func:`pages`, ``runs`` times each, on the database at ``url``."""
    app = create_app(settings(url))
    await _ensure_agent(url)
    timed = []
    try:
        for identifier, paths in pages(order_number).items():
            async with signed_in(app, identifier) as client:
                for path in paths:
                    timed.append(await time_page(client, identifier, path, runs))
    finally:
        await app.state.database.dispose()
    return timed


async def _ensure_agent(url: str) -> None:
    """The bench reseller's agent, added once per database."""
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        if await conn.fetchval("SELECT 1 FROM users WHERE identifier = $1", AGENT):
            return
        reseller_id = await conn.fetchval(
            "SELECT reseller_id FROM users WHERE identifier = $1", RESELLER
        )
    finally:
        await conn.close()
    await add_agents(settings(url), reseller_id=reseller_id, count=1)


async def newest_order_number(dsn: str) -> str:
    """The number of the bench reseller's newest order."""
    conn = await asyncpg.connect(dsn)
    try:
        number: str = await conn.fetchval(
            "SELECT o.order_number FROM orders o JOIN users u ON u.reseller_id = o.reseller_id"
            " WHERE u.identifier = $1 ORDER BY o.id DESC LIMIT 1",
            RESELLER,
        )
        return number
    finally:
        await conn.close()


def settings(url: str) -> Settings:
    return Settings(
        _env_file=None,
        database_url=url,
        data_dir=Path(tempfile.mkdtemp()),
        worker_in_process=False,
        sandbox_mounted=False,
        redis_url=None,
        gc_freeze_at_startup=False,
    )


async def _load(url: str, orders: int) -> None:
    seeded = await seed(settings(url), sandbox_url=None)
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        others = await dataset.add_resellers(conn, supplier_id=seeded.supplier_id, count=999)
        products = [
            dataset.Product(id=pid, name=f"Product {pid}", code=f"P-{pid}", price="120.500")
            for pid in seeded.product_ids
        ]
        loaded = await dataset.add_orders(
            conn,
            count=orders,
            supplier_id=seeded.supplier_id,
            user_id=seeded.reseller_user_id,
            big_reseller_id=seeded.reseller_id,
            other_reseller_ids=others,
            big_every=10,
            products=products,
            actor_label="reseller:bench",
        )
        print(f"loaded {orders:,} orders in {loaded.seconds:.0f} s")
    finally:
        await conn.close()


async def _time_api(url: str, *, order_number: str, runs: int) -> None:
    """The reseller's lists from the API, for the web app's own share of the time."""
    app = create_app(settings(url))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        login = await client.post(
            "/api/v1/auth/login", json={"identifier": RESELLER, "password": PASSWORD}
        )
        client.headers["Authorization"] = f"Bearer {login.json()['token']}"
        for query in RESELLER_LISTS:
            print(line(await time_page(client, "api", f"/api/v1/orders?limit=25&{query}", runs)))
        print(line(await time_page(client, "api", f"/api/v1/orders/{order_number}", runs)))
    await app.state.database.dispose()


async def main(orders: int, runs: int, database: str | None) -> None:
    name = database or f"commercy_web_bench_{uuid.uuid4().hex[:8]}"
    server = ADMIN_URL.rsplit("/", 1)[0]
    url = f"{server.replace('postgresql://', 'postgresql+asyncpg://')}/{name}"
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        if database is None:
            await admin.execute(f'CREATE DATABASE "{name}"')
            await _load(url, orders)
        number = await newest_order_number(f"{server}/{name}")
        for timed in await time_pages(url, order_number=number, runs=runs):
            print(line(timed))
        await _time_api(url, order_number=number, runs=runs)
    finally:
        if database is None:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--database", help="an already loaded database (kept)")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.orders, arguments.runs, arguments.database))
