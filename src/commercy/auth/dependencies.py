"""Typed dependencies: a route's signature says who may call it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from commercy.accounts import service as accounts_service
from commercy.accounts.models import Role
from commercy.auth.actor import Actor
from commercy.core import logs
from commercy.core.database import SessionDep
from commercy.core.errors import Forbidden, Unauthorized
from commercy.core.security import InvalidToken, decode_token
from commercy.core.settings import Settings

_bearer = HTTPBearer(auto_error=False, description="The token from POST /api/v1/auth/login")


# async: a sync dependency would hop to the thread pool on every call.
async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


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
    actor = await accounts_service.get_active_actor(session, user_id, token_version=version)
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
