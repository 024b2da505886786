"""A status change's writes (``orders.repository.move_order``: on PostgreSQL the order's update
and its history line in one statement) are exactly those of the two plain statements
(``move_then_line``): the same order row, version and history line, and nothing written when
the order is no longer at the version it was read at."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from commercy.core.database import Database, WriteSession, table_of
from commercy.orders import repository
from commercy.orders.models import Order, OrderStatus, OrderStatusChange, PaymentStatus
from tests.factories import Shop, make_order

NOW = datetime(2026, 12, 4, 19, 30, 0, 654321, tzinfo=UTC)
# What tells two orders of the same customer apart, or their lines: not what a move writes.
_OWN = frozenset(
    {
        "id",
        "order_id",
        "order_number",
        "barcode",
        "created_at",
        "call_due_at",
        "possible_duplicate_of",
    }
)


async def one_statement(session: WriteSession, order_id: int, read_version: int) -> int:
    return await repository.move_order(
        session,
        order_id=order_id,
        read_version=read_version,
        status=OrderStatus.DELIVERED,
        payment_status=PaymentStatus.PAID,
        history=_line(),
    )


async def two_statements(session: WriteSession, order_id: int, read_version: int) -> int:
    return await repository.move_then_line(
        session,
        move={
            "order_id": order_id,
            "read_version": read_version,
            "to_status": OrderStatus.DELIVERED,
            "to_payment_status": PaymentStatus.PAID,
            "now": NOW,
        },
        line={**_line(), "order_id": order_id, "to_status": OrderStatus.DELIVERED},
    )


def _line() -> dict[str, Any]:
    return {
        "from_status": OrderStatus.SHIPPED,
        "actor_label": "agent:amira",
        "actor_user_id": None,
        "note": "Livrée, payée",
        "created_at": NOW,
    }


async def written(database: Database, order_id: int) -> dict[str, Any]:
    """The order's row and its last history line, without what tells orders apart."""
    async with database.read_sessionmaker() as session:
        order = (await session.execute(select(table_of(Order)).where(Order.id == order_id))).one()
        lines = (
            await session.execute(
                select(table_of(OrderStatusChange))
                .where(OrderStatusChange.order_id == order_id)
                .order_by(OrderStatusChange.id)
            )
        ).all()
    return {
        "order": {k: v for k, v in order._mapping.items() if k not in _OWN},
        "lines": len(lines),
        "last line": {k: v for k, v in lines[-1]._mapping.items() if k not in _OWN},
    }


async def test_the_move_writes_what_the_two_statements_write(
    shop: Shop, session: WriteSession, database: Database
) -> None:
    orders = [
        await make_order(session, world=shop.world, products=[shop.product], status="confirmed")
        for _ in range(2)
    ]
    for order in orders:
        order.status = OrderStatus.SHIPPED
    await session.commit()
    versions = [order.version for order in orders]
    assert versions[0] == versions[1]

    async with database.sessionmaker() as moving:
        assert await one_statement(moving, orders[0].id, versions[0]) == versions[0] + 1
        assert await two_statements(moving, orders[1].id, versions[1]) == versions[1] + 1
        await moving.commit()

    moved = await written(database, orders[0].id)
    assert moved == await written(database, orders[1].id)
    assert moved["order"]["status"] == "delivered"
    assert moved["order"]["payment_status"] == "paid"
    assert moved["last line"]["note"] == "Livrée, payée"
    assert moved["last line"]["changes"] is None


@pytest.mark.parametrize("move", [one_statement, two_statements])
async def test_a_stale_version_writes_nothing(
    shop: Shop, session: WriteSession, database: Database, move: Any
) -> None:
    order = await make_order(session, world=shop.world, products=[shop.product])
    before = await written(database, order.id)
    async with database.sessionmaker() as moving:
        with pytest.raises(StaleDataError):
            await move(moving, order.id, order.version - 1)
        await moving.commit()
    assert await written(database, order.id) == before
