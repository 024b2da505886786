from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from commercy.auth.models import Role
from commercy.core.envelopes import Answer
from commercy.core.schemas import StrictWireModel, Timestamp, WireModel


class LoginRequest(StrictWireModel):
    identifier: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=320)
    ]
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)]


class UserOut(WireModel):
    id: int
    identifier: str
    name: str | None
    role: Role
    supplier_id: int | None
    reseller_id: int | None
    is_active: bool
    last_login_at: Timestamp | None
    created_at: Timestamp


class LoginResult(WireModel):
    token: str
    token_type: str = "Bearer"  # noqa: S105  (the scheme, not a secret)
    expires_at: Timestamp
    user: UserOut


class LoginAnswer(Answer):
    """The login's answer: the token at the top level, beside `success` and `message`."""

    token: str
    token_type: str
    expires_at: Timestamp
    user: UserOut
