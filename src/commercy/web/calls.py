"""The agent's screen: the next order to call, one click per outcome, edits while the customer
is on the line, and live updates. Every step calls the call center's and the orders' own
services (the ones ``POST /calls/next``, ``POST /orders/{id}/calls`` and ``PATCH /orders/{id}``
call), so the queue, claim, lifecycle and version rules hold here exactly as in the API."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from commercy.calls import queries as calls_queries
from commercy.calls import rules
from commercy.calls import service as calls
from commercy.calls.models import CallOutcome
from commercy.calls.schemas import CallIn
from commercy.core.database import (
    Database,
    ReadSessionDep,
    UnitOfWorkRoute,
    WriteSessionDep,
    utcnow,
)
from commercy.core.errors import (
    CommercyError,
    Conflict,
    PreconditionFailed,
    ValidationFailed,
)
from commercy.core.settings import Settings
from commercy.orders import edits, events
from commercy.orders import service as orders_service
from commercy.orders.models import Order
from commercy.orders.schemas import OrderEdit
from commercy.web import forms, sessions
from commercy.web.dependencies import CheckedUser, SignedInUser, session_token
from commercy.web.pages import render
from commercy.web.sessions import SignedIn

router = APIRouter(prefix="/calls", route_class=UnitOfWorkRoute)

#: How often the live stream looks at the order (one primary-key read each time).
POLL_SECONDS = 0.5
#: A comment line this often keeps proxies from closing a quiet stream.
KEEPALIVE_SECONDS = 15.0
#: The edits the agent makes on the line: form field, OrderEdit's wire name.
EDITABLE = (
    ("customerPhone", "customerPhone"),
    ("customerAddress", "customerAddress"),
    ("customerCity", "customerCity"),
    ("customerGovernorate", "customerGovernorate"),
    ("notes", "notes"),
)


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _day(session: AsyncSession, user: SignedIn) -> dict[str, Any]:
    """The user's calls today, in its time zone."""
    day = await calls.agent_day(session, actor=user.actor, zone=ZoneInfo(user.time_zone))
    return {"attempts": day.attempts, "confirmed": day.confirmed, "rate": day.confirmation_rate}


async def _work(
    request: Request,
    user: SignedIn,
    session: AsyncSession,
    order: Order | None,
    *,
    status_code: int = 200,
    full_page: bool = False,
    **context: Any,
) -> Response:
    """The work area (htmx swaps it whole), or the page around it."""
    if order is not None:
        context["attempts"] = await calls_queries.attempts(session, order_id=order.id)
        context["confirmation"] = await events.confirmation(session, order.id)
    partial = request.headers.get("HX-Request") and not full_page
    return render(
        request,
        "_call_work.html" if partial else "calls.html",
        user=user,
        status_code=status_code,
        order=order,
        day=await _day(session, user),
        callback_choices=forms.CALLBACK_CHOICES,
        **context,
    )


def _reference(raw: str) -> str:
    return forms.check_text("reference", raw, max_length=64)


@router.get("")
async def calls_page(request: Request, user: SignedInUser, session: ReadSessionDep) -> Response:
    order = await calls.current_order(session, actor=user.actor)
    return await _work(request, user, session, order, full_page=True)


@router.get("/work")
async def work_area(request: Request, user: SignedInUser, session: ReadSessionDep) -> Response:
    """The work area again, after the live stream said the order changed."""
    order = await calls.current_order(session, actor=user.actor)
    changed = request.query_params.get("changed")
    return await _work(
        request,
        user,
        session,
        order,
        changed=changed if changed in ("status", "claim", "version", "gone") else None,
        changed_order=forms.check_text(
            "order", request.query_params.get("orderNumber", ""), max_length=64
        ),
    )


@router.post("/next")
async def next_order(request: Request, user: CheckedUser, session: WriteSessionDep) -> Response:
    order = await calls.next_order(session, actor=user.actor, settings=_settings(request))
    return await _work(request, user, session, order, nothing=order is None)


def _call_in(form: FormData, user: SignedIn) -> CallIn:
    try:
        outcome = CallOutcome(forms.form_text(form, "outcome", max_length=32))
    except ValueError:
        raise ValidationFailed("outcome", "choose an outcome") from None
    note = forms.form_text(form, "note", max_length=2000, multi_line=True).strip() or None
    if outcome is CallOutcome.CANCELED and note is None:
        raise ValidationFailed("note", "say why the order is canceled")
    callback = None
    if outcome is CallOutcome.RAPPORTED:
        callback = forms.callback_at(
            forms.form_text(form, "callbackChoice", max_length=16),
            forms.form_text(form, "callbackAt", max_length=32),
            zone=ZoneInfo(user.time_zone),
            now=utcnow(),
        )
    return CallIn(outcome=outcome, note=note, callback_at=callback)


@router.post("/{reference}/outcome")
async def record_outcome(
    request: Request, reference: str, user: CheckedUser, session: WriteSessionDep
) -> Response:
    """Record the call, then take the next order: the agent never waits for a page."""
    form = await request.form()
    settings = _settings(request)
    try:
        data = _call_in(form, user)
        recorded = await calls.record_call(
            session, actor=user.actor, reference=_reference(reference), data=data, settings=settings
        )
    except (ValidationFailed, Conflict) as exc:
        await session.rollback()
        order = await calls.current_order(session, actor=user.actor)
        return await _work(
            request,
            user,
            session,
            order,
            status_code=exc.status_code,
            refusal=forms.refusal(request, exc),
        )
    order = await calls.next_order(session, actor=user.actor, settings=settings)
    return await _work(
        request, user, session, order, nothing=order is None, recorded=recorded.order
    )


def _edit_body(form: FormData, order: Order) -> dict[str, Any]:
    body: dict[str, Any] = {
        wire: forms.form_text(form, name, max_length=2000, multi_line=True).strip()
        for name, wire in EDITABLE
        if name in form
    }
    items = []
    for item in order.items:
        raw = forms.form_text(form, f"quantity-{item.id}", max_length=8).strip()
        if raw:
            items.append({"id": item.id, "quantity": int(raw) if raw.isdigit() else raw})
    if items:
        body["items"] = items
    return body


def _version(form: FormData) -> str:
    raw = forms.form_text(form, "version", max_length=12)
    if not (raw.isascii() and raw.isdigit()):
        raise ValidationFailed("version", "the order's version, as the page gave it")
    return raw


@router.post("/{reference}/edit")
async def edit(
    request: Request, reference: str, user: CheckedUser, session: WriteSessionDep
) -> Response:
    """An edit on the line, under the version the page showed (``If-Match``): a change made
    meanwhile reloads the order rather than being overwritten."""
    form = await request.form()
    reference = _reference(reference)
    order = await _in_scope(session, user, reference)
    try:
        if_match = f'"{order.id}-{_version(form)}"'
        data = forms.validated(OrderEdit, _edit_body(form, order))
        await edits.edit_order(
            session,
            actor=user.actor,
            reference=reference,
            data=data,
            if_match=if_match,
            settings=_settings(request),
        )
    except (ValidationFailed, Conflict, PreconditionFailed) as exc:
        await session.rollback()
        fresh = await _in_scope(session, user, reference)
        return await _panel(
            request,
            user,
            session,
            fresh,
            status_code=exc.status_code,
            refusal=exc,
            reloaded=isinstance(exc, PreconditionFailed),
            entered=None if isinstance(exc, PreconditionFailed) else form,
        )
    fresh = await _in_scope(session, user, reference)
    return await _panel(request, user, session, fresh, saved=True)


async def _in_scope(session: AsyncSession, user: SignedIn, reference: str) -> Order:
    return await orders_service.get_order(session, actor=user.actor, reference=reference)


async def _panel(
    request: Request,
    user: SignedIn,
    session: AsyncSession,
    order: Order,
    *,
    status_code: int = 200,
    refusal: CommercyError | None = None,
    **context: Any,
) -> Response:
    return render(
        request,
        "_call_order.html",
        user=user,
        status_code=status_code,
        order=order,
        attempts=await calls_queries.attempts(session, order_id=order.id),
        confirmation=await events.confirmation(session, order.id),
        edit_refusal=forms.refusal(request, refusal) if refusal else None,
        **context,
    )


# --- live ---------------------------------------------------------------------------------------


def _event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n"


def _change(state: dict[str, Any] | None, *, status: str, version: int, user_id: int) -> str | None:
    """Why the screen must change: the order is gone, its status moved, another user holds
    its claim, or it was edited elsewhere; None while it is as the page shows it."""
    if state is None:
        return "gone"
    if str(state["status"]) != status:
        return "status"
    if state["claimed_by_user_id"] not in (None, user_id):
        return "claim"
    if state["version"] != version:
        return "version"
    return None


async def _release_if_left_queue(
    database: Database, user: SignedIn, order_id: int, state: dict[str, Any] | None
) -> None:
    """The customer answered on WhatsApp (or someone else moved the order on): the order left
    the queue, so the agent's claim on it ends."""
    if state is None or state["claimed_by_user_id"] != user.actor.user_id:
        return
    if state["status"] in {status.value for status in rules.CALLING}:
        return
    async with database.sessionmaker() as session, session.begin():
        await calls.release(session, actor=user.actor, reference=str(order_id))


async def _stream(
    request: Request, user: SignedIn, order: Order, *, version: int, token: str
) -> AsyncIterator[str]:
    database: Database = request.app.state.database
    settings = _settings(request)
    status, user_id = order.status.value, user.actor.user_id or 0
    quiet = 0.0
    yield ": watching\n\n"
    while not await request.is_disconnected():
        await asyncio.sleep(POLL_SECONDS)
        if await sessions.find(database, token=token, settings=settings) is None:
            yield _event("signedout", {})
            return
        # A session per poll, closed before sleeping: no connection held between polls.
        async with database.read_sessionmaker() as session:
            state = await calls_queries.watch_state(session, order_id=order.id)
        reason = _change(state, status=status, version=version, user_id=user_id)
        if reason is not None:
            await _release_if_left_queue(database, user, order.id, state)
            yield _event("changed", {"reason": reason, "orderNumber": order.order_number})
            return
        quiet += POLL_SECONDS
        if quiet >= KEEPALIVE_SECONDS:
            quiet = 0.0
            yield ": keepalive\n\n"


@router.get("/events")
async def live_events(request: Request, user: SignedInUser) -> Response:
    """Server-sent events about the order on the agent's screen (``?order=<id>``): one
    ``changed`` event, then the stream ends (the page loads the work area again and opens a new
    one). ``?version=`` is the version the page shows. The stream polls the order's status,
    version and claim twice a second: it works on SQLite and across processes, no broker."""
    raw = forms.check_text("order", request.query_params.get("order", ""), max_length=20)
    database: Database = request.app.state.database
    async with database.read_sessionmaker() as session:
        calls.check_may_call(user.actor)
        order = await _in_scope(session, user, _reference(raw))
    raw_version = request.query_params.get("version", "")
    digits = raw_version.isascii() and raw_version.isdigit() and len(raw_version) <= 12
    version = int(raw_version) if digits else 0
    token = session_token(request) or ""
    return StreamingResponse(
        _stream(request, user, order, version=version or order.version, token=token),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
