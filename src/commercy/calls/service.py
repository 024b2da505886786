"""Call center rules: claims on orders, the next order to call, and call attempts, whose
outcome moves the order through the orders' own lifecycle (stock, history, 409 rules)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from commercy.accounts.models import Reseller
from commercy.auth.actor import Actor, check_own_id
from commercy.auth.models import Role, User
from commercy.calls import queries, rules
from commercy.calls.models import CallAttempt, CallOutcome, CallSettings
from commercy.calls.rules import QueueReason, QueueRules
from commercy.calls.schemas import (
    CallIn,
    CallRulesOut,
    CallSettingsIn,
    CallSettingsOut,
    CallStatsOut,
    QueueCounts,
)
from commercy.core import periods
from commercy.core.database import WriteSession, utcnow
from commercy.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from commercy.core.pagination import Page
from commercy.core.responses import iso_timestamp
from commercy.core.settings import Settings
from commercy.orders import queries as orders_queries
from commercy.orders import service as orders_service
from commercy.orders.models import Order, OrderStatus
from commercy.orders.schemas import OrderDetailOut

#: How far ahead a callback may be scheduled.
MAX_CALLBACK_AHEAD = timedelta(days=366)


def check_may_call(actor: Actor) -> None:
    if actor.role is Role.SUPPLIER:
        raise Forbidden(
            "Suppliers do not call customers; agents, resellers and admins do",
            code="role_cannot_call",
        )


def check_may_supervise(actor: Actor) -> None:
    if actor.role not in (Role.ADMIN, Role.RESELLER):
        raise Forbidden(
            "The queue is for supervisors: admins and resellers", code="supervisors_only"
        )


async def rules_for(session: AsyncSession, *, reseller_id: int, settings: Settings) -> QueueRules:
    """The reseller's queue rules: its own settings row over the installation's defaults."""
    return QueueRules.of(settings, await session.get(CallSettings, reseller_id))


def _claim_active(order: Order, now: datetime) -> bool:
    return order.claim_expires_at is not None and order.claim_expires_at > now


async def _lock(session: WriteSession, *, actor: Actor, reference: str) -> Order:
    """The order in the actor's scope, its row locked until the transaction ends; else 404."""
    statement = orders_queries.by_reference(orders_queries.visible_orders(actor), reference)
    order = await session.scalar(
        statement.with_for_update().execution_options(populate_existing=True)
    )
    if order is None:
        raise NotFound(f"Order {reference} not found", code="order_not_found")
    return order


async def _claimed_elsewhere(session: AsyncSession, order: Order) -> Conflict:
    """409 naming who holds the order's claim and when it ends."""
    holder = await session.get(User, order.claimed_by_user_id) if order.claimed_by_user_id else None
    name = holder.identifier if holder is not None else "another user"
    assert order.claim_expires_at is not None
    until = iso_timestamp(order.claim_expires_at)
    return Conflict(
        f"Order {order.order_number} is being called by {name} until {until}",
        details={
            "claimedBy": order.claimed_by_user_id,
            "claimedByIdentifier": holder.identifier if holder is not None else None,
            "claimedUntil": until,
        },
    )


def _check_in_queue(order: Order) -> None:
    if order.status not in rules.CALLING:
        calling = [status.value for status in OrderStatus if status in rules.CALLING]
        raise Conflict(
            f"Order {order.order_number} is {order.status.value}: only orders being confirmed "
            "are called",
            details={"currentStatus": order.status.value, "callingStatuses": calling},
            code="order_not_in_queue",
        )


async def _take(
    session: WriteSession, order: Order, *, actor: Actor, now: datetime, settings: Settings
) -> None:
    """Claim the order. A claim is no change of the order: written past the ORM's version
    counter, so the ETag the agent read stays good for its edits after a renewal."""
    until = now + timedelta(minutes=settings.call_claim_minutes)
    await session.execute(
        update(Order)
        .where(Order.id == order.id)
        .values(claimed_by_user_id=actor.user_id, claim_expires_at=until)
        .execution_options(synchronize_session=False)
    )
    set_committed_value(order, "claimed_by_user_id", actor.user_id)
    set_committed_value(order, "claim_expires_at", until)


async def _claim_next(session: WriteSession, *, actor: Actor, settings: Settings) -> int | None:
    """Claim the first order due in the actor's queue, ending the actor's other claims; its
    id, None when nothing is due."""
    check_may_call(actor)
    await session.flush()  # the claim runs past the ORM (Precompiled)
    now = utcnow()
    until = now + timedelta(minutes=settings.call_claim_minutes)
    return await queries.claim_next(session, actor=actor, now=now, until=until)


async def next_order(session: WriteSession, *, actor: Actor, settings: Settings) -> Order | None:
    """Claim the first order due in the actor's queue (returned with its items and history);
    None when nothing is due."""
    order_id = await _claim_next(session, actor=actor, settings=settings)
    if order_id is None:
        return None
    return await orders_service.get_order(session, actor=actor, reference=str(order_id))


async def next_order_detail(
    session: WriteSession, *, actor: Actor, settings: Settings
) -> OrderDetailOut | None:
    """:func:`next_order` as its answer, read in one statement (the order's GET answer, the
    claim included); None when nothing is due."""
    order_id = await _claim_next(session, actor=actor, settings=settings)
    if order_id is None:
        return None
    return await orders_service.order_detail(session, actor=actor, reference=str(order_id))


async def claim(
    session: WriteSession, *, actor: Actor, reference: str, settings: Settings
) -> Order:
    """Claim this order (or renew one's own claim); 409 when another holds it or when it is
    not being confirmed."""
    check_may_call(actor)
    order = await _lock(session, actor=actor, reference=reference)
    now = utcnow()
    if _claim_active(order, now) and order.claimed_by_user_id != actor.user_id:
        raise await _claimed_elsewhere(session, order)
    _check_in_queue(order)
    await _take(session, order, actor=actor, now=now, settings=settings)
    # An agent calls one customer at a time: taking an order ends its other claims.
    await queries.release_other_claims(session, agent_id=actor.user_id, keep=order.id, now=now)
    await session.flush()
    return order


async def release(session: WriteSession, *, actor: Actor, reference: str) -> None:
    """End the claim: its holder, the reseller its agents work for, or an admin. No claim:
    nothing to do."""
    check_may_call(actor)
    order = await _lock(session, actor=actor, reference=reference)
    if order.claimed_by_user_id is None:
        return
    mine = order.claimed_by_user_id == actor.user_id
    supervises = actor.is_admin or actor.role is Role.RESELLER  # the order is in its scope
    if not mine and not supervises and _claim_active(order, utcnow()):
        raise await _claimed_elsewhere(session, order)
    order.claimed_by_user_id = order.claim_expires_at = None
    await session.flush()


async def current_order(session: AsyncSession, *, actor: Actor) -> Order | None:
    """The order the actor is calling now (its active claim), with items and history."""
    check_may_call(actor)
    return await session.scalar(queries.current_claim(actor, utcnow()))


@dataclass(frozen=True, slots=True)
class Recorded:
    attempt: CallAttempt
    order: Order


def _check_callback(data: CallIn, now: datetime) -> None:
    if data.outcome is CallOutcome.RAPPORTED and data.callback_at is None:
        raise ValidationFailed(
            "callbackAt",
            "callbackAt is required when the outcome is rapported",
            code="callback_required",
        )
    if data.callback_at is None:
        return
    if data.outcome in rules.FINAL:
        raise ValidationFailed(
            "callbackAt",
            f"callbackAt has no meaning when the outcome is {data.outcome.value}",
            code="callback_not_for_final",
        )
    if data.callback_at <= now:
        raise ValidationFailed(
            "callbackAt", "callbackAt must be in the future", code="callback_in_past"
        )
    if data.callback_at - now > MAX_CALLBACK_AHEAD:
        raise ValidationFailed(
            "callbackAt", "callbackAt is at most a year ahead", code="callback_too_late"
        )


async def record_call(
    session: WriteSession, *, actor: Actor, reference: str, data: CallIn, settings: Settings
) -> Recorded:
    """Record a call by the claim's holder: the outcome's status through the lifecycle, the
    attempt, the next call scheduled, the claim ended. Enough unreached calls abandon the
    order."""
    check_may_call(actor)
    now = utcnow()
    _check_callback(data, now)
    order = await _lock(session, actor=actor, reference=reference)
    # The holder may still record once the claim has run out, as long as nobody took it over.
    if order.claimed_by_user_id != actor.user_id:
        raise Conflict(
            f"Claim order {order.order_number} before recording a call "
            f"(POST /api/v1/orders/{order.id}/claim)",
            details={"field": "claim", "claimedBy": order.claimed_by_user_id},
            code="claim_first",
        )
    # Confirmed or canceled meanwhile (on WhatsApp, by hand): the call is no longer due.
    _check_in_queue(order)
    number = order.call_attempts + 1
    status, next_at, history_note = await _consequences(
        session, order=order, data=data, number=number, settings=settings, now=now
    )
    if status == order.status:  # another unanswered call: still one history line per call
        orders_service.add_history_line(
            session,
            order=order,
            actor_label=actor.label,
            actor_user_id=actor.user_id,
            note=history_note,
        )
    else:
        await orders_service.change_status(
            session,
            order=order,
            status=status,
            actor_label=actor.label,
            actor_user_id=actor.user_id,
            note=history_note,
        )
    attempt = CallAttempt(
        order_id=order.id,
        reseller_id=order.reseller_id,
        agent_user_id=actor.user_id,
        agent_label=actor.label,
        outcome=data.outcome,
        note=data.note or None,
        callback_at=data.callback_at,
        created_at=now,
    )
    session.add(attempt)
    order.call_attempts = number
    order.next_call_at = next_at
    order.claimed_by_user_id = order.claim_expires_at = None
    await session.flush()
    return Recorded(attempt=attempt, order=order)


async def _consequences(
    session: WriteSession,
    *,
    order: Order,
    data: CallIn,
    number: int,
    settings: Settings,
    now: datetime,
) -> tuple[OrderStatus, datetime | None, str]:
    """What a call does to its order: the status it sets, when the next call is due, and the
    history's note. The reseller's give-up count turns an unreached call into `abandoned`."""
    status, history_note = OrderStatus(data.outcome.value), _history_note(number, data.note)
    if data.outcome in rules.FINAL:
        return status, None, history_note
    queue_rules = await rules_for(session, reseller_id=order.reseller_id, settings=settings)
    unreached = 0
    if data.outcome in rules.UNREACHED:
        unreached = await queries.unreached_calls(session, order_id=order.id) + 1
        if queue_rules.gives_up_after(unreached):
            note = (
                f"Abandoned: {unreached} calls without reaching the customer "
                f"(last: {data.outcome.value})"
            )
            return OrderStatus.ABANDONED, None, note
    next_at = rules.next_call_at(
        outcome=data.outcome,
        callback_at=data.callback_at,
        unreached_calls=unreached,
        rules=queue_rules,
        now=now,
    )
    return status, next_at, history_note


def _history_note(number: int, note: str | None) -> str:
    return f"Call {number}: {note}" if note else f"Call {number}"


async def list_calls(session: AsyncSession, *, actor: Actor, reference: str) -> list[CallAttempt]:
    check_may_call(actor)
    order = await orders_service.get_order(session, actor=actor, reference=reference)
    return await queries.attempts(session, order_id=order.id)


async def hold_for_whatsapp(
    session: WriteSession, *, order_id: int, reseller_id: int, sent_at: datetime, settings: Settings
) -> None:
    """A WhatsApp confirmation was just sent for a new order: give the customer the reseller's
    grace period to answer it before an agent calls. (Called by the messaging integration,
    which need not know anything of the queue.)"""
    grace = (await rules_for(session, reseller_id=reseller_id, settings=settings)).whatsapp_grace
    if not grace:
        return
    until = sent_at + grace
    await session.execute(
        update(Order)
        .where(
            Order.id == order_id,
            Order.status == OrderStatus.PENDING,
            Order.call_attempts == 0,
            (Order.next_call_at.is_(None)) | (Order.next_call_at < until),
        )
        .values(next_call_at=until)
        .execution_options(synchronize_session=False)
    )


# --- the supervisor's view ------------------------------------------------------------------


def _counts(rows: list[tuple[str, int, int, int]]) -> QueueCounts:
    tally = dict.fromkeys(QueueReason, 0)
    for status, orders, claimed, scheduled in rows:
        tally[QueueReason.CLAIMED] += claimed
        tally[QueueReason.SCHEDULED] += scheduled
        tally[rules.reason_of(OrderStatus(status))] += orders - claimed - scheduled
    return QueueCounts(
        callback=tally[QueueReason.CALLBACK],
        new=tally[QueueReason.NEW],
        retry=tally[QueueReason.RETRY],
        scheduled=tally[QueueReason.SCHEDULED],
        claimed=tally[QueueReason.CLAIMED],
        total=sum(orders for _, orders, _, _ in rows),
    )


def _reason(row: dict[str, object], now: datetime) -> QueueReason:
    expires = row["claim_expires_at"]
    if isinstance(expires, datetime) and expires > now:
        return QueueReason.CLAIMED
    due = row["due_at"]
    if isinstance(due, datetime) and due > now:
        return QueueReason.SCHEDULED
    return rules.reason_of(OrderStatus(str(row["status"])))


async def queue(
    session: AsyncSession, *, actor: Actor, reseller_id: int | None, page: Page
) -> tuple[QueueCounts, list[dict[str, object]]]:
    """The counts by reason and a page of the queue's orders, each with its reason."""
    check_may_supervise(actor)
    now = utcnow()
    counts = _counts(
        await queries.queue_counts(session, actor=actor, reseller_id=reseller_id, now=now)
    )
    rows = await queries.queue_page(
        session, actor=actor, reseller_id=reseller_id, now=now, page=page
    )
    for row in rows:
        row["reason"] = _reason(row, now)
        active = row["reason"] is QueueReason.CLAIMED
        holder, until = row.pop("claimed_by_user_id"), row.pop("claim_expires_at")
        row["claimed_by"] = holder if active else None
        row["claimed_until"] = until if active else None
    return counts, rows


# --- the numbers ----------------------------------------------------------------------------


async def call_stats(
    session: AsyncSession,
    *,
    actor: Actor,
    date_from: date | None,
    date_to: date | None,
    agent_id: int | None,
) -> list[CallStatsOut]:
    """Per agent and day. Admins see every agent, resellers their agents, an agent itself."""
    check_may_call(actor)
    first, last = periods.report_period(date_from, date_to, today=utcnow().date())
    since, until = periods.utc_bounds(first, last)
    if actor.role is Role.AGENT:
        if agent_id not in (None, actor.user_id):
            raise Forbidden(
                "Agents see their own numbers only",
                details={"field": "agentId"},
                code="own_numbers_only",
            )
        agent_id = actor.user_id
    rows = await queries.call_stats(
        session, actor=actor, since=since, until=until, agent_id=agent_id
    )
    return [_stats_row(row) for row in rows]


@dataclass(frozen=True, slots=True)
class AgentDay:
    attempts: int
    confirmed: int
    confirmation_rate: float | None


async def agent_day(session: AsyncSession, *, actor: Actor, zone: ZoneInfo) -> AgentDay:
    """The actor's own calls since midnight where it works (its day, not UTC's)."""
    check_may_call(actor)
    today = datetime.now(zone).date()
    since = datetime(today.year, today.month, today.day, tzinfo=zone)
    until = datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    rows = await queries.call_stats(
        session, actor=actor, since=since, until=until, agent_id=actor.user_id
    )
    attempts = sum(int(row["attempts"]) for row in rows)
    reached = sum(int(row["reached"] or 0) for row in rows)
    confirmed = sum(int(row["confirmed"] or 0) for row in rows)
    return AgentDay(
        attempts=attempts,
        confirmed=confirmed,
        confirmation_rate=_confirmation_rate(confirmed, reached),
    )


def _confirmation_rate(confirmed: int, reached: int) -> float | None:
    """confirmed / reached, to 4 places; None when no call reached anyone."""
    return round(confirmed / reached, 4) if reached else None


def _stats_row(row: dict[str, Any]) -> CallStatsOut:
    reached, confirmed = int(row["reached"] or 0), int(row["confirmed"] or 0)
    average = row["calls_to_confirm"]
    return CallStatsOut(
        date=str(row["day"]),
        agent_user_id=row["agent_user_id"],
        agent=str(row["agent"]),
        attempts=int(row["attempts"]),
        reached=reached,
        confirmed=confirmed,
        canceled=int(row["canceled"] or 0),
        confirmation_rate=_confirmation_rate(confirmed, reached),
        average_attempts_per_confirmed=round(float(average), 2) if average is not None else None,
    )


# --- a reseller's settings ------------------------------------------------------------------


def settings_reseller_id(actor: Actor, requested: int | None, *, writing: bool) -> int:
    """Admins name the reseller (`resellerId`); resellers (and, to read, their agents) their
    own."""
    if actor.is_admin:
        if requested is None:
            raise ValidationFailed(
                "resellerId",
                "Admins must say which reseller (resellerId)",
                code="reseller_required",
            )
        return requested
    allowed = (Role.RESELLER,) if writing else (Role.RESELLER, Role.AGENT)
    if actor.role not in allowed or actor.reseller_id is None:
        raise Forbidden(
            "Only admins and resellers change the queue's settings", code="role_cannot_change_queue"
        )
    check_own_id(field="resellerId", given=requested, own=actor.reseller_id)
    return actor.reseller_id


def _rules_out(rules_: QueueRules) -> CallRulesOut:
    return CallRulesOut(
        retry_delays_minutes=[int(d.total_seconds() // 60) for d in rules_.retry_delays],
        max_unreached_attempts=rules_.max_unreached_attempts,
        whatsapp_grace_minutes=int(rules_.whatsapp_grace.total_seconds() // 60),
    )


async def queue_settings(
    session: AsyncSession, *, reseller_id: int, settings: Settings
) -> CallSettingsOut:
    if await session.get(Reseller, reseller_id) is None:
        raise NotFound(f"Reseller {reseller_id} not found", code="reseller_not_found")
    own = await session.get(CallSettings, reseller_id)
    effective = _rules_out(QueueRules.of(settings, own))
    return CallSettingsOut(
        **effective.model_dump(),
        reseller_id=reseller_id,
        overrides=CallSettingsIn(
            retry_delays_minutes=own.retry_delays_minutes if own else None,
            max_unreached_attempts=own.max_unreached_attempts if own else None,
            whatsapp_grace_minutes=own.whatsapp_grace_minutes if own else None,
        ),
        defaults=_rules_out(QueueRules.of(settings)),
    )


async def save_queue_settings(
    session: WriteSession, *, reseller_id: int, data: CallSettingsIn, settings: Settings
) -> CallSettingsOut:
    """Replace the reseller's overrides (null: the default)."""
    if await session.get(Reseller, reseller_id) is None:
        raise NotFound(f"Reseller {reseller_id} not found", code="reseller_not_found")
    own = await session.get(CallSettings, reseller_id)
    if own is None:
        own = CallSettings(reseller_id=reseller_id)
        session.add(own)
    own.retry_delays_minutes = data.retry_delays_minutes
    own.max_unreached_attempts = data.max_unreached_attempts
    own.whatsapp_grace_minutes = data.whatsapp_grace_minutes
    await session.flush()
    return await queue_settings(session, reseller_id=reseller_id, settings=settings)
