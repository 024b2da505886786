"""Typed dependencies: a route's signature says who may call it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.security.base import SecurityBase
from fastapi.security.utils import get_authorization_scheme_param

from commercy.auth import service as auth_service
from commercy.auth.actor import Actor
from commercy.auth.models import Role
from commercy.core import logs
from commercy.core.database import get_session
from commercy.core.errors import Forbidden, Unauthorized
from commercy.core.security import InvalidToken, decode_token
from commercy.core.settings import Settings


class _BearerActor(SecurityBase):
    """The caller behind ``Authorization: Bearer <token>``: the bearer scheme the OpenAPI
    document shows (FastAPI's ``HTTPBearer``, under its name) and the account's read, in one
    dependency. Every authenticated request solves it; as ``HTTPBearer`` plus a function
    depending on it and on the settings, FastAPI solved three."""

    def __init__(self) -> None:
        self.model = HTTPBearerModel(description="The token from POST /api/v1/auth/login")
        self.scheme_name = "HTTPBearer"

    async def __call__(self, request: Request) -> Actor:
        scheme, token = get_authorization_scheme_param(request.headers.get("Authorization"))
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("Send a token: Authorization: Bearer <token>")
        settings: Settings = request.app.state.settings
        try:
            claims = decode_token(token, settings=settings)
            user_id = int(claims["sub"])
            # Tokens issued before versions existed belong to version 0.
            version = int(claims.get("ver", 0))
        except (InvalidToken, ValueError, TypeError) as exc:
            raise Unauthorized("Invalid or expired token") from exc
        session = await get_session(request)
        actor = await auth_service.get_active_actor(session, user_id, token_version=version)
        if actor is None:
            raise Unauthorized("Invalid or expired token")
        logs.bind(user_id=actor.user_id, role=actor.role.value)
        return actor


current_actor = _BearerActor()


CurrentActor = Annotated[Actor, Depends(current_actor, scope="function")]


def require_roles(*roles: Role) -> Callable[[Actor], Awaitable[Actor]]:
    allowed = ", ".join(role.value for role in roles)

    async def dependency(actor: CurrentActor) -> Actor:
        if actor.role not in roles:
            raise Forbidden(f"This action needs one of these roles: {allowed}")
        return actor

    return dependency


AdminActor = Annotated[Actor, Depends(require_roles(Role.ADMIN), scope="function")]
