"""What the sandbox tests share: the seed's bodies, a webhook receiver, waiting."""

from __future__ import annotations

import asyncio
import base64
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from commercy.sandbox.catalog import STATUS_NEW, TICKET_TYPE_ORDER

TOKEN = "test-token"
CLIENT_ID = "test-client"
CLIENT_SECRET = "test-secret"
MAX_MEDIA_BYTES = 50_000
RETRY_DELAYS = [0.05, 0.1]
WEBHOOK_TIMEOUT = 0.5
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def data_uri(content: bytes, mime_type: str = "application/pdf") -> str:
    return f"data:{mime_type};base64," + base64.b64encode(content).decode()


def media_body(
    content: bytes = PDF, *, mime_type: str = "application/pdf", uri: str | None = None
) -> dict[str, Any]:
    """The seed's upload body, with the `extension` Digishare's API also takes."""
    return {
        "type": "file",
        "category": "document",
        "file": {
            "base64": uri if uri is not None else data_uri(content, mime_type),
            "file_name": "facture",
            "mime_type": mime_type,
            "extension": "pdf",
        },
    }


def ticket_body(
    media_id: str,
    *,
    external_id: str = "COMMANDE-12345",
    wa_id: str = "212600000000",
    subject: str = "Confirmation de Commande",
    name: str = "Ahmed Alami",
    email: str = "ahmed.alami@example.com",
) -> dict[str, Any]:
    """The seed's ticket-create body, exactly (unless told otherwise)."""
    return {
        "external_id": external_id,
        "type_ticket_id": TICKET_TYPE_ORDER,
        "ticket_status_id": STATUS_NEW,
        "create_third_data": True,
        "information": {
            "third": {
                "ext_ref": "CLIENT-67890",
                "name": name,
                "wa_id": wa_id,
                "email": email,
            },
            "campaign_data": {
                "order_id": "12345",
                "invoice_document": {"provider": "digishare", "id": media_id},
                "items_count": "5",
                "order_total": "500.00",
                "delivery_address": "Casablanca, Bd Zerktouni",
            },
        },
        "subject": subject,
        "lang": "fr",
    }


async def eventually(
    check: Callable[[], Awaitable[bool]], *, within: float = 30.0, message: str = "condition"
) -> None:
    """Polls ``check`` until it holds, failing the test after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        await asyncio.sleep(0.02)


async def wait_until(
    predicate: Callable[[], bool], *, within: float = 30.0, message: str = "condition"
) -> None:
    async def check() -> bool:
        return predicate()

    await eventually(check, within=within, message=message)


async def create_order_ticket(api: httpx.AsyncClient, **overrides: str) -> dict[str, Any]:
    """Uploads an invoice and creates the seed's ticket with it; answers the ticket (which
    Digishare answers bare, not under ``data``)."""
    upload = await api.post("/v1/messagesTemplates", json=media_body())
    assert upload.status_code == 201, upload.text
    response = await api.post(
        "/v1/tickets", json=ticket_body(upload.json()["data"]["id"], **overrides)
    )
    assert response.status_code == 201, response.text
    ticket: dict[str, Any] = response.json()
    return ticket


async def tickets_with_external_id(api: httpx.AsyncClient, external_id: str) -> list[Any]:
    """The account's tickets carrying ``external_id`` (the list cannot filter on it)."""
    listed = (await api.get("/v1/tickets", params={"limit": 100})).json()["data"]
    return [ticket for ticket in listed if ticket["external_id"] == external_id]


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    json: Any
    at: float = field(default_factory=time.monotonic)


@dataclass
class Receiver:
    """A webhook receiver: records every call; can fail, be slow or demand a credential."""

    base_url: str = ""
    status_code: int = 200
    # Answers status_code to that many calls, then 200: a recovery no retry can outrun.
    recovers_after: int | None = None
    delay_seconds: float = 0.0
    required_header: tuple[str, str] | None = None
    calls: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
        self.status_code, self.delay_seconds, self.required_header = 200, 0.0, None
        self.recovers_after = None

    def url(self, path: str = "/hook") -> str:
        return f"{self.base_url}{path}"

    def received(self, path: str | None = None) -> list[Received]:
        with self._lock:
            return [call for call in self.calls if path in (None, call.path)]

    async def _handle(self, request: Request) -> Response:
        # Read before locking: awaiting under a thread lock would block the receiver's loop
        # (and every other delivery it is serving) as soon as two arrive together.
        call = Received(request.url.path, dict(request.headers), await request.json())
        with self._lock:
            self.calls.append(call)
            recovered = self.recovers_after is not None and len(self.calls) > self.recovers_after
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        if self.required_header is not None:
            name, value = self.required_header
            if request.headers.get(name) != value:
                return JSONResponse({"message": "Unauthenticated."}, status_code=401)
        status_code = 200 if recovered else self.status_code
        if status_code in (204, 304):
            # No body: uvicorn refuses to send one, leaving the caller waiting for its timeout.
            return Response(status_code=status_code)
        return JSONResponse({"ok": True}, status_code=status_code)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", self._handle, methods=["POST"])])
