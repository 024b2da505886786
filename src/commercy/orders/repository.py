"""The create's own statements: few round trips of plain SQL, built once.

Creating an order is the API's hottest write. Through the ORM it cost two flushes of the unit of
work (the number needs the id) and one lookup per fact. Here it is one read and three inserts,
each a SQLAlchemy Core statement built once with every value a named parameter:

- :func:`creation_facts`: the supplier's products among the items, each with its Converty
  image for the reseller, the possible duplicate and the blocked reason, in one ``SELECT``
  (the same answers as ``catalog_service.products_by_id``, ``converty_service.mapped_images``,
  ``blocklist_service.blocked_reason`` and the duplicate probe of ``queries``, which
  tests/orders/test_repository.py holds them to);
- :func:`insert_order`: the order with its number in the insert itself (the id from
  ``orders_id_seq`` on PostgreSQL, SQLite's next rowid under its write lock), then its items
  and its first history line. It returns the rows as written (:class:`InsertedOrder`): the
  API's answer is validated from them, with no ORM object built; :func:`attached_order` makes
  them the objects a flush would have left, for callers that want an ordinary order.

A status change's writes are plain statements too (:func:`move_order`): the versioned
``UPDATE`` of the order and its history line, without the unit of work's flush, in one statement
on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ARRAY,
    Insert,
    Integer,
    Numeric,
    Select,
    String,
    Text,
    and_,
    any_,
    bindparam,
    cast,
    exists,
    false,
    func,
    insert,
    inspect,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql.elements import ColumnClause

from commercy.blocklist.models import BlockedPhone
from commercy.catalog.models import Product
from commercy.converty.models import ConvertyProduct, ProductMapping
from commercy.core.database import Precompiled, WriteSession, table_of
from commercy.core.text import folded
from commercy.orders.lifecycle import OPEN
from commercy.orders.models import (
    Order,
    OrderItem,
    OrderStatus,
    OrderStatusChange,
    PaymentStatus,
)

_ORDERS = Order.__table__.c
_ITEMS = OrderItem.__table__.c
_HISTORY = OrderStatusChange.__table__.c
_PRODUCTS = Product.__table__.c
_MAPPINGS = ProductMapping.__table__.c
_CONVERTY = ConvertyProduct.__table__.c
_BLOCKED = BlockedPhone.__table__.c

# --- the facts a create needs ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProductFact:
    """What an order line copies from its product, and its Converty mapping for the reseller."""

    name: str
    code: str | None
    image: str | None
    mapped: bool
    mapped_image: str | None  # the newest mapping's image that is set


@dataclass(frozen=True, slots=True)
class CreationFacts:
    products: dict[int, ProductFact]  # the supplier's products among those asked for
    possible_duplicate_of: str | None
    blocked_reason: str | None


def _mapping_of_product() -> Any:
    return and_(
        _MAPPINGS.reseller_id == bindparam("reseller_id"), _MAPPINGS.product_id == _PRODUCTS.id
    )


def _one_of(column: Any, name: str, *, dialect: str) -> Any:
    """``column`` is one of the list parameter ``name``. PostgreSQL takes the list as one array
    (``= ANY``), so the statement's SQL is the same for every list and is not rewritten for its
    length on each run, as an expanding ``IN`` is; SQLite has no arrays."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))


# The open statuses written into the SQL: constants, so no parameter to expand on each run.
_OPEN_STATUSES: list[ColumnClause[Any]] = [
    literal_column(f"'{status.value}'") for status in sorted(OPEN)
]


def _facts_statement(dialect: str) -> Select[Any]:
    mapped_image = (
        select(_CONVERTY.image)
        .join_from(
            ProductMapping.__table__,
            ConvertyProduct.__table__,
            _CONVERTY.id == _MAPPINGS.converty_product_id,
        )
        .where(_mapping_of_product(), _CONVERTY.image.is_not(None), _CONVERTY.image != "")
        .order_by(_MAPPINGS.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    # None for ``duplicate_since`` turns the probe off (an order created closed, a zero window).
    duplicate_of = (
        select(_ORDERS.order_number)
        .where(
            _ORDERS.reseller_id == bindparam("reseller_id"),
            _ORDERS.customer_phone == bindparam("phone"),
            _ORDERS.created_at >= bindparam("duplicate_since", type_=_ORDERS.created_at.type),
            _ORDERS.status.in_(_OPEN_STATUSES),
            _ORDERS.blocked == false(),
        )
        .order_by(_ORDERS.created_at.desc(), _ORDERS.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    blocked_reason = (
        select(_BLOCKED.reason)
        .where(
            _one_of(_BLOCKED.phone, "phones", dialect=dialect),
            or_(_BLOCKED.reseller_id == bindparam("reseller_id"), _BLOCKED.reseller_id.is_(None)),
        )
        .order_by(_BLOCKED.reseller_id.is_(None), _BLOCKED.id)
        .limit(1)
        .scalar_subquery()
    )
    mapped = exists().where(_mapping_of_product())
    return select(
        _PRODUCTS.id,
        _PRODUCTS.name,
        _PRODUCTS.code,
        _PRODUCTS.image,
        mapped.label("mapped"),
        mapped_image.label("mapped_image"),
        duplicate_of.label("possible_duplicate_of"),
        blocked_reason.label("blocked_reason"),
    ).where(
        _PRODUCTS.supplier_id == bindparam("supplier_id"),
        _one_of(_PRODUCTS.id, "product_ids", dialect=dialect),
    )


# Products first, then the flags of the whole order repeated on each row: when no product
# matches, the order is refused anyway and its flags are not needed.
_FACTS = {name: Precompiled(_facts_statement(name)) for name in ("postgresql", "sqlite")}


async def creation_facts(
    session: AsyncSession,
    *,
    reseller_id: int,
    supplier_id: int,
    product_ids: Sequence[int],
    phones: Sequence[str],
    duplicate_since: datetime | None,
) -> CreationFacts:
    """Everything a create reads, in one statement (see the module's docstring)."""
    rows = await _FACTS[session.get_bind().dialect.name].rows(
        session,
        {
            "reseller_id": reseller_id,
            "supplier_id": supplier_id,
            "product_ids": list(product_ids),
            "phone": phones[0],
            "phones": list(phones),
            "duplicate_since": duplicate_since,
        },
    )
    products = {
        row["id"]: ProductFact(
            row["name"], row["code"], row["image"], bool(row["mapped"]), row["mapped_image"]
        )
        for row in rows
    }
    first = rows[0] if rows else {}
    return CreationFacts(
        products=products,
        possible_duplicate_of=first.get("possible_duplicate_of"),
        blocked_reason=first.get("blocked_reason"),
    )


# --- the inserts -----------------------------------------------------------------------------

# The arrays of the PostgreSQL items insert: each parameter's item column, and its type.
_ITEM_ARRAYS: dict[str, tuple[str, ARRAY[Any]]] = {
    "product_ids": ("product_id", ARRAY(Integer)),
    "product_names": ("product_name", ARRAY(String)),
    "product_codes": ("product_code", ARRAY(String)),
    "quantities": ("quantity", ARRAY(Integer)),
    "unit_prices": ("unit_price", ARRAY(Numeric(12, 3))),
    "notes": ("notes", ARRAY(Text)),
    "product_images": ("product_image", ARRAY(String)),
}

# Every column of a new order but its id, number and barcode, which the insert computes.
_ORDER_VALUES = (
    "reseller_id", "supplier_id", "created_by_user_id", "status", "payment_status", "source",
    "customer_name", "customer_phone", "customer_phone2", "wa_id", "customer_address",
    "customer_city", "customer_governorate", "customer_zip_code", "notes", "shipping_option",
    "shipping_cost", "subtotal", "total", "possible_duplicate_of", "blocked", "blocked_reason",
    "call_attempts", "version", "created_at", "updated_at", "customer_name_folded",
)  # fmt: skip


def _insert_order_statement(dialect: str) -> Insert:
    """``INSERT ... SELECT``: the next id once, and the number ``ORD-<ms>-<id>`` made of it."""
    if dialect == "postgresql":
        next_id = select(func.nextval(literal_column("'orders_id_seq'")).label("id"))
    else:
        # SQLite gives a new row max(rowid) + 1; its write lock is held (BEGIN IMMEDIATE).
        next_id = select((func.coalesce(func.max(_ORDERS.id), 0) + 1).label("id"))
    new = next_id.subquery("new_order")
    number = bindparam("number_prefix", type_=String) + cast(new.c.id, String)
    values = [bindparam(name, type_=_ORDERS[name].type) for name in _ORDER_VALUES]
    return (
        insert(table_of(Order))
        .from_select(
            ["id", "order_number", "barcode", *_ORDER_VALUES],
            select(new.c.id, number, number, *values),
        )
        .returning(_ORDERS.id, _ORDERS.order_number)
    )


_INSERT_ORDER = {
    name: Precompiled(_insert_order_statement(name)) for name in ("postgresql", "sqlite")
}
_INSERT_ITEMS = insert(table_of(OrderItem)).returning(_ITEMS.id, sort_by_parameter_order=True)
# PostgreSQL: every item in one statement, a column per array; ids follow the items' order.
_INSERT_ITEMS_FROM_ARRAYS = Precompiled(
    text(
        "INSERT INTO order_items (order_id, product_id, product_name, product_code, quantity, "
        "unit_price, notes, product_image) SELECT :order_id, i.product_id, i.product_name, "
        "i.product_code, i.quantity, i.unit_price, i.notes, i.product_image FROM unnest("
        "CAST(:product_ids AS INTEGER[]), CAST(:product_names AS VARCHAR[]), "
        "CAST(:product_codes AS VARCHAR[]), CAST(:quantities AS INTEGER[]), "
        "CAST(:unit_prices AS NUMERIC[]), CAST(:notes AS TEXT[]), "
        "CAST(:product_images AS VARCHAR[])) WITH ORDINALITY AS i(product_id, product_name, "
        "product_code, quantity, unit_price, notes, product_image, position) "
        "ORDER BY i.position RETURNING id"
    ).bindparams(
        bindparam("order_id", type_=Integer),
        *(bindparam(name, type_=type_) for name, (_, type_) in _ITEM_ARRAYS.items()),
    )
)
_HISTORY_VALUES = (
    "order_id", "from_status", "to_status", "actor_label", "actor_user_id", "note", "created_at",
)  # fmt: skip
_INSERT_HISTORY = Precompiled(
    insert(table_of(OrderStatusChange))
    .values({name: bindparam(name, type_=_HISTORY[name].type) for name in _HISTORY_VALUES})
    .returning(_HISTORY.id)
)


@dataclass(frozen=True, slots=True)
class NewItem:
    product_id: int
    product_name: str
    product_code: str | None
    quantity: int
    unit_price: Decimal
    notes: str | None
    product_image: str | None


@dataclass(frozen=True, slots=True)
class InsertedOrder:
    """A new order's rows as :func:`insert_order` wrote them: ``order`` has a value for every
    column, each of ``items`` and ``history`` (its first line) its id and columns."""

    order: dict[str, Any]
    items: list[dict[str, Any]]
    history: dict[str, Any]

    def quantities(self) -> list[tuple[int, int]]:
        """Each item's (product id, quantity), in the items' order."""
        return [(item["product_id"], item["quantity"]) for item in self.items]

    def answer_values(self) -> dict[str, Any]:
        """The order's values with its ``items``, each with its ``line_total``: what an order's
        answer is validated from, as an order's detail read gives them (``queries``)."""
        items = [
            {**item, "line_total": item["unit_price"] * item["quantity"]} for item in self.items
        ]
        return {**self.order, "items": items}


async def insert_order(
    session: WriteSession,
    *,
    order: dict[str, Any],
    items: Sequence[NewItem],
    history: dict[str, Any],
) -> InsertedOrder:
    """Insert the order (``order``: a value for each column of ``_ORDER_VALUES`` but the
    defaults ``call_attempts`` and ``version`` and the folded name), its items and its first
    history line (``history``: its columns but ``order_id`` and ``changes``); the rows as
    written, with the order's id and number and the lines' ids."""
    created_at: datetime = order["created_at"]
    values = {
        **order,
        "call_attempts": 0,
        "version": 1,
        "customer_name_folded": folded(order["customer_name"]),
        "number_prefix": f"ORD-{int(created_at.timestamp() * 1000)}-",
    }
    dialect = session.get_bind().dialect.name
    (inserted,) = await _INSERT_ORDER[dialect].rows(session, values)
    order_id, number = inserted["id"], inserted["order_number"]
    item_rows = [{"order_id": order_id, **_item_values(item)} for item in items]
    item_ids = await _insert_items(session, dialect=dialect, order_id=order_id, rows=item_rows)
    history_id = await _INSERT_HISTORY.scalar(session, {"order_id": order_id, **history})
    return InsertedOrder(
        order={
            "id": order_id,
            "order_number": number,
            "barcode": number,
            "next_call_at": None,
            "claimed_by_user_id": None,
            "claim_expires_at": None,
            **{name: values[name] for name in _ORDER_VALUES},
        },
        items=[{"id": item_id, **row} for item_id, row in zip(item_ids, item_rows, strict=True)],
        # ``changes`` is left out of the insert: SQL NULL, not JSON null, as the ORM wrote it.
        history={"id": history_id, "order_id": order_id, "changes": None, **history},
    )


def attached_order(session: AsyncSession, inserted: InsertedOrder) -> Order:
    """The rows just inserted as persistent objects of ``session``, its items and history
    loaded: what the ORM's flush would have left."""
    created = Order(**inserted.order)
    created.items = [OrderItem(**item) for item in inserted.items]
    created.history = [OrderStatusChange(**inserted.history)]
    for instance in (created, *created.items, *created.history):
        make_transient_to_detached(instance)
    session.add(created)
    return created


_ORDER_CLASS = inspect(Order).class_manager


def order_of_columns(inserted: InsertedOrder) -> Order:
    """The order alone as an ORM object of its column values, outside any session, built as the
    ORM's loader builds one (its values set as loaded, not as changes to flush): what reads an
    order's columns needs, for a fraction of the constructor's cost. Its items and history are
    not loaded."""
    order: Order = _ORDER_CLASS.new_instance()
    order.__dict__.update(inserted.order)
    return order


async def _insert_items(
    session: WriteSession, *, dialect: str, order_id: int, rows: list[dict[str, Any]]
) -> list[int]:
    """The items' ids, in the order of ``rows``."""
    if dialect != "postgresql":
        return list((await session.scalars(_INSERT_ITEMS, rows)).all())
    params = {name: [row[column] for row in rows] for name, (column, _) in _ITEM_ARRAYS.items()}
    inserted = await _INSERT_ITEMS_FROM_ARRAYS.rows(session, {"order_id": order_id, **params})
    # One statement takes its ids from the sequence in the order it inserts the rows.
    return sorted(row["id"] for row in inserted)


def _item_values(item: NewItem) -> dict[str, Any]:
    return {
        "product_id": item.product_id,
        "product_name": item.product_name,
        "product_code": item.product_code,
        "quantity": item.quantity,
        "unit_price": item.unit_price,
        "notes": item.notes,
        "product_image": item.product_image,
    }


# --- a status change ------------------------------------------------------------------------

# The order's new status under the version it was read at (``WHERE version = :read``, as the
# ORM's version counter writes it), the version bumped: no row back, someone else wrote it.
_MOVE = (
    update(table_of(Order))
    .where(_ORDERS.id == bindparam("order_id"), _ORDERS.version == bindparam("read_version"))
    .values(
        status=bindparam("to_status", type_=_ORDERS.status.type),
        payment_status=bindparam("to_payment_status", type_=_ORDERS.payment_status.type),
        updated_at=bindparam("now", type_=_ORDERS.updated_at.type),
        version=_ORDERS.version + 1,
    )
)
_MOVE_ORDER = Precompiled(_MOVE.returning(_ORDERS.version))
_LINE_VALUES = tuple(name for name in _HISTORY_VALUES if name != "order_id")


def _move_with_line_statement() -> Select[Any]:
    """PostgreSQL: the move and its history line in one statement, the line inserted from the
    moved row (so none when the version check finds no row); the new version back."""
    moved = _MOVE.returning(_ORDERS.id, _ORDERS.version).cte("moved")
    line = (
        insert(table_of(OrderStatusChange))
        .from_select(
            ["order_id", *_LINE_VALUES],
            select(
                moved.c.id, *(bindparam(name, type_=_HISTORY[name].type) for name in _LINE_VALUES)
            ),
        )
        .cte("line")
    )
    return select(moved.c.version).add_cte(line)


_MOVE_WITH_LINE = Precompiled(_move_with_line_statement())


async def move_order(
    session: WriteSession,
    *,
    order_id: int,
    read_version: int,
    status: OrderStatus,
    payment_status: PaymentStatus,
    history: dict[str, Any],
) -> int:
    """Write the order's new status and payment status, and its history line (``history``:
    its columns but ``order_id``, ``to_status`` and ``changes``); the order's new version.
    :class:`StaleDataError` (a 409) when the order is no longer at ``read_version``. One
    statement on PostgreSQL (:data:`_MOVE_WITH_LINE`), the update then the insert elsewhere
    (:func:`move_then_line`): tests/orders/test_move.py holds the two to the same rows."""
    move = {
        "order_id": order_id,
        "read_version": read_version,
        "to_status": status,
        "to_payment_status": payment_status,
        "now": history["created_at"],
    }
    line = {**history, "order_id": order_id, "to_status": status}
    if session.get_bind().dialect.name != "postgresql":
        return await move_then_line(session, move=move, line=line)
    version = await _MOVE_WITH_LINE.scalar(session, {**move, **line})
    if version is None:
        raise _stale(move)
    return int(version)


async def move_then_line(
    session: WriteSession, *, move: dict[str, Any], line: dict[str, Any]
) -> int:
    """:func:`move_order`'s writes as two statements: the order's update (``move``: its
    parameters), then its history line (``line``: its columns)."""
    version = await _MOVE_ORDER.scalar(session, move)
    if version is None:
        raise _stale(move)
    await _INSERT_HISTORY.execute(session, line)
    return int(version)


def _stale(move: dict[str, Any]) -> StaleDataError:
    return StaleDataError(f"order {move['order_id']} changed since version {move['read_version']}")
