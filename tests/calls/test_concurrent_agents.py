"""Twenty agents drain one reseller's queue at once, through two real API processes on
PostgreSQL: no order is ever given to two agents, and every order is called exactly once."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, insert, select

from commercy.auth.models import Role
from commercy.calls.models import CallAttempt
from commercy.core.database import WriteSession, utcnow
from commercy.core.settings import Settings
from commercy.orders.models import Order
from tests.factories import bearer, make_user, make_world
from tests.hardening.processes import api_process, settings_env

pytestmark = pytest.mark.postgres_only
AGENTS = 20
ORDERS = 2_000


async def _bulk_orders(session: WriteSession, *, reseller_id: int, supplier_id: int) -> None:
    now = utcnow()
    rows = [
        {
            "order_number": f"ORD-BULK-{number}",
            "barcode": f"ORD-BULK-{number}",
            "reseller_id": reseller_id,
            "supplier_id": supplier_id,
            "status": "pending",
            "payment_status": "unpaid",
            "source": "manual",
            "customer_phone": f"+2162{number:07d}",
            "wa_id": f"2162{number:07d}",
            "shipping_cost": 0,
            "subtotal": 10,
            "total": 10,
            "call_attempts": 0,
            "created_at": now,
            "updated_at": now,
        }
        for number in range(ORDERS)
    ]
    await session.execute(insert(Order), rows)
    await session.commit()


async def _agent_drains(
    http: httpx.AsyncClient, base_url: str, headers: dict[str, str]
) -> list[int]:
    """Ask for the next order and cancel it, until the queue is empty."""
    taken: list[int] = []
    while True:
        given = await http.post(f"{base_url}/api/v1/calls/next", headers=headers)
        if given.status_code == 204:
            return taken
        assert given.status_code == 200, given.text
        order_id = given.json()["data"]["id"]
        taken.append(order_id)
        called = await http.post(
            f"{base_url}/api/v1/orders/{order_id}/calls",
            json={"outcome": "canceled", "note": "duplicate"},
            headers=headers,
        )
        assert called.status_code == 201, called.text


async def test_twenty_agents_drain_the_queue_each_order_called_exactly_once(
    settings: Settings, session: WriteSession, tmp_path: Path
) -> None:
    world = await make_world(session)
    agents = [
        await make_user(session, role=Role.AGENT, reseller=world.reseller) for _ in range(AGENTS)
    ]
    await session.commit()
    await _bulk_orders(session, reseller_id=world.reseller.id, supplier_id=world.supplier.id)
    env = settings_env(
        settings,
        data_dir=str(tmp_path),
        rate_limit_enabled="false",
        sandbox_mounted="false",
        access_log="false",
    )
    # uvicorn closes a connection idle for 5 s; the client lets go of it sooner, so a request is
    # never written into a connection the server is closing at that moment.
    limits = httpx.Limits(
        max_connections=AGENTS * 2, max_keepalive_connections=AGENTS * 2, keepalive_expiry=1.0
    )
    with ExitStack() as stack:
        apis = [stack.enter_context(api_process(env, log_dir=tmp_path)) for _ in range(2)]
        started = time.monotonic()
        async with httpx.AsyncClient(timeout=60, limits=limits) as http:
            taken = await asyncio.gather(
                *(
                    _agent_drains(http, apis[index % 2], bearer(agent, settings))
                    for index, agent in enumerate(agents)
                )
            )
        elapsed = time.monotonic() - started

    given = Counter(order_id for ids in taken for order_id in ids)
    assert len(given) == ORDERS
    assert max(given.values()) == 1, "an order was given to two agents"
    assert sum(1 for ids in taken if ids) > 1, "the agents did not work in parallel"
    per_order = (
        await session.execute(
            select(CallAttempt.order_id, func.count()).group_by(CallAttempt.order_id)
        )
    ).all()
    assert len(per_order) == ORDERS
    assert {count for _, count in per_order} == {1}
    print(f"{ORDERS} orders drained by {AGENTS} agents in {elapsed:.1f} s")
