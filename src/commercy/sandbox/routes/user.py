"""The user behind a token: how Digishare's documentation says to test one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from commercy.sandbox.auth import Authenticated
from commercy.sandbox.state import StateDep

router = APIRouter(prefix="/v1/user", tags=["auth"])


@router.get("/profile")
async def user_profile(state: StateDep, _: Authenticated) -> dict[str, Any]:
    """The user the bearer token (static, or from `POST /v1/oauth/token`) acts as: a 200
    means the token works, a 401 that it does not."""
    return {"data": state.profile()}
