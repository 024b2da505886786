"""The webhook receiver: authenticated, recorded once, applied in order, never a 500."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event as engine_events
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.util import await_only

from commercy.core.database import Database
from commercy.integrations.digishare.models import DigishareEvent, DigishareTicket
from tests.integrations.conftest import WEBHOOK_TOKEN, Shop, place_order

CONFIRMED = "yqdwrbka7kz69v8e"
CANCELED = "b7m2kq9xw4zt1rne"
UNREACHABLE = "u5hj8cd3pq6ya0lw"
CALL_BACK_LATER = "r4tn7vy2gk9me1sx"


def ticket_updated(
    order_number: str, status_id: str, *, at: str, ticket_id: str = "t0k3nt1ck3t00001"
) -> dict[str, Any]:
    """The seed's exact ``ticket.updated`` shape."""
    return {
        "event": "ticket.updated",
        "data": {
            "id": ticket_id,
            "data": {
                "id": ticket_id,
                "external_id": order_number,
                "subject": "Confirmation de Commande",
                "ticket_number": "342106",
                "type_ticket_id": "npvrxamq9l94y8dz",
                "third_id": "hashed_third_id0",
                "ticket_status_id": status_id,
                "information": {"third": {"wa_id": "21620123456"}, "campaign_data": {}},
            },
            "wasRecentlyCreated": False,
            "changes": {"ticket_status_id": status_id, "date_status": at, "updated_at": at},
        },
    }


async def deliver(
    client: httpx.AsyncClient,
    shop: Shop,
    payload: dict[str, Any] | bytes,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    content = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return await client.post(
        f"/api/v1/webhooks/digishare/{shop.integration_id}",
        content=content,
        headers={"Content-Type": "application/json"}
        | (headers if headers is not None else {"Authorization": f"Bearer {WEBHOOK_TOKEN}"}),
    )


async def order_status(client: httpx.AsyncClient, shop: Shop, order_id: int) -> str:
    response = await client.get(f"/api/v1/orders/{order_id}", headers=shop.reseller_headers)
    status: str = response.json()["data"]["status"]
    return status


async def test_confirmed_ticket_confirms_the_order(client: httpx.AsyncClient, shop: Shop) -> None:
    order = await place_order(client, shop)

    response = await deliver(
        client, shop, ticket_updated(order["orderNumber"], CONFIRMED, at="2026-01-13 16:29:51")
    )

    assert response.status_code == 200
    assert response.json()["data"]["outcome"] == "applied"
    assert await order_status(client, shop, order["id"]) == "confirmed"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"bearer  {WEBHOOK_TOKEN}x"},
        {"Authorization": "Basic " + base64.b64encode(f"x:{WEBHOOK_TOKEN}".encode()).decode()},
    ],
    ids=["none", "wrong-token", "mangled", "basic-instead"],
)
async def test_unauthenticated_webhook_is_401_and_changes_nothing(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession, headers: dict[str, str]
) -> None:
    order = await place_order(client, shop)

    response = await deliver(
        client,
        shop,
        ticket_updated(order["orderNumber"], CONFIRMED, at="2026-01-13 16:29:51"),
        headers,
    )

    assert response.status_code == 401
    assert response.json()["success"] is False
    assert await order_status(client, shop, order["id"]) == "pending"
    assert await session.scalar(select(func.count()).select_from(DigishareEvent)) == 0


async def test_basic_and_custom_header_credentials_are_checked(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    order = await place_order(client, shop)
    event = ticket_updated(order["orderNumber"], CONFIRMED, at="2026-01-13 16:29:51")
    basic = {"type": "basic", "username": "digishare", "password": "s3cret-pass"}
    await client.put(
        "/api/v1/integrations/digishare",
        json={"baseUrl": "http://127.0.0.1:9", "webhookAuth": basic},
        headers=shop.reseller_headers,
    )
    good_basic = "Basic " + base64.b64encode(b"digishare:s3cret-pass").decode()
    bad_basic = "Basic " + base64.b64encode(b"digishare:nope").decode()

    refused = await deliver(client, shop, event, {"Authorization": bad_basic})
    accepted = await deliver(client, shop, event, {"Authorization": good_basic})

    header = {"type": "header", "headerName": "X-Digishare-Key", "headerValue": "k-42"}
    await client.put(
        "/api/v1/integrations/digishare",
        json={"baseUrl": "http://127.0.0.1:9", "webhookAuth": header},
        headers=shop.reseller_headers,
    )
    old_basic = await deliver(client, shop, event, {"Authorization": good_basic})
    custom = await deliver(client, shop, event, {"X-Digishare-Key": "k-42"})

    assert refused.status_code == 401
    assert accepted.status_code == 200
    assert old_basic.status_code == 401
    assert custom.status_code == 200


async def test_duplicate_event_is_acknowledged_once_and_applied_once(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession
) -> None:
    order = await place_order(client, shop)
    event = ticket_updated(order["orderNumber"], CONFIRMED, at="2026-01-13 16:29:51")

    first = await deliver(client, shop, event)
    replay = await deliver(client, shop, event)

    assert first.status_code == replay.status_code == 200
    assert replay.json()["data"] == {"duplicate": True}
    assert await session.scalar(select(func.count()).select_from(DigishareEvent)) == 1
    history = await client.get(
        f"/api/v1/orders/{order['id']}/history", headers=shop.reseller_headers
    )
    assert [h["toStatus"] for h in history.json()["data"]].count("confirmed") == 1


async def test_an_event_older_than_the_last_applied_is_recorded_and_skipped(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    order = await place_order(client, shop)
    newer = ticket_updated(order["orderNumber"], UNREACHABLE, at="2026-01-13 17:00:00")
    older = ticket_updated(order["orderNumber"], CONFIRMED, at="2026-01-13 16:00:00")

    await deliver(client, shop, newer)
    late = await deliver(client, shop, older)

    assert late.status_code == 200
    assert late.json()["data"]["outcome"] == "stale"
    assert await order_status(client, shop, order["id"]) == "not_reached"


@pytest.mark.parametrize("recorded", [True, False], ids=["ticket-recorded", "found-by-order"])
async def test_a_newer_and_an_older_event_sent_at_once_leave_the_newer_one_applied(
    client: httpx.AsyncClient,
    shop: Shop,
    session: AsyncSession,
    commercy_url: str,
    recorded: bool,
) -> None:
    orders = [await place_order(client, shop) for _ in range(40)]
    if recorded:  # else the events find the order by its number, before the worker's record
        for number, order in enumerate(orders):
            session.add(
                DigishareTicket(
                    order_id=order["id"],
                    integration_id=shop.integration_id,
                    ticket_id=f"tk{number}",
                )
            )
        await session.commit()
    # Both are moves the lifecycle allows either way, so only the order of handling decides.
    pairs = [
        (
            ticket_updated(
                o["orderNumber"], UNREACHABLE, at="2026-01-13 17:00:00", ticket_id=f"tk{n}"
            ),
            ticket_updated(
                o["orderNumber"], CALL_BACK_LATER, at="2026-01-13 16:00:00", ticket_id=f"tk{n}"
            ),
        )
        for n, o in enumerate(orders)
    ]
    sent = [pair if n % 2 else pair[::-1] for n, pair in enumerate(pairs)]
    limits = httpx.Limits(max_connections=80)

    async with httpx.AsyncClient(base_url=commercy_url, limits=limits, timeout=120) as live:
        answers = await asyncio.gather(
            *(deliver(live, shop, event) for pair in sent for event in pair)
        )

    assert {answer.status_code for answer in answers} == {200}
    for order in orders:
        response = await client.get(f"/api/v1/orders/{order['id']}", headers=shop.reseller_headers)
        data = response.json()["data"]
        handled = await _handled(session, order["id"])
        assert data["status"] == "not_reached", handled
        assert data["confirmation"]["lastEventAt"] == "2026-01-13T17:00:00.000Z", handled


async def _handled(session: AsyncSession, order_id: int) -> list[tuple[Any, ...]]:
    """What became of each event of the order, in the order they were received."""
    rows = await session.execute(
        select(
            DigishareEvent.id,
            DigishareEvent.received_at,
            DigishareEvent.event_at,
            DigishareEvent.outcome,
            DigishareEvent.detail,
        )
        .where(DigishareEvent.order_id == order_id)
        .order_by(DigishareEvent.id)
    )
    await session.commit()
    return [tuple(row) for row in rows]


@pytest.mark.parametrize(
    ("payload", "outcome"),
    [
        ("unknown-order", "unknown_ticket"),
        ("unmapped", "unmapped_status"),
        ("ticket.created", "ignored_event"),
    ],
)
async def test_events_we_do_not_act_on_are_recorded_and_answered_200(
    client: httpx.AsyncClient, shop: Shop, payload: str, outcome: str
) -> None:
    order = await place_order(client, shop)
    event = ticket_updated(order["orderNumber"], CONFIRMED, at="2026-01-13 16:29:51")
    if payload == "unknown-order":
        event = ticket_updated("ORD-0-0", CONFIRMED, at="2026-01-13 16:29:51", ticket_id="zzzz")
    elif payload == "unmapped":
        event = ticket_updated(order["orderNumber"], "notmappedstatus0", at="2026-01-13 16:29:51")
    else:
        event["event"] = "ticket.created"

    response = await deliver(client, shop, event)

    assert response.status_code == 200
    assert response.json()["data"]["outcome"] == outcome
    assert await order_status(client, shop, order["id"]) == "pending"


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'{"event": "ticket.updated"}'])
async def test_malformed_webhook_is_400_recorded_and_changes_nothing(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession, body: bytes
) -> None:
    response = await deliver(client, shop, body)

    assert response.status_code == 400
    assert response.json()["error"] == "Validation error"
    stored = (await session.scalars(select(DigishareEvent))).all()
    assert [(e.outcome.value, e.raw_body) for e in stored] == [("malformed", body.decode())]


async def test_a_refused_move_is_recorded_on_the_event_and_visible(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    order = await place_order(client, shop)
    await client.patch(
        f"/api/v1/products/{shop.product_ids[1]}",
        json={"stockQuantity": 1},
        headers=shop.admin_headers,
    )

    response = await deliver(
        client, shop, ticket_updated(order["orderNumber"], CONFIRMED, at="2026-01-13 16:29:51")
    )
    events = await client.get(
        "/api/v1/integrations/digishare/events", headers=shop.reseller_headers
    )

    assert response.status_code == 200
    assert response.json()["data"]["outcome"] == "refused"
    assert "stock" in response.json()["data"]["detail"].lower()
    assert events.json()["data"][0]["outcome"] == "refused"
    assert await order_status(client, shop, order["id"]) == "pending"


async def test_unknown_integration_is_404(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/webhooks/digishare/999999", json={})

    assert response.status_code == 404


@pytest.mark.postgres_only
async def test_an_event_that_finds_its_ticket_recorded_meanwhile_still_applies(
    app: FastAPI, client: httpx.AsyncClient, shop: Shop
) -> None:
    """The newer event looks its ticket up by id (none yet) and then by order number; the
    older one records the ticket and commits in between. The newer must still be applied."""
    order = await place_order(client, shop)
    newer = ticket_updated(order["orderNumber"], UNREACHABLE, at="2026-01-13 17:00:00")
    older = ticket_updated(order["orderNumber"], CALL_BACK_LATER, at="2026-01-13 16:00:00")

    async with _paused_at_the_order_lookup(app.state.database) as (paused, resume):
        late = asyncio.create_task(deliver(client, shop, newer))
        await paused.wait()
        first = await deliver(client, shop, older)
        resume.set()
        second = await late

    assert first.json()["data"]["outcome"] == "applied"
    assert second.json()["data"]["outcome"] == "applied"
    assert await order_status(client, shop, order["id"]) == "not_reached"


@pytest.mark.postgres_only
async def test_an_event_waiting_for_its_order_reads_it_as_the_change_it_waited_for_left_it(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession, observer: Database
) -> None:
    """An agent's status change holds the order's row; the event, its ticket recorded, locks
    the ticket and waits for the order. It must then see the agent's status and version."""
    order = await place_order(client, shop)
    session.add(
        DigishareTicket(
            order_id=order["id"], integration_id=shop.integration_id, ticket_id="t0k3nt1ck3t00001"
        )
    )
    await session.commit()
    event = ticket_updated(order["orderNumber"], CALL_BACK_LATER, at="2026-01-13 16:29:51")

    async with observer.engine.connect() as agent:
        await agent.execute(
            text("UPDATE orders SET status = 'not_reached', version = version + 1 WHERE id = :id"),
            {"id": order["id"]},
        )
        late = asyncio.create_task(deliver(client, shop, event))
        await _until_a_statement_waits_for_a_lock(session)
        await agent.commit()
    answer = await late

    assert answer.json()["data"]["outcome"] == "applied"
    assert answer.json()["data"]["detail"] == "not_reached → rapported"
    assert await order_status(client, shop, order["id"]) == "rapported"


async def _until_a_statement_waits_for_a_lock(session: AsyncSession) -> None:
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    for _ in range(500):
        found = await session.scalar(waiting)
        await session.commit()
        if found:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("no statement waited for a lock")


@asynccontextmanager
async def _paused_at_the_order_lookup(
    database: Database,
) -> AsyncIterator[tuple[asyncio.Event, asyncio.Event]]:
    """Holds the first webhook that looks an order up by its number just before that lookup,
    until ``resume`` is set; ``paused`` is set once it is held. Every other statement runs."""
    paused, resume = asyncio.Event(), asyncio.Event()

    def hold_the_first(
        _connection: object, _cursor: object, statement: str, *_args: object
    ) -> None:
        if "orders.order_number = " in statement and not paused.is_set():
            paused.set()
            await_only(resume.wait())  # the request's greenlet waits; the loop runs on

    engine = database.engine.sync_engine
    engine_events.listen(engine, "before_cursor_execute", hold_the_first)
    try:
        yield paused, resume
    finally:
        engine_events.remove(engine, "before_cursor_execute", hold_the_first)
