"""GET /stats/orders: figures of the caller's orders in a period, in totals and per group."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from commercy.core.database import WriteSession, utcnow
from commercy.core.settings import Settings
from commercy.orders.models import Order
from tests.factories import Shop, make_shop, order_body

STATS = "/api/v1/stats/orders"
ORDERS = "/api/v1/orders"
TODAY = datetime.now(UTC).date()


async def place(
    client: httpx.AsyncClient,
    shop: Shop,
    *statuses: str,
    products: list[Any] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """An order of the shop's reseller, then moved through ``statuses`` by an admin."""
    body = order_body(*(products or [shop.product]), **fields)
    response = await client.post(ORDERS, json=body, headers=shop.reseller)
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()["order"]
    for status in statuses:
        moved = await client.patch(
            f"{ORDERS}/{order['id']}/status", json={"status": status}, headers=shop.admin
        )
        assert moved.status_code == 200, moved.text
    return order


async def stats(
    client: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> dict[str, Any]:
    response = await client.get(STATS, params=params, headers=headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def age(session: AsyncSession, order_id: int, *, days: int) -> None:
    await session.execute(
        update(Order).where(Order.id == order_id).values(created_at=utcnow() - timedelta(days=days))
    )
    await session.commit()


async def a_day_of_orders(client: httpx.AsyncClient, shop: Shop) -> None:
    """Four orders of 30.000: pending, delivered, returned, canceled."""
    await place(client, shop, customerCity="Tunis")
    await place(client, shop, "confirmed", "shipped", "delivered", customerCity="Sfax")
    await place(client, shop, "confirmed", "shipped", "returned", customerCity="Sfax")
    await place(client, shop, "canceled", customerCity="Tunis")


def figures(group: dict[str, Any]) -> tuple[Any, ...]:
    keys = ("orders", "confirmed", "delivered", "returned", "canceled", "cashCollected")
    return tuple(group[key] for key in keys)


async def test_totals_count_the_orders_by_their_current_status(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    await a_day_of_orders(client, shop)

    data = await stats(client, shop.reseller)

    assert figures(data["totals"]) == (4, 2, 1, 1, 1, 30.0)


async def test_rates_are_confirmed_over_orders_delivered_over_confirmed_and_returned_over_finished(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    await a_day_of_orders(client, shop)
    await place(client, shop, "confirmed")

    totals = (await stats(client, shop.agent))["totals"]

    assert totals["confirmationRate"] == 0.6  # 3 of 5
    assert totals["deliveryRate"] == 0.3333  # 1 of 3
    assert totals["returnRate"] == 0.5  # 1 of 2 that reached the customer


async def test_rates_are_null_without_orders(client: httpx.AsyncClient, shop: Shop) -> None:
    totals = (await stats(client, shop.reseller))["totals"]

    assert figures(totals) == (0, 0, 0, 0, 0, 0.0)
    assert (totals["confirmationRate"], totals["deliveryRate"], totals["returnRate"]) == (
        None,
        None,
        None,
    )


async def test_days_are_every_day_of_the_period_oldest_first(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession
) -> None:
    old = await place(client, shop)
    await age(session, old["id"], days=2)
    await place(client, shop)
    await place(client, shop)
    start = TODAY - timedelta(days=2)

    data = await stats(client, shop.reseller, **{"from": start.isoformat(), "groupBy": "day"})

    assert [(g["key"], g["orders"]) for g in data["groups"]] == [
        (start.isoformat(), 1),
        ((start + timedelta(days=1)).isoformat(), 0),
        (TODAY.isoformat(), 2),
    ]
    assert (data["from"], data["to"], data["groupBy"]) == (
        start.isoformat(),
        TODAY.isoformat(),
        "day",
    )


async def test_the_totals_are_the_same_whichever_the_grouping(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession
) -> None:
    await a_day_of_orders(client, shop)
    delivered_before = await place(client, shop, "confirmed", "shipped", "delivered")
    await age(session, delivered_before["id"], days=3)
    start = (TODAY - timedelta(days=6)).isoformat()

    totals = [
        (await stats(client, shop.reseller, **{"from": start, "groupBy": group_by}))["totals"]
        for group_by in ("day", "city", "source", "product")
    ]

    assert figures(totals[0]) == (5, 3, 2, 1, 1, 60.0)
    assert all(total == totals[0] for total in totals)


async def test_orders_outside_the_period_are_not_counted(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession
) -> None:
    old = await place(client, shop)
    await age(session, old["id"], days=40)
    await place(client, shop)

    default = await stats(client, shop.reseller)
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    start = (TODAY - timedelta(days=60)).isoformat()
    before = await stats(client, shop.reseller, **{"from": start, "to": yesterday})

    assert default["totals"]["orders"] == 1
    assert len(default["groups"]) == 30
    assert before["totals"]["orders"] == 1


async def test_by_product_an_order_of_two_products_counts_for_each(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    await place(
        client,
        shop,
        "confirmed",
        "shipped",
        "delivered",
        products=[shop.product, shop.other_product],
    )
    await place(client, shop)

    data = await stats(client, shop.reseller, groupBy="product")

    groups = {g["key"]: g for g in data["groups"]}
    assert figures(groups[str(shop.product.id)]) == (2, 1, 1, 0, 0, 30.0)
    assert figures(groups[str(shop.other_product.id)]) == (1, 1, 1, 0, 0, 30.0)
    assert groups[str(shop.product.id)]["name"] == shop.product.name
    assert data["totals"]["orders"] == 2


async def test_by_city_the_largest_first(client: httpx.AsyncClient, shop: Shop) -> None:
    await place(client, shop, customerCity="Sfax")
    await place(client, shop, customerCity="Tunis")
    await place(client, shop, customerCity="Tunis")
    await place(client, shop)

    data = await stats(client, shop.reseller, groupBy="city")

    first = data["groups"][0]
    assert (first["key"], first["orders"]) == ("Tunis", 2)
    assert {g["key"] for g in data["groups"]} == {"Tunis", "Sfax", None}


async def test_by_source(client: httpx.AsyncClient, shop: Shop) -> None:
    await place(client, shop, source="tiktok")
    await place(client, shop, source="sur_place")

    data = await stats(client, shop.reseller, groupBy="source")

    by_source = {g["key"]: figures(g) for g in data["groups"]}
    assert by_source == {"tiktok": (1, 0, 0, 0, 0, 0.0), "sur_place": (1, 1, 1, 0, 0, 30.0)}


async def test_an_admin_sees_every_reseller_and_a_reseller_only_its_own(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession, settings: Settings
) -> None:
    other = await make_shop(session, settings)
    await place(client, shop)
    await place(client, other, products=[other.product])
    await place(client, other, products=[other.product])

    everyone = await stats(client, shop.admin, groupBy="reseller")
    mine = await stats(client, shop.reseller, groupBy="reseller")

    assert [(g["key"], g["name"], g["orders"]) for g in everyone["groups"]] == [
        (str(other.world.reseller.id), other.world.reseller.name, 2),
        (str(shop.world.reseller.id), shop.world.reseller.name, 1),
    ]
    assert [g["key"] for g in mine["groups"]] == [str(shop.world.reseller.id)]
    assert mine["totals"]["orders"] == 1


async def test_a_supplier_sees_the_orders_of_its_products_only(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession, settings: Settings
) -> None:
    other = await make_shop(session, settings)
    await place(client, shop)
    await place(client, other, products=[other.product])

    data = await stats(client, shop.supplier)

    assert data["totals"]["orders"] == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"groupBy": "week"}, "groupBy"),
        ({"groupBy": "x" * 10_000}, "groupBy"),
        ({"groupBy": "day\u0000"}, "groupBy"),
        ({"from": "2026-13-01"}, "from"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-02-30"}, "to"),
        ({"to": "2026-01-01T00:00:00Z"}, "to"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "to"),
        ({"from": "2024-01-01", "to": "2025-01-01"}, "to"),
        ({"from": "0001-01-01", "to": "9999-12-31"}, "to"),
        ({"to": "9999-12-31"}, "to"),
        ({"from": "9999-12-31", "to": "9999-12-31"}, "to"),
        ({"from": "2026-01-01", "unknown": "1"}, "unknown"),
    ],
)
async def test_bad_parameters_are_a_400_naming_them(
    client: httpx.AsyncClient, shop: Shop, params: dict[str, str], field: str
) -> None:
    response = await client.get(STATS, params=params, headers=shop.reseller)

    assert response.status_code == 400, response.text
    assert response.json()["details"]["field"] == field


async def test_a_period_at_the_start_of_the_calendar_is_empty_not_an_error(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    data = await stats(client, shop.reseller, to="0001-01-20")

    assert data["from"] == "0001-01-01"
    assert data["totals"]["orders"] == 0


async def test_a_full_year_is_allowed(client: httpx.AsyncClient, shop: Shop) -> None:
    data = await stats(client, shop.reseller, **{"from": "2024-01-01", "to": "2024-12-31"})

    assert len(data["groups"]) == 366


async def test_anonymous_callers_get_a_401(client: httpx.AsyncClient) -> None:
    assert (await client.get(STATS)).status_code == 401
