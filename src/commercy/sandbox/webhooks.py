"""Webhook subscriptions, one event each, as Digishare's dashboard sets them up."""

from __future__ import annotations

from commercy.sandbox.clock import now
from commercy.sandbox.records import Webhook, WebhookAuth
from commercy.sandbox.schemas import (
    BasicAuth,
    BearerAuth,
    HeaderAuth,
    WebhookCreate,
    WebhookUpdate,
)
from commercy.sandbox.store import Store


def _auth(body: BasicAuth | BearerAuth | HeaderAuth | None) -> WebhookAuth | None:
    return WebhookAuth(**body.model_dump()) if body is not None else None


def create(store: Store, body: WebhookCreate) -> Webhook:
    """Adds a subscription."""
    with store.write():
        webhook = Webhook(
            id=store.next_id("webhook"),
            url=body.url,
            event=body.event,
            active=body.active,
            headers=dict(body.headers),
            auth=_auth(body.auth),
        )
        store.put(webhook)
    return webhook


def update(store: Store, webhook_id: str, body: WebhookUpdate) -> Webhook:
    """Changes the fields sent; turning a webhook back on forgets why it was disabled."""
    sent = body.model_fields_set
    with store.write():
        webhook = store.webhook(webhook_id)
        if body.url is not None:
            webhook.url = body.url
        if body.event is not None:
            webhook.event = body.event
        if body.headers is not None:
            webhook.headers = dict(body.headers)
        if "auth" in sent:
            webhook.auth = _auth(body.auth)
        if body.active is not None:
            webhook.active = body.active
            if body.active:
                webhook.disabled_reason = None
        webhook.updated_at = now()
        store.put(webhook)
    return webhook
