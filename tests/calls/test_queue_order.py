"""The queue's order, kept by the database: callbacks, then new orders, then retries, each by
due time, whatever wrote the order last."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from commercy.calls.rules import CALLING, RANKS, reason_of
from commercy.core.database import WriteSession
from commercy.orders.models import Order, OrderStatus
from tests.calls.helpers import ago, ahead, call, claimed_call, next_id, queued, set_columns
from tests.factories import Shop


async def _drain(client: httpx.AsyncClient, headers: dict[str, str]) -> list[int]:
    """Every order the agent is given, in turn, each ended once taken."""
    given = []
    while (order := await next_id(client, headers)) is not None:
        given.append(order)
        assert (await call(client, headers, order, outcome="canceled")).status_code == 201
    return given


async def test_the_queue_serves_due_callbacks_then_new_orders_then_retries_by_due_time(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    ids = await queued(session, shop, 11)
    (
        retry_old,
        retry_recent,
        retry_later,
        new_old,
        new_held,
        new_recent,
        callback_recent,
        callback_old,
        callback_later,
        info_old,
        canceled,
    ) = ids
    await set_columns(session, retry_old, status="not_reached", next_call_at=ago(minutes=50))
    await set_columns(session, retry_recent, status="phone_closed", next_call_at=ago(minutes=5))
    await set_columns(session, retry_later, status="not_available", next_call_at=ahead(hours=1))
    await set_columns(session, new_held, next_call_at=ahead(minutes=3))  # the WhatsApp grace
    await set_columns(session, callback_recent, status="rapported", next_call_at=ago(minutes=2))
    await set_columns(session, callback_old, status="rapported", next_call_at=ago(minutes=30))
    await set_columns(session, callback_later, status="rapported", next_call_at=ahead(hours=2))
    await set_columns(session, info_old, status="more_information", next_call_at=ago(hours=3))
    await set_columns(session, canceled, status="canceled")

    assert await _drain(client, shop.agent) == [
        info_old,
        callback_old,
        callback_recent,
        new_old,
        new_recent,
        retry_old,
        retry_recent,
    ]


async def test_orders_due_at_the_same_time_are_called_in_creation_order(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    ids = await queued(session, shop, 3)
    same_time = ago(minutes=5)
    for order in reversed(ids):
        await set_columns(session, order, status="rapported", next_call_at=same_time)

    assert await _drain(client, shop.agent) == ids


async def _position(session: WriteSession, order_id: int) -> tuple[int | None, datetime | None]:
    await session.commit()  # a fresh read: what the requests wrote since
    row = (
        await session.execute(
            select(Order.call_rank, Order.call_due_at).where(Order.id == order_id)
        )
    ).one()
    return row.call_rank, row.call_due_at


def _rank(status: OrderStatus) -> int | None:
    return RANKS[reason_of(status)] if status in CALLING else None


@pytest.mark.parametrize("status", list(OrderStatus))
async def test_the_rank_follows_the_status(
    session: WriteSession, shop: Shop, status: OrderStatus
) -> None:
    (order,) = await queued(session, shop)

    await set_columns(session, order, status=status.value)

    assert (await _position(session, order))[0] == _rank(status)


async def test_the_position_follows_the_calls_the_status_the_schedule_and_the_block(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order,) = await queued(session, shop)
    created_at = await session.scalar(select(Order.created_at).where(Order.id == order))
    assert created_at is not None
    assert await _position(session, order) == (1, created_at)

    unreached = await claimed_call(client, shop.agent, order, outcome="not_reached")
    assert unreached.status_code == 201, unreached.text
    retry_at = await _next_call_at(session, order)
    assert retry_at is not None and retry_at > created_at
    assert await _position(session, order) == (2, retry_at)

    callback_at = ahead(days=1).replace(microsecond=0)
    callback = await claimed_call(
        client,
        shop.agent,
        order,
        outcome="rapported",
        callbackAt=callback_at.isoformat(),
    )
    assert callback.status_code == 201, callback.text
    assert await _position(session, order) == (0, callback_at)

    await _set_status(client, shop, order, "canceled")
    assert (await _position(session, order))[0] is None

    await _set_status(client, shop, order, "pending")
    assert (await _position(session, order))[0] == 1

    await set_columns(session, order, next_call_at=None)
    assert await _position(session, order) == (1, created_at)

    await set_columns(session, order, blocked=True)
    assert (await _position(session, order))[0] is None


async def _next_call_at(session: WriteSession, order_id: int) -> datetime | None:
    await session.commit()  # a fresh read: what the requests wrote since
    return await session.scalar(select(Order.next_call_at).where(Order.id == order_id))


async def _set_status(client: httpx.AsyncClient, shop: Shop, order_id: int, status: str) -> Any:
    response = await client.patch(
        f"/api/v1/orders/{order_id}/status", json={"status": status}, headers=shop.reseller
    )
    assert response.status_code == 200, response.text
    return response.json()
