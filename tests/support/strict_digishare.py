"""A Digishare that follows its published API to the letter, and nothing more.

Written from the published contract alone (not from the sandbox), so that a client passing
against it does not lean on anything the real API lacks:
- ``GET /v1/tickets`` takes only the documented parameters and ignores any other one, like a
  real API; it answers ``{"data", "meta": {total, count, per_page, current_page,
  total_pages}}``, newest first, and ``search`` matches the subject, the ticket number and the
  customer's name or email;
- ``POST /v1/tickets`` answers 201 with the bare ticket (its own ``data`` is an empty object);
- ``PUT /v1/tickets/{id}`` changes only what SPEC §5 lists (status, handler, note): any other
  field is a 422, an unknown ticket a 404;
- the media upload answers its id at the top level (the shape is not published);
- the account holds other people's tickets;
- bearer tokens: a personal access token, or OAuth2 client credentials at
  ``POST /v1/oauth/token``; errors are ``{"message"}`` and 422 adds ``errors``.

Tests steer it from their own thread (it runs under ``live_server``): queue answers for the
next ticket creations with ``create_answers``, add tickets, revoke access tokens, and read the
calls it received.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

TICKET_LIST_PARAMETERS = frozenset(
    {
        "page",
        "limit",
        "ticket_status_id",
        "priority_id",
        "handler_id",
        "third_id",
        "created_from",
        "created_to",
        "search",
        "sort_by",
        "sort_direction",
    }
)
TIMESTAMP = "%Y-%m-%d %H:%M:%S"
REQUIRED_TICKET_FIELDS = ("subject", "type_ticket_id", "external_id", "information")
TICKET_UPDATE_FIELDS = frozenset({"ticket_status_id", "handler_id", "note"})
MAX_NOTE_CHARS = 5000

# What the next POST /v1/tickets does instead of answering 201 with the ticket:
# - "store_then_502": stores the ticket, then answers 502 (the answer is lost);
# - "not_json": answers 200 with an HTML page, storing nothing;
# - "no_id": answers 201 with a body that has no ticket id, storing nothing;
# - "stranger": stores the ticket, but answers with somebody else's;
# - "unavailable": answers 503, storing nothing.
CreateAnswer = Literal["store_then_502", "not_json", "no_id", "stranger", "unavailable"]


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]


@dataclass
class StrictDigishare:
    personal_token: str = "strict-personal-token"
    client_id: str = "strict-client"
    client_secret: str = "strict-client-secret"
    access_token_seconds: int = 3600
    tickets: list[dict[str, Any]] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    create_answers: list[CreateAnswer] = field(default_factory=list)
    access_tokens: set[str] = field(default_factory=set)
    media: set[str] = field(default_factory=set)
    token_requests: int = 0
    _clock: datetime = field(default_factory=lambda: datetime(2026, 1, 13, 9, 0, tzinfo=UTC))

    def __post_init__(self) -> None:
        for number in range(1, 41):
            self.add_ticket(
                external_id=f"SHOP-{number}",
                subject=f"Réclamation livraison {number}",
                customer=f"Client {number}",
            )

    # --- what tests steer -------------------------------------------------------------------

    def add_ticket(
        self,
        *,
        external_id: str | None,
        subject: str,
        customer: str = "Somebody Else",
        created_at: str | None = None,
    ) -> dict[str, Any]:
        self._clock += timedelta(seconds=1)
        moment = created_at or self._clock.strftime(TIMESTAMP)
        ticket: dict[str, Any] = {
            "id": secrets.token_hex(8),
            "ticket_number": str(500000 + len(self.tickets)),
            "subject": subject,
            "external_id": external_id,
            "ticket_status_id": "x9q3wrlv0m7vzea8",
            "type_ticket_id": "npvrxamq9l94y8dz",
            "third_id": None,
            "information": {"third": {"name": customer, "email": None}},
            "tags": [],
            "lang": "fr",
            "created_at": moment,
            "updated_at": moment,
            "date_status": moment,
            "data": {},
        }
        self.tickets.append(ticket)
        return ticket

    def revoke_access_tokens(self) -> None:
        self.access_tokens.clear()

    def expire_media(self) -> None:
        """Every uploaded file is forgotten, as uploads are after a while."""
        self.media.clear()

    def tickets_of(self, external_id: str) -> list[dict[str, Any]]:
        return [t for t in self.tickets if t["external_id"] == external_id]

    def posts(self, path: str) -> int:
        return self.requests("POST", path)

    def requests(self, method: str, path: str) -> int:
        return sum(1 for call in self.calls if call.method == method and call.path == path)

    def undocumented_ticket_parameters(self) -> set[str]:
        return {
            name
            for call in self.calls
            if call.method == "GET" and call.path == "/v1/tickets"
            for name in call.query
            if name not in TICKET_LIST_PARAMETERS
        }

    # --- the published API ------------------------------------------------------------------

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/oauth/token", self._token, methods=["POST"]),
                Route("/v1/user/profile", self._profile, methods=["GET"]),
                Route("/v1/messagesTemplates", self._upload, methods=["POST"]),
                Route("/v1/tickets", self._create_ticket, methods=["POST"]),
                Route("/v1/tickets", self._list_tickets, methods=["GET"]),
                Route("/v1/tickets/{ticket_id}", self._update_ticket, methods=["PUT"]),
            ]
        )

    def _record(self, request: Request) -> None:
        self.calls.append(Call(request.method, request.url.path, dict(request.query_params)))

    def _authenticated(self, request: Request) -> bool:
        self._record(request)
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return scheme == "Bearer" and (token == self.personal_token or token in self.access_tokens)

    async def _token(self, request: Request) -> Response:
        self._record(request)
        self.token_requests += 1
        body = await request.json()
        if body.get("grant_type") != "client_credentials":
            return _error(400, "The grant type is not supported.")
        if (body.get("client_id"), body.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            return _error(401, "Client authentication failed.")
        token = secrets.token_urlsafe(16)
        self.access_tokens.add(token)
        return JSONResponse(
            {"token_type": "Bearer", "expires_in": self.access_token_seconds, "access_token": token}
        )

    async def _profile(self, request: Request) -> Response:
        if not self._authenticated(request):
            return _error(401, "Unauthenticated.")
        return JSONResponse(
            {"id": "u1", "name": "Boutique", "email": "shop@example.com", "status": "active"}
        )

    async def _upload(self, request: Request) -> Response:
        if not self._authenticated(request):
            return _error(401, "Unauthenticated.")
        body = await request.json()
        if not str(body.get("file", {}).get("base64", "")).startswith("data:"):
            return _error(422, "The file.base64 field is required.", field="file.base64")
        media_id = secrets.token_hex(8)
        self.media.add(media_id)
        return JSONResponse({"id": media_id, "type": "file"}, status_code=201)

    async def _create_ticket(self, request: Request) -> Response:
        if not self._authenticated(request):
            return _error(401, "Unauthenticated.")
        body = await request.json()
        for name in REQUIRED_TICKET_FIELDS:
            if not body.get(name):
                return _error(422, f"The {name} field is required.", field=name)
        invoice = body["information"].get("campaign_data", {}).get("invoice_document", {})
        if invoice.get("id") not in self.media:
            field = "information.campaign_data.invoice_document.id"
            return _error(422, "The selected invoice document id is invalid.", field=field)
        answer = self.create_answers.pop(0) if self.create_answers else None
        if answer == "unavailable":
            return _error(503, "Service Unavailable")
        if answer == "not_json":
            return PlainTextResponse("<html>Bad Gateway</html>", media_type="text/html")
        if answer == "no_id":
            return JSONResponse({"data": {}}, status_code=201)
        ticket = self.add_ticket(
            external_id=body["external_id"],
            subject=body["subject"],
            customer=body["information"].get("third", {}).get("name", ""),
        )
        ticket["information"]["campaign_data"] = body["information"].get("campaign_data", {})
        if answer == "store_then_502":
            return _error(502, "Bad Gateway")
        if answer == "stranger":
            return JSONResponse(self.tickets[0], status_code=201)
        return JSONResponse(ticket, status_code=201)

    async def _update_ticket(self, request: Request) -> Response:
        if not self._authenticated(request):
            return _error(401, "Unauthenticated.")
        found = [t for t in self.tickets if t["id"] == request.path_params["ticket_id"]]
        if not found:
            return _error(404, "Ticket not found.")
        body = await request.json()
        if not isinstance(body, dict) or not body:
            return _error(422, "Nothing to update.")
        for name in set(body) - TICKET_UPDATE_FIELDS:
            return _error(422, f"The {name} field is not updatable.", field=name)
        note = body.get("note")
        if note is not None and (not isinstance(note, str) or len(note) > MAX_NOTE_CHARS):
            message = f"The note may not be greater than {MAX_NOTE_CHARS} characters."
            return _error(422, message, field="note")
        ticket = found[0]
        ticket.update(body)
        self._clock += timedelta(seconds=1)
        ticket["updated_at"] = self._clock.strftime(TIMESTAMP)
        return JSONResponse({"data": ticket})

    async def _list_tickets(self, request: Request) -> Response:
        if not self._authenticated(request):
            return _error(401, "Unauthenticated.")
        query = request.query_params
        limit = min(max(_int(query.get("limit"), 25), 1), 100)
        page = max(_int(query.get("page"), 1), 1)
        found = [t for t in self.tickets if _matches(t, query.get("search"))]
        found.sort(key=lambda t: (t["created_at"], t["ticket_number"]), reverse=True)
        chunk = found[(page - 1) * limit : page * limit]
        meta = {
            "total": len(found),
            "count": len(chunk),
            "per_page": limit,
            "current_page": page,
            "total_pages": max(1, -(-len(found) // limit)),
        }
        return JSONResponse({"data": chunk, "meta": meta})


def _matches(ticket: dict[str, Any], search: str | None) -> bool:
    if not search:
        return True
    customer = ticket["information"].get("third", {})
    haystack = (
        ticket["subject"],
        ticket["ticket_number"],
        customer.get("name") or "",
        customer.get("email") or "",
    )
    return any(search.lower() in text.lower() for text in haystack)


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _error(status: int, message: str, *, field: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"message": message}
    if field is not None:
        body["errors"] = {field: [message]}
    return JSONResponse(body, status_code=status)
