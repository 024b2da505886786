"""The sandbox's own controls, outside Digishare's namespace and never faulted. They take the
same bearer token as Digishare's API (the static token or an OAuth access token)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from commercy.sandbox import foreign, tickets
from commercy.sandbox.auth import require_token
from commercy.sandbox.catalog import STATUS_BY_ID
from commercy.sandbox.faults import FaultConfig
from commercy.sandbox.records import DeliveryAttempt, Message, Ticket
from commercy.sandbox.schemas import CustomerReply, ForeignTickets
from commercy.sandbox.state import StateDep
from commercy.sandbox.store import equal

router = APIRouter(
    prefix="/_sandbox", tags=["sandbox controls"], dependencies=[Depends(require_token)]
)

Filter = Annotated[str | None, Query(max_length=64)]


@router.get("/messages")
async def list_messages(state: StateDep, ticket_id: Filter = None) -> dict[str, Any]:
    """The WhatsApp messages of every conversation, newest first."""
    where, args = equal(ticket_id=ticket_id)
    messages = state.store.select(Message, where, args, order="seq DESC")
    return {"data": [message.to_json() for message in messages]}


def _conversation(ticket: Ticket, messages: list[Message]) -> dict[str, Any]:
    status = STATUS_BY_ID[ticket.ticket_status_id]
    return {
        "ticket": ticket.to_json(),
        "status": status.to_json(),
        "foreign": ticket.foreign,
        "messages": [message.to_json() for message in messages],
    }


@router.get("/conversations")
async def list_conversations(
    state: StateDep,
    foreign: Annotated[
        bool | None, Query(description="`false`: Commercy's tickets only; `true`: the others")
    ] = None,
) -> dict[str, Any]:
    """One conversation per ticket, newest first, messages oldest first, with the status.
    Other people's tickets (`foreign: true`) have no messages: the sandbox sent them nothing.
    `meta.foreign` counts them, listed or not."""
    where, args = equal(is_foreign=foreign)
    with state.store.read():
        ordered = state.store.select(Ticket, where, args, order="created_at DESC, seq DESC")
        messages: dict[str, list[Message]] = {}
        for message in state.store.select(Message):
            messages.setdefault(message.ticket_id, []).append(message)
        foreign_count = state.store.count(Ticket, "is_foreign")
    return {
        "data": [_conversation(ticket, messages.get(ticket.id, [])) for ticket in ordered],
        "meta": {"total": len(ordered), "foreign": foreign_count},
    }


@router.post("/foreign-tickets", status_code=201)
async def add_foreign_tickets(body: ForeignTickets, state: StateDep) -> dict[str, Any]:
    """Opens `count` (up to 500) tickets that are not Commercy's, as other agents, shops or
    integrations of the account do: other customers, subjects and external ids (or the
    `subject` and `external_id` given). They fire `ticket.created` like any ticket."""
    created = foreign.add(
        state, count=body.count, subject=body.subject, external_id=body.external_id
    )
    return {"data": [ticket.to_json() for ticket in created]}


@router.post("/tickets/{ticket_id}/reply")
async def reply(ticket_id: str, body: CustomerReply, state: StateDep) -> dict[str, Any]:
    """Plays the customer: `confirm`, `cancel` or `no_answer` moves the ticket to confirmed,
    canceled or unreachable and fires `ticket.updated` (when the status changes)."""
    ticket = tickets.reply(state, ticket_id, body.action)
    return {"data": ticket.to_json()}


@router.get("/faults")
async def get_faults(state: StateDep) -> FaultConfig:
    """The faults injected on Digishare's paths."""
    return state.faults.config


@router.put("/faults")
async def set_faults(config: FaultConfig, state: StateDep) -> FaultConfig:
    """Replaces the faults; fields left out go back to none. `{}` clears every fault."""
    state.faults.configure(config)
    return state.faults.config


@router.get("/deliveries")
async def list_deliveries(
    state: StateDep, webhook_id: Filter = None, ticket_id: Filter = None
) -> dict[str, Any]:
    """Every webhook delivery attempt, newest first."""
    where, args = equal(webhook_id=webhook_id, ticket_id=ticket_id)
    attempts = state.store.select(DeliveryAttempt, where, args, order="seq DESC")
    return {"data": [attempt.to_json() for attempt in attempts]}


@router.post("/reset", status_code=204)
async def reset(state: StateDep) -> Response:
    """Forgets every record, pending delivery and fault, then seeds other people's tickets
    again. Credentials and tokens stay valid, and ids and ticket numbers are never reused."""
    await state.reset()
    return Response(status_code=204)


@router.get("/media/{media_id}")
async def download_media(media_id: str, state: StateDep) -> Response:
    """An uploaded file, as uploaded (a page opens it by fetching it with the token)."""
    media = state.store.media_file(media_id)
    safe_name = re.sub(r"[^\w.\- ]", "_", f"{media.file_name}.{media.extension}")
    disposition = f'inline; filename="{safe_name}"'
    return Response(
        media.content, media_type=media.mime_type, headers={"Content-Disposition": disposition}
    )
