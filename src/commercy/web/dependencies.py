"""Who is signed in, and the CSRF check of every state-changing request."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from starlette.responses import Response

from commercy.core.database import Database
from commercy.core.settings import Settings
from commercy.web import sessions
from commercy.web.sessions import SignedIn

SESSION_COOKIE = "commercy_session"
# Before sign-in there is no session to hold a CSRF token: the sign-in form's token is
# double-submitted (this cookie and a hidden field, which another site can neither read nor set).
ANONYMOUS_CSRF_COOKIE = "commercy_csrf"
LANGUAGE_COOKIE = "commercy_lang"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
COOKIE_PATH = "/app"


class SignInRequired(Exception):
    """Rendered as a redirect to the sign-in page."""


class CsrfRefused(Exception):
    """Rendered as the 403 page."""


def is_https(request: Request) -> bool:
    # Behind a proxy listed in COMMERCY_TRUSTED_PROXIES, uvicorn has already set the scheme
    # from X-Forwarded-Proto; nobody else's header is believed.
    return request.url.scheme == "https"


def set_cookie(
    response: Response, request: Request, name: str, value: str, *, max_age: int | None = None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=is_https(request),
    )


def forget_cookie(response: Response, request: Request, name: str) -> None:
    response.delete_cookie(
        name, path=COOKIE_PATH, httponly=True, samesite="lax", secure=is_https(request)
    )


def session_token(request: Request) -> str | None:
    token = request.cookies.get(SESSION_COOKIE)
    # Ours are 43 characters; anything far longer is not worth a query.
    return token if token and len(token) <= 64 else None


async def optional_user(request: Request) -> SignedIn | None:
    token = session_token(request)
    if token is None:
        return None
    database: Database = request.app.state.database
    settings: Settings = request.app.state.settings
    return await sessions.find(database, token=token, settings=settings)


async def signed_in(user: Annotated[SignedIn | None, Depends(optional_user)]) -> SignedIn:
    if user is None:
        raise SignInRequired
    return user


OptionalUser = Annotated[SignedIn | None, Depends(optional_user)]
SignedInUser = Annotated[SignedIn, Depends(signed_in)]


async def sent_csrf_token(request: Request) -> str:
    """The token a request sends: htmx's header (from ``hx-headers`` on ``<body>``) or the
    form's hidden field."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


def same_token(sent: str, expected: str | None) -> bool:
    return bool(expected) and hmac.compare_digest(sent.encode(), (expected or "").encode())


async def checked_user(request: Request, user: SignedInUser) -> SignedIn:
    """The signed-in user of a state-changing request that carries its session's token."""
    if not same_token(await sent_csrf_token(request), user.csrf_token):
        raise CsrfRefused
    return user


async def check_anonymous_csrf(request: Request) -> None:
    if not same_token(await sent_csrf_token(request), request.cookies.get(ANONYMOUS_CSRF_COOKIE)):
        raise CsrfRefused


CheckedUser = Annotated[SignedIn, Depends(checked_user)]
