"""Which orders a caller sees, and the statements of its lists and exports.

Statements are SQLAlchemy Core on the table's own columns (about half the CPU of the ORM's
layers for the same SQL), built once per shape of filters with every value a named parameter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Integer,
    Label,
    Select,
    String,
    Subquery,
    bindparam,
    case,
    cast,
    false,
    func,
    literal_column,
    null,
    or_,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.base import ReadOnlyColumnCollection

from commercy.auth.actor import Actor
from commercy.auth.models import Role
from commercy.core.database import Precompiled, table_of
from commercy.core.ids import parse_id
from commercy.core.pagination import Page, PageQuery, count_of, fetch_page
from commercy.core.text import folded
from commercy.orders.events import ConfirmationColumns
from commercy.orders.lifecycle import OPEN
from commercy.orders.models import (
    Order,
    OrderItem,
    OrderSource,
    OrderStatus,
    OrderStatusChange,
)
from commercy.orders.schemas import ConfirmationOut

# --- scope ----------------------------------------------------------------------------------


# The table's own columns: conditions built from them keep a statement of columns in plain
# SQLAlchemy Core, which builds and runs in about half the CPU of the ORM's layers.
_ORDERS = Order.__table__.c


# Who sees which orders, each rule a condition on a named parameter (see _CONDITIONS).
_SCOPES: dict[str, ColumnElement[bool]] = {
    "scope_supplier_id": _ORDERS.supplier_id == bindparam("scope_supplier_id"),
    "scope_reseller_id": _ORDERS.reseller_id == bindparam("scope_reseller_id"),
}


def scope(actor: Actor) -> dict[str, Any]:
    """Admins see all; a supplier the orders of its products; a reseller and its agents theirs."""
    if actor.is_admin:
        return {}
    if actor.role is Role.SUPPLIER:
        return {"scope_supplier_id": actor.supplier_id}
    return {"scope_reseller_id": actor.reseller_id}


def scope_conditions(actor: Actor) -> tuple[list[ColumnElement[bool]], dict[str, Any]]:
    """The conditions of the actor's scope on the orders table, and the values they bind."""
    params = scope(actor)
    return [_SCOPES[name] for name in params], params


def scope_filter(actor: Actor) -> list[ColumnElement[bool]]:
    """The conditions of the actor's scope with their values bound in, for statements that
    join the orders table to others and run without named parameters."""
    columns = {"scope_supplier_id": _ORDERS.supplier_id, "scope_reseller_id": _ORDERS.reseller_id}
    return [columns[name] == value for name, value in scope(actor).items()]


def visible_orders(actor: Actor) -> Select[Order]:
    params = scope(actor)
    return select(Order).where(*(_SCOPES[name] for name in params)).params(params)


def by_reference(statement: Select[Order], reference: str) -> Select[Order]:
    """``123`` is an id; anything else an order number (what a barcode scanner types). Digits
    past the id column's range name no order."""
    if reference.isascii() and reference.isdigit():
        order_id = parse_id(reference)
        return statement.where(Order.id == order_id if order_id else false())
    return statement.where(Order.order_number == reference)


def possible_duplicate(
    *, reseller_id: int, phone: str, since: datetime, other_than: int | None = None
) -> Select[Any]:
    """The number of the reseller's most recent open order from ``phone`` created since
    ``since`` (other than the order ``other_than``): one probe of
    ``ix_orders_reseller_id_customer_phone_created_at``. A blocked order is never called, so an
    order repeating it is no duplicate to cancel."""
    statement = (
        select(_ORDERS.order_number)
        .where(
            _ORDERS.reseller_id == reseller_id,
            _ORDERS.customer_phone == phone,
            _ORDERS.created_at >= since,
            _ORDERS.status.in_(OPEN),
            _ORDERS.blocked == false(),
        )
        .order_by(_ORDERS.created_at.desc(), _ORDERS.id.desc())
        .limit(1)
    )
    return statement if other_than is None else statement.where(_ORDERS.id != other_than)


# --- lists ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderFilters:
    statuses: Sequence[OrderStatus] = ()
    sources: Sequence[OrderSource] = ()
    search: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None  # exclusive
    reseller_id: int | None = None
    supplier_id: int | None = None
    duplicate: bool | None = None
    blocked: bool | None = None
    sort: str = "-createdAt"


EXPORT_LIMIT = 50_000

SORTS = {
    "createdAt": _ORDERS.created_at,
    "updatedAt": _ORDERS.updated_at,
    "total": _ORDERS.total,
    "status": _ORDERS.status,
    "customerName": _ORDERS.customer_name,
    "orderNumber": _ORDERS.order_number,
}

# A list's statements are built once per shape (which filters apply, and the sort) with every
# value as a named parameter; a request only binds its values. Each parameter names the
# condition that reads it here, except the search ones (see _search).
_CONDITIONS: dict[str, ColumnElement[bool]] = {
    **_SCOPES,
    "reseller_id": _ORDERS.reseller_id == bindparam("reseller_id"),
    "supplier_id": _ORDERS.supplier_id == bindparam("supplier_id"),
    "statuses": _ORDERS.status.in_(bindparam("statuses", expanding=True)),
    "sources": _ORDERS.source.in_(bindparam("sources", expanding=True)),
    "date_from": _ORDERS.created_at >= bindparam("date_from"),
    "date_to": _ORDERS.created_at < bindparam("date_to"),
    # Flags: constant conditions (the partial indexes' own terms), so their parameters only
    # name the shape and bind nothing.
    "duplicate": _ORDERS.possible_duplicate_of.is_not(None),
    "not_duplicate": _ORDERS.possible_duplicate_of.is_(None),
    "blocked": _ORDERS.blocked == true(),
    "not_blocked": _ORDERS.blocked == false(),
}


def _criteria(actor: Actor, filters: OrderFilters) -> dict[str, Any]:
    """The parameters of the conditions that apply, in a fixed order: their names are the
    statement's shape."""
    params = scope(actor)  # filters narrow the scope; they never widen it
    for name, value in (
        ("reseller_id", filters.reseller_id),
        ("supplier_id", filters.supplier_id),
        ("statuses", list(filters.statuses)),
        ("sources", list(filters.sources)),
        ("date_from", filters.date_from),
        ("date_to", filters.date_to),
    ):
        if value is not None and value != []:
            params[name] = value
    if filters.duplicate is not None:
        params["duplicate" if filters.duplicate else "not_duplicate"] = True
    if filters.blocked is not None:
        params["blocked" if filters.blocked else "not_blocked"] = True
    if filters.search:
        params["search"] = f"%{folded(filters.search)}%"
        digits = "".join(ch for ch in filters.search if ch.isdigit())
        if len(digits) >= 4:
            params["search_digits"] = digits
    return params


def _filters(shape: tuple[str, ...]) -> list[ColumnElement[bool]]:
    """The shape's conditions but the search."""
    return [_CONDITIONS[name] for name in shape if name in _CONDITIONS]


def _conditions(shape: tuple[str, ...]) -> list[ColumnElement[bool]]:
    conditions = _filters(shape)
    if "search" in shape:
        conditions.append(_search(_ORDERS, by_phone="search_digits" in shape))
    return conditions


def _search(columns: ReadOnlyColumnCollection[str, Any], *, by_phone: bool) -> ColumnElement[bool]:
    """Name or order number like ``search``; with 4 digits or more, either phone too. The
    name is compared folded on both sides (no case, no accents), the number case-blind.
    ``columns`` are the orders table's or a subquery's of it."""
    pattern = bindparam("search", type_=String)
    conditions: list[ColumnElement[bool]] = [
        columns.customer_name_folded.like(pattern),
        columns.order_number.ilike(pattern),
    ]
    if by_phone:
        digits = bindparam("search_digits", type_=String)
        conditions += [
            columns.customer_phone.contains(digits),
            columns.customer_phone2.contains(digits),
        ]
    return or_(*conditions)


def _ordering(
    sort: str, columns: ReadOnlyColumnCollection[str, Any] = _ORDERS
) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    column = columns[SORTS[sort.lstrip("-")].name]
    if sort.startswith("-"):
        return column.desc(), columns.id.desc()
    return column.asc(), columns.id.asc()


@lru_cache(maxsize=512)
def _list_query(shape: tuple[str, ...], sort: str) -> PageQuery:
    statement = select(Order.__table__).where(*_conditions(shape)).order_by(*_ordering(sort))
    if "search" not in shape:
        return PageQuery.of(statement)
    return PageQuery(
        count=Precompiled(count_of(statement)),
        capped_count=Precompiled(_searched_capped_count(shape)),
        rows=Precompiled(_searched_rows(shape, sort)),
    )


# --- searched lists -------------------------------------------------------------------------
#
# The plain filter, ordered and limited, leaves the plan to the planner's guess of how common
# the term is, a guess that takes a term as common in a seller's orders as in everyone's: for
# a name its customers never had, it walks the seller's whole history. A searched list reads
# a short walk of its first rows instead, and turns to every match (a statement planned for
# all its rows, which on PostgreSQL reads the trigram index ``ix_orders_search_trgm`` with the
# scope in it) only when the walk holds too few: one statement, the plain filter's answer
# (tests/orders/test_search.py).

# How many of the list's rows (its filters but the search) a walk reads per match it needs:
# a walk answers for a term in one row of this many or more.
WALK_PER_MATCH = 8
_SEARCHED = ("customer_name_folded", "order_number", "customer_phone", "customer_phone2")


def _searched_rows(shape: tuple[str, ...], sort: str) -> Select[Any]:
    """A page: its first ``offset + limit`` matches from a walk in the list's order (then they
    are the list's first ones), or from every match."""
    limit, offset = bindparam("page_limit", type_=Integer), bindparam("page_offset", type_=Integer)
    wanted = offset + limit
    key = SORTS[sort.lstrip("-")].name
    walked = _walk(shape, wanted * WALK_PER_MATCH, ordered_by=sort, key=key)
    early = (
        select(walked.c.id, walked.c[key])
        .where(_search(walked.c, by_phone="search_digits" in shape))
        .order_by(*_ordering(sort, walked.c))
        .limit(wanted)
        .cte("early_matches")
        .prefix_with("MATERIALIZED")
    )
    every = _every_match(shape, key)
    found = select(func.count()).select_from(early).scalar_subquery()
    matches = union_all(
        select(early.c.id, early.c[key]).where(found == wanted),
        select(every.c.id, every.c[key]).where(found < wanted),
    ).subquery("matches")
    on_page = (
        select(matches.c.id)
        .order_by(*_ordering(sort, matches.c))
        .limit(limit)
        .offset(offset)
        .subquery("on_page")
    )
    return (
        select(Order.__table__).join(on_page, on_page.c.id == _ORDERS.id).order_by(*_ordering(sort))
    )


def _searched_capped_count(shape: tuple[str, ...]) -> Select[Any]:
    """The count up to ``count_limit``: reached in a walk of the list's rows in any order (the
    cheapest), or counted from every match."""
    cap = bindparam("count_limit", type_=Integer)
    walked = _walk(shape, cap * WALK_PER_MATCH)
    early = select(walked.c.id).where(_search(walked.c, by_phone="search_digits" in shape))
    every = _every_match(shape, "id")
    in_walk = select(func.count()).select_from(early.limit(cap).subquery()).scalar_subquery()
    in_all = select(func.count()).select_from(select(every.c.id).limit(cap).subquery())
    return select(case((in_walk == cap, cap), else_=in_all.scalar_subquery()))


def _walk(
    shape: tuple[str, ...], rows: ColumnElement[int], *, ordered_by: str = "", key: str = "id"
) -> Subquery:
    """The first ``rows`` of the list's rows (its filters but the search), in the list's order
    when ``ordered_by``, with the searched columns."""
    columns = {name: _ORDERS[name] for name in ("id", key, *_SEARCHED)}
    walk = select(*columns.values()).where(*_filters(shape))
    if ordered_by:
        walk = walk.order_by(*_ordering(ordered_by))
    return walk.limit(rows).subquery("walked")


def _every_match(shape: tuple[str, ...], key: str) -> CTE:
    """The id (and ``key``) of every match, planned for all of them: read on demand."""
    columns = {name: _ORDERS[name] for name in ("id", key)}
    return (
        select(*columns.values())
        .where(*_conditions(shape))
        .cte("all_matches")
        .prefix_with("MATERIALIZED")
    )


@lru_cache(maxsize=512)
def _export_statement(shape: tuple[str, ...], sort: str) -> Select[Order]:
    return (
        select(Order)
        .where(*_conditions(shape))
        .order_by(*_ordering(sort))
        .options(selectinload(Order.items))
        .limit(EXPORT_LIMIT)
    )


def list_query(actor: Actor, filters: OrderFilters) -> tuple[PageQuery, dict[str, Any]]:
    """The statements of a list page for these filters, and the values they bind."""
    params = _criteria(actor, filters)
    return _list_query(tuple(params), filters.sort), params


async def list_orders(
    session: AsyncSession,
    *,
    actor: Actor,
    filters: OrderFilters,
    page: Page,
    count_up_to: int | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """A page of orders as plain column values (a list answer needs nothing more, and
    building ORM objects for it would cost more than the query itself), and their count, which
    stops at ``count_up_to`` when given."""
    query, params = list_query(actor, filters)
    return await fetch_page(session, query, params, page=page, count_up_to=count_up_to)


async def export_orders(
    session: AsyncSession, *, actor: Actor, filters: OrderFilters
) -> Sequence[Order]:
    params = _criteria(actor, filters)
    statement = _export_statement(tuple(params), filters.sort)
    return (await session.scalars(statement, params)).all()


# --- one order's detail ---------------------------------------------------------------------

_ITEMS = OrderItem.__table__.c
_HISTORY = OrderStatusChange.__table__.c
# The order's own columns in a detail row (a tuple: a column collection's ``in`` is Python).
_ORDER_NAMES = tuple(column.name for column in _ORDERS)
# An item's or a history line's columns beside the order's in one row, each under a prefixed
# name; the other kind's columns are nulls of the same types (so each dialect reads them back
# as it reads the table's own).
_ITEM_PREFIX = "item_"
_CHANGE_PREFIX = "change_"
_ITEM_COLUMNS = [column.label(_ITEM_PREFIX + column.name) for column in _ITEMS]
_CHANGE_COLUMNS = [column.label(_CHANGE_PREFIX + column.name) for column in _HISTORY]
_NO_ITEM = [type_coerce(null(), c.type).label(_ITEM_PREFIX + c.name) for c in _ITEMS]
_NO_CHANGE = [type_coerce(null(), c.type).label(_CHANGE_PREFIX + c.name) for c in _HISTORY]
# Each line column's name and its label in a row, spelt once rather than per row.
_ITEM_LABELS = tuple((c.name, _ITEM_PREFIX + c.name) for c in _ITEMS)
_CHANGE_LABELS = tuple((c.name, _CHANGE_PREFIX + c.name) for c in _HISTORY)
# Which kind a row carries (items first), and its line's id: the answer's order.
_PART = "line_part"
_LINE_ID = "line_id"


_CONFIRMATION_PREFIX = "confirmation_"


@lru_cache(maxsize=16)
def _detail_query(
    shape: tuple[str, ...], confirmation: ConfirmationColumns | None = None
) -> Precompiled:
    """One order's detail in one statement, built and compiled once per shape (the scope's rule
    and whether the reference is an id or an order number): the order joined to each of its
    items, then to each line of its history (UNION ALL), items first, each kind by id, then (given
    a ``confirmation`` source said as SQL) to its confirmation. One round trip, and no ORM object
    built, where the ORM's ``selectinload`` takes three and builds one per row."""
    key = (
        _ORDERS.id == bindparam("order_id")
        if "order_id" in shape
        else (_ORDERS.order_number == bindparam("order_number"))
    )
    where = (*(_SCOPES[name] for name in shape if name in _SCOPES), key)
    orders = Order.__table__
    own, none = _confirmation_columns(confirmation)
    with_items = (
        select(
            orders,
            *_ITEM_COLUMNS,
            *_NO_CHANGE,
            *none,
            literal_column("0").label(_PART),
            _ITEMS.id.label(_LINE_ID),
        )
        .select_from(orders.outerjoin(OrderItem.__table__, _ITEMS.order_id == _ORDERS.id))
        .where(*where)
    )
    with_history = (
        select(
            orders,
            *_NO_ITEM,
            *_CHANGE_COLUMNS,
            *none,
            literal_column("1").label(_PART),
            _HISTORY.id.label(_LINE_ID),
        )
        .select_from(orders.join(OrderStatusChange.__table__, _HISTORY.order_id == _ORDERS.id))
        .where(*where)
    )
    parts = [with_items, with_history]
    if confirmation is not None:
        parts.append(
            select(
                orders,
                *_NO_ITEM,
                *_NO_CHANGE,
                *own,
                literal_column("2").label(_PART),
                literal_column("0").label(_LINE_ID),
            )
            .select_from(confirmation.source(table_of(Order)))
            .where(*where)
        )
    return Precompiled(union_all(*parts).order_by(literal_column(_PART), literal_column(_LINE_ID)))


def _confirmation_columns(
    confirmation: ConfirmationColumns | None,
) -> tuple[list[Label[Any]], list[Label[Any]]]:
    """A confirmation's columns under prefixed names, and nulls of their types for the rows of
    the other parts."""
    if confirmation is None:
        return [], []
    own = [c.label(_CONFIRMATION_PREFIX + str(c.name)) for c in confirmation.columns]
    # Cast: PostgreSQL types two untyped nulls as text before it meets the third part's values.
    none = [
        cast(null(), c.type).label(_CONFIRMATION_PREFIX + str(c.name)) for c in confirmation.columns
    ]
    return own, none


def _reference_param(reference: str) -> dict[str, Any] | None:
    """What ``reference`` names (see :func:`by_reference`); None when it names no order."""
    if reference.isascii() and reference.isdigit():
        order_id = parse_id(reference)
        return {"order_id": order_id} if order_id else None
    return {"order_number": reference}


async def order_detail(
    session: AsyncSession,
    *,
    actor: Actor,
    reference: str,
    confirmation: ConfirmationColumns | None = None,
) -> dict[str, Any] | None:
    """One order in the actor's scope as plain column values, with its ``items`` (each with its
    ``line_total``) and ``history``, oldest first, and (given a ``confirmation`` source) its
    ``confirmation``; None when out of scope or unknown. The same answer as the ORM's order with
    both relationships loaded and the source asked apart (tests/orders/test_detail.py), read in
    one statement."""
    key = _reference_param(reference)
    if key is None:
        return None
    params = {**scope(actor), **key}
    rows = await _detail_query(tuple(params), confirmation).rows(session, params)
    if not rows:
        return None
    order = {name: rows[0][name] for name in _ORDER_NAMES}
    order["items"] = [_item(row) for row in rows if row[_ITEM_PREFIX + "id"] is not None]
    order["history"] = [_change(row) for row in rows if row[_CHANGE_PREFIX + "id"] is not None]
    if confirmation is not None:
        order["confirmation"] = _confirmation(rows[-1], confirmation)
    return order


def _item(row: dict[str, Any]) -> dict[str, Any]:
    item = {name: row[label] for name, label in _ITEM_LABELS}
    item["line_total"] = item["unit_price"] * item["quantity"]
    return item


def _change(row: dict[str, Any]) -> dict[str, Any]:
    return {name: row[label] for name, label in _CHANGE_LABELS}


def _confirmation(last: dict[str, Any], source: ConfirmationColumns) -> ConfirmationOut | None:
    """The confirmation, from the statement's last row: its own part's, when the order has one."""
    if last[_PART] != 2:
        return None
    return source.answer(
        {str(c.name): last[_CONFIRMATION_PREFIX + str(c.name)] for c in source.columns}
    )


# --- one order, locked for a status change --------------------------------------------------

# What a status change reads of the order it moves: the lifecycle's rules and the version check.
_LOCKED_COLUMNS = (
    _ORDERS.id,
    _ORDERS.order_number,
    _ORDERS.status,
    _ORDERS.payment_status,
    _ORDERS.version,
)


@lru_cache(maxsize=16)
def _lock_query(shape: tuple[str, ...]) -> Precompiled:
    """The order's row locked (``FOR UPDATE`` on PostgreSQL), one statement per shape like
    :func:`_detail_query`'s."""
    key = (
        _ORDERS.id == bindparam("order_id")
        if "order_id" in shape
        else (_ORDERS.order_number == bindparam("order_number"))
    )
    return Precompiled(
        select(*_LOCKED_COLUMNS)
        .where(*(_SCOPES[name] for name in shape if name in _SCOPES), key)
        .with_for_update()
    )


async def locked_order(
    session: AsyncSession, *, actor: Actor, reference: str
) -> dict[str, Any] | None:
    """An order in the actor's scope (its id, number, status, payment status and version), its
    row locked until the transaction ends; None when out of scope or unknown."""
    key = _reference_param(reference)
    if key is None:
        return None
    params = {**scope(actor), **key}
    rows = await _lock_query(tuple(params)).rows(session, params)
    return rows[0] if rows else None
