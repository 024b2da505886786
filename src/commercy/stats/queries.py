"""Order figures in SQL: one GROUP BY over the caller's orders of a period, and its totals.

Statuses are read as they are now (not from the history): ``confirmed`` counts the orders
now confirmed or past it (shipped, delivered, returned).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Select,
    Table,
    bindparam,
    case,
    cast,
    distinct,
    func,
    literal,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession

from commercy.accounts.models import Reseller
from commercy.auth.actor import Actor
from commercy.core.database import table_of
from commercy.orders import queries as order_queries
from commercy.orders.models import MONEY, Order, OrderItem, OrderStatus
from commercy.stats.models import EVERY_RESELLER, OrderFigures, OrderProductFigures
from commercy.stats.schemas import GroupBy

_ORDERS = Order.__table__.c
_ITEMS = OrderItem.__table__.c
_RESELLERS = Reseller.__table__.c
_FIGURES = table_of(OrderFigures)
_PRODUCT_FIGURES = table_of(OrderProductFigures)

S = OrderStatus
CONFIRMED = (S.CONFIRMED, S.SHIPPED, S.DELIVERED, S.RETURNED)
#: At most this many groups, the largest first (days: every day of the period).
MAX_GROUPS = 500
UTC_ZONE = ZoneInfo("UTC")
#: How finely a change of UTC offset (summer time) is located, for SQLite's day grouping.
OFFSET_STEP = timedelta(minutes=15)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Figures:
    key: str | None
    name: str | None
    orders: int
    confirmed: int
    delivered: int
    returned: int
    canceled: int
    cash_collected: Decimal


def _metrics(
    status: ColumnElement[Any],
    orders_where: Callable[[ColumnElement[bool] | None], ColumnElement[Any]],
    amount: ColumnElement[Any],
) -> list[ColumnElement[Any]]:
    """Counts of orders by status and the delivered cash, from the orders or their summary:
    ``orders_where(condition)`` counts the orders meeting ``condition`` (all of them for
    None) and ``amount`` is what an order (or a row of the summary) brings to the cash."""
    delivered = status == OrderStatus.DELIVERED
    cash = func.coalesce(func.sum(case((delivered, amount))), literal(0))
    return [
        orders_where(None).label("orders"),
        orders_where(status.in_(CONFIRMED)).label("confirmed"),
        orders_where(delivered).label("delivered"),
        orders_where(status == OrderStatus.RETURNED).label("returned"),
        orders_where(status == OrderStatus.CANCELED).label("canceled"),
        type_coerce(cash, MONEY).label("cash_collected"),
    ]


def _order_metrics(*, per_item: bool) -> list[ColumnElement[Any]]:
    """The metrics over the orders. Per item (grouped by product), an order counts once per
    product and the cash is the product's line totals."""

    def orders_where(condition: ColumnElement[bool] | None) -> ColumnElement[int]:
        counted = _ORDERS.id if condition is None else case((condition, _ORDERS.id))
        return func.count(distinct(counted)) if per_item else func.count(counted)

    amount = _ITEMS.unit_price * _ITEMS.quantity if per_item else _ORDERS.total
    return _metrics(_ORDERS.status, orders_where, amount)


def _summary_metrics(table: Table) -> list[ColumnElement[Any]]:
    """The metrics over a summary table's rows (see commercy.stats.models)."""
    columns = table.c

    def orders_where(condition: ColumnElement[bool] | None) -> ColumnElement[Any]:
        counted = columns.orders if condition is None else case((condition, columns.orders))
        return type_coerce(func.coalesce(func.sum(counted), literal(0)), Integer)

    return _metrics(columns.status, orders_where, columns.amount)


def _day(
    dialect: str,
    zone: ZoneInfo,
    start: datetime,
    end: datetime,
    instant: ColumnElement[Any] = _ORDERS.created_at,
) -> ColumnElement[Any]:
    """The day of ``instant`` (an order's creation) on ``zone``'s calendar, as the database
    truncates it."""
    if dialect == "postgresql":
        return cast(func.timezone(zone.key, instant), Date)
    # SQLite keeps UTC text ('YYYY-MM-DD HH:MM:SS...') and knows no time zones: shift each
    # stretch of the period by the offset the zone had then.
    stretches = offset_stretches(zone, start, end)
    shifted = [func.date(instant, f"{offset:+d} seconds") for _, offset in stretches]
    if len(stretches) == 1:
        return shifted[0]
    return case(
        *[(instant < until, day) for (until, _), day in zip(stretches[1:], shifted, strict=False)],
        else_=shifted[-1],
    )


def offset_stretches(zone: ZoneInfo, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """From ``start`` to ``end``, each instant the zone's UTC offset changes (the first one:
    ``start``) with the offset in seconds from then on."""

    def offset(moment: datetime) -> int:
        shift = moment.astimezone(zone).utcoffset()
        return int(shift.total_seconds()) if shift is not None else 0

    stretches = [(start, offset(start))]
    day = start
    while day < end:
        following = min(day + timedelta(days=1), end)
        if offset(following) != stretches[-1][1]:
            moment = day
            while offset(moment) == stretches[-1][1]:
                moment += OFFSET_STEP
            stretches.append((moment, offset(moment)))
        day = following
    return stretches


def _grouped(
    group_by: GroupBy, dialect: str, *, zone: ZoneInfo, start: datetime, end: datetime
) -> Select[Any]:
    """``key``, ``name`` and the metrics, grouped; FROM and GROUP BY set, WHERE to add."""
    if group_by is GroupBy.PRODUCT:
        key: ColumnElement[Any] = _ITEMS.product_id
        statement = select(key.label("key"), func.max(_ITEMS.product_name).label("name"))
        statement = statement.add_columns(*_order_metrics(per_item=True)).select_from(
            Order.__table__.join(OrderItem.__table__, _ITEMS.order_id == _ORDERS.id)
        )
        return statement.group_by(key)
    if group_by is GroupBy.RESELLER:
        key = _ORDERS.reseller_id
        statement = select(key.label("key"), _RESELLERS.name.label("name"))
        statement = statement.add_columns(*_order_metrics(per_item=False)).select_from(
            Order.__table__.join(Reseller.__table__, _RESELLERS.id == _ORDERS.reseller_id)
        )
        return statement.group_by(key, _RESELLERS.name)
    key = {
        GroupBy.DAY: _day(dialect, zone, start, end),
        GroupBy.CITY: _ORDERS.customer_city,
        GroupBy.SOURCE: _ORDERS.source,
    }[group_by]
    statement = select(key.label("key"), literal(None).label("name"))
    return statement.add_columns(*_order_metrics(per_item=False)).group_by(key)


def _order_of(group_by: GroupBy) -> list[ColumnElement[Any]]:
    """Days in order; other groups the largest first."""
    if group_by is GroupBy.DAY:
        return [literal_column("key")]
    return [literal_column("orders").desc(), literal_column("key")]


def _key_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _figures(row: Any, *, grouped: bool = True) -> Figures:
    return Figures(
        key=_key_text(row.key) if grouped else None,
        name=row.name if grouped else None,
        orders=row.orders,
        confirmed=row.confirmed,
        delivered=row.delivered,
        returned=row.returned,
        canceled=row.canceled,
        cash_collected=Decimal(row.cash_collected or 0).quantize(Decimal("0.001")),
    )


def bounds(date_from: date, date_to: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The first day's start and the last day's end on ``zone``'s calendar, in UTC."""
    start = datetime.combine(date_from, time(), tzinfo=zone)
    end = datetime.combine(date_to + timedelta(days=1), time(), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def period(start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    return [_ORDERS.created_at >= start, _ORDERS.created_at < end]


class FiguresSource(StrEnum):
    """Where a request's figures are counted: the hourly summary or the orders themselves."""

    SUMMARY = "summary"
    ORDERS = "orders"


def figures_source(group_by: GroupBy, *, zone: ZoneInfo, start: datetime, end: datetime) -> str:
    """The summary (commercy.stats.models) counts the orders per UTC hour of creation, so it
    answers exactly when each of the period's days starts on a whole UTC hour (the zone's
    offsets, and the instants they change, are whole hours: UTC, Africa/Tunis, Europe/Paris),
    for every grouping but by reseller (whose supplier's rows do not keep). Anything else is
    counted from the orders: Asia/Kolkata's days, the reseller grouping."""
    if group_by is GroupBy.RESELLER:
        return FiguresSource.ORDERS
    whole_hours = all(
        offset % 3600 == 0 and moment.minute == 0 and moment.second == 0
        for moment, offset in offset_stretches(zone, start, end)
    )
    return FiguresSource.SUMMARY if whole_hours else FiguresSource.ORDERS


@dataclass(frozen=True, slots=True)
class Statements:
    """The two statements of a request, and the scope's values they bind."""

    totals: Select[Any]
    groups: Select[Any]
    params: dict[str, Any]
    source: str = FiguresSource.ORDERS


def _order_statements(
    actor: Actor, group_by: GroupBy, dialect: str, *, zone: ZoneInfo, start: datetime, end: datetime
) -> Statements:
    scope, params = order_queries.scope_conditions(actor)
    where = [*scope, *period(start, end)]
    grouped = _grouped(group_by, dialect, zone=zone, start=start, end=end)
    grouped = grouped.where(*where).order_by(*_order_of(group_by))
    return Statements(
        totals=select(*_order_metrics(per_item=False)).where(*where),
        groups=grouped.limit(MAX_GROUPS),
        params=params,
    )


def _summary_where(table: Table, scope_names: tuple[str, ...]) -> list[ColumnElement[bool]]:
    """The actor's scope on a summary table (a reseller's rows, else the rows over every
    reseller: a supplier's or, for an admin, all), and the period."""
    columns = table.c
    conditions = [
        columns.bucket >= bindparam("period_start"),
        columns.bucket < bindparam("period_end"),
    ]
    if "scope_reseller_id" in scope_names:
        conditions.append(columns.reseller_id == bindparam("scope_reseller_id"))
    else:
        conditions.append(columns.reseller_id == EVERY_RESELLER)
    if "scope_supplier_id" in scope_names:
        conditions.append(columns.supplier_id == bindparam("scope_supplier_id"))
    return conditions


@lru_cache(maxsize=256)
def _summary_shape(
    group_by: GroupBy,
    dialect: str,
    scope_names: tuple[str, ...],
    zone: ZoneInfo,
    day_start: datetime | None,
    day_end: datetime | None,
) -> tuple[Select[Any], Select[Any]]:
    """The totals and groups statements over the summary, the period and the scope bound by
    name; built once per shape (``day_start``/``day_end``: only SQLite's day grouping, whose
    statement holds the period's offsets)."""
    table = _PRODUCT_FIGURES if group_by is GroupBy.PRODUCT else _FIGURES
    columns = table.c
    if group_by is GroupBy.PRODUCT:
        key: ColumnElement[Any] = columns.product_id
        name: ColumnElement[Any] = func.max(columns.name)
    elif group_by is GroupBy.DAY:
        key = _day(dialect, zone, day_start or _EPOCH, day_end or _EPOCH, columns.bucket)
        name = literal(None)
    else:
        key = {GroupBy.CITY: columns.city, GroupBy.SOURCE: columns.source}[group_by]
        name = literal(None)
    grouped = (
        select(key.label("key"), name.label("name"), *_summary_metrics(table))
        .where(*_summary_where(table, scope_names))
        .group_by(key)
        .order_by(*_order_of(group_by))
        .limit(MAX_GROUPS)
    )
    totals = select(*_summary_metrics(_FIGURES)).where(*_summary_where(_FIGURES, scope_names))
    return totals, grouped


def _summary_statements(
    actor: Actor, group_by: GroupBy, dialect: str, *, zone: ZoneInfo, start: datetime, end: datetime
) -> Statements:
    scope = order_queries.scope(actor)
    sqlite_days = group_by is GroupBy.DAY and dialect != "postgresql"
    totals, groups = _summary_shape(
        group_by,
        dialect,
        tuple(sorted(scope)),
        zone,
        start if sqlite_days else None,
        end if sqlite_days else None,
    )
    params = {**scope, "period_start": start, "period_end": end}
    return Statements(totals, groups, params, source=FiguresSource.SUMMARY)


def statements(
    actor: Actor,
    *,
    date_from: date,
    date_to: date,
    group_by: GroupBy,
    dialect: str,
    zone: ZoneInfo = UTC_ZONE,
    source: str | None = None,
) -> Statements:
    """The totals and the groups of the actor's orders created in the period, its days those
    of ``zone``'s calendar (the API's: UTC); from ``source``, by default the one
    :func:`figures_source` picks."""
    start, end = bounds(date_from, date_to, zone)
    source = source or figures_source(group_by, zone=zone, start=start, end=end)
    build = _summary_statements if source == FiguresSource.SUMMARY else _order_statements
    return build(actor, group_by, dialect, zone=zone, start=start, end=end)


async def order_figures(
    session: AsyncSession,
    *,
    actor: Actor,
    date_from: date,
    date_to: date,
    group_by: GroupBy,
    zone: ZoneInfo = UTC_ZONE,
    source: str | None = None,
) -> tuple[Figures, list[Figures]]:
    """The totals of the caller's orders created in the period, and the figures per group;
    the period's days (and the day groups) are ``zone``'s. ``source``: see :func:`statements`."""
    dialect = session.get_bind().dialect.name
    built = statements(
        actor,
        date_from=date_from,
        date_to=date_to,
        group_by=group_by,
        dialect=dialect,
        zone=zone,
        source=source,
    )
    groups = [_figures(row) for row in await session.execute(built.groups, built.params)]
    if group_by is GroupBy.DAY:
        # Each order of the period is on exactly one of its days (at most 366 < MAX_GROUPS).
        return summed(groups), groups
    totals_row = (await session.execute(built.totals, built.params)).one()
    return _figures(totals_row, grouped=False), groups


async def group_figures(
    session: AsyncSession,
    *,
    actor: Actor,
    date_from: date,
    date_to: date,
    group_by: GroupBy,
    zone: ZoneInfo = UTC_ZONE,
    source: str | None = None,
) -> list[Figures]:
    """The figures per group of :func:`order_figures`, without its totals."""
    dialect = session.get_bind().dialect.name
    built = statements(
        actor,
        date_from=date_from,
        date_to=date_to,
        group_by=group_by,
        dialect=dialect,
        zone=zone,
        source=source,
    )
    return [_figures(row) for row in await session.execute(built.groups, built.params)]


def summed(groups: Sequence[Figures]) -> Figures:
    """The totals of groups that each order is in exactly one of."""
    return Figures(
        key=None,
        name=None,
        orders=sum(group.orders for group in groups),
        confirmed=sum(group.confirmed for group in groups),
        delivered=sum(group.delivered for group in groups),
        returned=sum(group.returned for group in groups),
        canceled=sum(group.canceled for group in groups),
        cash_collected=sum((group.cash_collected for group in groups), Decimal("0.000")),
    )


def every_day(groups: Sequence[Figures], *, date_from: date, date_to: date) -> list[Figures]:
    """The day groups with the days without orders filled in (zeros), oldest first."""
    by_day = {figures.key: figures for figures in groups}
    days = (date_from + timedelta(days=n) for n in range((date_to - date_from).days + 1))
    return [
        by_day.get(day.isoformat())
        or Figures(day.isoformat(), None, 0, 0, 0, 0, 0, Decimal("0.000"))
        for day in days
    ]
