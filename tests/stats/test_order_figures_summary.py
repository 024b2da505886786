"""The order figures kept by the database (commercy.stats.models) answer exactly what the
plain GROUP BY over the orders answers, after every kind of write, for every role and
grouping, on whole-hour zones; other zones are counted from the orders."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from commercy.auth import service as auth_service
from commercy.auth.actor import Actor
from commercy.core.database import Database
from commercy.core.settings import Settings
from commercy.orders import service as orders_service
from commercy.orders.models import Order, OrderItem
from commercy.orders.schemas import OrderCreate
from commercy.stats import queries
from commercy.stats.models import OrderProductFigureChange
from commercy.stats.queries import FiguresSource
from commercy.stats.schemas import GroupBy
from tests.factories import Shop, order_body
from tests.stats.test_order_stats import ORDERS, place

TUNIS = ZoneInfo("Africa/Tunis")
PARIS = ZoneInfo("Europe/Paris")
KOLKATA = ZoneInfo("Asia/Kolkata")
UTC_ZONE = ZoneInfo("UTC")
#: Europe's clocks go forward at 01:00 UTC that day.
DST_DAY = date(2026, 3, 29)
SUMMARY_GROUPINGS = (GroupBy.DAY, GroupBy.PRODUCT, GroupBy.CITY, GroupBy.SOURCE)


async def actors(session: AsyncSession, shop: Shop) -> list[Actor]:
    world = shop.world
    users = (world.reseller_user, world.agent, world.supplier_user, world.admin)
    found = [await auth_service.get_active_actor(session, user.id) for user in users]
    assert all(actor is not None for actor in found)
    return [actor for actor in found if actor is not None]


async def assert_summary_is_exact(
    session: AsyncSession,
    shop: Shop,
    *,
    date_from: date,
    date_to: date,
    zones: Sequence[ZoneInfo] = (UTC_ZONE, TUNIS, PARIS),
) -> None:
    """For every role, zone and grouping: the summary's answer is the orders' answer."""
    await session.commit()  # a fresh snapshot: what the requests committed
    for actor in await actors(session, shop):
        for zone in zones:
            for group_by in SUMMARY_GROUPINGS:
                answers = [
                    await queries.order_figures(
                        session,
                        actor=actor,
                        date_from=date_from,
                        date_to=date_to,
                        group_by=group_by,
                        zone=zone,
                        source=source,
                    )
                    for source in (FiguresSource.SUMMARY, FiguresSource.ORDERS)
                ]
                assert answers[0] == answers[1], (actor.role, zone.key, group_by)
    assert await session.scalar(select(OrderProductFigureChange.id)) is None


async def move(session: AsyncSession, order_id: int, created_at: datetime) -> None:
    await session.execute(update(Order).where(Order.id == order_id).values(created_at=created_at))
    await session.commit()


def around(day: date) -> tuple[date, date]:
    return day - timedelta(days=2), day + timedelta(days=2)


async def test_the_summary_follows_creates_and_status_changes(
    client: httpx.AsyncClient, session: AsyncSession, shop: Shop
) -> None:
    await place(client, shop, customerCity="Tunis")
    await place(client, shop, "confirmed", "shipped", "delivered", customerCity="Sfax")
    await place(client, shop, "confirmed", "shipped", "returned", source="whatsapp")
    await place(client, shop, "canceled", products=[shop.product, shop.other_product])
    # Two lines of one product: the order counts once for it.
    await place(client, shop, "confirmed", products=[shop.product, shop.product])
    today = datetime.now(UTC).date()

    await assert_summary_is_exact(session, shop, date_from=today - timedelta(days=1), date_to=today)


async def test_the_summary_follows_a_bulk_status_change(
    client: httpx.AsyncClient, session: AsyncSession, shop: Shop
) -> None:
    ids = [(await place(client, shop, customerCity=city))["id"] for city in ("Tunis", "Sfax")]
    answer = await client.post(
        f"{ORDERS}/bulk-status", json={"ids": ids, "status": "confirmed"}, headers=shop.admin
    )
    assert answer.status_code == 200, answer.text
    today = datetime.now(UTC).date()

    await assert_summary_is_exact(session, shop, date_from=today, date_to=today)


async def test_the_summary_follows_an_edit_of_city_items_and_total(
    client: httpx.AsyncClient, session: AsyncSession, shop: Shop
) -> None:
    order = await place(client, shop, "confirmed", customerCity="Tunis")
    await place(client, shop, "confirmed", customerCity="Sfax")
    line = order["items"][0]["id"]
    items = [
        {"id": line, "quantity": 3},
        {"productId": shop.other_product.id, "quantity": 1, "price": 12, "notes": "Rouge"},
    ]
    edited = await client.patch(
        f"{ORDERS}/{order['id']}",
        json={"customerCity": "Sousse", "items": items},
        headers=shop.reseller,
    )
    assert edited.status_code == 200, edited.text
    today = datetime.now(UTC).date()
    await assert_summary_is_exact(session, shop, date_from=today, date_to=today)

    removed = await client.patch(
        f"{ORDERS}/{order['id']}",
        json={"items": [{"id": line}], "customerCity": None},
        headers=shop.reseller,
    )
    assert removed.status_code == 200, removed.text
    await assert_summary_is_exact(session, shop, date_from=today, date_to=today)


async def test_the_summary_follows_raw_sql_and_deletes(
    client: httpx.AsyncClient, session: AsyncSession, shop: Shop
) -> None:
    kept = await place(client, shop, "confirmed", products=[shop.product, shop.other_product])
    gone = await place(client, shop, "confirmed")
    await session.execute(
        text("UPDATE orders SET status = 'delivered', total = total + 1 WHERE id = :id"),
        {"id": kept["id"]},
    )
    await session.execute(delete(OrderItem).where(OrderItem.id == kept["items"][1]["id"]))
    await session.execute(delete(Order).where(Order.id == gone["id"]))
    await session.commit()
    today = datetime.now(UTC).date()

    await assert_summary_is_exact(session, shop, date_from=today, date_to=today)


async def test_the_summary_is_exact_for_each_zones_days_across_a_summer_time_change(
    client: httpx.AsyncClient, session: AsyncSession, shop: Shop
) -> None:
    instants = [
        datetime(2026, 3, 28, 22, 30, tzinfo=UTC),  # the 29th in Paris, the 28th in UTC
        datetime(2026, 3, 28, 23, 59, 59, tzinfo=UTC),
        datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),  # after the change
        datetime(2026, 3, 29, 21, 59, tzinfo=UTC),  # the 29th in Paris, the 30th in Kolkata
        datetime(2026, 3, 29, 22, 0, tzinfo=UTC),  # the 30th in Paris
    ]
    for index, instant in enumerate(instants):
        statuses = ("confirmed", "shipped", "delivered")[: index % 4]
        order = await place(client, shop, *statuses, customerCity=("Tunis", "Sfax")[index % 2])
        await move(session, order["id"], instant)
    first, last = around(DST_DAY)

    await assert_summary_is_exact(session, shop, date_from=first, date_to=last)


async def test_a_zone_without_whole_hours_is_counted_from_the_orders(
    client: httpx.AsyncClient, session: AsyncSession, shop: Shop
) -> None:
    order = await place(client, shop, customerCity="Tunis")
    await move(session, order["id"], datetime(2026, 3, 29, 18, 45, tzinfo=UTC))  # 00:15 there
    first, last = around(DST_DAY)
    start, end = queries.bounds(first, last, KOLKATA)
    source = queries.figures_source(GroupBy.DAY, zone=KOLKATA, start=start, end=end)
    reseller = (await actors(session, shop))[0]

    _, days = await queries.order_figures(
        session, actor=reseller, date_from=first, date_to=last, group_by=GroupBy.DAY, zone=KOLKATA
    )

    assert source == FiguresSource.ORDERS
    assert [(day.key, day.orders) for day in days] == [("2026-03-30", 1)]
    start, end = queries.bounds(first, last, PARIS)
    assert queries.figures_source(GroupBy.DAY, zone=PARIS, start=start, end=end) == "summary"
    assert queries.figures_source(GroupBy.RESELLER, zone=UTC_ZONE, start=start, end=end) == (
        "orders"
    )


async def test_a_renamed_product_keeps_the_greatest_name_of_the_lines_left(
    client: httpx.AsyncClient, session: AsyncSession, shop: Shop
) -> None:
    renamed = await place(client, shop)
    await place(client, shop)
    await session.execute(
        update(OrderItem).where(OrderItem.order_id == renamed["id"]).values(product_name="Zz")
    )
    await session.commit()
    today = datetime.now(UTC).date()
    await assert_summary_is_exact(session, shop, date_from=today, date_to=today)

    moved = await client.patch(
        f"{ORDERS}/{renamed['id']}/status", json={"status": "canceled"}, headers=shop.admin
    )
    assert moved.status_code == 200, moved.text

    await assert_summary_is_exact(session, shop, date_from=today, date_to=today)


@pytest.mark.postgres_only
async def test_two_creates_of_one_reseller_at_once_both_commit(
    database: Database, session: AsyncSession, shop: Shop, settings: Settings
) -> None:
    """The summary's rows are written at commit: a create waiting to commit holds no lock
    another create of the same reseller, hour, status, source and city needs."""
    actor = (await actors(session, shop))[0]
    await session.commit()

    def body(product: Any) -> OrderCreate:
        return OrderCreate.model_validate(order_body(product, customerCity="Tunis"))

    async with database.sessionmaker() as first, database.sessionmaker() as second:
        await orders_service.create_order(
            first, actor=actor, data=body(shop.product), settings=settings
        )
        await first.flush()
        await orders_service.create_order(
            second, actor=actor, data=body(shop.other_product), settings=settings
        )
        # A guard against a hang, not a timing: the first transaction is still open.
        await asyncio.wait_for(second.commit(), timeout=30)
        await first.commit()
    today = datetime.now(UTC).date()

    await assert_summary_is_exact(session, shop, date_from=today, date_to=today)
    reseller, *_ = await actors(session, shop)
    totals, _ = await queries.order_figures(
        session, actor=reseller, date_from=today, date_to=today, group_by=GroupBy.CITY
    )
    assert totals.orders == 2
