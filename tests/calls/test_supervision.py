"""What supervisors see of the queue, and the WhatsApp grace period."""

from __future__ import annotations

import httpx

from commercy.calls import service
from commercy.calls.models import CallSettings
from commercy.core.database import Database, WriteSession, utcnow
from commercy.core.settings import Settings
from tests.calls.helpers import ago, ahead, claim, next_id, queued, set_columns
from tests.factories import Shop, make_shop


async def test_the_queue_counts_orders_by_reason_and_lists_them_in_call_order(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    retry, new, callback, later, held, _done = await queued(session, shop, 6)
    await set_columns(session, retry, status="not_reached", next_call_at=ago(minutes=1))
    await set_columns(session, callback, status="rapported", next_call_at=ago(minutes=1))
    await set_columns(session, later, status="rapported", next_call_at=ahead(hours=1))
    await set_columns(session, _done, status="canceled")
    assert (await claim(client, shop.agent, held)).status_code == 200

    response = await client.get("/api/v1/calls/queue", headers=shop.reseller)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["counts"] == {
        "callback": 1,
        "new": 1,
        "retry": 1,
        "scheduled": 1,
        "claimed": 1,
        "total": 5,
    }
    assert [(o["id"], o["reason"]) for o in body["data"][:3]] == [
        (callback, "callback"),
        (new, "new"),
        (retry, "retry"),
    ]
    assert body["pagination"]["total"] == 5
    claimed = next(o for o in body["data"] if o["id"] == held)
    assert claimed["claimedBy"] == shop.world.agent.id


async def test_the_orders_that_wait_are_listed_by_due_time(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    callback_later, retry_sooner = await queued(session, shop, 2)
    await set_columns(session, callback_later, status="rapported", next_call_at=ahead(hours=3))
    await set_columns(session, retry_sooner, status="not_reached", next_call_at=ahead(minutes=10))

    response = await client.get("/api/v1/calls/queue", headers=shop.reseller)

    assert [(o["id"], o["reason"]) for o in response.json()["data"]] == [
        (retry_sooner, "scheduled"),
        (callback_later, "scheduled"),
    ]


async def test_the_queue_is_for_supervisors(client: httpx.AsyncClient, shop: Shop) -> None:
    for headers in (shop.agent, shop.supplier):
        assert (await client.get("/api/v1/calls/queue", headers=headers)).status_code == 403


async def test_a_reseller_sees_only_its_own_queue(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop, settings: Settings
) -> None:
    await queued(session, shop, 2)
    elsewhere = await make_shop(session, settings)

    own = await client.get("/api/v1/calls/queue", headers=elsewhere.reseller)
    admin = await client.get(
        "/api/v1/calls/queue",
        params={"resellerId": shop.world.reseller.id},
        headers=shop.admin,
    )

    assert own.json()["counts"]["total"] == 0
    assert admin.json()["counts"]["total"] == 2


async def test_a_fresh_whatsapp_confirmation_holds_the_order_for_the_grace_period(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop, database: Database
) -> None:
    (order,) = await queued(session, shop)
    async with database.sessionmaker() as write, write.begin():
        await service.hold_for_whatsapp(
            write,
            order_id=order,
            reseller_id=shop.world.reseller.id,
            sent_at=utcnow(),
            settings=Settings(_env_file=None),
        )

    assert await next_id(client, shop.agent) is None
    queue = (await client.get("/api/v1/calls/queue", headers=shop.reseller)).json()
    assert queue["data"][0]["reason"] == "scheduled"


async def test_a_grace_period_of_zero_calls_at_once(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop, database: Database
) -> None:
    session.add(CallSettings(reseller_id=shop.world.reseller.id, whatsapp_grace_minutes=0))
    await session.commit()
    (order,) = await queued(session, shop)
    async with database.sessionmaker() as write, write.begin():
        await service.hold_for_whatsapp(
            write,
            order_id=order,
            reseller_id=shop.world.reseller.id,
            sent_at=utcnow(),
            settings=Settings(_env_file=None),
        )

    assert await next_id(client, shop.agent) == order


async def test_the_queue_shows_a_possible_duplicate_and_one_call_cancels_it(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    original, repeat = await queued(session, shop, 2)  # the same customer phone twice

    queue = (await client.get("/api/v1/calls/queue", headers=shop.reseller)).json()["data"]
    marks = {entry["id"]: entry["possibleDuplicateOf"] for entry in queue}
    original_number = next(e["orderNumber"] for e in queue if e["id"] == original)
    assert marks == {original: None, repeat: original_number}

    assert (await claim(client, shop.agent, repeat)).status_code == 200
    recorded = await client.post(
        f"/api/v1/orders/{repeat}/calls",
        json={"outcome": "canceled", "note": "duplicate"},
        headers=shop.agent,
    )

    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["data"]["orderStatus"] == "canceled"
    left = (await client.get("/api/v1/calls/queue", headers=shop.reseller)).json()["data"]
    assert [entry["id"] for entry in left] == [original]
