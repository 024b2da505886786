"""Tickets: one per order to confirm."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from commercy.sandbox import tickets
from commercy.sandbox.auth import require_token
from commercy.sandbox.pagination import PageDep, page_of
from commercy.sandbox.records import Ticket
from commercy.sandbox.schemas import TicketCreate, TicketUpdate
from commercy.sandbox.state import StateDep
from commercy.sandbox.urls import base_url

router = APIRouter(prefix="/v1/tickets", tags=["tickets"], dependencies=[Depends(require_token)])

Filter = Annotated[str | None, Query(max_length=191)]


@router.post("", status_code=201)
async def create_ticket(body: TicketCreate, request: Request, state: StateDep) -> dict[str, Any]:
    """Creates a ticket. With `create_third_data: true` the customer in `information.third` is
    created, or reused when a third has the same `wa_id`. The customer then receives the
    WhatsApp confirmation message, and `ticket.created` webhooks fire."""
    ticket = tickets.create(state, body, base_url=base_url(request, state.settings))
    return {"data": ticket.to_json()}


@router.get("")
async def list_tickets(
    state: StateDep,
    page: PageDep,
    external_id: Filter = None,
    ticket_status_id: Filter = None,
    type_ticket_id: Filter = None,
    third_id: Filter = None,
) -> dict[str, Any]:
    """Tickets, newest first, filtered by every filter given."""
    filters = {
        "external_id": external_id,
        "ticket_status_id": ticket_status_id,
        "type_ticket_id": type_ticket_id,
        "third_id": third_id,
    }
    where, args = tickets.matching(filters)
    return page_of(state.store, Ticket, page, render=Ticket.to_json, where=where, args=args)


@router.get("/{ticket_id}")
async def get_ticket(ticket_id: str, state: StateDep) -> dict[str, Any]:
    """One ticket."""
    return {"data": state.store.ticket(ticket_id).to_json()}


@router.put("/{ticket_id}")
async def update_ticket(ticket_id: str, body: TicketUpdate, state: StateDep) -> dict[str, Any]:
    """Changes the ticket's status, handler or note. A change fires `ticket.updated` with
    the fields that changed in `data.changes`."""
    ticket = tickets.update(state, ticket_id, body)
    return {"data": ticket.to_json()}
