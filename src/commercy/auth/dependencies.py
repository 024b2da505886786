"""Typed dependencies: a route's signature says who may call it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from commercy.auth import service as auth_service
from commercy.auth.actor import Actor
from commercy.auth.models import Role
from commercy.core import logs
from commercy.core.database import SessionDep
from commercy.core.dependencies import SettingsDep
from commercy.core.errors import Forbidden, Unauthorized
from commercy.core.security import InvalidToken, decode_token

_bearer = HTTPBearer(auto_error=False, description="The token from POST /api/v1/auth/login")


async def current_actor(
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    if credentials is None:
        raise Unauthorized("Send a token: Authorization: Bearer <token>")
    try:
        claims = decode_token(credentials.credentials, settings=settings)
        user_id = int(claims["sub"])
        # Tokens issued before versions existed belong to version 0.
        version = int(claims.get("ver", 0))
    except (InvalidToken, ValueError, TypeError) as exc:
        raise Unauthorized("Invalid or expired token") from exc
    actor = await auth_service.get_active_actor(session, user_id, token_version=version)
    if actor is None:
        raise Unauthorized("Invalid or expired token")
    logs.bind(user_id=actor.user_id, role=actor.role.value)
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor, scope="function")]


def require_roles(*roles: Role) -> Callable[[Actor], Awaitable[Actor]]:
    allowed = ", ".join(role.value for role in roles)

    async def dependency(actor: CurrentActor) -> Actor:
        if actor.role not in roles:
            raise Forbidden(f"This action needs one of these roles: {allowed}")
        return actor

    return dependency


AdminActor = Annotated[Actor, Depends(require_roles(Role.ADMIN), scope="function")]
