"""Logging in: one answer for every wrong credential, so callers learn nothing from it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from commercy.accounts import service as accounts_service
from commercy.accounts.schemas import UserOut
from commercy.auth.schemas import LoginRequest, LoginResult
from commercy.core.database import utcnow
from commercy.core.errors import Unauthorized
from commercy.core.security import issue_token, verify_password
from commercy.core.settings import Settings

INVALID_CREDENTIALS = "Invalid identifier or password"


async def login(session: AsyncSession, *, data: LoginRequest, settings: Settings) -> LoginResult:
    user = await accounts_service.get_user_by_identifier(session, data.identifier)
    password_ok = await verify_password(user.password_hash if user else None, data.password)
    if user is None or not password_ok or not user.is_active:
        raise Unauthorized(INVALID_CREDENTIALS)
    user.last_login_at = utcnow()
    await session.flush()
    issued = issue_token(
        user_id=user.id, role=user.role.value, version=user.token_version, settings=settings
    )
    return LoginResult(
        token=issued.token, expires_at=issued.expires_at, user=UserOut.model_validate(user)
    )
