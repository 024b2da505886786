"""Creates at once, over real HTTP, with the production pool: every answer is one the API
documents, load beyond the pool is refused with 503 and Retry-After, and the database holds
one order per Idempotency-Key."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession

from commercy.core.database import Database
from commercy.core.settings import Settings
from commercy.main import create_app
from commercy.orders.models import Order
from tests.factories import Shop, order_body
from tests.support.live_server import live_server

ORDERS = "/api/v1/orders"
KEYS = 100
COPIES = 3
UNKEYED = 100

Call = tuple[str | None, dict[str, Any], dict[str, str]]


@pytest.fixture
def api_url(settings: Settings) -> Iterator[str]:
    """Commercy under uvicorn, its pool at the production size."""
    assert settings.database_pool_size == Settings.model_fields["database_pool_size"].default
    with live_server(create_app(settings)) as url:
        yield url


async def post_until_answered(
    http: httpx.AsyncClient, body: dict[str, Any], headers: dict[str, str]
) -> httpx.Response:
    """POST again while the API says it is full (503 with Retry-After), as a client would."""
    for _ in range(100):
        response = await http.post(ORDERS, json=body, headers=headers)
        if response.status_code != 503:
            return response
        assert response.json()["success"] is False
        assert int(response.headers["Retry-After"]) >= 1
        await asyncio.sleep(0.05)
    raise AssertionError("still refused as busy after 100 tries")


def storm(shop: Shop) -> list[Call]:
    """Every key sent three times by the reseller, and orders without a key by the agent."""
    calls: list[Call] = []
    for number in range(KEYS):
        key = f"storm-{number}"
        body = order_body(shop.product, customerName=f"Keyed {number}")
        calls += [(key, body, shop.reseller | {"Idempotency-Key": key})] * COPIES
    for number in range(UNKEYED):
        calls.append((None, order_body(shop.product, customerName=f"Plain {number}"), shop.agent))
    random.Random(7).shuffle(calls)
    return calls


async def test_keyed_and_unkeyed_creates_at_once_each_make_exactly_one_order(
    api_url: str, shop: Shop, session: AsyncSession
) -> None:
    calls = storm(shop)
    # A connection per request: a kept-alive one that the server closes while idle (its
    # keep-alive timeout, on a busy machine) would fail a POST that never reached it.
    limits = httpx.Limits(max_connections=len(calls), max_keepalive_connections=0)

    async with httpx.AsyncClient(base_url=api_url, limits=limits, timeout=300) as http:
        responses = await asyncio.gather(
            *(post_until_answered(http, body, headers) for _, body, headers in calls)
        )
        statuses = Counter(response.status_code for response in responses)
        assert set(statuses) <= {201, 409}, statuses
        for response in responses:
            if response.status_code == 409:
                assert response.json()["details"] == {"field": "Idempotency-Key"}
        created: dict[str | None, set[str]] = {}
        for (key, _, _), response in zip(calls, responses, strict=True):
            if response.status_code == 201:
                created.setdefault(key, set()).add(response.json()["orderNumber"])
        assert len(created.pop(None)) == UNKEYED
        assert all(len(numbers) == 1 for numbers in created.values()), created
        # Once the storm is over, every key replays its one order.
        keyed = {key: (body, headers) for key, body, headers in calls if key is not None}
        for key, (body, headers) in keyed.items():
            replay = await http.post(ORDERS, json=body, headers=headers)
            assert replay.status_code == 201, replay.text
            assert replay.headers["Idempotent-Replayed"] == "true"
            assert created.setdefault(key, {replay.json()["orderNumber"]}) == {
                replay.json()["orderNumber"]
            }

    rows = await session.execute(
        select(Order.customer_name, func.count()).group_by(Order.customer_name)
    )
    per_customer = {name: count for name, count in rows}
    assert len(per_customer) == KEYS + UNKEYED
    assert set(per_customer.values()) == {1}


@pytest.fixture
async def busy_app(settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(settings.model_copy(update={"database_pool_timeout_seconds": 0.2}))
    yield app
    await app.state.database.dispose()


async def hold_every_connection(database: Database, stack: AsyncExitStack) -> int:
    """Check out pooled connections until the pool has none left to give."""
    held = 0
    while True:
        try:
            await stack.enter_async_context(database.engine.connect())
        except PoolTimeout:
            return held
        held += 1


async def test_beyond_the_pool_a_request_is_refused_with_503_and_retry_after(
    busy_app: FastAPI, shop: Shop
) -> None:
    transport = httpx.ASGITransport(app=busy_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        async with AsyncExitStack() as stack:
            assert await hold_every_connection(busy_app.state.database, stack) > 0
            create = await http.post(ORDERS, json=order_body(shop.product), headers=shop.reseller)
            read = await http.get(ORDERS, headers=shop.reseller)
        after = await http.post(ORDERS, json=order_body(shop.product), headers=shop.reseller)

    for refused in (create, read):
        assert refused.status_code == 503, refused.text
        assert refused.headers["Retry-After"] == "1"
        body = refused.json()
        assert (body["success"], body["error"]) == (False, "Service unavailable")
        assert body["details"] == {"retryAfter": 1}
    assert after.status_code == 201
