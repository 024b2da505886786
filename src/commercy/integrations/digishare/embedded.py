"""The embedded default's Digishare: the sandbox mounted in the same server, with the demo
reseller connected to it and its webhook registered, so the whole flow runs on one machine."""

from __future__ import annotations

import logging
import secrets

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from commercy.core.crypto import unseal
from commercy.core.database import Database, WriteSession
from commercy.core.settings import Settings
from commercy.integrations.digishare import service
from commercy.integrations.digishare.models import DigishareIntegration
from commercy.integrations.digishare.schemas import IntegrationUpdate, WebhookAuthIn
from commercy.orders.models import OrderStatus
from commercy.sandbox import catalog

logger = logging.getLogger("commercy.digishare.embedded")

SANDBOX_PATH = "/sandbox/digishare"

SANDBOX_STATUS_MAP = {
    catalog.STATUS_CONFIRMED: OrderStatus.CONFIRMED,
    catalog.STATUS_CANCELED: OrderStatus.CANCELED,
    catalog.STATUS_UNREACHABLE: OrderStatus.NOT_REACHED,
    catalog.STATUS_CALL_BACK_LATER: OrderStatus.RAPPORTED,
}


def sandbox_base_url(settings: Settings) -> str:
    return f"{settings.public_base_url.rstrip('/')}{SANDBOX_PATH}"


async def connect_to_sandbox(
    session: WriteSession, *, reseller_id: int, settings: Settings
) -> DigishareIntegration:
    """Point a reseller's integration at the mounted sandbox (idempotent)."""
    existing = await session.scalar(
        select(DigishareIntegration).where(DigishareIntegration.reseller_id == reseller_id)
    )
    webhook_auth = None
    if existing is None:
        webhook_auth = WebhookAuthIn(type="bearer", token=secrets.token_urlsafe(24))
    data = IntegrationUpdate(
        base_url=sandbox_base_url(settings),
        token=settings.sandbox_token,
        ticket_type_id=catalog.TICKET_TYPE_ORDER,
        initial_status_id=catalog.STATUS_NEW,
        status_map=SANDBOX_STATUS_MAP,
        webhook_auth=webhook_auth,
    )
    return await service.save_integration(
        session, reseller_id=reseller_id, data=data, settings=settings
    )


async def subscribe_sandbox_webhooks(
    sandbox: FastAPI, database: Database, settings: Settings
) -> None:
    """Give each connected reseller exactly one active ``ticket.updated`` webhook in the
    sandbox, with the current auth, through the sandbox's own API. The sandbox remembers its
    webhooks across restarts and every API process runs this at start: an existing webhook
    for the URL is kept (its auth updated, switched back on if it was disabled) rather than
    doubled. Processes starting together may each create one; each then keeps the oldest and
    deletes the others, so one remains whoever wins."""
    async with database.sessionmaker() as session:
        integrations = (
            await session.scalars(
                select(DigishareIntegration).where(
                    DigishareIntegration.base_url == sandbox_base_url(settings)
                )
            )
        ).all()
    transport = httpx.ASGITransport(app=sandbox)
    headers = {"Authorization": f"Bearer {settings.sandbox_token}"}
    event = "ticket.updated"
    async with httpx.AsyncClient(
        transport=transport, base_url="http://sandbox", headers=headers
    ) as http:

        async def subscribed(url: str) -> list[dict[str, object]]:
            """The webhooks for ``url`` and the event, oldest first."""
            found: list[dict[str, object]] = []
            page, pages = 1, 1
            while page <= pages:
                listed = await http.get("/v1/webhooks", params={"page": page, "limit": 100})
                listed.raise_for_status()
                body = listed.json()
                found += [h for h in body["data"] if h["url"] == url and h["event"] == event]
                page, pages = page + 1, int(body["meta"]["total_pages"])
            return found

        for integration in integrations:
            url = service.webhook_url(integration, settings=settings)
            auth = _sandbox_auth(integration, settings=settings)
            if not await subscribed(url):
                body = {"url": url, "event": event, "auth": auth}
                response = await http.post("/v1/webhooks", json=body)
                if response.status_code >= 300:
                    logger.error(
                        "sandbox webhook for integration %s: %s", integration.id, response.text
                    )
                    continue
            found = await subscribed(url)
            if not found:
                continue
            oldest, *duplicates = found
            for duplicate in duplicates:
                await http.delete(f"/v1/webhooks/{duplicate['id']}")
            changes: dict[str, object] = {} if oldest["auth"] == auth else {"auth": auth}
            if not oldest["active"]:
                changes["active"] = True
            if changes:
                response = await http.patch(f"/v1/webhooks/{oldest['id']}", json=changes)
                if response.status_code >= 300:
                    logger.error(
                        "sandbox webhook for integration %s: %s", integration.id, response.text
                    )


def _sandbox_auth(integration: DigishareIntegration, *, settings: Settings) -> dict[str, str]:
    secret = unseal(integration.webhook_secret_sealed, settings=settings)
    kind = integration.webhook_auth_type.value
    if kind == "bearer":
        return {"type": kind, "token": secret}
    if kind == "basic":
        return {"type": kind, "username": integration.webhook_auth_name or "", "password": secret}
    return {"type": kind, "name": integration.webhook_auth_name or "", "value": secret}
