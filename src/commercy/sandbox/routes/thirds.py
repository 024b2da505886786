"""Thirds: the customers, one per WhatsApp id."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from commercy.sandbox import thirds
from commercy.sandbox.auth import require_token
from commercy.sandbox.pagination import PageDep, paginate
from commercy.sandbox.phones import to_wa_id
from commercy.sandbox.schemas import ThirdCreate, ThirdUpdate
from commercy.sandbox.state import StateDep

router = APIRouter(prefix="/v1/thirds", tags=["thirds"], dependencies=[Depends(require_token)])

Filter = Annotated[str | None, Query(max_length=191)]


def _same_wa_id(wa_id: str | None, wanted: str) -> bool:
    try:
        return wa_id == to_wa_id(wanted)
    except ValueError:
        return False


@router.get("")
async def list_thirds(
    state: StateDep, page: PageDep, wa_id: Filter = None, ext_ref: Filter = None
) -> dict[str, Any]:
    """Thirds, newest first, filtered by `wa_id` or `ext_ref`."""
    found = [
        third
        for third in reversed(state.store.thirds.values())
        if (wa_id is None or _same_wa_id(third.wa_id, wa_id))
        and (ext_ref is None or third.ext_ref == ext_ref)
    ]
    return paginate(found, page, lambda third: third.to_json())


@router.post("", status_code=201)
async def create_third(body: ThirdCreate, state: StateDep) -> dict[str, Any]:
    """Creates a third. `phone` and `wa_id` are standardized to E.164; `wa_id` is unique."""
    async with state.store.lock:
        third = thirds.create(state.store, body)
    return {"data": third.to_json()}


@router.get("/{third_id}")
async def get_third(third_id: str, state: StateDep) -> dict[str, Any]:
    """One third."""
    return {"data": state.store.third(third_id).to_json()}


@router.patch("/{third_id}")
async def update_third(third_id: str, body: ThirdUpdate, state: StateDep) -> dict[str, Any]:
    """Changes the fields sent."""
    async with state.store.lock:
        third = thirds.update(state.store, state.store.third(third_id), body)
    return {"data": third.to_json()}


@router.delete("/{third_id}", status_code=204)
async def delete_third(third_id: str, state: StateDep) -> Response:
    """Deletes a third; its tickets keep their `third_id`."""
    async with state.store.lock:
        del state.store.thirds[state.store.third(third_id).id]
    return Response(status_code=204)
