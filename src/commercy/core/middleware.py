"""Pure ASGI middleware: cheap enough to sit in front of every request."""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from commercy.core import logs
from commercy.core.metrics import metrics

access_log = logging.getLogger("commercy.access")

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class EdgeMiddleware:
    """The outermost layer, one pass per request for what every answer needs: the request id
    (a caller's sane ``X-Request-ID`` echoed, else one minted) on the answer and in every log
    line of the request, then one access log line and the request metrics per answered
    request, refusals included: method, route template, status and duration. Labels use the
    route's template (``/api/v1/orders/{reference}``), never the path itself, so an id in a URL
    makes no new series."""

    def __init__(self, app: ASGIApp, *, log_requests: bool) -> None:
        self.app = app
        self.log_requests = log_requests
        self.metrics = metrics()
        # The labelled series, looked up once each: prometheus-client's labels() takes a lock
        # and checks every value on each call.
        self._series: dict[tuple[Any, tuple[str, ...]], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        logs.start_context(request_id=request_id)
        started = time.perf_counter()
        status = 500

        async def send_answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_answer)
        finally:
            self._record(scope, status, time.perf_counter() - started)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        route, method = route_template(scope), scope["method"]
        self._labelled(self.metrics.requests, route, method, str(status)).inc()
        self._labelled(self.metrics.request_seconds, route, method).observe(seconds)
        if self.log_requests:
            access_log.info(
                "request",
                extra={
                    "method": method,
                    "route": route,
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                },
            )

    def _labelled(self, family: Any, *labels: str) -> Any:
        """``family.labels(*labels)``, from the second call on without asking the family."""
        key = (family, labels)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = family.labels(*labels)
        return series


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            return candidate if _SAFE_REQUEST_ID.match(candidate) else None
    return None


def route_template(scope: Scope) -> str:
    """The matched route's path template, under the root path of a mounted app. FastAPI
    keeps the full template of a route of an included router in its scope entry."""
    context = scope.get("fastapi", {}).get("effective_route_context")
    template = getattr(context, "path_format", None) or getattr(scope.get("route"), "path", None)
    if not isinstance(template, str):
        return "<unmatched>"
    return f"{scope.get('root_path', '')}{template}"
