from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from commercy.auth.dependencies import CurrentActor
from commercy.blocklist import service
from commercy.blocklist.schemas import BlockedPhoneCreate, BlockedPhoneOut
from commercy.core.database import ReadSessionDep, UnitOfWorkRoute, WriteSessionDep
from commercy.core.dependencies import SettingsDep
from commercy.core.envelopes import Answer, Envelope, Page
from commercy.core.ids import PathId, id_query
from commercy.core.pagination import PageDep
from commercy.core.responses import envelope, paginated

router = APIRouter(prefix="/blocked-phones", tags=["blocked-phones"], route_class=UnitOfWorkRoute)


@router.get("", response_model=Page[BlockedPhoneOut])
async def list_blocked_phones(
    actor: CurrentActor,
    session: ReadSessionDep,
    settings: SettingsDep,
    page: PageDep,
    reseller_id: Annotated[
        int | None, id_query(alias="resellerId", description="Only this reseller's own list")
    ] = None,
    phone: Annotated[
        str | None, Query(max_length=40, description="One number, in any form a phone is sent")
    ] = None,
) -> dict[str, Any]:
    """Blocked numbers, newest first. Admins see every list; resellers and agents their own
    list and the global one (`resellerId` null, kept by admins). Suppliers: 403."""
    wanted = service.normalized(phone, region=settings.default_phone_region) if phone else None
    items, total = await service.list_blocked(
        session, actor=actor, page=page, reseller_id=reseller_id, phone=wanted
    )
    return paginated(
        [BlockedPhoneOut.model_validate(entry) for entry in items],
        page=page.page,
        limit=page.limit,
        total=total,
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=Envelope[BlockedPhoneOut])
async def block_phone(
    body: BlockedPhoneCreate, actor: CurrentActor, session: WriteSessionDep, settings: SettingsDep
) -> dict[str, Any]:
    """Block a number, with a `reason`. Resellers add to their own list; admins to the global
    list (no `resellerId`: every reseller's orders) or to a reseller's. Agents and suppliers:
    403. The number is stored in E.164 like order phones; one already in that list is a 409.

    Orders created from then on with that number (either customer phone) are still stored but
    marked `blocked: true` with the entry's reason as `blockedReason`, and get no WhatsApp
    ticket. Orders created before are not changed.
    """
    entry = await service.block(
        session, actor=actor, data=body, region=settings.default_phone_region
    )
    return envelope(BlockedPhoneOut.model_validate(entry), message="Phone number blocked")


@router.delete("/{entry_id}", response_model=Answer)
async def unblock_phone(
    entry_id: PathId, actor: CurrentActor, session: WriteSessionDep
) -> dict[str, Any]:
    """Remove a blocked number (resellers: from their own list; admins: from any). Orders
    already marked blocked stay so; new orders from the number are no longer blocked."""
    await service.unblock(session, actor=actor, entry_id=entry_id)
    return envelope(message="Phone number unblocked")
