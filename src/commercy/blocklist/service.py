"""Blocklist rules: a reseller keeps its own list, admins the global one and any reseller's.

An order from a blocked number is still created, marked blocked (see :func:`blocked_reason`);
removing a number changes no order already created.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from commercy.accounts.models import Reseller
from commercy.auth.actor import Actor, check_own_id
from commercy.auth.models import Role
from commercy.blocklist.models import BlockedPhone
from commercy.blocklist.schemas import BlockedPhoneCreate
from commercy.core.database import WriteSession
from commercy.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from commercy.core.pagination import Page, paginate
from commercy.core.phones import InvalidPhone, normalize_phone


def _require_reader(actor: Actor) -> None:
    if actor.role is Role.SUPPLIER:
        raise Forbidden(
            "Blocked numbers belong to resellers; suppliers do not see them",
            code="role_cannot_see_blocked",
        )


def _require_writer(actor: Actor) -> None:
    if actor.role not in (Role.ADMIN, Role.RESELLER):
        raise Forbidden(
            "Agents read the blocked numbers; their reseller and admins change them",
            code="role_cannot_change_blocked",
        )


def _visible(actor: Actor) -> Select[BlockedPhone]:
    """Admins see every list; a reseller and its agents their own and the global one."""
    statement = select(BlockedPhone)
    if actor.is_admin:
        return statement
    return statement.where(
        or_(BlockedPhone.reseller_id == actor.reseller_id, BlockedPhone.reseller_id.is_(None))
    )


def normalized(raw: str, *, region: str, field: str = "phone") -> str:
    try:
        return normalize_phone(raw, region=region)
    except InvalidPhone as exc:
        raise ValidationFailed(field, str(exc), code="invalid_phone") from None


async def list_blocked(
    session: AsyncSession,
    *,
    actor: Actor,
    page: Page,
    reseller_id: int | None,
    phone: str | None,
) -> tuple[Sequence[BlockedPhone], int]:
    """Newest first; ``reseller_id`` narrows to that reseller's own list, ``phone`` (E.164) to
    one number."""
    _require_reader(actor)
    statement = _visible(actor).order_by(BlockedPhone.id.desc())
    if reseller_id is not None:
        if not actor.is_admin:
            check_own_id(field="resellerId", given=reseller_id, own=actor.reseller_id)
        statement = statement.where(BlockedPhone.reseller_id == reseller_id)
    if phone is not None:
        statement = statement.where(BlockedPhone.phone == phone)
    return await paginate(session, statement, page=page)


async def _list_owner(
    session: AsyncSession, *, actor: Actor, reseller_id: int | None
) -> int | None:
    """Whose list a new entry goes to: a reseller's own; an admin's choice, or the global one."""
    if not actor.is_admin:
        check_own_id(field="resellerId", given=reseller_id, own=actor.reseller_id)
        return actor.reseller_id
    if reseller_id is not None and await session.get(Reseller, reseller_id) is None:
        raise ValidationFailed(
            "resellerId", f"Reseller {reseller_id} does not exist", code="reseller_not_found"
        )
    return reseller_id


def _of_reseller(reseller_id: int) -> ColumnElement[bool]:
    return BlockedPhone.reseller_id == reseller_id


def _already_blocked(phone: str, reseller_id: int | None) -> Conflict:
    where = f"reseller {reseller_id}'s list" if reseller_id else "the global list"
    return Conflict(
        f"{phone} is already in {where}",
        details={"field": "phone", "phone": phone, "resellerId": reseller_id},
    )


async def block(
    session: WriteSession, *, actor: Actor, data: BlockedPhoneCreate, region: str
) -> BlockedPhone:
    """Add a number to a list; 409 when that list has it already."""
    _require_writer(actor)
    owner = await _list_owner(session, actor=actor, reseller_id=data.reseller_id)
    phone = normalized(data.phone, region=region)
    same_list = BlockedPhone.reseller_id.is_(None) if owner is None else _of_reseller(owner)
    if await session.scalar(select(BlockedPhone.id).where(BlockedPhone.phone == phone, same_list)):
        raise _already_blocked(phone, owner)
    entry = BlockedPhone(
        reseller_id=owner,
        phone=phone,
        reason=data.reason,
        created_by_user_id=actor.user_id,
        created_by=actor.label,
    )
    try:
        async with session.begin_nested():  # a concurrent twin hits the unique index
            session.add(entry)
    except IntegrityError:
        raise _already_blocked(phone, owner) from None
    return entry


async def unblock(session: WriteSession, *, actor: Actor, entry_id: int) -> None:
    """Remove an entry: 404 outside the caller's lists, 403 for a reseller's try at the global
    list. Orders already marked blocked stay marked."""
    _require_writer(actor)
    entry = await session.scalar(_visible(actor).where(BlockedPhone.id == entry_id))
    if entry is None:
        raise NotFound(f"Blocked number {entry_id} not found", code="blocked_number_not_found")
    if not actor.is_admin and entry.reseller_id is None:
        raise Forbidden("The global list is kept by admins", code="global_blocklist_admins_only")
    await session.delete(entry)
    await session.flush()


async def blocked_reason(
    session: AsyncSession, *, reseller_id: int, phones: Sequence[str]
) -> str | None:
    """The reason a number of an order of ``reseller_id`` is blocked (its own list first, then
    the global one); None when none is."""
    return await session.scalar(
        select(BlockedPhone.reason)
        .where(
            BlockedPhone.phone.in_(phones),
            or_(BlockedPhone.reseller_id == reseller_id, BlockedPhone.reseller_id.is_(None)),
        )
        .order_by(BlockedPhone.reseller_id.is_(None), BlockedPhone.id)
        .limit(1)
    )
