"""HTTP hardening: security headers, request body limits, CORS answered in our error format.

Pure ASGI middleware, like the request-id one: they run on every request.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from commercy.core.errors import error_response

# OWASP REST Security Cheat Sheet and the OWASP Secure Headers project, for an API that
# answers JSON, CSV and PDF: nothing in a response may run, be framed or leak the referrer.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
_API_HEADERS = {
    "Content-Security-Policy": API_CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    # Applies to no-cors loads (<script src>, <img>) only; CORS fetches are unaffected.
    "Cross-Origin-Resource-Policy": "same-origin",
    "X-Permitted-Cross-Domain-Policies": "none",
}
# The web app's pages (/app/): scripts and styles from our own files only (no inline script,
# no on*= attribute, no eval), product images from anywhere over https, never framed.
WEB_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
_WEB_HEADERS = {**_API_HEADERS, "Content-Security-Policy": WEB_CSP}
# Answers carry orders and customers' details: no cache, shared or private, may keep them.
_DEFAULT_CACHE_CONTROL = "no-store"
HSTS = "max-age=31536000; includeSubDomains"
# Swagger UI's script and stylesheet are served by us (no CDN, so the docs work offline); its one
# inline script is allowed by its hash (computed from the page itself), never 'unsafe-inline'.
_DOCS_CSP = (
    "default-src 'none'; script-src 'self' {script_hashes}; "
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


class SecurityHeadersMiddleware:
    """Security headers on every API answer and every web app page; the docs page gets a
    policy that lets it load."""

    def __init__(
        self, app: ASGIApp, *, path_prefix: str, docs_path: str, web_prefix: str | None = None
    ) -> None:
        self.app = app
        self.path_prefix = path_prefix
        self.docs_path = docs_path
        self.web_prefix = web_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if path.startswith(self.path_prefix):
            values = _API_HEADERS
        elif self.web_prefix is not None and path.startswith(self.web_prefix):
            values = _WEB_HEADERS
        else:
            await self.app(scope, receive, send)
            return
        secure = scope.get("scheme") == "https"
        if path.startswith(self.docs_path):
            await self.app(scope, receive, _DocsPolicy(send, secure=secure).send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                _apply(headers, values, secure=secure)
                if "cache-control" not in headers:
                    headers["Cache-Control"] = _DEFAULT_CACHE_CONTROL
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _apply(headers: MutableHeaders, values: dict[str, str], *, secure: bool) -> None:
    for name, value in values.items():
        headers[name] = value
    if secure:  # HSTS over plain http is ignored by browsers and would only mislead
        headers["Strict-Transport-Security"] = HSTS


class _DocsPolicy:
    """Hold the docs page's start message until its body is known, to hash its inline script."""

    def __init__(self, send: Send, *, secure: bool) -> None:
        self._send = send
        self._secure = secure
        self._start: Message | None = None
        self._body: list[bytes] = []

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self._start = message
            return
        if self._start is None or message["type"] != "http.response.body":
            await self._send(message)
            return
        self._body.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        body = b"".join(self._body)
        hashes = " ".join(
            "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
            for script in _INLINE_SCRIPT.findall(body)
        )
        headers = MutableHeaders(scope=self._start)
        values = {**_API_HEADERS, "Content-Security-Policy": _DOCS_CSP.format(script_hashes=hashes)}
        _apply(headers, values, secure=self._secure)
        headers["Content-Length"] = str(len(body))
        start, self._start = self._start, None
        await self._send(start)
        await self._send({"type": "http.response.body", "body": body, "more_body": False})


class RequestTooLarge(Exception):
    pass


class BodySizeLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` with 413, before any endpoint runs.

    A declared ``Content-Length`` over the limit is refused without reading a byte. Otherwise
    the body is read (up to the limit, so memory stays bounded) and counted as it streams in,
    which also covers chunked uploads and a ``Content-Length`` that lies. Endpoints then get
    the body as usual.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, path_prefix: str | tuple[str, ...]) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.path_prefix = path_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope.get("path", "").startswith(self.path_prefix):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        if declared is None and "transfer-encoding" not in headers:
            await self.app(scope, receive, send)  # no body at all (GET, DELETE, ...)
            return
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, receive, send)
            return
        try:
            messages = await self._read_body(receive)
        except RequestTooLarge:
            await self._refuse(scope, receive, send)
            return
        await self.app(scope, _replay(messages, receive), send)

    async def _read_body(self, receive: Receive) -> list[Message]:
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                return messages  # the client went away; let the app see it
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                raise RequestTooLarge
            if not message.get("more_body", False):
                return messages

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(
            413,
            message=f"Request body larger than {self.max_bytes} bytes",
            details={"maxBytes": self.max_bytes},
            # The rest of the body is never read: tell HTTP/1.1 clients not to reuse this
            # connection for another request.
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


class ApiCORSMiddleware(CORSMiddleware):
    """Starlette's CORS, with refused preflights answered in the API's error format."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code == 200:
            return response
        reason = response.body.decode() if isinstance(response.body, bytes) else "refused"
        headers = {
            name: value
            for name, value in response.headers.items()
            if name not in ("content-type", "content-length")
        }
        return error_response(
            400,
            error="CORS preflight refused",
            message=reason,
            details={"origin": request_headers.get("origin")},
            headers=headers,
        )


def cors_options(*, origins: list[str], max_age: int) -> dict[str, Any]:
    return {
        "allow_origins": origins,
        "allow_methods": ["GET", "POST", "PUT", "PATCH", "DELETE"],
        "allow_headers": ["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"],
        "expose_headers": [
            "X-Request-ID",
            "X-RateLimit-Limit",
            "X-RateLimit-Remaining",
            "X-RateLimit-Reset",
            "Retry-After",
            "Content-Disposition",
            "Idempotent-Replayed",
        ],
        # Bearer tokens, no cookies: browsers need no credentials mode.
        "allow_credentials": False,
        "max_age": max_age,
    }
