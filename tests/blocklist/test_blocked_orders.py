"""Orders from blocked numbers: stored, marked, listed with blocked=true, no WhatsApp ticket."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from commercy.auth.models import Role
from commercy.core.database import WriteSession
from commercy.core.settings import Settings
from commercy.outbox.models import OutboxJob
from tests.factories import Shop, bearer, make_reseller, make_user, order_body

BLOCKED = "/api/v1/blocked-phones"
ORDERS = "/api/v1/orders"


async def block(
    client: httpx.AsyncClient, headers: dict[str, str], phone: str, reason: str = "Fake orders"
) -> dict[str, Any]:
    response = await client.post(BLOCKED, json={"phone": phone, "reason": reason}, headers=headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def place(
    client: httpx.AsyncClient, shop: Shop, headers: dict[str, str] | None = None, **fields: Any
) -> dict[str, Any]:
    response = await client.post(
        ORDERS, json=order_body(shop.product, **fields), headers=headers or shop.reseller
    )
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()["order"]
    return order


async def enable_digishare(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    response = await client.put(
        "/api/v1/integrations/digishare",
        json={
            "baseUrl": "http://127.0.0.1:9",
            "token": "a-token-that-is-never-used",
            "webhookAuth": {"type": "bearer", "token": "digishare-calls-us-with-this"},
        },
        headers=headers,
    )
    assert response.status_code == 200, response.text


async def ticket_jobs(session: AsyncSession) -> int:
    count = await session.scalar(select(func.count()).select_from(OutboxJob)) or 0
    await session.commit()
    return count


async def test_an_order_from_a_blocked_number_is_stored_and_marked_with_the_reason(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    await block(client, shop.reseller, "20 123 456", reason="Refused three parcels")

    order = await place(client, shop, customerPhone="+216 20 123 456")

    assert order["blocked"] is True
    assert order["blockedReason"] == "Refused three parcels"
    assert order["status"] == "pending"


async def test_an_order_from_another_number_is_not_blocked(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    await block(client, shop.reseller, "20 999 999")

    order = await place(client, shop, customerPhone="20 123 456")

    assert order["blocked"] is False
    assert order["blockedReason"] is None


async def test_a_blocked_second_phone_blocks_the_order(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    await block(client, shop.reseller, "20 999 999")

    order = await place(client, shop, customerPhone="20 123 456", customerPhone2="20999999")

    assert order["blocked"] is True


async def test_the_global_list_blocks_every_resellers_orders(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    await block(client, shop.admin, "20 123 456", reason="Known fraud")

    order = await place(client, shop, headers=shop.agent)

    assert (order["blocked"], order["blockedReason"]) == (True, "Known fraud")


async def test_another_resellers_list_does_not_block_this_resellers_orders(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession, settings: Settings
) -> None:
    other = await make_reseller(session, supplier=shop.world.supplier)
    other_user = await make_user(session, role=Role.RESELLER, reseller=other)
    await session.commit()
    await block(client, bearer(other_user, settings), "20 123 456")

    order = await place(client, shop)

    assert order["blocked"] is False


async def test_an_order_from_a_blocked_number_gets_no_whatsapp_ticket(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession
) -> None:
    await enable_digishare(client, shop.reseller)
    await block(client, shop.reseller, "20 123 456")

    blocked = await place(client, shop, customerPhone="20 123 456")
    assert await ticket_jobs(session) == 0
    await place(client, shop, customerPhone="20 555 555")
    assert await ticket_jobs(session) == 1

    detail = await client.get(f"{ORDERS}/{blocked['id']}", headers=shop.reseller)
    assert detail.json()["data"]["confirmation"] is None


async def test_the_list_shows_blocked_orders_with_blocked_true_and_hides_them_with_false(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    await block(client, shop.reseller, "20 123 456")
    blocked = await place(client, shop, customerPhone="20 123 456")
    clean = await place(client, shop, customerPhone="20 555 555")

    only = await client.get(ORDERS, params={"blocked": "true"}, headers=shop.reseller)
    without = await client.get(ORDERS, params={"blocked": "false"}, headers=shop.reseller)

    assert [o["id"] for o in only.json()["data"]] == [blocked["id"]]
    assert [o["id"] for o in without.json()["data"]] == [clean["id"]]


async def test_the_export_takes_the_blocked_filter(client: httpx.AsyncClient, shop: Shop) -> None:
    await block(client, shop.reseller, "20 123 456")
    blocked = await place(client, shop, customerPhone="20 123 456")
    await place(client, shop, customerPhone="20 555 555")

    response = await client.get(
        f"{ORDERS}/export.csv", params={"blocked": "true"}, headers=shop.reseller
    )

    assert response.status_code == 200
    rows = response.text.strip().splitlines()
    assert len(rows) == 2 and blocked["orderNumber"] in rows[1]


async def test_unblocking_a_number_leaves_existing_orders_blocked_and_frees_new_ones(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    entry = await block(client, shop.reseller, "20 123 456")
    before = await place(client, shop)

    removed = await client.delete(f"{BLOCKED}/{entry['id']}", headers=shop.reseller)
    after = await place(client, shop)

    assert removed.status_code == 200
    detail = await client.get(f"{ORDERS}/{before['id']}", headers=shop.reseller)
    assert detail.json()["data"]["blocked"] is True
    assert after["blocked"] is False


async def test_the_blocked_filter_refuses_what_is_not_a_boolean(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    response = await client.get(ORDERS, params={"blocked": "maybe"}, headers=shop.reseller)

    assert response.status_code == 400, response.text
    assert response.json()["details"]["field"] == "blocked"


async def test_an_order_is_never_the_possible_duplicate_of_a_blocked_one(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    entry = await block(client, shop.reseller, "20 123 456")
    blocked = await place(client, shop)
    assert blocked["blocked"] is True
    unblocked = await client.delete(f"{BLOCKED}/{entry['id']}", headers=shop.reseller)
    assert unblocked.status_code == 200

    order = await place(client, shop)  # a real order now: cancelling it loses the customer

    assert order["blocked"] is False
    assert order["possibleDuplicateOf"] is None


async def test_a_phone_edited_on_the_line_is_checked_like_a_new_orders(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    """Corrected to a blocked number, the order is marked blocked; to the number of another
    open order, a possible duplicate of it; back to a clean number, neither."""
    await block(client, shop.reseller, "+216 22 000 111", reason="Refuses every parcel")
    earlier = await place(client, shop, customerPhone="+216 98 555 444")
    order = await place(client, shop, customerPhone="+216 20 123 456")

    async def edit(phone: str) -> dict[str, Any]:
        response = await client.patch(
            f"{ORDERS}/{order['id']}", json={"customerPhone": phone}, headers=shop.agent
        )
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()["data"]
        return data

    blocked = await edit("+216 22 000 111")
    duplicate = await edit("+216 98 555 444")
    clean = await edit("+216 50 777 888")

    assert (blocked["blocked"], blocked["blockedReason"]) == (True, "Refuses every parcel")
    assert "blocked number: Refuses every parcel" in blocked["history"][-1]["note"]
    assert (duplicate["blocked"], duplicate["possibleDuplicateOf"]) == (
        False,
        earlier["orderNumber"],
    )
    assert (clean["blocked"], clean["possibleDuplicateOf"]) == (False, None)
    queue = await client.get("/api/v1/calls/queue", headers=shop.reseller)
    assert order["id"] in [entry["id"] for entry in queue.json()["data"]]
