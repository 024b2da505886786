"""`calls/next` answers with the order as `GET /orders/{id}` gives it once claimed: the same
JSON (items, history, amounts, confirmation, the claim) and the same ETag."""

from __future__ import annotations

import httpx

from commercy.auth.models import Role
from commercy.core.database import WriteSession
from commercy.core.settings import Settings
from commercy.orders.models import Order
from tests.calls.helpers import ago, claim, order_of, queued, set_columns
from tests.factories import Shop, bearer, make_order, make_user
from tests.orders.test_detail import with_confirmation

ORDERS = "/api/v1/orders"


async def test_the_next_answer_is_the_orders_get_answer_with_the_claim(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop, settings: Settings
) -> None:
    products = [shop.product, shop.other_product]
    ids = await queued(session, shop, 3, shippingOption="paid", shippingCost=7.5)
    fourth = await make_order(
        session, world=shop.world, products=products, notes="Livrer après 17h"
    )
    ids.append(fourth.id)
    await set_columns(session, fourth.id, created_at=ago(minutes=50))  # the newest
    # A sent ticket for the first order, a failed job for the second, a pending one for the third.
    await with_confirmation(session, shop, [await session.get_one(Order, i) for i in ids])
    edited = await client.patch(
        f"{ORDERS}/{ids[0]}", json={"customerCity": "Sfax"}, headers=shop.agent
    )
    assert edited.status_code == 200, edited.text

    other_agent = await make_user(session, role=Role.AGENT, reseller=shop.world.reseller)
    await session.commit()
    callers = [shop.agent, shop.reseller, bearer(other_agent, settings), shop.admin]

    # Each caller holds its claim: the four orders in the queue's order, the admin's unscoped.
    for headers, expected_id in zip(callers, ids, strict=True):
        taken = await client.post("/api/v1/calls/next", headers=headers)
        read = await client.get(f"{ORDERS}/{expected_id}", headers=headers)

        assert taken.status_code == 200, taken.text
        assert taken.json()["data"]["id"] == expected_id
        assert taken.json()["data"] == read.json()["data"]
        assert taken.headers["ETag"] == read.headers["ETag"]
        assert taken.json()["data"]["claimedBy"] is not None

    first_read = await client.get(f"{ORDERS}/{ids[0]}", headers=shop.agent)
    first = first_read.json()["data"]
    assert first["confirmation"]["state"] == "sent"
    assert first["history"][-1]["changes"] == [
        {"field": "customerCity", "from": None, "to": "Sfax"}
    ]
    # A claim is no edit: the ETag the edit answered still names the order's version.
    assert first["claimedBy"] == shop.world.agent.id
    assert first_read.headers["ETag"] == edited.headers["ETag"]
    assert len(taken.json()["data"]["items"]) == 2
    assert taken.json()["data"]["notes"] == "Livrer après 17h"


async def test_nothing_else_due_answers_204_and_keeps_the_agents_claim(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order_id,) = await queued(session, shop)
    assert (await client.post("/api/v1/calls/next", headers=shop.agent)).status_code == 200

    # The agent holds the only order: nothing else is due, and its claim stays.
    nothing = await client.post("/api/v1/calls/next", headers=shop.agent)
    held = (await client.get(f"{ORDERS}/{order_id}", headers=shop.agent)).json()["data"]

    assert nothing.status_code == 204
    assert held["claimedBy"] == shop.world.agent.id


async def test_an_agent_whose_claim_ran_out_takes_the_order_back_and_holds_it(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    first, second = await queued(session, shop, 2)
    await claim(client, shop.agent, second)
    await set_columns(session, first, claimed_by_user_id=shop.world.agent.id)
    await set_columns(session, first, claim_expires_at=ago(seconds=1))

    taken = await client.post("/api/v1/calls/next", headers=shop.agent)

    assert taken.json()["data"]["id"] == first
    assert taken.json()["data"]["claimedBy"] == shop.world.agent.id
    assert (await order_of(client, shop.agent, first))["claimedBy"] == shop.world.agent.id
    assert (await order_of(client, shop.agent, second))["claimedBy"] is None
