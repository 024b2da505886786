"""The queue's statements: the claim of the next order to call (one UPDATE over one indexed
walk of ``orders``), the end of an agent's other claims, and the queue as a supervisor reads
it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Table,
    and_,
    bindparam,
    case,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from commercy.auth.actor import Actor
from commercy.calls.models import CallAttempt, CallOutcome
from commercy.calls.rules import UNREACHED
from commercy.core.database import Precompiled, UTCDateTime
from commercy.core.pagination import Page
from commercy.orders import queries as orders_queries
from commercy.orders.models import Order

_TABLE = cast(Table, Order.__table__)
_ORDERS = _TABLE.c
_NOW = bindparam("now", type_=UTCDateTime())

#: Orders waiting to be called (being confirmed, not from a blocked number) have a rank:
#: callbacks, then new orders, then retries (rules.RANKS; orders.models.CALL_RANK).
_IN_QUEUE = _ORDERS.call_rank.is_not(None)
_UNCLAIMED = or_(_ORDERS.claim_expires_at.is_(None), _ORDERS.claim_expires_at <= _NOW)
_DUE = _ORDERS.call_due_at <= _NOW
#: The queue's order, that of its index: taking the next order walks it from the start.
_QUEUE_ORDER = (_ORDERS.call_rank, _ORDERS.call_due_at, _ORDERS.id)


_AGENT = bindparam("agent_id", type_=Integer())


def _claim_next_statement(scope: list[ColumnElement[bool]]) -> Precompiled:
    """The claim of the first order due and unclaimed in the scope, and the end of the agent's
    other claims, in one statement.

    ``first_due`` walks the queue's index and locks the first order due and free (PostgreSQL:
    ``FOR UPDATE SKIP LOCKED``, so two agents asking at once get two orders; SQLite serialises
    writers with ``BEGIN IMMEDIATE``); an agent's queue is one reseller's: the walk passes over
    the entries not due yet without reading their rows. ``others`` are the agent's other claims,
    only when an order is taken; rows another request has locked are left alone: it is taking
    them over or ending them, and waiting for it could deadlock (it may wait for the row this
    request holds). The UPDATE claims the first and ends the others, and returns each row's id
    and holder. A claim is no change of the order: the version stays (the ETag the agent read
    stays good for its edits)."""
    first_due = (
        select(_ORDERS.id)
        .where(*scope, _IN_QUEUE, _DUE, _UNCLAIMED)
        .order_by(*_QUEUE_ORDER)
        .limit(1)
        .with_for_update(skip_locked=True)
        .cte("first_due")
    )
    taken = select(first_due.c.id)
    others = (
        select(_ORDERS.id)
        .where(
            _ORDERS.claimed_by_user_id == _AGENT,
            _ORDERS.id.not_in(taken),
            taken.exists(),
        )
        .with_for_update(skip_locked=True)
        .cte("others")
    )
    is_taken = _ORDERS.id == taken.scalar_subquery()
    return Precompiled(
        update(_TABLE)
        .add_cte(first_due, others)
        .where(_ORDERS.id.in_(union_all(taken, select(others.c.id))))
        .values(
            claimed_by_user_id=case((is_taken, _AGENT), else_=null()),
            claim_expires_at=case(
                (is_taken, bindparam("until", type_=UTCDateTime())), else_=null()
            ),
            updated_at=_NOW,
        )
        .returning(_ORDERS.id, _ORDERS.claimed_by_user_id)
    )


# One statement per shape of the scope (admins: none; resellers and agents: the reseller's).
_CLAIM_NEXT: dict[tuple[str, ...], Precompiled] = {}


async def claim_next(
    session: AsyncSession, *, actor: Actor, now: datetime, until: datetime
) -> int | None:
    """Claim the first order due in the actor's queue for the actor until ``until``, ending the
    actor's other claims; its id, None when nothing is due (the other claims then stay)."""
    scope, params = orders_queries.scope_conditions(actor)
    shape = tuple(params)
    statement = _CLAIM_NEXT.get(shape)
    if statement is None:
        statement = _CLAIM_NEXT[shape] = _claim_next_statement(scope)
    values = {**params, "agent_id": actor.user_id, "now": now, "until": until}
    rows = await statement.rows(session, values)
    return next((row["id"] for row in rows if row["claimed_by_user_id"] is not None), None)


_RELEASE_OTHER_CLAIMS = Precompiled(
    update(_TABLE)
    .where(
        _ORDERS.id.in_(
            select(_ORDERS.id)
            .where(
                _ORDERS.claimed_by_user_id == bindparam("agent_id"),
                _ORDERS.id != bindparam("keep"),
            )
            .with_for_update(skip_locked=True)
            .correlate(None)
        )
    )
    .values(claimed_by_user_id=null(), claim_expires_at=null(), updated_at=_NOW)
)


async def release_other_claims(
    session: AsyncSession, *, agent_id: int, keep: int, now: datetime
) -> None:
    """End the agent's claims but the one on order ``keep``, those another request has locked
    left alone (see :func:`_claim_next_statement`)."""
    await _RELEASE_OTHER_CLAIMS.execute(session, {"agent_id": agent_id, "keep": keep, "now": now})


async def unreached_calls(session: AsyncSession, *, order_id: int) -> int:
    """How many calls of the order found nobody."""
    count = await session.scalar(
        select(func.count())
        .select_from(CallAttempt)
        .where(CallAttempt.order_id == order_id, CallAttempt.outcome.in_(UNREACHED))
    )
    return count or 0


async def attempts(session: AsyncSession, *, order_id: int) -> list[CallAttempt]:
    rows = await session.scalars(
        select(CallAttempt).where(CallAttempt.order_id == order_id).order_by(CallAttempt.id)
    )
    return list(rows)


# --- the supervisor's view ------------------------------------------------------------------

_CLAIMED = and_(_ORDERS.claim_expires_at.is_not(None), _ORDERS.claim_expires_at > _NOW)
# Waiting to be called now (0), or not yet: claimed or not due (1).
_WAITING = case((or_(_CLAIMED, ~_DUE), 1), else_=0)
# The due ones by the queue's rank; those that wait by due time alone.
_RANK_IF_DUE = case((or_(_CLAIMED, ~_DUE), 0), else_=_ORDERS.call_rank)


async def queue_counts(
    session: AsyncSession, *, actor: Actor, reseller_id: int | None, now: datetime
) -> list[tuple[str, int, int, int]]:
    """(status, orders, of which claimed, of which not due yet and unclaimed) over the queue
    in scope."""
    claimed = func.sum(case((_CLAIMED, 1), else_=0))
    scheduled = func.sum(case((and_(~_CLAIMED, ~_DUE), 1), else_=0))
    statement = (
        select(_ORDERS.status, func.count(), claimed, scheduled)
        .where(*orders_queries.scope_filter(actor), *_reseller(reseller_id), _IN_QUEUE)
        .group_by(_ORDERS.status)
    )
    rows = await session.execute(statement, {"now": now})
    return [(str(status), n, int(c or 0), int(w or 0)) for status, n, c, w in rows]


async def queue_page(
    session: AsyncSession, *, actor: Actor, reseller_id: int | None, now: datetime, page: Page
) -> list[dict[str, Any]]:
    """A page of the queue: what will be called, in that order, then what waits, by due time."""
    statement = (
        select(
            _ORDERS.id,
            _ORDERS.order_number,
            _ORDERS.reseller_id,
            _ORDERS.status,
            _ORDERS.call_due_at.label("due_at"),
            _ORDERS.call_attempts,
            _ORDERS.claimed_by_user_id,
            _ORDERS.claim_expires_at,
            _ORDERS.customer_name,
            _ORDERS.customer_phone,
            _ORDERS.customer_city,
            _ORDERS.total,
            _ORDERS.possible_duplicate_of,
            _ORDERS.created_at,
        )
        .where(*orders_queries.scope_filter(actor), *_reseller(reseller_id), _IN_QUEUE)
        .order_by(_WAITING, _RANK_IF_DUE, _ORDERS.call_due_at, _ORDERS.id)
        .limit(page.limit)
        .offset(page.offset)
    )
    rows = await session.execute(statement, {"now": now})
    return [dict(row._mapping) for row in rows]


def _reseller(reseller_id: int | None) -> list[ColumnElement[bool]]:
    return [] if reseller_id is None else [_ORDERS.reseller_id == reseller_id]


# --- the numbers ------------------------------------------------------------------------------

_ATTEMPTS = CallAttempt.__table__.c


def _day(dialect: str) -> ColumnElement[Any]:
    """The UTC day of an attempt, as ``YYYY-MM-DD`` text on both databases."""
    if dialect == "postgresql":
        # Literals, not parameters: GROUP BY must repeat the SELECT's expression exactly.
        utc: ColumnElement[str] = literal_column("'UTC'")
        shape: ColumnElement[str] = literal_column("'YYYY-MM-DD'")
        return func.to_char(func.timezone(utc, _ATTEMPTS.created_at), shape)
    return func.substr(_ATTEMPTS.created_at, 1, 10)  # SQLite keeps UTC text


def _attempts_in_scope(actor: Actor) -> list[ColumnElement[bool]]:
    """The orders' scope rule applied to the attempts' own copy of the reseller (suppliers
    never call: the service refuses them first)."""
    columns = {"scope_reseller_id": _ATTEMPTS.reseller_id}
    return [columns[name] == value for name, value in orders_queries.scope(actor).items()]


def call_stats_statement(
    actor: Actor, *, since: datetime, until: datetime, agent_id: int | None, dialect: str
) -> Select[Any]:
    """Per agent and UTC day: attempts, reached, confirmed, canceled, and the calls each
    confirmed order took (counted up to the confirming one)."""
    earlier = CallAttempt.__table__.alias("earlier")
    calls_to_confirm = (
        select(func.count())
        .where(earlier.c.order_id == _ATTEMPTS.order_id, earlier.c.id <= _ATTEMPTS.id)
        .scalar_subquery()
    )
    confirmed = _ATTEMPTS.outcome == CallOutcome.CONFIRMED.value
    day = _day(dialect).label("day")
    conditions = [
        *_attempts_in_scope(actor),
        _ATTEMPTS.created_at >= since,
        _ATTEMPTS.created_at < until,
    ]
    if agent_id is not None:
        conditions.append(_ATTEMPTS.agent_user_id == agent_id)
    return (
        select(
            day,
            _ATTEMPTS.agent_user_id,
            func.max(_ATTEMPTS.agent_label).label("agent"),
            func.count().label("attempts"),
            func.sum(case((_ATTEMPTS.outcome.in_(_NO_CONVERSATION), 0), else_=1)).label("reached"),
            func.sum(case((confirmed, 1), else_=0)).label("confirmed"),
            func.sum(case((_ATTEMPTS.outcome == CallOutcome.CANCELED.value, 1), else_=0)).label(
                "canceled"
            ),
            func.avg(case((confirmed, calls_to_confirm), else_=None)).label("calls_to_confirm"),
        )
        .where(*conditions)
        .group_by(day, _ATTEMPTS.agent_user_id)
        .order_by(day, _ATTEMPTS.agent_user_id)
    )


async def call_stats(
    session: AsyncSession,
    *,
    actor: Actor,
    since: datetime,
    until: datetime,
    agent_id: int | None,
) -> list[dict[str, Any]]:
    statement = call_stats_statement(
        actor,
        since=since,
        until=until,
        agent_id=agent_id,
        dialect=session.get_bind().dialect.name,
    )
    return [dict(row._mapping) for row in await session.execute(statement)]


#: An agent who gives up on an order (`abandoned`) did not reach the customer either.
_NO_CONVERSATION = [outcome.value for outcome in UNREACHED | {CallOutcome.ABANDONED}]


# --- the agent's screen ---------------------------------------------------------------------


def current_claim(actor: Actor, now: datetime) -> Select[Order]:
    """The order the actor holds an active claim on (one at a time), with items and history."""
    return (
        select(Order)
        .where(
            *orders_queries.scope_filter(actor),
            _ORDERS.claimed_by_user_id == actor.user_id,
            _ORDERS.claim_expires_at > now,
        )
        .options(selectinload(Order.items), selectinload(Order.history))
        .order_by(_ORDERS.claim_expires_at.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )


async def watch_state(session: AsyncSession, *, order_id: int) -> dict[str, Any] | None:
    """What the agent's screen watches of an order, in one cheap primary-key read."""
    row = await session.execute(
        select(
            _ORDERS.status, _ORDERS.version, _ORDERS.claimed_by_user_id, _ORDERS.claim_expires_at
        ).where(_ORDERS.id == order_id)
    )
    found = row.first()
    return dict(found._mapping) if found is not None else None
