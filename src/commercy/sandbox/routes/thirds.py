"""Thirds: the customers, one per WhatsApp id."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from commercy.sandbox import thirds
from commercy.sandbox.auth import require_token
from commercy.sandbox.errors import not_found
from commercy.sandbox.pagination import PageDep, page_of
from commercy.sandbox.phones import to_wa_id
from commercy.sandbox.records import Third
from commercy.sandbox.schemas import ThirdCreate, ThirdUpdate
from commercy.sandbox.state import StateDep
from commercy.sandbox.store import equal

router = APIRouter(prefix="/v1/thirds", tags=["thirds"], dependencies=[Depends(require_token)])

Filter = Annotated[str | None, Query(max_length=191)]


def _wa_id_or_none(wanted: str) -> str | None:
    try:
        return to_wa_id(wanted)
    except ValueError:
        return None


@router.get("")
async def list_thirds(
    state: StateDep, page: PageDep, wa_id: Filter = None, ext_ref: Filter = None
) -> dict[str, Any]:
    """Thirds, newest first, filtered by `wa_id` or `ext_ref`."""
    if wa_id is not None:
        # Compared in E.164 digits; what is no phone number matches nobody.
        wa_id = _wa_id_or_none(wa_id) or "-"
    where, args = equal(wa_id=wa_id, ext_ref=ext_ref)
    return page_of(state.store, Third, page, render=Third.to_json, where=where, args=args)


@router.post("", status_code=201)
async def create_third(body: ThirdCreate, state: StateDep) -> dict[str, Any]:
    """Creates a third. `phone` and `wa_id` are standardized to E.164; `wa_id` is unique."""
    third = thirds.create(state.store, body)
    return {"data": third.to_json()}


@router.get("/{third_id}")
async def get_third(third_id: str, state: StateDep) -> dict[str, Any]:
    """One third."""
    return {"data": state.store.third(third_id).to_json()}


@router.patch("/{third_id}")
async def update_third(third_id: str, body: ThirdUpdate, state: StateDep) -> dict[str, Any]:
    """Changes the fields sent."""
    third = thirds.update(state.store, third_id, body)
    return {"data": third.to_json()}


@router.delete("/{third_id}", status_code=204)
async def delete_third(third_id: str, state: StateDep) -> Response:
    """Deletes a third; its tickets keep their `third_id`."""
    if not state.store.delete(Third, third_id):
        raise not_found("Third")
    return Response(status_code=204)
