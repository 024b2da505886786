"""Webhook subscriptions: where Digishare sends `ticket.created` and `ticket.updated`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Response

from commercy.sandbox import webhooks
from commercy.sandbox.auth import require_token
from commercy.sandbox.errors import not_found
from commercy.sandbox.pagination import PageDep, page_of
from commercy.sandbox.records import Webhook
from commercy.sandbox.schemas import WebhookCreate, WebhookUpdate
from commercy.sandbox.state import StateDep

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], dependencies=[Depends(require_token)])


@router.get("")
async def list_webhooks(state: StateDep, page: PageDep) -> dict[str, Any]:
    """Every webhook, active or not, oldest first."""
    return page_of(state.store, Webhook, page, render=Webhook.to_json, order="seq")


@router.post("", status_code=201)
async def create_webhook(body: WebhookCreate, state: StateDep) -> dict[str, Any]:
    """Subscribes a URL to one event. Optional extra `headers` and one `auth`: `basic`
    (`username`, `password`), `bearer` (`token`) or `header` (`name`, `value`). The receiver
    must answer 200; otherwise the call is retried, and after the last failed attempt the
    webhook is disabled (`active: false`)."""
    webhook = webhooks.create(state.store, body)
    return {"data": webhook.to_json()}


@router.get("/{webhook_id}")
async def get_webhook(webhook_id: str, state: StateDep) -> dict[str, Any]:
    """One webhook."""
    return {"data": state.store.webhook(webhook_id).to_json()}


@router.patch("/{webhook_id}")
async def update_webhook(webhook_id: str, body: WebhookUpdate, state: StateDep) -> dict[str, Any]:
    """Changes the fields sent; `"active": true` turns a disabled webhook back on."""
    webhook = webhooks.update(state.store, webhook_id, body)
    return {"data": webhook.to_json()}


@router.delete("/{webhook_id}", status_code=204)
async def delete_webhook(webhook_id: str, state: StateDep) -> Response:
    """Deletes a webhook; its pending retries stop."""
    if not state.store.delete(Webhook, webhook_id):
        raise not_found("Webhook")
    return Response(status_code=204)
