"""Order rules: creation, scope, lifecycle with stock and history, lists."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, String, bindparam, false, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from commercy.accounts.models import Reseller, Supplier
from commercy.auth.actor import Actor, check_own_id
from commercy.auth.models import Role
from commercy.catalog import service as catalog_service
from commercy.catalog.models import Product
from commercy.converty import service as converty_service
from commercy.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from commercy.core.ids import parse_id
from commercy.core.pagination import Page, PageQuery, fetch_page
from commercy.core.schemas import MONEY_MAX
from commercy.core.settings import Settings
from commercy.orders import events, lifecycle
from commercy.orders.models import (
    Order,
    OrderItem,
    OrderSource,
    OrderStatus,
    OrderStatusChange,
    PaymentStatus,
)
from commercy.orders.phones import normalize_phone, whatsapp_id
from commercy.orders.schemas import OrderCreate

MILLIMES = Decimal("0.001")
SUR_PLACE = "Sur place"


def invalid(errors: Sequence[tuple[str, str]]) -> ValidationFailed:
    """A 400 in the API's error format naming every ``(field, message)`` at once."""
    failure = ValidationFailed(*errors[0])
    described = [{"field": name, "message": message} for name, message in errors]
    failure.details = {**described[0], "errors": described}
    return failure


# --- scope ----------------------------------------------------------------------------------


# The table's own columns: conditions built from them keep a statement of columns in plain
# SQLAlchemy Core, which builds and runs in about half the CPU of the ORM's layers.
_ORDERS = Order.__table__.c


# Who sees which orders, each rule a condition on a named parameter (see _CONDITIONS).
_SCOPES: dict[str, ColumnElement[bool]] = {
    "scope_supplier_id": _ORDERS.supplier_id == bindparam("scope_supplier_id"),
    "scope_reseller_id": _ORDERS.reseller_id == bindparam("scope_reseller_id"),
}


def _scope(actor: Actor) -> dict[str, Any]:
    """Admins see all; a supplier the orders of its products; a reseller and its agents theirs."""
    if actor.is_admin:
        return {}
    if actor.role is Role.SUPPLIER:
        return {"scope_supplier_id": actor.supplier_id}
    return {"scope_reseller_id": actor.reseller_id}


def visible_orders(actor: Actor) -> Select[Order]:
    scope = _scope(actor)
    return select(Order).where(*(_SCOPES[name] for name in scope)).params(scope)


def _by_reference(statement: Select[Order], reference: str) -> Select[Order]:
    """``123`` is an id; anything else an order number (what a barcode scanner types). Digits
    past the id column's range name no order."""
    if reference.isascii() and reference.isdigit():
        order_id = parse_id(reference)
        return statement.where(Order.id == order_id if order_id else false())
    return statement.where(Order.order_number == reference)


_LINES = (selectinload(Order.items), selectinload(Order.history))
# The documents print the parties' names; the JSON answers carry their ids only.
_PARTIES = (joinedload(Order.reseller), joinedload(Order.supplier))


async def get_order(
    session: AsyncSession, *, actor: Actor, reference: str, with_parties: bool = False
) -> Order:
    """An order in the actor's scope with its items and history (and its reseller and supplier
    when ``with_parties``); else 404."""
    options = (*_LINES, *_PARTIES) if with_parties else _LINES
    statement = _by_reference(visible_orders(actor), reference).options(*options)
    order = await session.scalar(statement.execution_options(populate_existing=True))
    if order is None:
        raise NotFound(f"Order {reference} not found")
    return order


async def get_order_for_update(session: AsyncSession, order_id: int) -> Order | None:
    """The order, its row locked until the transaction ends (``FOR UPDATE`` on PostgreSQL;
    SQLite's write transactions are serialised already). No scope check: for trusted callers."""
    return await session.scalar(
        select(Order)
        .where(Order.id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def _lock_in_scope(session: AsyncSession, *, actor: Actor, reference: str) -> Order:
    statement = _by_reference(visible_orders(actor), reference).with_for_update()
    order = await session.scalar(statement.execution_options(populate_existing=True))
    if order is None:
        raise NotFound(f"Order {reference} not found")
    return order


# --- creation -------------------------------------------------------------------------------


async def _order_parties(
    session: AsyncSession, *, actor: Actor, data: OrderCreate
) -> tuple[int, int]:
    """(reseller id, supplier id): an admin's choice, else the caller's own account's."""
    if actor.role is Role.SUPPLIER:
        raise Forbidden("Suppliers do not create orders; resellers, agents and admins do")
    if not actor.is_admin:
        assert actor.reseller_id is not None and actor.supplier_id is not None
        check_own_id(field="resellerId", given=data.reseller_id, own=actor.reseller_id)
        check_own_id(field="supplierId", given=data.supplier_id, own=actor.supplier_id)
        return actor.reseller_id, actor.supplier_id
    missing = [
        (name, f"{name} is required when an admin creates an order")
        for name, value in (("resellerId", data.reseller_id), ("supplierId", data.supplier_id))
        if value is None
    ]
    if missing:
        raise invalid(missing)
    assert data.reseller_id is not None and data.supplier_id is not None
    reseller = await session.get(Reseller, data.reseller_id)
    if reseller is None:
        raise invalid([("resellerId", f"Reseller {data.reseller_id} does not exist")])
    if await session.get(Supplier, data.supplier_id) is None:
        raise invalid([("supplierId", f"Supplier {data.supplier_id} does not exist")])
    if reseller.supplier_id != data.supplier_id:
        raise invalid(
            [("supplierId", f"Reseller {reseller.id} sells for supplier {reseller.supplier_id}")]
        )
    return reseller.id, data.supplier_id


@dataclass
class _Checked:
    products: dict[int, catalog_service.ProductFacts]
    images: dict[int, str | None]
    errors: list[tuple[str, str]] = field(default_factory=list)


async def _check_items(
    session: AsyncSession, *, data: OrderCreate, reseller_id: int, supplier_id: int, max_items: int
) -> _Checked:
    ids = [item.product_id for item in data.products]
    checked = _Checked(
        products=await catalog_service.products_by_id(
            session, supplier_id=supplier_id, product_ids=ids
        ),
        images=await converty_service.mapped_images(
            session, reseller_id=reseller_id, product_ids=ids
        ),
    )
    if len(ids) > max_items:
        checked.errors.append(("products", f"An order has 1 to {max_items} items"))
    for index, product_id in enumerate(ids):
        where = f"products.{index}.productId"
        if product_id not in checked.products:
            checked.errors.append(
                (where, f"Product {product_id} is not a product of supplier {supplier_id}")
            )
        elif data.source is OrderSource.CONVERTY and product_id not in checked.images:
            checked.errors.append(
                (
                    where,
                    f"Product {product_id} has no Converty mapping for this reseller; create "
                    "one with POST /converty/product-mappings",
                )
            )
    return checked


def _phones(data: OrderCreate, *, region: str) -> tuple[str, str | None]:
    phone = normalize_phone(data.phone, region=region)
    phone2 = normalize_phone(data.customer_phone2, region=region) if data.customer_phone2 else None
    return phone, phone2


async def create_order(
    session: AsyncSession, *, actor: Actor, data: OrderCreate, settings: Settings
) -> Order:
    """Create an order with its items and first history line; take stock when it starts in a
    stock-holding status. Raises 400 (naming every bad field), 403 or 409; writes nothing then."""
    reseller_id, supplier_id = await _order_parties(session, actor=actor, data=data)
    checked = await _check_items(
        session,
        data=data,
        reseller_id=reseller_id,
        supplier_id=supplier_id,
        max_items=settings.max_items_per_order,
    )
    if checked.errors:
        raise invalid(checked.errors)
    phone, phone2 = _phones(data, region=settings.default_phone_region)

    status = data.status or OrderStatus.PENDING
    payment = PaymentStatus.UNPAID
    city, governorate = data.city, data.governorate
    if data.source is OrderSource.SUR_PLACE:
        # A walk-in sale: handed over and paid at the counter.
        status, payment = OrderStatus.DELIVERED, PaymentStatus.PAID
        city, governorate = city or SUR_PLACE, governorate or SUR_PLACE

    subtotal = sum(
        (item.effective_price * item.quantity for item in data.products), Decimal(0)
    ).quantize(MILLIMES)
    shipping_cost = data.shipping_amount if data.shipping_option == "paid" else Decimal(0)
    if subtotal + shipping_cost > MONEY_MAX:
        raise invalid([("products", f"An order's total is at most {MONEY_MAX}")])
    placeholder = f"PENDING-{uuid.uuid4().hex}"  # unique until the real number is known
    order = Order(
        order_number=placeholder,
        barcode=placeholder,
        reseller_id=reseller_id,
        supplier_id=supplier_id,
        created_by_user_id=actor.user_id,
        status=status,
        payment_status=payment,
        source=data.source,
        customer_name=data.customer_name or None,
        customer_phone=phone,
        customer_phone2=phone2,
        wa_id=whatsapp_id(phone),
        customer_address=data.address_text or None,
        customer_city=city or None,
        customer_governorate=governorate or None,
        customer_zip_code=data.customer_zip_code or None,
        notes=data.notes or None,
        shipping_option=data.shipping_option or None,
        shipping_cost=shipping_cost.quantize(MILLIMES),
        subtotal=subtotal,
        total=(subtotal + shipping_cost).quantize(MILLIMES),
    )
    order.items = [
        OrderItem(
            product_id=item.product_id,
            product_name=checked.products[item.product_id].name,
            product_code=checked.products[item.product_id].code,
            quantity=item.quantity,
            unit_price=item.effective_price,
            notes=item.notes or None,
            product_image=checked.images.get(item.product_id)
            or checked.products[item.product_id].image,
        )
        for item in data.products
    ]
    order.history = [
        OrderStatusChange(
            from_status=None,
            to_status=status,
            actor_label=actor.label,
            actor_user_id=actor.user_id,
            note=f"Order created (source {data.source.value})",
        )
    ]
    session.add(order)
    await session.flush()
    # The number needs the id, so it is set once the row exists, in the same transaction.
    order.order_number = order.barcode = _order_number(order)
    await session.flush()
    if status in lifecycle.HOLDS_STOCK:
        await _take_stock(session, order_id=order.id)
    await events.order_created(session, order)
    # The answer comes from the objects just written (items and history loaded with them);
    # re-selecting them would only cost round trips.
    return order


def _order_number(order: Order) -> str:
    return f"ORD-{int(order.created_at.timestamp() * 1000)}-{order.id}"


# --- lifecycle ------------------------------------------------------------------------------


async def _quantities(session: AsyncSession, *, order_id: int) -> list[tuple[int, int]]:
    """(product id, quantity) per product, sorted by product id so that concurrent stock
    updates lock rows in the same order and cannot deadlock."""
    items = await session.scalars(select(OrderItem).where(OrderItem.order_id == order_id))
    totals: Counter[int] = Counter()
    for item in items:
        totals[item.product_id] += item.quantity
    return sorted(totals.items())


async def _take_stock(session: AsyncSession, *, order_id: int) -> None:
    for product_id, quantity in await _quantities(session, order_id=order_id):
        # One conditional UPDATE: the check and the decrement cannot be split by another agent.
        taken = await session.scalar(
            update(Product)
            .where(Product.id == product_id, Product.stock_quantity >= quantity)
            .values(stock_quantity=Product.stock_quantity - quantity)
            .returning(Product.id)
        )
        if taken is None:
            available = await session.scalar(
                select(Product.stock_quantity).where(Product.id == product_id)
            )
            raise Conflict(
                f"Not enough stock for product {product_id}: {available} left, {quantity} needed",
                details={"productId": product_id, "available": available, "requested": quantity},
            )


async def _return_stock(session: AsyncSession, *, order_id: int) -> None:
    for product_id, quantity in await _quantities(session, order_id=order_id):
        await session.execute(
            update(Product)
            .where(Product.id == product_id)
            .values(stock_quantity=Product.stock_quantity + quantity)
        )


async def change_status(
    session: AsyncSession,
    *,
    order: Order,
    status: OrderStatus,
    actor_label: str,
    actor_user_id: int | None,
    note: str | None,
) -> Order:
    """Move ``order`` to ``status`` under the lifecycle's rules: stock taken or given back,
    payment marked on delivery, a history line written. Same status: a no-op. Refused move:
    :class:`Conflict` (409) whose details carry ``currentStatus`` and ``allowedStatuses``. Lock
    the order first (:func:`get_order_for_update`) when others may change it concurrently."""
    current = order.status
    if status == current:
        return order
    if not lifecycle.can_move(current, status):
        allowed = [s.value for s in lifecycle.allowed_moves(current)]
        raise Conflict(
            f"Order {order.order_number} cannot move from {current.value} to {status.value}",
            details={"currentStatus": current.value, "allowedStatuses": allowed},
        )
    if status in lifecycle.HOLDS_STOCK and current not in lifecycle.HOLDS_STOCK:
        await _take_stock(session, order_id=order.id)
    elif current in lifecycle.HOLDS_STOCK and status not in lifecycle.HOLDS_STOCK:
        await _return_stock(session, order_id=order.id)
    if status is OrderStatus.DELIVERED:
        order.payment_status = PaymentStatus.PAID
    order.status = status
    session.add(
        OrderStatusChange(
            order_id=order.id,
            from_status=current,
            to_status=status,
            actor_label=actor_label,
            actor_user_id=actor_user_id,
            note=note,
        )
    )
    await session.flush()
    return order


def _check_role_may_set(actor: Actor, status: OrderStatus) -> None:
    if actor.role is Role.SUPPLIER and status not in lifecycle.FULFILMENT:
        allowed = ", ".join(s.value for s in OrderStatus if s in lifecycle.FULFILMENT)
        raise Forbidden(f"Suppliers set fulfilment statuses only: {allowed}")


async def set_status(
    session: AsyncSession, *, actor: Actor, reference: str, status: OrderStatus, note: str | None
) -> Order:
    """An actor's status change: role rules, scope (404), row lock, then :func:`change_status`."""
    _check_role_may_set(actor, status)
    order = await _lock_in_scope(session, actor=actor, reference=reference)
    return await change_status(
        session,
        order=order,
        status=status,
        actor_label=actor.label,
        actor_user_id=actor.user_id,
        note=note,
    )


@dataclass(frozen=True, slots=True)
class BulkResult:
    id: int
    success: bool
    status: OrderStatus | None = None
    error: str | None = None
    message: str | None = None


async def bulk_set_status(
    session: AsyncSession,
    *,
    actor: Actor,
    order_ids: Sequence[int],
    status: OrderStatus,
    note: str | None,
) -> list[BulkResult]:
    """Each order on its own (a savepoint each): one refusal does not undo the others."""
    _check_role_may_set(actor, status)
    results: list[BulkResult] = []
    for order_id in dict.fromkeys(order_ids):
        try:
            async with session.begin_nested():
                order = await set_status(
                    session, actor=actor, reference=str(order_id), status=status, note=note
                )
            results.append(BulkResult(id=order_id, success=True, status=order.status))
        except (Conflict, NotFound) as exc:
            results.append(
                BulkResult(id=order_id, success=False, error=exc.error, message=exc.message)
            )
    return results


async def history(
    session: AsyncSession, *, actor: Actor, reference: str
) -> list[OrderStatusChange]:
    order = await get_order(session, actor=actor, reference=reference)
    return list(order.history)


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
}


def _criteria(actor: Actor, filters: OrderFilters) -> dict[str, Any]:
    """The parameters of the conditions that apply, in a fixed order: their names are the
    statement's shape."""
    params = _scope(actor)  # filters narrow the scope; they never widen it
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
    if filters.search:
        params["search"] = f"%{filters.search.lower()}%"
        digits = "".join(ch for ch in filters.search if ch.isdigit())
        if len(digits) >= 4:
            params["search_digits"] = digits
    return params


def _conditions(shape: tuple[str, ...]) -> list[ColumnElement[bool]]:
    conditions = [_CONDITIONS[name] for name in shape if name in _CONDITIONS]
    if "search" in shape:
        conditions.append(_search(by_phone="search_digits" in shape))
    return conditions


def _search(*, by_phone: bool) -> ColumnElement[bool]:
    """Name or order number like ``search``; with 4 digits or more, either phone too."""
    pattern = bindparam("search", type_=String)
    conditions: list[ColumnElement[bool]] = [
        _ORDERS.customer_name.ilike(pattern),
        _ORDERS.order_number.ilike(pattern),
    ]
    if by_phone:
        digits = bindparam("search_digits", type_=String)
        conditions += [
            _ORDERS.customer_phone.contains(digits),
            _ORDERS.customer_phone2.contains(digits),
        ]
    return or_(*conditions)


def _ordering(sort: str) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    column = SORTS[sort.lstrip("-")]
    if sort.startswith("-"):
        return column.desc(), _ORDERS.id.desc()
    return column.asc(), _ORDERS.id.asc()


@lru_cache(maxsize=512)
def _list_query(shape: tuple[str, ...], sort: str) -> PageQuery:
    statement = select(Order.__table__).where(*_conditions(shape)).order_by(*_ordering(sort))
    return PageQuery.of(statement)


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
    session: AsyncSession, *, actor: Actor, filters: OrderFilters, page: Page
) -> tuple[list[dict[str, Any]], int]:
    """A page of orders as plain column values: a list answer needs nothing more, and
    building ORM objects for it would cost more than the query itself."""
    query, params = list_query(actor, filters)
    return await fetch_page(session, query, params, page=page)


async def export_orders(
    session: AsyncSession, *, actor: Actor, filters: OrderFilters
) -> Sequence[Order]:
    params = _criteria(actor, filters)
    statement = _export_statement(tuple(params), filters.sort)
    return (await session.scalars(statement, params)).all()
