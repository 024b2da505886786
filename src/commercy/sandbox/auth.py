"""Bearer tokens, as Digishare's API takes them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from commercy.sandbox.errors import UNAUTHENTICATED, SandboxError
from commercy.sandbox.state import StateDep


def require_token(request: Request, state: StateDep) -> None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or not state.accepts(token.strip()):
        raise SandboxError(401, UNAUTHENTICATED, headers={"WWW-Authenticate": "Bearer"})


Authenticated = Annotated[None, Depends(require_token)]
