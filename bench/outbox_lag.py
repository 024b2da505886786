"""Outbox lag under load: orders placed at a steady rate through the API while a
``commercy worker`` process drains the outbox against a standalone Digishare sandbox.

Lag = the moment Commercy recorded the sandbox's ticket for the order (``digishare_tickets
.created_at``, written right after the sandbox answered the ticket creation) minus the order's
``created_at``; both stamped by Commercy with microseconds (the sandbox's own stamps are to
the second only).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import asdict, dataclass
from typing import Any

import asyncpg
import httpx


@dataclass
class Lag:
    rate: float
    seconds: float
    orders_placed: int
    tickets: int
    p50_s: float | None
    p99_s: float | None
    max_s: float | None
    placed_errors: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def skip_pending_jobs(dsn: str) -> int:
    """Jobs left by the create scenarios (no worker ran then) would queue ahead of ours.

    Skipping them leaves as many dead entries in the claim index as there were jobs (over
    10,000 after the create runs of the floors and the product), which the worker's claim
    would step over until autovacuum came by: vacuumed here, as it would be by then."""
    conn = await asyncpg.connect(dsn)
    try:
        status = await conn.execute(
            "UPDATE outbox_jobs SET state = 'failed', last_error = 'bench: skipped', "
            "finished_at = now() WHERE state IN ('pending', 'running')"
        )
        await conn.execute("VACUUM ANALYZE outbox_jobs")
        return int(status.split()[-1])
    finally:
        await conn.close()


async def place_orders(
    url: str, *, token: str, body: dict[str, Any], rate: float, seconds: float
) -> tuple[int, int]:
    """POST orders on a fixed schedule (one every 1/rate s, never catching up in bursts)."""
    placed = errors = 0
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
        pending: set[asyncio.Task[None]] = set()

        async def one(n: int) -> None:
            nonlocal placed, errors
            response = await client.post(
                "/api/v1/orders", json={**body, "customerPhone": f"+2165{n:07d}"}
            )
            if response.status_code == 201:
                placed += 1
            else:
                errors += 1

        started = time.monotonic()
        n = 0
        while (elapsed := time.monotonic() - started) < seconds:
            task = asyncio.create_task(one(n))
            pending.add(task)
            task.add_done_callback(pending.discard)
            n += 1
            await asyncio.sleep(max(0.0, n / rate - elapsed))
        await asyncio.gather(*pending)
    return placed, errors


async def measure(
    *,
    api_url: str,
    dsn: str,
    token: str,
    body: dict[str, Any],
    rate: float,
    seconds: float,
    drain_timeout: float = 60.0,
) -> Lag:
    conn = await asyncpg.connect(dsn)
    try:
        after = int(await conn.fetchval("SELECT coalesce(max(id), 0) FROM orders"))
        placed, errors = await place_orders(
            api_url, token=token, body=body, rate=rate, seconds=seconds
        )
        deadline = time.monotonic() + drain_timeout
        rows: list[asyncpg.Record] = []
        while time.monotonic() < deadline:
            rows = await conn.fetch(
                "SELECT extract(epoch FROM t.created_at - o.created_at)::float8 AS lag "
                "FROM orders o JOIN digishare_tickets t ON t.order_id = o.id WHERE o.id > $1",
                after,
            )
            if len(rows) >= placed:
                break
            await asyncio.sleep(0.5)
    finally:
        await conn.close()
    lags = [float(row["lag"]) for row in rows]
    return Lag(
        rate=rate,
        seconds=seconds,
        orders_placed=placed,
        tickets=len(lags),
        p50_s=statistics.median(lags) if lags else None,
        p99_s=_percentile(lags, 0.99) if lags else None,
        max_s=max(lags) if lags else None,
        placed_errors=errors,
    )
