"""Digishare's webhooks in: check the caller, keep the raw event once, apply it once.

Digishare does not sign payloads; it sends the Basic, Bearer or custom-header credential set in
its dashboard, which we compare in constant time. Duplicates (the same body again) are dropped by
a unique key; events older than the last one applied to a ticket are recorded and skipped.
Anything we record but do not act on is still a 200, so Digishare does not retry or disable us.

An event's time is the ticket's ``updated_at``, else the change's ``updated_at``, else
``date_status`` (the change's, then the ticket's), else the time we received it; Digishare
writes ``2026-01-13 16:29:51``, in UTC. A time further ahead of our clock than the configured
tolerance is not believed: such an event is recorded as ``future_timestamp`` and not applied,
or a single bad clock would make every later real event look stale.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from starlette.datastructures import Headers

from commercy.core import logs
from commercy.core.crypto import SealError, unseal
from commercy.core.database import WriteSession, utcnow
from commercy.core.errors import CommercyError, Unauthorized
from commercy.core.json_body import UnreadableJson, read_json
from commercy.core.metrics import metrics
from commercy.core.settings import Settings
from commercy.integrations.digishare.models import (
    DigishareEvent,
    DigishareIntegration,
    DigishareTicket,
    EventOutcome,
    EventTimeSource,
    WebhookAuthType,
)
from commercy.orders import lifecycle
from commercy.orders import service as orders_service
from commercy.orders.models import Order, OrderStatus

logger = logging.getLogger("commercy.digishare.inbox")

DIGISHARE_ACTOR = "digishare"
_HANDLED_EVENTS = {"ticket.updated"}


def check_credential(
    integration: DigishareIntegration, headers: Headers, *, settings: Settings
) -> None:
    """Raise 401 unless the request carries the credential configured for this integration."""
    try:
        secret = unseal(integration.webhook_secret_sealed, settings=settings)
    except SealError as exc:
        logger.error("integration %s: webhook secret unreadable", integration.id)
        raise Unauthorized("Webhook credential rejected") from exc
    auth_type = integration.webhook_auth_type
    if auth_type is WebhookAuthType.BEARER:
        ok = _same(headers.get("authorization", ""), f"Bearer {secret}")
    elif auth_type is WebhookAuthType.HEADER:
        ok = _same(headers.get(integration.webhook_auth_name or "", ""), secret)
    else:
        username, password = _basic_credentials(headers.get("authorization", ""))
        user_ok = _same(username, integration.webhook_auth_name or "")
        ok = _same(password, secret) & user_ok
    if not ok:
        raise Unauthorized("Webhook credential rejected")


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _basic_credentials(header: str) -> tuple[str, str]:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return "", ""
    try:
        decoded = base64.b64decode(encoded, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return "", ""
    username, _, password = decoded.partition(":")
    return username, password


async def receive(
    session: WriteSession,
    *,
    integration: DigishareIntegration,
    raw_body: bytes,
    max_ahead: timedelta,
) -> DigishareEvent | None:
    """Record and apply one webhook call. None means we had this exact event already."""
    payload, unreadable = _parse(raw_body)
    event = await _insert_once(
        session,
        integration_id=integration.id,
        dedup_key=_dedup_key(raw_body, payload),
        event=_text(payload, "event"),
        ticket_id=_ticket_id(payload),
        # As received, but for what text cannot hold (bytes that are not UTF-8, NUL): U+FFFD.
        raw_body=raw_body.decode("utf-8", errors="replace").replace("\x00", "\ufffd"),
        payload=payload,
        outcome=EventOutcome.MALFORMED,
        received_at=utcnow(),
    )
    if event is None:
        metrics().webhook_events.labels("duplicate").inc()
        return None
    logs.bind(ticket_id=event.ticket_id)
    if unreadable is not None:
        event.detail = f"Body {unreadable}"
    elif payload is None or event.event is None or event.ticket_id is None:
        event.detail = "Body is not a Digishare event (event, data.id)"
    elif event.event not in _HANDLED_EVENTS:
        event.outcome = EventOutcome.IGNORED
        event.detail = f"{event.event} needs no action"
    else:
        await _apply_ticket_update(
            session, integration=integration, event=event, payload=payload, max_ahead=max_ahead
        )
    await session.flush()
    logs.bind(order_id=event.order_id)
    metrics().webhook_events.labels(event.outcome.value).inc()
    return event


async def _apply_ticket_update(
    session: WriteSession,
    *,
    integration: DigishareIntegration,
    event: DigishareEvent,
    payload: dict[str, Any],
    max_ahead: timedelta,
) -> None:
    ticket = _ticket(payload)
    status_id = str(
        _changes(payload).get("ticket_status_id") or ticket.get("ticket_status_id") or ""
    )
    happened = event_time(payload, received_at=event.received_at)
    event.event_at, event.event_time_source = happened.at, happened.source
    link, order = await _find_order(session, integration=integration, ticket=ticket)
    if order is None:
        event.outcome, event.detail = EventOutcome.UNKNOWN_TICKET, "No order for this ticket"
        return
    event.order_id = order.id
    changed = _changes(payload)
    if changed and "ticket_status_id" not in changed:
        # Another change of the ticket (our own note after an edit, a handler assigned): its
        # status, unchanged, must not undo what an agent has set on the order since.
        event.outcome = EventOutcome.UNCHANGED
        names = [name[:40] for name in sorted(changed) if name.isprintable()][:10]
        event.detail = f"The ticket's status did not change ({', '.join(names)})"
        return
    refusal = _refuse_for_time(
        happened,
        received_at=event.received_at,
        last_applied=link.last_event_at,
        max_ahead=max_ahead,
    )
    if refusal is not None:
        event.outcome, event.detail = refusal
        return
    target = integration.status_map.get(status_id)
    if target is None:
        event.outcome, event.detail = EventOutcome.UNMAPPED, f"Status {status_id!r} is not mapped"
        return
    link.last_event_at = happened.at
    await _move_order(session, order=order, target=OrderStatus(target), event=event)


def _refuse_for_time(
    happened: EventTime,
    *,
    received_at: datetime,
    last_applied: datetime | None,
    max_ahead: timedelta,
) -> tuple[EventOutcome, str] | None:
    """Why an event must not be applied, judged by its time; None when it may be."""
    latest_believable = received_at + max_ahead
    if happened.at > latest_believable:
        return EventOutcome.FUTURE_TIMESTAMP, (
            f"{happened.source.value} {happened.at.isoformat()} is more than "
            f"{max_ahead.total_seconds():g} s ahead of our clock; not applied"
        )
    # A stored time that far ahead (kept under a looser tolerance) would hold the ticket for
    # ever: like the event that brought it, it orders nothing.
    if last_applied is not None and happened.at < last_applied <= latest_believable:
        return EventOutcome.STALE, f"Older than the last applied event ({last_applied.isoformat()})"
    return None


async def _move_order(
    session: WriteSession, *, order: Order, target: OrderStatus, event: DigishareEvent
) -> None:
    if order.status == target:
        event.outcome, event.detail = EventOutcome.UNCHANGED, f"Order already {target.value}"
        return
    previous = order.status
    try:
        if lifecycle.moves_stock(previous, target):
            # Stock is taken product by product: a shortfall undoes what was taken before it.
            async with session.begin_nested():
                await _change_status(session, order=order, target=target, event=event)
        else:  # a refusal comes before any write: no savepoint needed
            await _change_status(session, order=order, target=target, event=event)
    except CommercyError as exc:  # refused by the lifecycle (e.g. out of stock): keep it visible
        event.outcome, event.detail = EventOutcome.REFUSED, exc.message
        return
    event.outcome = EventOutcome.APPLIED
    event.detail = f"{previous.value} → {target.value}"


async def _change_status(
    session: WriteSession, *, order: Order, target: OrderStatus, event: DigishareEvent
) -> None:
    await orders_service.change_status(
        session,
        order=order,
        status=target,
        actor_label=DIGISHARE_ACTOR,
        actor_user_id=None,
        note=f"Digishare ticket {event.ticket_id}",
    )


async def _find_order(
    session: WriteSession, *, integration: DigishareIntegration, ticket: dict[str, Any]
) -> tuple[DigishareTicket, Order | None]:
    """By the ticket id we stored; else by external_id (the order number) within the reseller,
    which covers an update that outruns the worker recording the ticket.

    The ticket's row is locked (then the order's) before anything is compared with it, so the
    events of one ticket are handled one at a time, each seeing what the one before stored."""
    ticket_id = str(ticket.get("id") or "")
    link = await session.scalar(
        _LOCK_TICKET, {"ticket_id": ticket_id, "integration_id": integration.id}
    )
    if link is not None:
        return link, await orders_service.get_order_for_update(session, link.order_id)
    order_id = await session.scalar(
        _ORDER_BY_NUMBER,
        {
            "order_number": str(ticket.get("external_id") or ""),
            "reseller_id": integration.reseller_id,
        },
    )
    if order_id is None:
        return DigishareTicket(integration_id=integration.id, ticket_id=ticket_id), None
    link = await _locked_link(session, order_id) or await _record_link(
        session, integration_id=integration.id, ticket_id=ticket_id, order_id=order_id
    )
    if link.ticket_id != ticket_id:
        return link, None  # the order is confirmed through another ticket
    return link, await orders_service.get_order_for_update(session, order_id)


async def _locked_link(session: WriteSession, order_id: int) -> DigishareTicket | None:
    """The order's ticket as committed now, locked. Another event of the same ticket (or the
    worker) may have recorded it since we looked it up by id: then it is ours to wait for."""
    return await session.get(
        DigishareTicket, order_id, populate_existing=True, with_for_update=True
    )


async def _record_link(
    session: WriteSession, *, integration_id: int, ticket_id: str, order_id: int
) -> DigishareTicket:
    link = DigishareTicket(integration_id=integration_id, ticket_id=ticket_id, order_id=order_id)
    try:
        async with session.begin_nested():
            session.add(link)
    except IntegrityError:  # the worker, or another event, recorded the ticket at this moment
        return await _locked_link(session, order_id) or link
    return link


def _insert_event_statement(dialect: str) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING the row as the ORM's object (no second
    round trip to load what was inserted), every value a named parameter."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    columns = DigishareEvent.__table__.c
    values = {name: bindparam(name, type_=columns[name].type) for name in _EVENT_VALUES}
    return (
        insert(DigishareEvent)
        .values(values)
        .on_conflict_do_nothing(index_elements=["integration_id", "dedup_key"])
        .returning(DigishareEvent)
    )


# What :func:`receive` inserts; the statements every webhook call runs are built once.
_EVENT_VALUES = (
    "integration_id", "dedup_key", "event", "ticket_id", "raw_body", "payload", "outcome",
    "received_at",
)  # fmt: skip
_INSERT_EVENT = {name: _insert_event_statement(name) for name in ("postgresql", "sqlite")}
_LOCK_TICKET = (
    select(DigishareTicket)
    .where(
        DigishareTicket.ticket_id == bindparam("ticket_id"),
        DigishareTicket.integration_id == bindparam("integration_id"),
    )
    .with_for_update()
    .execution_options(populate_existing=True)
)
_ORDER_BY_NUMBER = select(Order.id).where(
    Order.order_number == bindparam("order_number"),
    Order.reseller_id == bindparam("reseller_id"),
)


async def _insert_once(session: WriteSession, **values: Any) -> DigishareEvent | None:
    """INSERT ... ON CONFLICT DO NOTHING: the second copy of an event finds the first's key."""
    statement = _INSERT_EVENT[session.get_bind().dialect.name]
    event: DigishareEvent | None = await session.scalar(statement, values)
    return event


def _parse(raw_body: bytes) -> tuple[dict[str, Any] | None, UnreadableJson | None]:
    """The body as an object, or None (and why, when it is not even JSON we can keep)."""
    try:
        payload = read_json(raw_body)
    except UnreadableJson as exc:
        return None, exc
    return (payload if isinstance(payload, dict) else None), None


def _dedup_key(raw_body: bytes, payload: dict[str, Any] | None) -> str:
    canonical = (
        json.dumps(payload, sort_keys=True, separators=(",", ":")).encode() if payload else raw_body
    )
    return hashlib.sha256(canonical).hexdigest()


def _text(payload: dict[str, Any] | None, key: str) -> str | None:
    value = payload.get(key) if payload else None
    return str(value)[:64] if isinstance(value, str | int) else None


def _data(payload: dict[str, Any] | None) -> dict[str, Any]:
    data = payload.get("data") if payload else None
    return data if isinstance(data, dict) else {}


def _ticket(payload: dict[str, Any]) -> dict[str, Any]:
    ticket = _data(payload).get("data")
    return ticket if isinstance(ticket, dict) else {}


def _changes(payload: dict[str, Any]) -> dict[str, Any]:
    changes = _data(payload).get("changes")
    return changes if isinstance(changes, dict) else {}


def _ticket_id(payload: dict[str, Any] | None) -> str | None:
    ticket_id = _data(payload).get("id")
    return str(ticket_id)[:64] if isinstance(ticket_id, str | int) else None


@dataclass(frozen=True, slots=True)
class EventTime:
    at: datetime
    source: EventTimeSource


_TIME_FIELDS = (
    (EventTimeSource.TICKET_UPDATED_AT, _ticket, "updated_at"),
    (EventTimeSource.CHANGES_UPDATED_AT, _changes, "updated_at"),
    (EventTimeSource.CHANGES_DATE_STATUS, _changes, "date_status"),
    (EventTimeSource.TICKET_DATE_STATUS, _ticket, "date_status"),
)


def event_time(payload: dict[str, Any], *, received_at: datetime) -> EventTime:
    """When the change happened: the first readable of the payload's times, else when we
    received it."""
    for source, part, field in _TIME_FIELDS:
        moment = _moment(part(payload).get(field))
        if moment is not None:
            return EventTime(at=moment, source=source)
    return EventTime(at=received_at, source=EventTimeSource.RECEIVED_AT)


def _moment(value: object) -> datetime | None:
    """``2026-01-13 16:29:51`` (Digishare's, UTC) or any ISO 8601 time; None if unreadable."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
