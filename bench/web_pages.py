"""Server time of the web app's pages over the bench's order set (not part of `make bench`).

    COMMERCY_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test \\
        .venv/bin/python -m bench.web_pages --orders 1000000

Builds a throwaway PostgreSQL database, seeds it (bench/seed.py), loads the orders
(bench/dataset.py: the bench reseller has every tenth), signs in as the bench reseller through
the sign-in form, then times each page in-process (httpx on the ASGI app: the server's own time,
no network) and prints the median and the 95th percentile of each, with its size in bytes.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
import httpx

from bench import dataset
from bench.seed import PASSWORD, seed
from commercy.core.settings import Settings
from commercy.main import create_app

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def _load(url: str, orders: int) -> str:
    """The bench set; returns the number of one of the bench reseller's orders."""
    settings = _settings(url)
    seeded = await seed(settings, sandbox_url=None)
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
        number: str = await conn.fetchval(
            "SELECT order_number FROM orders WHERE reseller_id = $1 ORDER BY id DESC LIMIT 1",
            seeded.reseller_id,
        )
        return number
    finally:
        await conn.close()


def _settings(url: str) -> Settings:
    return Settings(
        _env_file=None,
        database_url=url,
        data_dir=Path(tempfile.mkdtemp()),
        worker_in_process=False,
        sandbox_mounted=False,
        redis_url=None,
        gc_freeze_at_startup=False,
    )


async def _time(client: httpx.AsyncClient, path: str, runs: int) -> None:
    took: list[float] = []
    size = 0
    for _ in range(runs):
        started = time.perf_counter()
        answer = await client.get(path)
        took.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, (path, answer.status_code)
        size = len(answer.content)
    took.sort()
    p95 = took[int(len(took) * 0.95) - 1]
    print(f"{path:<60} median {statistics.median(took):6.1f} ms  p95 {p95:6.1f} ms  {size:>7,} B")


async def main(orders: int, runs: int) -> None:
    name = f"commercy_web_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + "/" + name
    try:
        number = await _load(url, orders)
        app = create_app(_settings(url))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            form = await client.get("/app/login")
            token = CSRF.search(form.text)
            assert token
            await client.post(
                "/app/login",
                data={
                    "identifier": "bench-reseller@commercy.local",
                    "password": PASSWORD,
                    "csrf_token": token.group(1),
                },
            )
            lists = ("", "status=pending", "search=Amira", "sort=-total&page=100")
            for query in lists:
                await _time(client, f"/app/orders?{query}", runs)
            for path in (
                "/app/orders?dateFrom=2026-01-01&dateTo=2026-12-31",
                f"/app/orders/{number}",
                "/app/static/htmx.min.js",
                "/app/static/app.css",
            ):
                await _time(client, path, runs)
            # The same lists from the API, for the web app's own share of the time.
            login = await client.post(
                "/api/v1/auth/login",
                json={"identifier": "bench-reseller@commercy.local", "password": PASSWORD},
            )
            client.headers["Authorization"] = f"Bearer {login.json()['token']}"
            client.cookies.clear()
            for query in lists:
                await _time(client, f"/api/v1/orders?limit=25&{query}", runs)
            await _time(client, f"/api/v1/orders/{number}", runs)
        await app.state.database.dispose()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=50)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.orders, arguments.runs))
