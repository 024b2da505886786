"""The call center beside WhatsApp: a customer who was just messaged gets time to answer, and
one who answered on WhatsApp is not called."""

from __future__ import annotations

import httpx

from commercy.core.database import Database
from commercy.outbox.worker import OutboxWorker
from tests.factories import login
from tests.integrations.conftest import (
    SANDBOX_TOKEN,
    Shop,
    drain,
    place_order,
    sandbox_tickets,
    wait_for_status,
)


async def _queue(client: httpx.AsyncClient, shop: Shop) -> dict[str, int]:
    answer = await client.get("/api/v1/calls/queue", headers=shop.reseller_headers)
    assert answer.status_code == 200, answer.text
    counts: dict[str, int] = answer.json()["counts"]
    return counts


async def test_a_freshly_messaged_customer_is_not_called_during_the_grace_period(
    client: httpx.AsyncClient, shop: Shop, worker: OutboxWorker, database: Database
) -> None:
    agent = await login(client, shop.world.agent)
    await place_order(client, shop)

    await drain(database, worker)

    assert (await client.post("/api/v1/calls/next", headers=agent)).status_code == 204
    assert (await _queue(client, shop))["scheduled"] == 1


async def test_a_customer_who_confirmed_on_whatsapp_leaves_the_queue(
    client: httpx.AsyncClient, shop: Shop, sandbox: str, worker: OutboxWorker, database: Database
) -> None:
    order = await place_order(client, shop)
    await drain(database, worker)
    [ticket] = sandbox_tickets(sandbox, order["orderNumber"])

    httpx.post(
        f"{sandbox}/_sandbox/tickets/{ticket['id']}/reply",
        json={"action": "confirm"},
        headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"},
    ).raise_for_status()

    assert (await wait_for_status(client, shop, order["id"], "confirmed"))["status"] == "confirmed"
    assert (await _queue(client, shop))["total"] == 0
