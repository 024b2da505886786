"""The queue: which order `calls/next` gives, to whom, and claims on orders."""

from __future__ import annotations

import asyncio

import httpx

from commercy.auth.models import Role
from commercy.core.database import WriteSession
from commercy.core.settings import Settings
from tests.calls.helpers import (
    ago,
    ahead,
    call,
    claim,
    claimed_call,
    next_id,
    order_of,
    queued,
    set_columns,
)
from tests.factories import Shop, bearer, make_shop, make_user


async def test_next_gives_the_oldest_pending_order_and_claims_it(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    oldest, _ = await queued(session, shop, 2)

    response = await client.post("/api/v1/calls/next", headers=shop.agent)

    assert response.status_code == 200, response.text
    order = response.json()["data"]
    assert order["id"] == oldest
    assert order["claimedBy"] == shop.world.agent.id
    assert order["claimedUntil"] is not None
    assert order["items"] and order["history"]


async def test_next_answers_204_when_nothing_is_due(client: httpx.AsyncClient, shop: Shop) -> None:
    response = await client.post("/api/v1/calls/next", headers=shop.agent)

    assert response.status_code == 204
    assert response.content == b""


async def test_two_agents_never_get_the_same_order(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop, settings: Settings
) -> None:
    await queued(session, shop, 2)
    other = await make_user(session, role=Role.AGENT, reseller=shop.world.reseller)
    await session.commit()

    first = await next_id(client, shop.agent)
    second = await next_id(client, bearer(other, settings))
    third = await next_id(client, shop.reseller)

    assert first is not None and second is not None
    assert first != second
    assert third is None


async def test_due_callbacks_come_before_new_orders(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    _, callback = await queued(session, shop, 2)
    await set_columns(session, callback, status="rapported", next_call_at=ago(minutes=1))

    assert await next_id(client, shop.agent) == callback


async def test_callbacks_wait_for_their_time(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (callback,) = await queued(session, shop)
    await set_columns(session, callback, status="rapported", next_call_at=ahead(minutes=10))

    assert await next_id(client, shop.agent) is None


async def test_retries_come_after_new_orders(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    retry, new = await queued(session, shop, 2)
    await set_columns(session, retry, status="not_reached", next_call_at=ago(hours=2))

    assert await next_id(client, shop.agent) == new
    assert await next_id(client, shop.reseller) == retry


async def test_orders_out_of_the_calling_statuses_leave_the_queue(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order,) = await queued(session, shop)
    response = await client.patch(
        f"/api/v1/orders/{order}/status", json={"status": "canceled"}, headers=shop.reseller
    )
    assert response.status_code == 200

    assert await next_id(client, shop.agent) is None


async def test_orders_from_a_blocked_number_are_never_called(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    blocking = await client.post(
        "/api/v1/blocked-phones",
        json={"phone": "20 666 666", "reason": "Fake orders"},
        headers=shop.reseller,
    )
    assert blocking.status_code == 201, blocking.text
    (blocked,) = await queued(session, shop, customerPhone="20 666 666")
    (callable_order,) = await queued(session, shop, customerPhone="20 777 777")

    assert (await order_of(client, shop.reseller, blocked))["blocked"] is True
    assert await next_id(client, shop.agent) == callable_order
    assert await next_id(client, shop.agent) is None


async def test_an_expired_claim_returns_the_order_to_the_queue(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order,) = await queued(session, shop)
    assert await next_id(client, shop.agent) == order
    assert await next_id(client, shop.reseller) is None

    await set_columns(session, order, claim_expires_at=ago(seconds=1))

    assert await next_id(client, shop.reseller) == order


async def test_taking_an_order_ends_the_agents_other_claim(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    first, second = await queued(session, shop, 2)
    assert await next_id(client, shop.agent) == first

    assert await next_id(client, shop.agent) == second
    assert (await order_of(client, shop.agent, first))["claimedBy"] is None


async def test_agents_only_get_their_resellers_orders(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop, settings: Settings
) -> None:
    await queued(session, shop)
    elsewhere = await make_shop(session, settings)

    assert await next_id(client, elsewhere.agent) is None


async def test_admins_get_any_resellers_orders(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order,) = await queued(session, shop)

    assert await next_id(client, shop.admin) == order


async def test_suppliers_never_call(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order,) = await queued(session, shop)

    assert (await client.post("/api/v1/calls/next", headers=shop.supplier)).status_code == 403
    assert (await claim(client, shop.supplier, order)).status_code == 403


async def test_claiming_an_order_another_agent_holds_answers_409_naming_the_holder(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order,) = await queued(session, shop)
    assert (await claim(client, shop.agent, order)).status_code == 200

    response = await claim(client, shop.reseller, order)

    assert response.status_code == 409
    body = response.json()
    assert shop.world.agent.identifier in body["message"]
    assert body["details"]["claimedBy"] == shop.world.agent.id
    assert body["details"]["claimedUntil"]


async def test_the_holder_renews_its_claim(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order,) = await queued(session, shop)
    first = (await claim(client, shop.agent, order)).json()["data"]["claimedUntil"]
    await set_columns(session, order, claim_expires_at=ahead(seconds=5))

    renewed = await claim(client, shop.agent, order)

    assert renewed.status_code == 200
    assert renewed.json()["data"]["claimedUntil"] >= first


async def test_releasing_returns_the_order_to_the_queue(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order,) = await queued(session, shop)
    assert (await claim(client, shop.agent, order)).status_code == 200

    response = await client.delete(f"/api/v1/orders/{order}/claim", headers=shop.agent)

    assert response.status_code == 204
    assert await next_id(client, shop.reseller) == order


async def test_another_agent_may_not_release_a_claim_but_its_reseller_and_admins_may(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop, settings: Settings
) -> None:
    first, second = await queued(session, shop, 2)
    colleague = await make_user(session, role=Role.AGENT, reseller=shop.world.reseller)
    await session.commit()
    assert (await claim(client, shop.agent, first)).status_code == 200

    refused = await client.delete(
        f"/api/v1/orders/{first}/claim", headers=bearer(colleague, settings)
    )
    by_reseller = await client.delete(f"/api/v1/orders/{first}/claim", headers=shop.reseller)
    assert (await claim(client, shop.agent, second)).status_code == 200
    by_admin = await client.delete(f"/api/v1/orders/{second}/claim", headers=shop.admin)

    assert refused.status_code == 409
    assert (by_reseller.status_code, by_admin.status_code) == (204, 204)
    assert await next_id(client, shop.reseller) == first


async def test_claiming_an_order_outside_the_scope_answers_404(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop, settings: Settings
) -> None:
    (order,) = await queued(session, shop)
    elsewhere = await make_shop(session, settings)

    assert (await claim(client, elsewhere.agent, order)).status_code == 404
    assert (await claim(client, shop.agent, 2_147_483_648)).status_code == 404


async def test_claiming_an_order_no_longer_being_confirmed_answers_409(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order,) = await queued(session, shop, status="confirmed")

    response = await claim(client, shop.agent, order)

    assert response.status_code == 409
    assert response.json()["details"]["currentStatus"] == "confirmed"


async def test_the_order_answer_carries_attempts_next_call_and_claim(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order,) = await queued(session, shop)
    assert (await claimed_call(client, shop.agent, order, outcome="not_reached")).status_code == 201

    detail = await order_of(client, shop.agent, order)
    listed = (await client.get("/api/v1/orders", headers=shop.agent)).json()["data"][0]

    for answer in (detail, listed):
        assert answer["callAttempts"] == 1
        assert answer["nextCallAt"] is not None
        assert answer["claimedBy"] is None


async def test_agents_asking_at_once_never_share_an_order(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop, settings: Settings
) -> None:
    orders = await queued(session, shop, 12)
    agents = [
        bearer(await make_user(session, role=Role.AGENT, reseller=shop.world.reseller), settings)
        for _ in range(4)
    ]
    await session.commit()

    async def drain(headers: dict[str, str]) -> list[int]:
        taken = []
        while (order := await next_id(client, headers)) is not None:
            taken.append(order)
            assert (await call(client, headers, order, outcome="canceled")).status_code == 201
        return taken

    taken = await asyncio.gather(*(drain(headers) for headers in agents))

    given = [order for ids in taken for order in ids]
    assert sorted(given) == sorted(orders)
