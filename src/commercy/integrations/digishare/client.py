"""Digishare's public API, the parts Commercy uses. Every call has explicit timeouts; reads and
uploads are retried in place (tenacity); ticket creation never is, since a lost answer may hide
a ticket that exists — the job looks it up by ``external_id`` instead."""

from __future__ import annotations

import base64
import functools
import ssl
from types import TracebackType
from typing import Any, Self

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

_jitter = wait_exponential_jitter(multiplier=0.2, max=3.0, jitter=0.2)
# A longer Retry-After is honoured by rescheduling the job, not by holding a worker slot.
MAX_IN_PLACE_WAIT_SECONDS = 2.0


class DigishareError(Exception):
    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retryable: bool,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after


def _wait(state: RetryCallState) -> float:
    """Honour the server's Retry-After when it gave one, else back off with jitter."""
    outcome = state.outcome
    error = outcome.exception() if outcome else None
    if isinstance(error, DigishareError) and error.retry_after is not None:
        return error.retry_after
    return _jitter(state)


def _is_retryable_in_place(error: BaseException) -> bool:
    if not isinstance(error, DigishareError) or not error.retryable:
        return False
    return error.retry_after is None or error.retry_after <= MAX_IN_PLACE_WAIT_SECONDS


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default TLS settings, made once: loading the CA bundle costs ~25 ms of CPU, which
    a client per job would spend on every job (it was 15 % of the outbox worker's time)."""
    return httpx.create_ssl_context()


class DigishareClient:
    def __init__(
        self,
        *,
        base_url: str,
        token: str,
        timeout_seconds: float,
        in_place_attempts: int = 3,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._attempts = in_place_attempts
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=httpx.Timeout(timeout_seconds, connect=min(5.0, timeout_seconds)),
            transport=transport,
            verify=_tls_context(),
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._http.aclose()

    async def upload_document(self, *, content: bytes, file_name: str, mime_type: str) -> str:
        """POST /v1/messagesTemplates: returns the media id to cite in a ticket."""
        extension = file_name.rsplit(".", 1)[-1]
        body = {
            "type": "file",
            "category": "document",
            "file": {
                "base64": f"data:{mime_type};base64,{base64.b64encode(content).decode()}",
                "file_name": file_name.rsplit(".", 1)[0],
                "mime_type": mime_type,
                "extension": extension,
            },
        }
        data = await self._with_retries("POST", "/v1/messagesTemplates", json=body)
        return str(data["data"]["id"])

    async def create_ticket(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST /v1/tickets, once: the caller recovers from an unknown outcome by looking up."""
        data = await self._request("POST", "/v1/tickets", json=body)
        return dict(data["data"])

    async def find_ticket(self, *, external_id: str) -> dict[str, Any] | None:
        data = await self._with_retries(
            "GET", "/v1/tickets", params={"external_id": external_id, "per_page": 1}
        )
        tickets = data.get("data") or []
        return dict(tickets[0]) if tickets else None

    async def subscribe_webhook(self, body: dict[str, Any]) -> dict[str, Any]:
        data = await self._with_retries("POST", "/v1/webhooks", json=body)
        return dict(data.get("data", data))

    async def _with_retries(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        retrying = AsyncRetrying(
            retry=retry_if_exception(_is_retryable_in_place),
            stop=stop_after_attempt(self._attempts),
            wait=_wait,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._request(method, path, **kwargs)
        raise AssertionError("unreachable: tenacity reraises the last error")

    async def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise DigishareError(f"{method} {path}: timed out", retryable=True) from exc
        except httpx.TransportError as exc:
            raise DigishareError(f"{method} {path}: {type(exc).__name__}", retryable=True) from exc
        if response.is_success:
            return dict(response.json())
        raise _error_from(method, path, response)


def _error_from(method: str, path: str, response: httpx.Response) -> DigishareError:
    status = response.status_code
    try:
        message = str(response.json().get("message", response.reason_phrase))
    except ValueError:
        message = response.reason_phrase
    retry_after = _retry_after(response) if status == 429 else None
    return DigishareError(
        f"{method} {path}: {status} {message}",
        status=status,
        retryable=status == 429 or status >= 500,
        retry_after=retry_after,
    )


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
