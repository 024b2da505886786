"""The Digishare flow end to end, over real HTTP: order → ticket → WhatsApp → webhook → order."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from commercy.core.database import Database
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

SANDBOX_AUTH = {"Authorization": f"Bearer {SANDBOX_TOKEN}"}


async def test_new_order_is_promised_a_ticket_in_its_own_transaction(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession
) -> None:
    order = await place_order(client, shop)

    jobs = (await session.scalars(select(OutboxJob))).all()
    assert [(job.order_id, job.state) for job in jobs] == [(order["id"], JobState.PENDING)]


async def test_new_order_becomes_a_ticket_with_its_invoice_and_a_whatsapp_message(
    client: httpx.AsyncClient, shop: Shop, sandbox: str, worker: OutboxWorker, database: Database
) -> None:
    order = await place_order(client, shop)

    await drain(database, worker)

    [ticket] = sandbox_tickets(sandbox, order["orderNumber"])
    campaign = ticket["information"]["campaign_data"]
    assert ticket["information"]["third"]["wa_id"] == "21620123456"
    assert campaign["order_id"] == order["orderNumber"]
    assert campaign["items_count"] == "3"
    assert campaign["order_total"] == "211.000"
    assert campaign["delivery_address"] == "12 rue de Marseille, Tunis, Tunis"
    media_id = campaign["invoice_document"]["id"]
    invoice = httpx.get(f"{sandbox}/_sandbox/media/{media_id}", headers=SANDBOX_AUTH)
    assert invoice.content.startswith(b"%PDF")
    messages = httpx.get(
        f"{sandbox}/_sandbox/messages", params={"ticket_id": ticket["id"]}, headers=SANDBOX_AUTH
    ).json()
    assert messages["data"][0]["wa_id"] == "21620123456"
    assert order["orderNumber"] in str(messages["data"][0])


async def confirmation_of(client: httpx.AsyncClient, shop: Shop, order_id: int) -> Any:
    response = await client.get(f"/api/v1/orders/{order_id}", headers=shop.reseller_headers)
    assert response.status_code == 200, response.text
    return response.json()["data"]["confirmation"]


async def test_the_order_shows_its_whatsapp_confirmation_pending_then_sent(
    client: httpx.AsyncClient, shop: Shop, sandbox: str, worker: OutboxWorker, database: Database
) -> None:
    order = await place_order(client, shop)
    pending = await confirmation_of(client, shop, order["id"])

    await drain(database, worker)

    [ticket] = sandbox_tickets(sandbox, order["orderNumber"])
    assert pending["state"] == "pending"
    assert pending["ticketId"] is None
    sent = await confirmation_of(client, shop, order["id"])
    assert (sent["provider"], sent["state"], sent["ticketId"]) == (
        "digishare",
        "sent",
        ticket["id"],
    )
    assert sent["lastError"] is None


@pytest.mark.parametrize(
    ("action", "expected"),
    [("confirm", "confirmed"), ("cancel", "canceled"), ("no_answer", "not_reached")],
)
async def test_customer_answer_moves_the_order_with_digishare_as_actor(
    client: httpx.AsyncClient,
    shop: Shop,
    sandbox: str,
    worker: OutboxWorker,
    database: Database,
    action: str,
    expected: str,
) -> None:
    order = await place_order(client, shop)
    await drain(database, worker)
    [ticket] = sandbox_tickets(sandbox, order["orderNumber"])

    reply = httpx.post(
        f"{sandbox}/_sandbox/tickets/{ticket['id']}/reply",
        json={"action": action},
        headers=SANDBOX_AUTH,
    )

    assert reply.status_code == 200, reply.text
    moved = await wait_for_status(client, shop, order["id"], expected)
    assert moved["status"] == expected
    history = (
        await client.get(f"/api/v1/orders/{order['id']}/history", headers=shop.reseller_headers)
    ).json()["data"]
    last = history[-1]
    assert (last["fromStatus"], last["toStatus"], last["actor"]) == (
        "pending",
        expected,
        "digishare",
    )


async def test_confirmation_by_the_customer_takes_the_stock(
    client: httpx.AsyncClient, shop: Shop, sandbox: str, worker: OutboxWorker, database: Database
) -> None:
    order = await place_order(client, shop)
    await drain(database, worker)
    [ticket] = sandbox_tickets(sandbox, order["orderNumber"])

    httpx.post(
        f"{sandbox}/_sandbox/tickets/{ticket['id']}/reply",
        json={"action": "confirm"},
        headers=SANDBOX_AUTH,
    )
    await wait_for_status(client, shop, order["id"], "confirmed")

    product = await client.get(
        f"/api/v1/products/{shop.product_ids[1]}", headers=shop.reseller_headers
    )
    assert product.json()["data"]["stockQuantity"] == 3


async def test_walk_in_sales_and_disabled_integrations_open_no_ticket(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession
) -> None:
    await place_order(client, shop, source="sur_place")
    disable = await client.put(
        "/api/v1/integrations/digishare",
        json={"baseUrl": "http://127.0.0.1:9", "enabled": False},
        headers=shop.reseller_headers,
    )
    await place_order(client, shop)

    assert disable.status_code == 200
    assert (await session.scalars(select(OutboxJob))).all() == []
    listed = await client.get("/api/v1/orders", headers=shop.reseller_headers)
    assert len(listed.json()["data"]) == 2
    for order in listed.json()["data"]:
        assert await confirmation_of(client, shop, order["id"]) is None


async def test_a_refused_ticket_fails_at_once_and_can_be_retried_after_a_fix(
    client: httpx.AsyncClient, shop: Shop, sandbox: str, worker: OutboxWorker, database: Database
) -> None:
    broken = await client.put(
        "/api/v1/integrations/digishare",
        json={"baseUrl": sandbox, "ticketTypeId": "doesnotexist0000"},
        headers=shop.reseller_headers,
    )
    assert broken.status_code == 200
    order = await place_order(client, shop)
    await drain(database, worker)

    failed = await client.get(
        "/api/v1/integrations/digishare/jobs",
        params={"state": "failed"},
        headers=shop.reseller_headers,
    )
    [job] = failed.json()["data"]
    assert job["attempts"] == 1
    assert "422" in job["lastError"]
    assert "media_id" not in job["progress"]  # the refused ticket's upload is redone
    shown = await confirmation_of(client, shop, order["id"])
    assert (shown["state"], shown["jobId"], shown["lastError"]) == (
        "failed",
        job["id"],
        job["lastError"],
    )

    await client.put(
        "/api/v1/integrations/digishare", json={"baseUrl": sandbox}, headers=shop.reseller_headers
    )
    retried = await client.post(
        f"/api/v1/integrations/digishare/jobs/{job['id']}/retry", headers=shop.reseller_headers
    )
    await drain(database, worker)

    assert retried.status_code == 200
    assert len(sandbox_tickets(sandbox, order["orderNumber"])) == 1
    done = await client.get(
        "/api/v1/integrations/digishare/jobs",
        params={"state": "done"},
        headers=shop.reseller_headers,
    )
    assert done.json()["data"][0]["progress"]["media_id"]
