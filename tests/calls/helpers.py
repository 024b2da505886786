"""Small steps the call-center tests share: orders in the queue, moved in time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from commercy.orders.models import Order
from tests.factories import Shop, make_order


async def queued(session: Any, shop: Shop, count: int = 1, **fields: Any) -> list[int]:
    """``count`` pending orders of the shop's reseller, created one minute apart (oldest
    first)."""
    ids = []
    for index in range(count):
        order = await make_order(session, world=shop.world, products=[shop.product], **fields)
        ids.append(order.id)
        await set_columns(session, order.id, created_at=ago(minutes=60 - index))
    return ids


def ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


def ahead(**delta: float) -> datetime:
    return datetime.now(UTC) + timedelta(**delta)


async def set_columns(session: AsyncSession, order_id: int, **values: Any) -> None:
    await session.execute(update(Order).where(Order.id == order_id).values(**values))
    await session.commit()


async def next_id(client: httpx.AsyncClient, headers: dict[str, str]) -> int | None:
    response = await client.post("/api/v1/calls/next", headers=headers)
    if response.status_code == 204:
        return None
    assert response.status_code == 200, response.text
    order_id: int = response.json()["data"]["id"]
    return order_id


async def call(
    client: httpx.AsyncClient, headers: dict[str, str], order_id: int, **body: Any
) -> httpx.Response:
    return await client.post(f"/api/v1/orders/{order_id}/calls", json=body, headers=headers)


async def claim(
    client: httpx.AsyncClient, headers: dict[str, str], order_id: int
) -> httpx.Response:
    return await client.post(f"/api/v1/orders/{order_id}/claim", headers=headers)


async def claimed_call(
    client: httpx.AsyncClient, headers: dict[str, str], order_id: int, **body: Any
) -> httpx.Response:
    """Claim the order, then record a call on it."""
    assert (await claim(client, headers, order_id)).status_code == 200
    return await call(client, headers, order_id, **body)


async def order_of(client: httpx.AsyncClient, headers: dict[str, str], order_id: int) -> Any:
    response = await client.get(f"/api/v1/orders/{order_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["data"]
