"""Logging in: one answer for every wrong credential, so callers learn nothing from it."""

from __future__ import annotations

from sqlalchemy import bindparam, column, func, select, table
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from commercy.auth.actor import Actor
from commercy.auth.models import Role, User
from commercy.auth.schemas import LoginRequest, LoginResult, UserOut
from commercy.core.database import Precompiled, WriteSession, utcnow
from commercy.core.errors import Unauthorized
from commercy.core.security import issue_token, verify_password
from commercy.core.settings import Settings

INVALID_CREDENTIALS = "Invalid identifier or password"


async def authenticate(session: WriteSession, *, identifier: str, password: str) -> User:
    """The enabled user these credentials name, its last login noted; else 401 (the same one
    for every wrong credential). The API's login and the web app's sign-in both go through it."""
    user = await get_user_by_identifier(session, identifier)
    password_ok = await verify_password(user.password_hash if user else None, password)
    if user is None or not password_ok or not user.is_active:
        raise Unauthorized(INVALID_CREDENTIALS)
    user.last_login_at = utcnow()
    await session.flush()
    return user


async def login(session: WriteSession, *, data: LoginRequest, settings: Settings) -> LoginResult:
    user = await authenticate(session, identifier=data.identifier, password=data.password)
    issued = issue_token(
        user_id=user.id, role=user.role.value, version=user.token_version, settings=settings
    )
    return LoginResult(
        token=issued.token, expires_at=issued.expires_at, user=UserOut.model_validate(user)
    )


async def get_user_by_identifier(session: AsyncSession, identifier: str) -> User | None:
    return await session.scalar(
        select(User).options(joinedload(User.reseller)).where(User.identifier == identifier.lower())
    )


async def get_active_user(session: AsyncSession, user_id: int) -> User | None:
    return await session.scalar(
        select(User).options(joinedload(User.reseller)).where(User.id == user_id, User.is_active)
    )


_users = User.__table__.c
# auth sits below accounts: the two columns it reads of resellers are named, not imported.
_resellers_table = table("resellers", column("id"), column("supplier_id"))
_resellers = _resellers_table.c
# Every authenticated request runs it: built and compiled once, in plain Core (no ORM objects).
_ACTIVE_ACTOR = Precompiled(
    select(
        _users.id.label("user_id"),
        _users.identifier,
        _users.role,
        # A reseller's and an agent's supplier is the one their reseller is attached to.
        func.coalesce(_resellers.supplier_id, _users.supplier_id).label("supplier_id"),
        _users.reseller_id,
        _users.token_version,
    )
    .select_from(User.__table__.outerjoin(_resellers_table, _resellers.id == _users.reseller_id))
    .where(_users.id == bindparam("user_id"), _users.is_active)
)


async def get_active_actor(
    session: AsyncSession, user_id: int, *, token_version: int | None = None
) -> Actor | None:
    """The caller behind a verified token, if the account still exists, is enabled and (given
    the token's ``token_version``) has not changed its password or been re-enabled since."""
    rows = await _ACTIVE_ACTOR.rows(session, {"user_id": user_id})
    if not rows:
        return None
    row = dict(rows[0])
    version = row.pop("token_version")
    if token_version is not None and version != token_version:
        return None
    return Actor(**{**row, "role": Role(row["role"])})
