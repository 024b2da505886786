"""Possible duplicates: a new order from the number of a recent open order of its reseller."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from commercy.core.database import WriteSession, utcnow
from commercy.core.settings import Settings
from commercy.orders.models import Order
from tests.factories import Shop, make_shop, order_body

ORDERS = "/api/v1/orders"


async def place(
    client: httpx.AsyncClient, shop: Shop, headers: dict[str, str] | None = None, **fields: Any
) -> dict[str, Any]:
    response = await client.post(
        ORDERS, json=order_body(shop.product, **fields), headers=headers or shop.reseller
    )
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()["order"]
    return order


async def age(session: AsyncSession, order_id: int, *, hours: float) -> None:
    """Move an order's creation ``hours`` into the past."""
    await session.execute(
        update(Order)
        .where(Order.id == order_id)
        .values(created_at=utcnow() - timedelta(hours=hours))
    )
    await session.commit()


async def set_status(
    client: httpx.AsyncClient, shop: Shop, order: dict[str, Any], status: str
) -> None:
    response = await client.patch(
        f"{ORDERS}/{order['id']}/status", json={"status": status}, headers=shop.reseller
    )
    assert response.status_code == 200, response.text


async def test_an_order_from_the_number_of_an_open_order_is_its_possible_duplicate(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    first = await place(client, shop)

    second = await place(client, shop)

    assert first["possibleDuplicateOf"] is None
    assert second["possibleDuplicateOf"] == first["orderNumber"]


async def test_phones_match_once_normalised(client: httpx.AsyncClient, shop: Shop) -> None:
    first = await place(client, shop, customerPhone="20 123 456")

    second = await place(client, shop, customerPhone="+216 20-123-456")

    assert second["possibleDuplicateOf"] == first["orderNumber"]


async def test_the_most_recent_open_order_is_named(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession
) -> None:
    older = await place(client, shop)
    await age(session, older["id"], hours=5)
    newer = await place(client, shop)

    third = await place(client, shop)

    assert third["possibleDuplicateOf"] == newer["orderNumber"]


async def test_an_order_older_than_the_window_is_not_duplicated(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession
) -> None:
    first = await place(client, shop)
    await age(session, first["id"], hours=73)

    second = await place(client, shop)

    assert second["possibleDuplicateOf"] is None


async def test_an_order_within_the_window_is_duplicated(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession
) -> None:
    first = await place(client, shop)
    await age(session, first["id"], hours=71)

    second = await place(client, shop)

    assert second["possibleDuplicateOf"] == first["orderNumber"]


async def test_a_closed_order_is_not_duplicated(client: httpx.AsyncClient, shop: Shop) -> None:
    first = await place(client, shop)
    await set_status(client, shop, first, "canceled")

    second = await place(client, shop)

    assert second["possibleDuplicateOf"] is None


async def test_a_confirmed_order_is_still_open(client: httpx.AsyncClient, shop: Shop) -> None:
    first = await place(client, shop)
    await set_status(client, shop, first, "confirmed")

    second = await place(client, shop)

    assert second["possibleDuplicateOf"] == first["orderNumber"]


async def test_another_number_is_not_a_duplicate(client: httpx.AsyncClient, shop: Shop) -> None:
    await place(client, shop, customerPhone="20 123 456")

    second = await place(client, shop, customerPhone="20 654 321")

    assert second["possibleDuplicateOf"] is None


async def test_another_resellers_order_is_not_duplicated(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession, settings: Settings
) -> None:
    other = await make_shop(session, settings)
    await place(client, other)

    mine = await place(client, shop)

    assert mine["possibleDuplicateOf"] is None


async def test_a_walk_in_sale_is_never_a_duplicate(client: httpx.AsyncClient, shop: Shop) -> None:
    await place(client, shop)

    walk_in = await place(client, shop, source="sur_place")

    assert walk_in["possibleDuplicateOf"] is None


async def test_the_history_says_which_order_it_may_duplicate(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    first = await place(client, shop)
    second = await place(client, shop)

    history = await client.get(f"{ORDERS}/{second['id']}/history", headers=shop.agent)

    assert f"possible duplicate of {first['orderNumber']}" in history.json()["data"][0]["note"]


async def test_the_list_filters_possible_duplicates(client: httpx.AsyncClient, shop: Shop) -> None:
    first = await place(client, shop)
    second = await place(client, shop)

    only = await client.get(ORDERS, params={"duplicate": "true"}, headers=shop.agent)
    without = await client.get(ORDERS, params={"duplicate": "false"}, headers=shop.agent)

    assert [o["id"] for o in only.json()["data"]] == [second["id"]]
    assert [o["id"] for o in without.json()["data"]] == [first["id"]]
    assert only.json()["data"][0]["possibleDuplicateOf"] == first["orderNumber"]


async def test_the_duplicate_filter_narrows_an_admins_list_and_the_export(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    await place(client, shop)
    second = await place(client, shop)

    listed = await client.get(
        ORDERS, params={"duplicate": "true", "status": "pending"}, headers=shop.admin
    )
    exported = await client.get(
        f"{ORDERS}/export.csv", params={"duplicate": "true"}, headers=shop.admin
    )

    assert [o["id"] for o in listed.json()["data"]] == [second["id"]]
    rows = exported.text.strip().splitlines()
    assert len(rows) == 2 and second["orderNumber"] in rows[1]


async def test_the_duplicate_filter_refuses_what_is_not_a_boolean(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    response = await client.get(ORDERS, params={"duplicate": "yes\u0000"}, headers=shop.reseller)

    assert response.status_code == 400, response.text
    assert response.json()["details"]["field"] == "duplicate"
