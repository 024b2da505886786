"""Commercy and the Digishare sandbox, each served over real HTTP, plus an outbox worker."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from commercy.core.database import Database, WriteSession
from commercy.core.settings import Settings
from commercy.jobs import build_worker
from commercy.main import create_app
from commercy.outbox.models import JobState, OutboxJob
from commercy.outbox.worker import OutboxWorker
from commercy.sandbox.app import create_app as create_sandbox_app
from commercy.sandbox.settings import SandboxSettings
from tests.factories import World, login, make_world
from tests.support.live_server import live_server

SANDBOX_TOKEN = "sandbox-test-token-0123456789"
SANDBOX_CLIENT_ID = "commercy-tests"
SANDBOX_CLIENT_SECRET = "sandbox-client-secret-0123456789"
WEBHOOK_TOKEN = "digishare-calls-us-with-this"


@pytest.fixture
def sandbox() -> Iterator[str]:
    app = create_sandbox_app(
        SandboxSettings(
            _env_file=None,
            token=SANDBOX_TOKEN,
            client_id=SANDBOX_CLIENT_ID,
            client_secret=SANDBOX_CLIENT_SECRET,
            webhook_retry_delays=[0.05, 0.1, 0.2],
            webhook_timeout_seconds=5,
        )
    )
    with live_server(app) as url:
        yield url


@pytest.fixture(scope="session")
def commercy_url(settings: Settings) -> Iterator[str]:
    """A second Commercy process-alike on the test database, reachable over HTTP."""
    app = create_app(settings.model_copy(update={"worker_in_process": False}))
    with live_server(app) as url:
        yield url


@pytest.fixture
def worker_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "outbox_backoff_base_seconds": 0.05,
            "outbox_backoff_cap_seconds": 0.3,
            "outbox_max_attempts": 50,
            "digishare_timeout_seconds": 2.0,
        }
    )


@pytest.fixture
def worker(database: Database, worker_settings: Settings) -> OutboxWorker:
    return build_worker(database, worker_settings)


@dataclass
class Shop:
    world: World
    reseller_headers: dict[str, str]
    admin_headers: dict[str, str]
    product_ids: list[int]
    integration_id: int


@pytest.fixture
async def shop(
    client: httpx.AsyncClient, session: WriteSession, sandbox: str, commercy_url: str
) -> Shop:
    """A reseller with two products in stock, connected to the sandbox, webhook registered."""
    world = await make_world(session)
    supplier_headers = await login(client, world.supplier_user)
    product_ids = []
    for name, price in (("Tapis berbère", "120.500"), ("Lampe en cuivre", "45.250")):
        response = await client.post(
            "/api/v1/products",
            json={"name": name, "price": price, "costPrice": "20", "stockQuantity": 5},
            headers=supplier_headers,
        )
        assert response.status_code == 201, response.text
        product_ids.append(response.json()["data"]["id"])
    reseller_headers = await login(client, world.reseller_user)
    integration = await client.put(
        "/api/v1/integrations/digishare",
        json={
            "baseUrl": sandbox,
            "token": SANDBOX_TOKEN,
            "statusMap": SANDBOX_STATUS_MAP,
            "webhookAuth": {"type": "bearer", "token": WEBHOOK_TOKEN},
        },
        headers=reseller_headers,
    )
    assert integration.status_code == 200, integration.text
    integration_id = integration.json()["data"]["id"]
    subscription = httpx.post(
        f"{sandbox}/v1/webhooks",
        json={
            "url": f"{commercy_url}/api/v1/webhooks/digishare/{integration_id}",
            "event": "ticket.updated",
            "auth": {"type": "bearer", "token": WEBHOOK_TOKEN},
        },
        headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"},
    )
    assert subscription.status_code in (200, 201), subscription.text
    return Shop(
        world=world,
        reseller_headers=reseller_headers,
        admin_headers=await login(client, world.admin),
        product_ids=product_ids,
        integration_id=integration_id,
    )


SANDBOX_STATUS_MAP = {
    "yqdwrbka7kz69v8e": "confirmed",
    "b7m2kq9xw4zt1rne": "canceled",
    "u5hj8cd3pq6ya0lw": "not_reached",
    "r4tn7vy2gk9me1sx": "rapported",
}


def order_body(shop: Shop, *, phone: str = "+216 20 123 456", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "customerName": "Amira Ben Salah",
        "customerPhone": phone,
        "customerAddress": "12 rue de Marseille",
        "customerCity": "Tunis",
        "customerGovernorate": "Tunis",
        "source": "facebook_page",
        "products": [
            {"productId": shop.product_ids[0], "quantity": 1, "price": 120.5, "notes": "Rouge"},
            {"productId": shop.product_ids[1], "quantity": 2, "price": 45.25, "notes": "Petit"},
        ],
    }
    body.update(overrides)
    return body


async def place_order(client: httpx.AsyncClient, shop: Shop, **overrides: Any) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/orders", json=order_body(shop, **overrides), headers=shop.reseller_headers
    )
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()["order"]
    return order


async def drain(database: Database, *workers: OutboxWorker, timeout: float = 30.0) -> None:
    """Run the workers until no job is pending or running (retries included)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ran = await asyncio.gather(*(w.run_once() for w in workers))
        if not any(ran):
            if await count_jobs(database, JobState.PENDING, JobState.RUNNING) == 0:
                return
            await asyncio.sleep(0.05)
    raise AssertionError("the outbox did not drain in time")


async def count_jobs(database: Database, *states: JobState) -> int:
    async with database.sessionmaker() as session:
        total = await session.scalar(
            select(func.count()).select_from(OutboxJob).where(OutboxJob.state.in_(states))
        )
    return int(total or 0)


def sandbox_tickets(sandbox: str, external_id: str) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{sandbox}/v1/tickets",
        params={"search": external_id, "limit": 100},
        headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"},
    )
    assert response.status_code == 200, response.text
    # Digishare cannot filter on external_id: the search also finds longer order numbers.
    tickets = [t for t in response.json()["data"] if t["external_id"] == external_id]
    return tickets


async def wait_for_status(
    client: httpx.AsyncClient, shop: Shop, order_id: int, status: str, timeout: float = 30.0
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        order = (
            await client.get(f"/api/v1/orders/{order_id}", headers=shop.reseller_headers)
        ).json()
        if order["data"]["status"] == status or time.monotonic() > deadline:
            data: dict[str, Any] = order["data"]
            return data
        await asyncio.sleep(0.05)
