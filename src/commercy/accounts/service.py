"""Business rules for suppliers, resellers and users; services flush, the edge commits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from commercy.accounts.models import Reseller, Supplier
from commercy.accounts.schemas import (
    ResellerCreate,
    ResellerUpdate,
    SupplierCreate,
    SupplierUpdate,
    UserCreate,
    UserUpdate,
)
from commercy.auth.actor import Actor, check_own_id
from commercy.auth.models import Role, User
from commercy.auth.service import get_user_by_identifier
from commercy.core.database import WriteSession
from commercy.core.errors import Conflict, Forbidden, NotFound, ValidationFailed, field_details
from commercy.core.pagination import Page, paginate
from commercy.core.security import hash_password

# --- suppliers -----------------------------------------------------------------------------


def _visible_suppliers(actor: Actor) -> Select[Supplier]:
    statement = select(Supplier).order_by(Supplier.id)
    if actor.is_admin:
        return statement
    return statement.where(Supplier.id == actor.supplier_id)


async def create_supplier(session: WriteSession, *, data: SupplierCreate) -> Supplier:
    supplier = Supplier(**data.model_dump())
    session.add(supplier)
    await session.flush()
    return supplier


async def list_suppliers(
    session: AsyncSession, *, actor: Actor, page: Page, search: str | None = None
) -> tuple[Sequence[Supplier], int]:
    """``search``: a part of the name, in any case."""
    statement = _visible_suppliers(actor)
    if search:
        statement = statement.where(Supplier.name.ilike(_like(search)))
    return await paginate(session, statement, page=page)


def _like(search: str) -> str:
    """A LIKE pattern matching ``search`` anywhere, as the orders' search does."""
    return f"%{search.lower()}%"


async def get_supplier(session: AsyncSession, *, actor: Actor, supplier_id: int) -> Supplier:
    supplier = await session.scalar(_visible_suppliers(actor).where(Supplier.id == supplier_id))
    if supplier is None:
        raise NotFound(f"Supplier {supplier_id} not found", code="supplier_not_found")
    return supplier


async def update_supplier(
    session: WriteSession, *, actor: Actor, supplier_id: int, data: SupplierUpdate
) -> Supplier:
    supplier = await get_supplier(session, actor=actor, supplier_id=supplier_id)
    for field, value in data.model_dump(exclude_unset=True).items():
        setattr(supplier, field, value)
    await session.flush()
    return supplier


# --- resellers -----------------------------------------------------------------------------


def _visible_resellers(actor: Actor) -> Select[Reseller]:
    statement = select(Reseller).order_by(Reseller.id)
    if actor.is_admin:
        return statement
    if actor.role is Role.SUPPLIER:
        return statement.where(Reseller.supplier_id == actor.supplier_id)
    return statement.where(Reseller.id == actor.reseller_id)


async def create_reseller(session: WriteSession, *, data: ResellerCreate) -> Reseller:
    if await session.get(Supplier, data.supplier_id) is None:
        raise ValidationFailed(
            "supplierId", f"Supplier {data.supplier_id} does not exist", code="supplier_not_found"
        )
    reseller = Reseller(**data.model_dump())
    session.add(reseller)
    await session.flush()
    return reseller


async def list_resellers(
    session: AsyncSession, *, actor: Actor, page: Page, search: str | None = None
) -> tuple[Sequence[Reseller], int]:
    """``search``: a part of the name, in any case."""
    statement = _visible_resellers(actor)
    if search:
        statement = statement.where(Reseller.name.ilike(_like(search)))
    return await paginate(session, statement, page=page)


async def get_reseller(session: AsyncSession, *, actor: Actor, reseller_id: int) -> Reseller:
    reseller = await session.scalar(_visible_resellers(actor).where(Reseller.id == reseller_id))
    if reseller is None:
        raise NotFound(f"Reseller {reseller_id} not found", code="reseller_not_found")
    return reseller


async def update_reseller(
    session: WriteSession, *, actor: Actor, reseller_id: int, data: ResellerUpdate
) -> Reseller:
    reseller = await get_reseller(session, actor=actor, reseller_id=reseller_id)
    for field, value in data.model_dump(exclude_unset=True).items():
        setattr(reseller, field, value)
    await session.flush()
    return reseller


# --- users ---------------------------------------------------------------------------------


def _managed_users(actor: Actor) -> Select[User]:
    """Admins manage everyone; a reseller manages its own agents; nobody else manages users."""
    statement = select(User).order_by(User.id)
    if actor.is_admin:
        return statement
    if actor.role is Role.RESELLER:
        return statement.where(User.role == Role.AGENT, User.reseller_id == actor.reseller_id)
    raise Forbidden("Your role cannot manage users", code="role_cannot_manage_users")


async def create_user(session: WriteSession, *, actor: Actor | None, data: UserCreate) -> User:
    """Create a login. ``actor`` is None only for the command line, which acts as the platform."""
    if actor is not None and not actor.is_admin:
        _managed_users(actor)  # raises for roles that manage nobody
        if data.role is not Role.AGENT:
            message = "A reseller creates agents only: send role agent"
            raise Forbidden(
                message, details=field_details("role", message), code="role_not_allowed"
            )
        check_own_id(field="resellerId", given=data.reseller_id, own=actor.reseller_id)
        data = data.model_copy(update={"reseller_id": actor.reseller_id})
    await _check_attachment(session, data)
    if await get_user_by_identifier(session, data.identifier) is not None:
        raise Conflict(
            f"A user with identifier {data.identifier!r} already exists", code="identifier_taken"
        )
    user = User(
        identifier=data.identifier,
        password_hash=await hash_password(data.password),
        name=data.name,
        role=data.role,
        supplier_id=data.supplier_id,
        reseller_id=data.reseller_id,
    )
    session.add(user)
    await session.flush()
    return user


async def _check_attachment(session: AsyncSession, data: UserCreate) -> None:
    """A supplier user needs its supplier, resellers and agents their reseller; nobody gets
    an attachment their role would drop."""
    belongs_to_reseller = data.role in (Role.RESELLER, Role.AGENT)
    if data.supplier_id is not None and data.role is not Role.SUPPLIER:
        raise ValidationFailed(
            "supplierId", f"{data.role.value} users have no supplierId", code="no_supplier_for_role"
        )
    if data.reseller_id is not None and not belongs_to_reseller:
        raise ValidationFailed(
            "resellerId", f"{data.role.value} users have no resellerId", code="no_reseller_for_role"
        )
    if data.role is Role.SUPPLIER and (
        data.supplier_id is None or await session.get(Supplier, data.supplier_id) is None
    ):
        raise ValidationFailed(
            "supplierId", "A supplier user needs an existing supplierId", code="supplier_needed"
        )
    if belongs_to_reseller and (
        data.reseller_id is None or await session.get(Reseller, data.reseller_id) is None
    ):
        raise ValidationFailed(
            "resellerId", f"A {data.role} user needs an existing resellerId", code="reseller_needed"
        )


async def list_users(
    session: AsyncSession,
    *,
    actor: Actor,
    page: Page,
    role: Role | None = None,
    reseller_id: int | None = None,
    search: str | None = None,
) -> tuple[Sequence[User], int]:
    """The users the actor manages; ``search``: a part of the identifier or the name."""
    statement = _managed_users(actor)
    if role is not None:
        statement = statement.where(User.role == role)
    if reseller_id is not None:
        statement = statement.where(User.reseller_id == reseller_id)
    if search:
        pattern = _like(search)
        statement = statement.where(or_(User.identifier.ilike(pattern), User.name.ilike(pattern)))
    return await paginate(session, statement, page=page)


async def get_user(session: AsyncSession, *, actor: Actor, user_id: int) -> User:
    """A user you manage; 404 otherwise."""
    user = await session.scalar(_managed_users(actor).where(User.id == user_id))
    if user is None:
        raise NotFound(f"User {user_id} not found", code="user_not_found")
    return user


async def update_user(
    session: WriteSession, *, actor: Actor, user_id: int, data: UserUpdate
) -> User:
    user = await get_user(session, actor=actor, user_id=user_id)
    if data.is_active is False and user.id == actor.user_id:
        raise ValidationFailed(
            "isActive", "You cannot disable your own account", code="disabling_self"
        )
    changes = data.model_dump(exclude_unset=True)
    if "password" in changes:
        user.password_hash = await hash_password(changes.pop("password"))
        user.token_version += 1
    if changes.get("is_active", user.is_active) != user.is_active:
        user.token_version += 1
    for field, value in changes.items():
        setattr(user, field, value)
    await session.flush()
    return user
