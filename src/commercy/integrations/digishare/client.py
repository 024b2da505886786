"""Digishare's published API, the parts Commercy uses.

Every call has explicit timeouts; reads and uploads are retried in place (tenacity); ticket
creation never is, since a lost answer may hide a ticket that exists: the job looks it up
instead. Digishare wraps some answers as ``{"data": {...}}`` and returns others bare (a created
ticket is the bare object, with a ``data`` field of its own): both are read, and an answer
without the id we need is an error, never a success.
"""

from __future__ import annotations

import base64
import functools
import ssl
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from commercy.core.outbound import GuardedTransport, OutboundPolicy, OutboundRefused
from commercy.integrations.digishare.credentials import Credentials, CredentialsError

_jitter = wait_exponential_jitter(multiplier=0.2, max=3.0, jitter=0.2)
# A longer Retry-After is honoured by rescheduling the job, not by holding a worker slot.
MAX_IN_PLACE_WAIT_SECONDS = 2.0
# The published maximum of `limit` on GET /v1/tickets.
TICKETS_PER_PAGE = 100
# A search for one order number that spans more pages than this is not a search for it.
MAX_LOOKUP_PAGES = 10
MAX_REASON_CHARS = 160


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
    a client per job would spend on every job."""
    return httpx.create_ssl_context()


class DigishareClient:
    def __init__(
        self,
        *,
        base_url: str,
        credentials: Credentials,
        policy: OutboundPolicy,
        timeout_seconds: float,
        in_place_attempts: int = 3,
    ) -> None:
        self._attempts = in_place_attempts
        self._credentials = credentials
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"Accept": "application/json"},
            timeout=httpx.Timeout(timeout_seconds, connect=min(5.0, timeout_seconds)),
            transport=GuardedTransport(policy, httpx.AsyncHTTPTransport(verify=_tls_context())),
            follow_redirects=False,
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

    async def profile(self) -> dict[str, Any]:
        """GET /v1/user/profile: the account behind the credentials, the cheap way to test
        them."""
        return _object(await self._request("GET", "/v1/user/profile"), needs="id")

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
        answer = await self._with_retries("POST", "/v1/messagesTemplates", json=body)
        return str(_object(answer, needs="id")["id"])

    async def create_ticket(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST /v1/tickets, once: the caller recovers from an unknown outcome by looking up.

        The answer must be the ticket we asked for: one with an id, and our ``external_id``
        when it names one."""
        ticket = _object(await self._request("POST", "/v1/tickets", json=body), needs="id")
        answered = ticket.get("external_id")
        if answered not in (None, "") and str(answered) != body["external_id"]:
            raise DigishareError(
                f"POST /v1/tickets: answered ticket {ticket['id']} of external_id "
                f"{str(answered)[:64]!r}, not {body['external_id']!r}",
                retryable=True,
            )
        return ticket

    async def update_ticket(self, ticket_id: str, body: dict[str, Any]) -> None:
        """PUT /v1/tickets/{id}: a replayed update sets the same values, so it is retried in
        place like a read."""
        await self._with_retries("PUT", f"/v1/tickets/{quote(ticket_id, safe='')}", json=body)

    async def find_tickets(self, *, external_id: str) -> list[dict[str, Any]]:
        """Every ticket whose ``external_id`` is ours, oldest first.

        The published list has no ``external_id`` filter: it searches for the order number
        (which the subject carries) and keeps the exact matches, page after page."""
        matches: list[dict[str, Any]] = []
        for page in range(1, MAX_LOOKUP_PAGES + 1):
            params = {"search": external_id, "limit": TICKETS_PER_PAGE, "page": page}
            answer = await self._with_retries("GET", "/v1/tickets", params=params)
            tickets = _items(answer)
            matches += [t for t in tickets if str(t.get("external_id")) == external_id]
            if not tickets or page >= _total_pages(answer):
                break
        return sorted(matches, key=_age)

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
        token = await self._token()
        response = await self._send(method, path, token=token, **kwargs)
        if response.status_code == 401 and await self._credentials.renew(
            self._http, rejected=token
        ):
            # An access token may be revoked before its expiry: one fresh token, once.
            response = await self._send(method, path, token=await self._token(), **kwargs)
        if not response.is_success:
            raise error_from(method, path, response)
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise DigishareError(
                f"{method} {path}: {response.status_code} answer is not a JSON object",
                status=response.status_code,
                retryable=True,
            )
        return answer

    async def _token(self) -> str:
        try:
            return await self._credentials.token(self._http)
        except CredentialsError as exc:
            raise DigishareError(str(exc), status=exc.status, retryable=exc.retryable) from exc

    async def _send(self, method: str, path: str, *, token: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"}
        try:
            return await self._http.request(method, path, headers=headers, **kwargs)
        except OutboundRefused as exc:
            raise DigishareError(f"{method} {path}: refused: {exc}", retryable=False) from exc
        except httpx.TimeoutException as exc:
            raise DigishareError(f"{method} {path}: timed out", retryable=True) from exc
        except httpx.TransportError as exc:
            raise DigishareError(f"{method} {path}: {type(exc).__name__}", retryable=True) from exc


def _object(answer: dict[str, Any], *, needs: str) -> dict[str, Any]:
    """The object of a bare (``{"id": ...}``) or wrapped (``{"data": {"id": ...}}``) answer."""
    for candidate in (answer, answer.get("data")):
        if isinstance(candidate, dict) and candidate.get(needs) not in (None, ""):
            return candidate
    raise DigishareError(f"Digishare's answer has no {needs}", retryable=True)


def _items(answer: dict[str, Any]) -> list[dict[str, Any]]:
    items = answer.get("data")
    if not isinstance(items, list):
        raise DigishareError("Digishare's list answer has no data list", retryable=True)
    return [item for item in items if isinstance(item, dict)]


def _total_pages(answer: dict[str, Any]) -> int:
    """``meta.total_pages``, or ``meta.pagination.total_pages`` as older answers put it."""
    meta = answer.get("meta")
    if not isinstance(meta, dict):
        return 1
    pagination = meta.get("pagination")
    source = pagination if isinstance(pagination, dict) else meta
    total = source.get("total_pages")
    return total if isinstance(total, int) and not isinstance(total, bool) else 1


def _age(ticket: dict[str, Any]) -> tuple[str, str]:
    """Sorts tickets oldest first: by creation time, then by ticket number."""
    return (str(ticket.get("created_at") or ""), str(ticket.get("ticket_number") or ""))


def error_from(method: str, path: str, response: httpx.Response) -> DigishareError:
    """A short reason from Digishare's error answer: its status, and the ``message`` of a JSON
    error body cut to one printable line (a foreign server's text is never echoed whole)."""
    status = response.status_code
    retry_after = _retry_after(response) if status == 429 else None
    return DigishareError(
        f"{method} {path}: {status} {_reason(response)}".rstrip(),
        status=status,
        retryable=status == 429 or status >= 500,
        retry_after=retry_after,
    )


def _reason(response: httpx.Response) -> str:
    try:
        message = response.json().get("message")
    except (ValueError, AttributeError):
        message = None
    if not isinstance(message, str) or not message.strip():
        return response.reason_phrase
    printable = "".join(char if char.isprintable() else " " for char in message)
    return " ".join(printable.split())[:MAX_REASON_CHARS]


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
