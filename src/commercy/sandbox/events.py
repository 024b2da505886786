"""Webhook payloads, in the shape of Digishare's e-commerce guide."""

from __future__ import annotations

from typing import Any

from commercy.sandbox.records import Ticket

TICKET_CREATED = "ticket.created"
TICKET_UPDATED = "ticket.updated"


def ticket_event(
    event: str, ticket: Ticket, *, was_recently_created: bool, changes: dict[str, Any]
) -> dict[str, Any]:
    return {
        "event": event,
        "data": {
            "id": ticket.id,
            "data": ticket.to_json(),
            "wasRecentlyCreated": was_recently_created,
            "changes": changes,
        },
    }
