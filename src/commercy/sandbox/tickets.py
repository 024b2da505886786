"""Tickets: created with their third and WhatsApp message, changed with a webhook event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

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
from commercy.sandbox.store import Store, equal

STATUS_FOR_REPLY: dict[ReplyAction, str] = {
    "confirm": STATUS_CONFIRMED,
    "cancel": STATUS_CANCELED,
    "no_answer": STATUS_UNREACHABLE,
}
SortBy = Literal["created_at", "updated_at", "date_status", "ticket_number"]
SortDirection = Literal["asc", "desc"]
# The ticket's own fields matched by ``search``, besides its third's name and email.
_SEARCHED = (
    "instr(fold(subject), :search)",
    "instr(CAST(ticket_number AS TEXT), :search)",
    "instr(fold(json_extract(body, '$.information.third.name')), :search)",
    "instr(fold(json_extract(body, '$.information.third.email')), :search)",
    "third_id IN (SELECT id FROM thirds WHERE instr(fold(name), :search)"
    " OR instr(fold(email), :search))",
)


@dataclass(frozen=True, slots=True)
class TicketQuery:
    """What ``GET /v1/tickets`` takes besides the page; ``None`` leaves a filter out."""

    ticket_status_id: str | None = None
    priority_id: str | None = None
    handler_id: str | None = None
    third_id: str | None = None
    created_from: date | None = None
    created_to: date | None = None
    search: str | None = None
    sort_by: SortBy = "created_at"
    sort_direction: SortDirection = "desc"

    def where(self) -> tuple[str, dict[str, Any]]:
        """The SQL condition matching every filter given, and its named arguments."""
        same, args = equal(
            ticket_status_id=self.ticket_status_id,
            priority_id=self.priority_id,
            handler_id=self.handler_id,
            third_id=self.third_id,
        )
        conditions = [same]
        if self.created_from is not None:
            conditions.append("substr(created_at, 1, 10) >= :created_from")
            args["created_from"] = self.created_from.isoformat()
        if self.created_to is not None:
            conditions.append("substr(created_at, 1, 10) <= :created_to")
            args["created_to"] = self.created_to.isoformat()
        if self.search:
            conditions.append("(" + " OR ".join(_SEARCHED) + ")")
            args["search"] = self.search.casefold()
        return " AND ".join(conditions), args

    def order(self) -> str:
        direction = self.sort_direction.upper()
        # Ties (a second's worth of tickets) keep the order of creation.
        return f"{self.sort_by} {direction}, seq {direction}"


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
            priority_id=body.priority_id,
            channel_id=body.channel_id,
            comment=body.comment,
            demand_date=body.demand_date,
            tags=list(body.tags),
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
