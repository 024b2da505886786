from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from commercy.auth import service
from commercy.auth import service as auth_service
from commercy.auth.dependencies import CurrentActor
from commercy.auth.schemas import LoginAnswer, LoginRequest, UserOut
from commercy.core.database import ReadSessionDep, UnitOfWorkRoute, WriteSessionDep
from commercy.core.dependencies import SettingsDep
from commercy.core.envelopes import Envelope
from commercy.core.errors import Unauthorized
from commercy.core.ratelimit import RateLimits, client_address
from commercy.core.responses import envelope

router = APIRouter(prefix="/auth", tags=["auth"], route_class=UnitOfWorkRoute)


@router.post("/login", response_model=LoginAnswer)
async def login(
    body: LoginRequest, request: Request, session: WriteSessionDep, settings: SettingsDep
) -> dict[str, Any]:
    """Exchange an identifier (email or username) and password for a bearer token.

    The token is at the top level of the answer (`const { token } = await response.json()`),
    with `expiresAt` and the `user`; send it as `Authorization: Bearer <token>` afterwards.
    A wrong identifier and a wrong password get the same 401, so nothing leaks about which
    accounts exist.

    Password guessing is slowed (`429` with `Retry-After`): attempts per address, failures per
    identifier and address (a successful login clears them), and a much higher ceiling of
    failures per identifier from every address together.
    """
    rate_limits: RateLimits = request.app.state.rate_limits
    attempt = {"identifier": body.identifier, "address": client_address(request.scope)}
    await rate_limits.check_login(**attempt)
    try:
        result = await service.login(session, data=body, settings=settings)
    except Unauthorized:
        await rate_limits.login_failed(**attempt)
        raise
    await rate_limits.login_succeeded(**attempt)
    return envelope(message="Login successful", **result.model_dump(mode="json", by_alias=True))


@router.get("/me", response_model=Envelope[UserOut])
async def me(actor: CurrentActor, session: ReadSessionDep) -> dict[str, Any]:
    """The account the token belongs to, with its role and supplier/reseller attachment."""
    user = await auth_service.get_active_user(session, actor.user_id)
    if user is None:  # disabled or removed since the token was checked, in another request
        raise Unauthorized("Invalid or expired token")
    return envelope(UserOut.model_validate(user))
