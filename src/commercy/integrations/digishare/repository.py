"""The webhook inbox's own statements: plain SQL built once, read into small records.

Every Digishare webhook call reads its integration, inserts the raw event, locks its ticket and
order, and writes what the event did. Through the ORM each of those built and tracked objects
and the end flushed them; here each is a SQLAlchemy Core statement compiled once
(:class:`~commercy.core.database.Precompiled`), with every value a named parameter, and no ORM
object is built. The ticket and its order are locked in one statement, and on PostgreSQL the
event's outcome and the ticket's latest time are written in one.
``tests/integrations/test_webhook_rows.py`` holds the rows they write to what the ORM wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from commercy.core.database import Precompiled, WriteSession, table_of
from commercy.integrations.digishare.models import (
    DigishareEvent,
    DigishareIntegration,
    DigishareTicket,
    EventOutcome,
    EventTimeSource,
    WebhookAuthType,
)
from commercy.orders.models import Order
from commercy.orders.service import LockedOrder

_INTEGRATIONS = table_of(DigishareIntegration).c
_EVENTS = table_of(DigishareEvent).c
_TICKETS = table_of(DigishareTicket).c
_ORDERS = table_of(Order).c


# --- the integration ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WebhookReceiver:
    """What a webhook call needs of its integration: whose it is, how the caller proves
    itself, and which order status each Digishare status means."""

    id: int
    reseller_id: int
    auth_type: WebhookAuthType
    # Basic auth's username or the custom header's name; never secret.
    auth_name: str | None
    secret_sealed: str
    status_map: dict[str, str]


_RECEIVER = Precompiled(
    select(
        _INTEGRATIONS.id,
        _INTEGRATIONS.reseller_id,
        _INTEGRATIONS.webhook_auth_type,
        _INTEGRATIONS.webhook_auth_name,
        _INTEGRATIONS.webhook_secret_sealed,
        _INTEGRATIONS.status_map,
    ).where(_INTEGRATIONS.id == bindparam("integration_id"))
)


async def webhook_receiver(session: WriteSession, integration_id: int) -> WebhookReceiver | None:
    """The integration a webhook URL names; None when there is none."""
    rows = await _RECEIVER.rows(session, {"integration_id": integration_id})
    if not rows:
        return None
    row = rows[0]
    return WebhookReceiver(
        id=row["id"],
        reseller_id=row["reseller_id"],
        auth_type=WebhookAuthType(row["webhook_auth_type"]),
        auth_name=row["webhook_auth_name"],
        secret_sealed=row["webhook_secret_sealed"],
        status_map=row["status_map"],
    )


# --- the event ------------------------------------------------------------------------------


@dataclass(slots=True)
class InboxEvent:
    """One webhook call as recorded, and what it did: the inbox row's columns its answer and
    its log show. The steps of its handling set what it did; :func:`record_outcome` writes it."""

    id: int
    event: str | None
    ticket_id: str | None
    received_at: datetime
    outcome: EventOutcome
    detail: str | None = None
    order_id: int | None = None
    event_at: datetime | None = None
    event_time_source: EventTimeSource | None = None


# What an event's insert writes; its row keeps these until :func:`record_outcome`.
_EVENT_VALUES = (
    "integration_id", "dedup_key", "event", "ticket_id", "raw_body", "payload", "outcome",
    "detail", "received_at",
)  # fmt: skip


def _insert_event_statement(dialect: str) -> Insert:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING the new id: none back, a duplicate."""
    insert_into = pg_insert if dialect == "postgresql" else sqlite_insert
    values = {name: bindparam(name, type_=_EVENTS[name].type) for name in _EVENT_VALUES}
    return (
        insert_into(table_of(DigishareEvent))
        .values(values)
        .on_conflict_do_nothing(index_elements=["integration_id", "dedup_key"])
        .returning(_EVENTS.id)
    )


_INSERT_EVENT = {
    dialect: Precompiled(_insert_event_statement(dialect)) for dialect in ("postgresql", "sqlite")
}


async def insert_event_once(session: WriteSession, **values: Any) -> int | None:
    """Insert the raw event (``values``: the columns of :data:`_EVENT_VALUES`) unless its
    ``dedup_key`` is the integration's already; the new row's id, None for a duplicate. A
    second copy arriving while the first is being handled waits for the first to end."""
    statement = _INSERT_EVENT[session.get_bind().dialect.name]
    event_id = await statement.scalar(session, values)
    return None if event_id is None else int(event_id)


_OUTCOME_COLUMNS = ("outcome", "detail", "order_id", "event_at", "event_time_source")
_SET_OUTCOME = (
    update(table_of(DigishareEvent))
    .where(_EVENTS.id == bindparam("event_id"))
    .values({name: bindparam(name, type_=_EVENTS[name].type) for name in _OUTCOME_COLUMNS})
)
# The ticket's time of its latest applied event; no ticket's when ``linked_order_id`` is NULL.
_SET_LAST_EVENT_AT = (
    update(table_of(DigishareTicket))
    .where(_TICKETS.order_id == bindparam("linked_order_id"))
    .values(last_event_at=bindparam("event_at", type_=_TICKETS.last_event_at.type))
)
_RECORD_OUTCOME = Precompiled(_SET_OUTCOME)
_RECORD_LAST_EVENT_AT = Precompiled(_SET_LAST_EVENT_AT)
# On PostgreSQL both in one statement: the ticket's update a data-modifying CTE, which runs
# whether or not the statement reads it.
_RECORD_BOTH = Precompiled(_SET_OUTCOME.add_cte(_SET_LAST_EVENT_AT.cte("last_event")))


async def record_outcome(
    session: WriteSession, event: InboxEvent, *, applied_to: TicketLink | None
) -> None:
    """Write what ``event`` did on its row and, given the ticket it was applied to (the
    ticket's row locked), its time as the ticket's latest."""
    params = {
        "event_id": event.id,
        "outcome": event.outcome,
        "detail": event.detail,
        "order_id": event.order_id,
        "event_at": event.event_at,
        "event_time_source": event.event_time_source,
        "linked_order_id": None if applied_to is None else applied_to.order_id,
    }
    if session.get_bind().dialect.name == "postgresql":
        await _RECORD_BOTH.execute(session, params)
        return
    await _RECORD_OUTCOME.execute(session, params)
    if applied_to is not None:
        await _RECORD_LAST_EVENT_AT.execute(session, params)


# --- the ticket and its order ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TicketLink:
    """The ticket that confirms an order, as its locked row holds it."""

    order_id: int
    ticket_id: str
    # When the last event applied to the ticket happened: older ones are stale.
    last_event_at: datetime | None


_LINK_COLUMNS = (_TICKETS.order_id, _TICKETS.ticket_id, _TICKETS.last_event_at)
_ORDER_COLUMNS = (
    _ORDERS.order_number,
    _ORDERS.status,
    _ORDERS.payment_status,
    _ORDERS.version,
)

# FOR UPDATE without OF locks the rows of both tables, the ticket's first (the order of the
# FROM list): as a lock of the ticket then one of its order would, in one round trip. A row
# changed by a transaction we waited for is read as that transaction left it.
_LOCK_TICKET_AND_ORDER = Precompiled(
    select(*_LINK_COLUMNS, *_ORDER_COLUMNS)
    .select_from(table_of(DigishareTicket).join(table_of(Order), _ORDERS.id == _TICKETS.order_id))
    .where(
        _TICKETS.ticket_id == bindparam("ticket_id"),
        _TICKETS.integration_id == bindparam("integration_id"),
    )
    .with_for_update()
)
_LOCK_LINK_OF_ORDER = Precompiled(
    select(*_LINK_COLUMNS).where(_TICKETS.order_id == bindparam("order_id")).with_for_update()
)
_LOCK_ORDER = Precompiled(
    select(_ORDERS.id.label("order_id"), *_ORDER_COLUMNS)
    .where(_ORDERS.id == bindparam("order_id"))
    .with_for_update()
)


async def lock_ticket_and_order(
    session: WriteSession, *, integration_id: int, ticket_id: str
) -> tuple[TicketLink, LockedOrder] | None:
    """The integration's ticket and its order, both rows locked until the transaction ends
    (the ticket's first); None when the ticket is not recorded."""
    rows = await _LOCK_TICKET_AND_ORDER.rows(
        session, {"ticket_id": ticket_id, "integration_id": integration_id}
    )
    if not rows:
        return None
    return _link(rows[0]), _locked_order(rows[0])


async def lock_link_of_order(session: WriteSession, order_id: int) -> TicketLink | None:
    """The order's ticket as committed now, its row locked; None when it has none yet."""
    rows = await _LOCK_LINK_OF_ORDER.rows(session, {"order_id": order_id})
    return _link(rows[0]) if rows else None


async def lock_order(session: WriteSession, order_id: int) -> LockedOrder | None:
    """The order, its row locked until the transaction ends (no scope check: the ticket
    says whose it is)."""
    rows = await _LOCK_ORDER.rows(session, {"order_id": order_id})
    return _locked_order(rows[0]) if rows else None


def _link(row: dict[str, Any]) -> TicketLink:
    return TicketLink(
        order_id=row["order_id"], ticket_id=row["ticket_id"], last_event_at=row["last_event_at"]
    )


def _locked_order(row: dict[str, Any]) -> LockedOrder:
    return LockedOrder.of_row(row, id_column="order_id")


_INSERT_LINK = insert(table_of(DigishareTicket)).values(
    order_id=bindparam("order_id"),
    integration_id=bindparam("integration_id"),
    ticket_id=bindparam("ticket_id"),
)


async def record_link(
    session: WriteSession, *, integration_id: int, ticket_id: str, order_id: int
) -> TicketLink | None:
    """Record the order's ticket; None when the order or the ticket has one already (the
    worker, or another event, recorded it at this moment). Through the session, in a
    savepoint: the refused insert is an :class:`IntegrityError` on every driver, and undone."""
    values = {"order_id": order_id, "integration_id": integration_id, "ticket_id": ticket_id}
    try:
        async with session.begin_nested():
            await session.execute(_INSERT_LINK, values)
    except IntegrityError:
        return None
    return TicketLink(order_id=order_id, ticket_id=ticket_id, last_event_at=None)
