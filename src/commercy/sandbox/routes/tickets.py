"""Tickets: one per order to confirm."""

from __future__ import annotations

from datetime import date
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
    """Creates a ticket and answers it **bare**, not wrapped in `data` (the ticket has a `data`
    object of its own, empty). With `create_third_data: true` the customer in
    `information.third` is created, or reused when a third has the same `wa_id`. The customer
    then receives the WhatsApp confirmation message, and `ticket.created` webhooks fire."""
    ticket = tickets.create(state, body, base_url=base_url(request, state.settings))
    return ticket.to_json()


def _ticket_query(
    ticket_status_id: Filter = None,
    priority_id: Filter = None,
    handler_id: Filter = None,
    third_id: Filter = None,
    created_from: Annotated[date | None, Query(description="YYYY-MM-DD, inclusive")] = None,
    created_to: Annotated[date | None, Query(description="YYYY-MM-DD, inclusive")] = None,
    search: Annotated[
        str | None,
        Query(
            max_length=191,
            description="Part of the subject, the ticket number, or the customer's name or "
            "email; any case",
        ),
    ] = None,
    sort_by: tickets.SortBy = "created_at",
    sort_direction: tickets.SortDirection = "desc",
) -> tickets.TicketQuery:
    return tickets.TicketQuery(
        ticket_status_id=ticket_status_id,
        priority_id=priority_id,
        handler_id=handler_id,
        third_id=third_id,
        created_from=created_from,
        created_to=created_to,
        search=search.strip() if search else None,
        sort_by=sort_by,
        sort_direction=sort_direction,
    )


@router.get("")
async def list_tickets(
    state: StateDep, page: PageDep, query: Annotated[tickets.TicketQuery, Depends(_ticket_query)]
) -> dict[str, Any]:
    """The account's tickets, newest first, narrowed by every filter given. These are the only
    parameters: any other is ignored, as Digishare does. There is no `external_id` filter: to
    find a ticket of yours, `search` for a number its subject carries and compare `external_id`
    on each result (the account also holds tickets that are not yours)."""
    where, args = query.where()
    return page_of(
        state.store,
        Ticket,
        page,
        render=Ticket.to_json,
        where=where,
        args=args,
        order=query.order(),
    )


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
