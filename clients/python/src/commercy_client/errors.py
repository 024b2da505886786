"""The one exception the client raises for an answer of the API that is not a success."""

from __future__ import annotations

import email.utils
import time
from typing import Any

import httpx

__all__ = ["CommercyError"]


class CommercyError(Exception):
    """The API refused or failed a call (any 4xx or 5xx answer).

    Attributes:
        status: the HTTP status (400, 401, 403, 404, 409, 422, 429, 503...).
        error: the API's short error name (``"Validation error"``, ``"Not found"``...).
        message: the API's sentence for a human.
        details: the API's ``details`` object as sent; for a 400 it holds ``field``,
            ``message`` and ``errors`` (every bad field, each with its ``field`` and
            ``message``); for a refused status change ``currentStatus`` and ``allowedStatuses``.
        request_id: the answer's ``X-Request-ID``, to quote when reporting a problem.
        retry_after: seconds the API asks to wait (``Retry-After``) on 429 and 503, else None.

    Network failures are not turned into this error: they stay ``httpx.TransportError``.
    """

    def __init__(
        self,
        *,
        status: int,
        error: str,
        message: str,
        details: dict[str, Any] | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(status, error, message)
        self.status = status
        self.error = error
        self.message = message
        self.details: dict[str, Any] = details or {}
        self.request_id = request_id
        self.retry_after = retry_after

    def __str__(self) -> str:
        text = f"{self.status} {self.error}: {self.message}"
        fields = "; ".join(f"{e.get('field')}: {e.get('message')}" for e in self.field_errors)
        return f"{text} ({fields})" if fields else text

    @property
    def field_errors(self) -> list[dict[str, Any]]:
        """Every field error of a 400 (``details.errors``), each with ``field`` and
        ``message``; empty for other errors."""
        errors = self.details.get("errors")
        return list(errors) if isinstance(errors, list) else []

    @classmethod
    def from_response(cls, response: httpx.Response) -> CommercyError:
        """Reads the API's error format; an answer in another shape (a proxy's HTML page)
        still gives its status and the start of its text."""
        body = _json_object(response)
        details = body.get("details")
        return cls(
            status=response.status_code,
            error=str(body.get("error") or response.reason_phrase or "HTTP error"),
            message=str(body.get("message") or response.text[:200]),
            details=details if isinstance(details, dict) else None,
            request_id=response.headers.get("X-Request-ID"),
            retry_after=retry_after(response),
        )


def retry_after(response: httpx.Response) -> float | None:
    """``Retry-After`` of a 429 or 503 in seconds (it may be a number or an HTTP date)."""
    if response.status_code not in (429, 503):
        return None
    raw = response.headers.get("Retry-After")
    if raw is None:
        return None
    try:
        return max(float(raw), 0.0)
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(moment.timestamp() - time.time(), 0.0)


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
