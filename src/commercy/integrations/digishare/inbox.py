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
from starlette.datastructures import Headers

from commercy.core import logs
from commercy.core.crypto import SealError, unseal_remembered
from commercy.core.database import WriteSession, utcnow
from commercy.core.errors import CommercyError, Unauthorized
from commercy.core.json_body import UnreadableJson, read_json
from commercy.core.metrics import metrics
from commercy.core.settings import Settings
from commercy.integrations.digishare import repository
from commercy.integrations.digishare.models import EventOutcome, EventTimeSource, WebhookAuthType
from commercy.orders import lifecycle
from commercy.orders import service as orders_service
from commercy.orders.models import Order, OrderStatus
from commercy.orders.service import LockedOrder

logger = logging.getLogger("commercy.digishare.inbox")

DIGISHARE_ACTOR = "digishare"
_HANDLED_EVENTS = {"ticket.updated"}


def check_credential(
    receiver: repository.WebhookReceiver, headers: Headers, *, settings: Settings
) -> None:
    """Raise 401 unless the request carries the credential configured for this integration."""
    try:
        secret = unseal_remembered(receiver.secret_sealed, settings=settings)
    except SealError as exc:
        logger.error("integration %s: webhook secret unreadable", receiver.id)
        raise Unauthorized("Webhook credential rejected") from exc
    auth_type = receiver.auth_type
    if auth_type is WebhookAuthType.BEARER:
        ok = _same(headers.get("authorization", ""), f"Bearer {secret}")
    elif auth_type is WebhookAuthType.HEADER:
        ok = _same(headers.get(receiver.auth_name or "", ""), secret)
    else:
        username, password = _basic_credentials(headers.get("authorization", ""))
        user_ok = _same(username, receiver.auth_name or "")
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
    receiver: repository.WebhookReceiver,
    raw_body: bytes,
    max_ahead: timedelta,
) -> repository.InboxEvent | None:
    """Record and apply one webhook call. None means we had this exact event already."""
    payload, unreadable = _parse(raw_body)
    event_name, ticket_id = _text(payload, "event"), _ticket_id(payload)
    verdict = _verdict_without_ticket(payload, unreadable, event=event_name, ticket_id=ticket_id)
    # What only the payload decides is inserted as it stands; the rest is written once known.
    outcome, detail = verdict or (EventOutcome.MALFORMED, None)
    received_at = utcnow()
    event_id = await repository.insert_event_once(
        session,
        integration_id=receiver.id,
        dedup_key=_dedup_key(raw_body, payload),
        event=event_name,
        ticket_id=ticket_id,
        # As received, but for what text cannot hold (bytes that are not UTF-8, NUL): U+FFFD.
        raw_body=raw_body.decode("utf-8", errors="replace").replace("\x00", "\ufffd"),
        payload=payload,
        outcome=outcome,
        detail=detail,
        received_at=received_at,
    )
    if event_id is None:
        metrics().webhook_events.labels("duplicate").inc()
        return None
    event = repository.InboxEvent(
        id=event_id,
        event=event_name,
        ticket_id=ticket_id,
        received_at=received_at,
        outcome=outcome,
        detail=detail,
    )
    logs.bind(ticket_id=ticket_id)
    if verdict is None:
        assert payload is not None  # a verdict is given to every event without one
        applied_to = await _apply_ticket_update(
            session, receiver=receiver, event=event, payload=payload, max_ahead=max_ahead
        )
        await repository.record_outcome(session, event, applied_to=applied_to)
    logs.bind(order_id=event.order_id)
    metrics().webhook_events.labels(event.outcome.value).inc()
    return event


def _verdict_without_ticket(
    payload: dict[str, Any] | None,
    unreadable: UnreadableJson | None,
    *,
    event: str | None,
    ticket_id: str | None,
) -> tuple[EventOutcome, str] | None:
    """What an event we do not apply to a ticket did, which its body alone decides; None for
    a ``ticket.updated`` to apply."""
    if unreadable is not None:
        return EventOutcome.MALFORMED, f"Body {unreadable}"
    if payload is None or event is None or ticket_id is None:
        return EventOutcome.MALFORMED, "Body is not a Digishare event (event, data.id)"
    if event not in _HANDLED_EVENTS:
        return EventOutcome.IGNORED, f"{event} needs no action"
    return None


async def _apply_ticket_update(
    session: WriteSession,
    *,
    receiver: repository.WebhookReceiver,
    event: repository.InboxEvent,
    payload: dict[str, Any],
    max_ahead: timedelta,
) -> repository.TicketLink | None:
    """Handle a ``ticket.updated``: what it did goes on ``event``. The ticket whose latest
    event it becomes (even when the lifecycle refuses the move: it happened), if any."""
    ticket = _ticket(payload)
    status_id = str(
        _changes(payload).get("ticket_status_id") or ticket.get("ticket_status_id") or ""
    )
    happened = event_time(payload, received_at=event.received_at)
    event.event_at, event.event_time_source = happened.at, happened.source
    found = await _find_order(session, receiver=receiver, ticket=ticket)
    if found is None:
        event.outcome, event.detail = EventOutcome.UNKNOWN_TICKET, "No order for this ticket"
        return None
    link, order = found
    event.order_id = order.id
    changed = _changes(payload)
    if changed and "ticket_status_id" not in changed:
        # Another change of the ticket (our own note after an edit, a handler assigned): its
        # status, unchanged, must not undo what an agent has set on the order since.
        event.outcome = EventOutcome.UNCHANGED
        names = [name[:40] for name in sorted(changed) if name.isprintable()][:10]
        event.detail = f"The ticket's status did not change ({', '.join(names)})"
        return None
    refusal = _refuse_for_time(
        happened,
        received_at=event.received_at,
        last_applied=link.last_event_at,
        max_ahead=max_ahead,
    )
    if refusal is not None:
        event.outcome, event.detail = refusal
        return None
    target = receiver.status_map.get(status_id)
    if target is None:
        event.outcome, event.detail = EventOutcome.UNMAPPED, f"Status {status_id!r} is not mapped"
        return None
    await _move_order(session, order=order, target=OrderStatus(target), event=event)
    return link


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
    session: WriteSession,
    *,
    order: LockedOrder,
    target: OrderStatus,
    event: repository.InboxEvent,
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
    session: WriteSession,
    *,
    order: LockedOrder,
    target: OrderStatus,
    event: repository.InboxEvent,
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
    session: WriteSession, *, receiver: repository.WebhookReceiver, ticket: dict[str, Any]
) -> tuple[repository.TicketLink, LockedOrder] | None:
    """By the ticket id we stored; else by external_id (the order number) within the reseller,
    which covers an update that outruns the worker recording the ticket.

    The ticket's row is locked (then the order's) before anything is compared with it, so the
    events of one ticket are handled one at a time, each seeing what the one before stored."""
    ticket_id = str(ticket.get("id") or "")
    found = await repository.lock_ticket_and_order(
        session, integration_id=receiver.id, ticket_id=ticket_id
    )
    if found is not None:
        return found
    order_id = await session.scalar(
        _ORDER_BY_NUMBER,
        {
            "order_number": str(ticket.get("external_id") or ""),
            "reseller_id": receiver.reseller_id,
        },
    )
    if order_id is None:
        return None
    # The order's ticket as committed now: another event of the same ticket (or the worker)
    # may have recorded it since we looked it up by id, and then it is ours to wait for.
    link = await repository.lock_link_of_order(session, order_id) or await _record_link(
        session, integration_id=receiver.id, ticket_id=ticket_id, order_id=order_id
    )
    if link.ticket_id != ticket_id:
        return None  # the order is confirmed through another ticket
    order = await repository.lock_order(session, order_id)
    return None if order is None else (link, order)


async def _record_link(
    session: WriteSession, *, integration_id: int, ticket_id: str, order_id: int
) -> repository.TicketLink:
    recorded = await repository.record_link(
        session, integration_id=integration_id, ticket_id=ticket_id, order_id=order_id
    )
    if recorded is not None:
        return recorded
    # The worker, or another event, recorded the ticket at this moment.
    return await repository.lock_link_of_order(session, order_id) or repository.TicketLink(
        order_id=order_id, ticket_id=ticket_id, last_event_at=None
    )


# Read through the session (not precompiled): the rare path of an event outrunning the
# worker's record of its ticket, and where tests hold an event to make that race happen.
_ORDER_BY_NUMBER = select(Order.id).where(
    Order.order_number == bindparam("order_number"),
    Order.reseller_id == bindparam("reseller_id"),
)


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
