from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from commercy.accounts.schemas import UserOut
from commercy.core.schemas import StrictWireModel, Timestamp, WireModel


class LoginRequest(StrictWireModel):
    identifier: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=320)
    ]
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)]


class LoginResult(WireModel):
    token: str
    token_type: str = "Bearer"  # noqa: S105  (the scheme, not a secret)
    expires_at: Timestamp
    user: UserOut
