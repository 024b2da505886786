"""An edit of an order's phone or basket during the call reaches its WhatsApp ticket through the
outbox (a note on the ticket), against the sandbox and against the strictly published API."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from commercy.core.database import Database
from commercy.integrations.digishare.service import UPDATE_TICKET
from commercy.outbox.models import JobState, OutboxJob
from commercy.outbox.worker import OutboxWorker
from tests.integrations.conftest import (
    SANDBOX_TOKEN,
    Shop,
    drain,
    place_order,
    sandbox_tickets,
    wait_for_status,
)
from tests.support.live_server import live_server
from tests.support.strict_digishare import StrictDigishare


@pytest.fixture
def strict() -> Iterator[tuple[StrictDigishare, str]]:
    digishare = StrictDigishare()
    with live_server(digishare.app()) as url:
        yield digishare, url


@pytest.fixture
async def strict_shop(
    client: httpx.AsyncClient, shop: Shop, strict: tuple[StrictDigishare, str]
) -> Shop:
    digishare, url = strict
    response = await client.put(
        "/api/v1/integrations/digishare",
        json={"baseUrl": f"{url}/v1", "token": digishare.personal_token},
        headers=shop.reseller_headers,
    )
    assert response.status_code == 200, response.text
    return shop


async def edit(client: httpx.AsyncClient, shop: Shop, order_id: int, body: Any) -> dict[str, Any]:
    response = await client.patch(
        f"/api/v1/orders/{order_id}", json=body, headers=shop.reseller_headers
    )
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def update_jobs(database: Database) -> list[OutboxJob]:
    async with database.sessionmaker() as session:
        jobs = await session.scalars(select(OutboxJob).where(OutboxJob.kind == UPDATE_TICKET))
        return list(jobs)


def sandbox_ticket(sandbox: str, ticket_id: str) -> dict[str, Any]:
    response = httpx.get(
        f"{sandbox}/v1/tickets/{ticket_id}", headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    ticket: dict[str, Any] = body.get("data", body)
    return ticket


async def test_a_new_phone_is_noted_on_the_sandbox_ticket(
    client: httpx.AsyncClient, shop: Shop, sandbox: str, worker: OutboxWorker, database: Database
) -> None:
    order = await place_order(client, shop)
    await drain(database, worker)

    await edit(client, shop, order["id"], {"customerPhone": "98 765 432"})
    await drain(database, worker)

    [ticket] = sandbox_tickets(sandbox, order["orderNumber"])
    note = sandbox_ticket(sandbox, ticket["id"])["note"]
    assert "+21698765432" in note
    assert order["orderNumber"] in note
    assert [job.state for job in await update_jobs(database)] == [JobState.DONE]


async def test_a_new_basket_is_noted_with_its_items_and_total_through_the_published_api(
    client: httpx.AsyncClient,
    strict_shop: Shop,
    strict: tuple[StrictDigishare, str],
    worker: OutboxWorker,
    database: Database,
) -> None:
    digishare, _ = strict
    order = await place_order(client, strict_shop)
    await drain(database, worker)
    first_line = order["items"][0]["id"]

    edited = await edit(
        client, strict_shop, order["id"], {"items": [{"id": first_line, "quantity": 3}]}
    )
    await drain(database, worker)

    [ticket] = digishare.tickets_of(order["orderNumber"])
    assert f"{edited['total']:.3f} TND" in ticket["note"]
    assert "3 x Tapis berbère (Rouge)" in ticket["note"]
    assert digishare.requests("PUT", f"/v1/tickets/{ticket['id']}") == 1
    assert [job.state for job in await update_jobs(database)] == [JobState.DONE]


async def test_an_edit_of_neither_phone_nor_basket_leaves_the_ticket_alone(
    client: httpx.AsyncClient,
    strict_shop: Shop,
    strict: tuple[StrictDigishare, str],
    worker: OutboxWorker,
    database: Database,
) -> None:
    digishare, _ = strict
    order = await place_order(client, strict_shop)
    await drain(database, worker)

    await edit(client, strict_shop, order["id"], {"customerName": "Nour", "notes": "Après 18h"})
    await drain(database, worker)

    [ticket] = digishare.tickets_of(order["orderNumber"])
    assert "note" not in ticket
    assert await update_jobs(database) == []


async def test_an_edit_before_the_ticket_opens_needs_no_note_the_ticket_shows_the_new_basket(
    client: httpx.AsyncClient,
    strict_shop: Shop,
    strict: tuple[StrictDigishare, str],
    worker: OutboxWorker,
    database: Database,
) -> None:
    digishare, _ = strict
    order = await place_order(client, strict_shop)
    first_line = order["items"][0]["id"]

    await edit(client, strict_shop, order["id"], {"items": [{"id": first_line, "quantity": 4}]})
    await drain(database, worker)

    [ticket] = digishare.tickets_of(order["orderNumber"])
    assert ticket["information"]["campaign_data"]["items_count"] == "4"
    assert await update_jobs(database) == []


async def test_several_edits_waiting_for_the_worker_make_one_note_of_the_last_basket(
    client: httpx.AsyncClient,
    strict_shop: Shop,
    strict: tuple[StrictDigishare, str],
    worker: OutboxWorker,
    database: Database,
) -> None:
    digishare, _ = strict
    order = await place_order(client, strict_shop)
    await drain(database, worker)
    first_line = order["items"][0]["id"]

    for quantity in (2, 3, 4):
        await edit(
            client, strict_shop, order["id"], {"items": [{"id": first_line, "quantity": quantity}]}
        )
    await drain(database, worker)

    [ticket] = digishare.tickets_of(order["orderNumber"])
    assert "4 x Tapis berbère" in ticket["note"]
    assert digishare.requests("PUT", f"/v1/tickets/{ticket['id']}") == 1


async def events_of(client: httpx.AsyncClient, shop: Shop) -> list[dict[str, Any]]:
    response = await client.get(
        "/api/v1/integrations/digishare/events", headers=shop.reseller_headers
    )
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()["data"]
    return events


async def nth_event(client: httpx.AsyncClient, shop: Shop, count: int) -> dict[str, Any]:
    """The newest event once ``count`` have arrived (Digishare delivers in the background)."""
    deadline = time.monotonic() + 10
    for _ in range(1000):
        events = await events_of(client, shop)
        if len(events) >= count or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    assert len(events) >= count, events
    return events[0]


async def test_the_tickets_echo_of_the_note_leaves_the_agents_status_alone(
    client: httpx.AsyncClient, shop: Shop, sandbox: str, worker: OutboxWorker, database: Database
) -> None:
    order = await place_order(client, shop)
    await drain(database, worker)
    [ticket] = sandbox_tickets(sandbox, order["orderNumber"])
    httpx.post(
        f"{sandbox}/_sandbox/tickets/{ticket['id']}/reply",
        json={"action": "no_answer"},
        headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"},
    ).raise_for_status()
    await wait_for_status(client, shop, order["id"], "not_reached")
    await client.patch(
        f"/api/v1/orders/{order['id']}/status",
        json={"status": "rapported"},
        headers=shop.reseller_headers,
    )

    await edit(client, shop, order["id"], {"customerPhone": "98 765 432"})
    await drain(database, worker)
    echo = await nth_event(client, shop, 2)
    assert echo["outcome"] == "unchanged"
    assert "status did not change" in echo["detail"]
    assert (await wait_for_status(client, shop, order["id"], "rapported"))["status"] == "rapported"


async def test_a_refused_note_is_a_failed_job_listed_and_retried_like_the_others(
    client: httpx.AsyncClient,
    strict_shop: Shop,
    strict: tuple[StrictDigishare, str],
    worker: OutboxWorker,
    database: Database,
) -> None:
    digishare, _ = strict
    order = await place_order(client, strict_shop)
    await drain(database, worker)
    digishare.tickets.clear()  # the ticket was deleted on Digishare's side: PUT answers 404

    await edit(client, strict_shop, order["id"], {"customerPhone": "98 765 432"})
    await drain(database, worker)
    listed = await client.get(
        "/api/v1/integrations/digishare/jobs",
        params={"state": "failed"},
        headers=strict_shop.reseller_headers,
    )
    [job] = listed.json()["data"]
    retried = await client.post(
        f"/api/v1/integrations/digishare/jobs/{job['id']}/retry",
        headers=strict_shop.reseller_headers,
    )

    assert job["kind"] == "digishare.update_ticket"
    assert "404" in job["lastError"]
    assert retried.status_code == 200
    assert retried.json()["data"]["state"] == "pending"
