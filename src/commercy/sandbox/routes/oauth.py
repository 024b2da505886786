"""OAuth2 client credentials, the other way to get a bearer token."""

from __future__ import annotations

import json
import secrets
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from commercy.sandbox.state import StateDep

router = APIRouter(prefix="/v1/oauth", tags=["auth"])


async def _form(request: Request) -> dict[str, Any]:
    """The request's fields, sent as JSON or as an urlencoded form."""
    raw = await request.body()
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return dict(parse_qsl(raw.decode(errors="replace")))


def _same(given: Any, expected: str) -> bool:
    return isinstance(given, str) and secrets.compare_digest(given.encode(), expected.encode())


@router.post("/token")
async def issue_token(request: Request, state: StateDep) -> JSONResponse:
    """Exchanges `client_id` and `client_secret` (grant type `client_credentials`) for a
    bearer token valid `expires_in` seconds."""
    form = await _form(request)
    if form.get("grant_type") != "client_credentials":
        message = "The authorization grant type is not supported by the authorization server."
        return JSONResponse({"error": "unsupported_grant_type", "message": message}, 400)
    if not (
        _same(form.get("client_id"), state.client_id)
        and _same(form.get("client_secret"), state.client_secret)
    ):
        message = "Client authentication failed"
        return JSONResponse({"error": "invalid_client", "message": message}, 401)
    return JSONResponse(
        {
            "token_type": "Bearer",
            "expires_in": state.settings.oauth_token_ttl_seconds,
            "access_token": state.issue_access_token(),
        }
    )
