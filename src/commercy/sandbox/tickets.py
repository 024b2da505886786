"""Tickets: created with their third and WhatsApp message, changed with a webhook event."""

from __future__ import annotations

from typing import Any

from commercy.sandbox import conversations, thirds
from commercy.sandbox.catalog import (
    STATUS_BY_ID,
    STATUS_CANCELED,
    STATUS_CONFIRMED,
    STATUS_NEW,
    STATUS_UNREACHABLE,
    TICKET_TYPE_IDS,
)
from commercy.sandbox.clock import now, stamp
from commercy.sandbox.conversations import ReplyAction
from commercy.sandbox.errors import SandboxError, validation_message
from commercy.sandbox.events import TICKET_CREATED, TICKET_UPDATED, ticket_event
from commercy.sandbox.records import Media, Third, Ticket
from commercy.sandbox.schemas import ThirdData, TicketCreate, TicketUpdate
from commercy.sandbox.state import SandboxState
from commercy.sandbox.store import Store

STATUS_FOR_REPLY: dict[ReplyAction, str] = {
    "confirm": STATUS_CONFIRMED,
    "cancel": STATUS_CANCELED,
    "no_answer": STATUS_UNREACHABLE,
}
FILTERS = ("external_id", "ticket_status_id", "type_ticket_id", "third_id")


def _reference_errors(store: Store, body: TicketCreate) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if body.type_ticket_id not in TICKET_TYPE_IDS:
        errors["type_ticket_id"] = ["The selected type ticket id is invalid."]
    if body.ticket_status_id is not None and body.ticket_status_id not in STATUS_BY_ID:
        errors["ticket_status_id"] = ["The selected ticket status id is invalid."]
    if body.third_id is not None and store.get(Third, body.third_id) is None:
        errors["third_id"] = ["The selected third id is invalid."]
    if _unknown_invoice(store, body.information.campaign_data.get("invoice_document")):
        field = "information.campaign_data.invoice_document.id"
        errors[field] = ["The selected invoice document id is invalid."]
    return errors


def _unknown_invoice(store: Store, document: Any) -> bool:
    """A Digishare-hosted invoice must be a media uploaded here."""
    if not isinstance(document, dict) or document.get("provider") != "digishare":
        return False
    return store.get(Media, str(document.get("id"))) is None


def _third_for(store: Store, body: TicketCreate) -> Third | None:
    if body.third_id is not None:
        return store.third(body.third_id)
    data = body.information.third
    if body.create_third_data:
        return thirds.create_or_reuse(store, data or ThirdData())
    return store.third_by_wa_id(data.wa_id) if data and data.wa_id else None


def _information(body: TicketCreate, third: Third | None) -> dict[str, Any]:
    sent = body.information.third
    if sent is not None:
        third_data = sent.model_dump(exclude_unset=True)
    elif third is not None:
        third_data = {"name": third.name, "email": third.email, "wa_id": third.wa_id}
        third_data["ext_ref"] = third.ext_ref
    else:
        third_data = {}
    return {"third": third_data, "campaign_data": body.information.campaign_data}


def create(state: SandboxState, body: TicketCreate, *, base_url: str) -> Ticket:
    """Creates the ticket, its third if asked, sends its message and fires ``ticket.created``."""
    store = state.store
    with store.write():
        if errors := _reference_errors(store, body):
            raise SandboxError(422, validation_message(errors), errors=errors)
        third = _third_for(store, body)
        ticket = Ticket(
            id=store.next_id("ticket"),
            ticket_number=store.next_ticket_number(),
            type_ticket_id=body.type_ticket_id,
            ticket_status_id=body.ticket_status_id or STATUS_NEW,
            external_id=body.external_id,
            subject=body.subject,
            lang=body.lang,
            third_id=third.id if third else None,
            information=_information(body, third),
        )
        store.put(ticket)
        store.put(conversations.confirmation_message(store, ticket, base_url=base_url))
        payload = ticket_event(TICKET_CREATED, ticket, was_recently_created=True, changes={})
        state.webhooks.publish(TICKET_CREATED, ticket_id=ticket.id, payload=payload)
    return ticket


def _apply(state: SandboxState, ticket: Ticket, values: dict[str, Any]) -> None:
    """Sets and saves the values that differ and fires ``ticket.updated`` with what changed;
    the caller holds a write transaction."""
    changed = {name: value for name, value in values.items() if getattr(ticket, name) != value}
    if not changed:
        return
    moment = now()
    for name, value in changed.items():
        setattr(ticket, name, value)
    ticket.updated_at = moment
    if "ticket_status_id" in changed:
        ticket.date_status = moment
        changed["date_status"] = stamp(moment)
    changed["updated_at"] = stamp(moment)
    state.store.put(ticket)
    payload = ticket_event(TICKET_UPDATED, ticket, was_recently_created=False, changes=changed)
    state.webhooks.publish(TICKET_UPDATED, ticket_id=ticket.id, payload=payload)


def update(state: SandboxState, ticket_id: str, body: TicketUpdate) -> Ticket:
    """Changes status, handler or note; a real change fires ``ticket.updated``."""
    values = {name: getattr(body, name) for name in body.model_fields_set}
    if "ticket_status_id" in values and values["ticket_status_id"] not in STATUS_BY_ID:
        raise SandboxError(
            422,
            "The selected ticket status id is invalid.",
            errors={"ticket_status_id": ["The selected ticket status id is invalid."]},
        )
    with state.store.write():
        ticket = state.store.ticket(ticket_id)
        _apply(state, ticket, values)
    return ticket


def reply(state: SandboxState, ticket_id: str, action: ReplyAction) -> Ticket:
    """The customer answers: the answer joins the conversation and the status follows."""
    with state.store.write():
        ticket = state.store.ticket(ticket_id)
        state.store.put(conversations.reply_message(state.store, ticket, action))
        _apply(state, ticket, {"ticket_status_id": STATUS_FOR_REPLY[action]})
    return ticket


def matching(filters: dict[str, str | None]) -> tuple[str, tuple[str, ...]]:
    """The SQL condition and its arguments for tickets matching every filter given."""
    wanted = {name: value for name, value in filters.items() if value is not None}
    where = " AND ".join(f"{name} = ?" for name in wanted if name in FILTERS) or "1"
    return where, tuple(wanted.values())
