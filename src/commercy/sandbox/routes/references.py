"""Ticket types and statuses of the account."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from commercy.sandbox.auth import Authenticated
from commercy.sandbox.catalog import TICKET_STATUSES, TICKET_TYPES
from commercy.sandbox.pagination import PageDep, paginate

router = APIRouter(prefix="/v1", tags=["ticket types and statuses"])


@router.get("/ticket-types")
async def list_ticket_types(page: PageDep, _: Authenticated) -> dict[str, Any]:
    """The account's ticket types."""
    return paginate(TICKET_TYPES, page, lambda ticket_type: ticket_type.to_json())


@router.get("/ticket-statuses")
async def list_ticket_statuses(page: PageDep, _: Authenticated) -> dict[str, Any]:
    """The account's ticket statuses; map their ids to your own order statuses."""
    return paginate(TICKET_STATUSES, page, lambda status: status.to_json())
