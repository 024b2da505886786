"""Order rules: creation, and the lifecycle with stock and history (lists: ``queries``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from commercy.accounts.models import Reseller, Supplier
from commercy.auth.actor import Actor, check_own_id
from commercy.auth.models import Role
from commercy.blocklist import service as blocklist_service
from commercy.catalog.models import Product
from commercy.core.database import WriteSession, utcnow
from commercy.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from commercy.core.phones import normalize_phone, whatsapp_id
from commercy.core.schemas import MONEY_MAX
from commercy.core.settings import Settings
from commercy.orders import amounts, events, lifecycle, queries, repository, versions
from commercy.orders.models import (
    Order,
    OrderItem,
    OrderSource,
    OrderStatus,
    OrderStatusChange,
    PaymentStatus,
)
from commercy.orders.schemas import OrderCreate, OrderCreatedOut, OrderDetailOut, OrderItemIn

SUR_PLACE = "Sur place"


def invalid(errors: Sequence[tuple[str, str]]) -> ValidationFailed:
    """A 400 in the API's error format naming every ``(field, message)`` at once."""
    failure = ValidationFailed(*errors[0])
    described = [{"field": name, "message": message} for name, message in errors]
    failure.details = {**described[0], "errors": described}
    return failure


_LINES = (selectinload(Order.items), selectinload(Order.history))
# The documents print the parties' names; the JSON answers carry their ids only.
_PARTIES = (joinedload(Order.reseller), joinedload(Order.supplier))


async def get_order(
    session: AsyncSession, *, actor: Actor, reference: str, with_parties: bool = False
) -> Order:
    """An order in the actor's scope with its items and history (and its reseller and supplier
    when ``with_parties``); else 404."""
    options = (*_LINES, *_PARTIES) if with_parties else _LINES
    statement = queries.by_reference(queries.visible_orders(actor), reference).options(*options)
    order = await session.scalar(statement.execution_options(populate_existing=True))
    if order is None:
        raise NotFound(f"Order {reference} not found", code="order_not_found")
    return order


async def order_detail(session: AsyncSession, *, actor: Actor, reference: str) -> OrderDetailOut:
    """An order in the actor's scope as its answer: items, history and where its confirmation
    by message stands; else 404. Read as plain rows (:func:`queries.order_detail`): the same
    answer :func:`get_order`'s object gives, without building the objects; the confirmation in
    the same statement when its source says it as SQL (:func:`events.confirmation_columns`)."""
    if isinstance(session, WriteSession):
        await session.flush()  # a Core read does not flush the changes the ORM still holds
    folded = events.confirmation_columns()
    row = await queries.order_detail(session, actor=actor, reference=reference, confirmation=folded)
    if row is None:
        raise NotFound(f"Order {reference} not found", code="order_not_found")
    if folded is None:
        row["confirmation"] = await events.confirmation(session, row["id"])
    return OrderDetailOut.model_validate(row)


async def get_orders(
    session: AsyncSession, *, actor: Actor, order_ids: Sequence[int], with_parties: bool = False
) -> list[Order]:
    """Orders in the actor's scope, in the order of ``order_ids``, with their items (and
    parties when ``with_parties``); a 404 naming the first id out of scope, so a selection is
    taken whole or not at all."""
    wanted = list(dict.fromkeys(order_ids))
    options = (*_LINES, *_PARTIES) if with_parties else _LINES
    statement = queries.visible_orders(actor).where(Order.id.in_(wanted)).options(*options)
    found = {order.id: order for order in await session.scalars(statement)}
    missing = [order_id for order_id in wanted if order_id not in found]
    if missing:
        raise NotFound(f"Order {missing[0]} not found", code="order_not_found")
    return [found[order_id] for order_id in wanted]


async def lock_in_scope(
    session: AsyncSession, *, actor: Actor, reference: str, with_items: bool = False
) -> Order:
    """An order in the actor's scope, its row locked until the transaction ends; else 404."""
    statement = queries.by_reference(queries.visible_orders(actor), reference).with_for_update()
    if with_items:
        statement = statement.options(selectinload(Order.items))
    order = await session.scalar(statement.execution_options(populate_existing=True))
    if order is None:
        raise NotFound(f"Order {reference} not found", code="order_not_found")
    return order


# --- creation -------------------------------------------------------------------------------


async def _order_parties(
    session: AsyncSession, *, actor: Actor, data: OrderCreate
) -> tuple[int, int]:
    """(reseller id, supplier id): an admin's choice, else the caller's own account's."""
    if actor.role is Role.SUPPLIER:
        raise Forbidden(
            "Suppliers do not create orders; resellers, agents and admins do",
            code="role_cannot_create_orders",
        )
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


def _check_items(
    data: OrderCreate, facts: repository.CreationFacts, *, supplier_id: int, max_items: int
) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    if len(data.products) > max_items:
        errors.append(("products", f"An order has 1 to {max_items} items"))
    for index, item in enumerate(data.products):
        where, product_id = f"products.{index}.productId", item.product_id
        product = facts.products.get(product_id)
        if product is None:
            errors.append(
                (where, f"Product {product_id} is not a product of supplier {supplier_id}")
            )
        elif data.source is OrderSource.CONVERTY and not product.mapped:
            errors.append(
                (
                    where,
                    f"Product {product_id} has no Converty mapping for this reseller; create "
                    "one with POST /converty/product-mappings",
                )
            )
    return errors


def _phones(data: OrderCreate, *, region: str) -> tuple[str, str | None]:
    phone = normalize_phone(data.phone, region=region)
    phone2 = normalize_phone(data.customer_phone2, region=region) if data.customer_phone2 else None
    return phone, phone2


def _duplicate_since(status: OrderStatus, *, window_hours: int) -> datetime | None:
    """Since when an earlier open order from the same phone makes this one a possible
    duplicate; None when the check does not apply (an order created closed, no window)."""
    if status not in lifecycle.OPEN or window_hours == 0:
        return None
    return utcnow() - timedelta(hours=window_hours)


@dataclass(frozen=True, slots=True)
class Flags:
    possible_duplicate_of: str | None
    blocked_reason: str | None


async def phone_flags(session: AsyncSession, *, order: Order, settings: Settings) -> Flags:
    """The order's warnings read again for its current phones, as its create reads them: a
    likely duplicate (another open order from the phone within the window) and a blocked
    number."""
    duplicate_of = None
    since = _duplicate_since(order.status, window_hours=settings.duplicate_window_hours)
    if since is not None:
        statement = queries.possible_duplicate(
            reseller_id=order.reseller_id,
            phone=order.customer_phone,
            since=since,
            other_than=order.id,
        )
        duplicate_of = await session.scalar(statement)
    phones = [phone for phone in (order.customer_phone, order.customer_phone2) if phone]
    reason = await blocklist_service.blocked_reason(
        session, reseller_id=order.reseller_id, phones=phones
    )
    return Flags(possible_duplicate_of=duplicate_of, blocked_reason=reason)


def _start(data: OrderCreate) -> tuple[OrderStatus, PaymentStatus, str | None, str | None]:
    """Status, payment, city and governorate an order starts with."""
    status = data.status or OrderStatus.PENDING
    if data.source is OrderSource.SUR_PLACE:
        # A walk-in sale: handed over and paid at the counter.
        return (
            OrderStatus.DELIVERED,
            PaymentStatus.PAID,
            data.city or SUR_PLACE,
            data.governorate or SUR_PLACE,
        )
    return status, PaymentStatus.UNPAID, data.city, data.governorate


async def create_order(
    session: WriteSession, *, actor: Actor, data: OrderCreate, settings: Settings
) -> Order:
    """Create an order with its items and first history line; take stock when it starts in a
    stock-holding status. Raises 400 (naming every bad field), 403 or 409; writes nothing then.
    Its statements are ``repository``'s: one read, then the inserts. The order comes back
    attached to ``session``, its items and history loaded."""
    inserted = await _insert_order(session, actor=actor, data=data, settings=settings)
    order = repository.attached_order(session, inserted)
    await events.order_created(session, order)
    return order


async def create_order_answer(
    session: WriteSession, *, actor: Actor, data: OrderCreate, settings: Settings
) -> OrderCreatedOut:
    """:func:`create_order`, with the same rules and writes, answered as the API answers it:
    validated from the rows written, without the ORM objects :func:`create_order` builds (the
    listeners get the order's columns only). tests/orders/test_create_answer.py holds the two
    to the same answer and rows."""
    inserted = await _insert_order(session, actor=actor, data=data, settings=settings)
    await events.order_created(session, repository.order_of_columns(inserted))
    return OrderCreatedOut.model_validate(inserted.answer_values())


async def _insert_order(
    session: WriteSession, *, actor: Actor, data: OrderCreate, settings: Settings
) -> repository.InsertedOrder:
    """The create's rules and writes, but the announcement of the new order."""
    reseller_id, supplier_id = await _order_parties(session, actor=actor, data=data)
    phone, phone2 = _phones(data, region=settings.default_phone_region)
    status, payment, city, governorate = _start(data)
    facts = await repository.creation_facts(
        session,
        reseller_id=reseller_id,
        supplier_id=supplier_id,
        product_ids=[item.product_id for item in data.products],
        phones=[p for p in (phone, phone2) if p],
        duplicate_since=_duplicate_since(status, window_hours=settings.duplicate_window_hours),
    )
    errors = _check_items(
        data, facts, supplier_id=supplier_id, max_items=settings.max_items_per_order
    )
    if errors:
        raise invalid(errors)
    money = amounts.order_amounts(
        ((item.effective_price, item.quantity) for item in data.products),
        shipping=data.shipping_amount,
        shipping_paid=data.shipping_option == "paid",
    )
    if money.total > MONEY_MAX:
        raise invalid([("products", f"An order's total is at most {MONEY_MAX}")])
    flags = Flags(facts.possible_duplicate_of, facts.blocked_reason)
    now = utcnow()
    inserted = await repository.insert_order(
        session,
        order={
            "reseller_id": reseller_id,
            "supplier_id": supplier_id,
            "created_by_user_id": actor.user_id,
            "status": status,
            "payment_status": payment,
            "source": data.source,
            "customer_name": data.customer_name or None,
            "customer_phone": phone,
            "customer_phone2": phone2,
            "wa_id": whatsapp_id(phone),
            "customer_address": data.address_text or None,
            "customer_city": city or None,
            "customer_governorate": governorate or None,
            "customer_zip_code": data.customer_zip_code or None,
            "notes": data.notes or None,
            "shipping_option": data.shipping_option or None,
            "shipping_cost": money.shipping_cost,
            "subtotal": money.subtotal,
            "total": money.total,
            "possible_duplicate_of": flags.possible_duplicate_of,
            "blocked": flags.blocked_reason is not None,
            "blocked_reason": flags.blocked_reason,
            "created_at": now,
            "updated_at": now,
        },
        items=[_new_item(item, facts.products[item.product_id]) for item in data.products],
        history={
            "from_status": None,
            "to_status": status,
            "actor_label": actor.label,
            "actor_user_id": actor.user_id,
            "note": _creation_note(data.source, flags),
            "created_at": now,
        },
    )
    if status in lifecycle.HOLDS_STOCK:
        await take_quantities(session, _summed(inserted.quantities()))
    return inserted


def _new_item(item: OrderItemIn, product: repository.ProductFact) -> repository.NewItem:
    return repository.NewItem(
        product_id=item.product_id,
        product_name=product.name,
        product_code=product.code,
        quantity=item.quantity,
        unit_price=item.effective_price,
        notes=item.notes or None,
        product_image=product.mapped_image or product.image,
    )


def _creation_note(source: OrderSource, flags: Flags) -> str:
    return f"Order created (source {source.value})" + flags_note(flags)


def flags_note(flags: Flags) -> str:
    """The warnings as a history note says them after what happened."""
    note = ""
    if flags.possible_duplicate_of:
        note += f"; possible duplicate of {flags.possible_duplicate_of}"
    if flags.blocked_reason:
        note += f"; blocked number: {flags.blocked_reason}"
    return note


# --- lifecycle ------------------------------------------------------------------------------


async def _quantities(session: AsyncSession, *, order_id: int) -> list[tuple[int, int]]:
    items = await session.scalars(select(OrderItem).where(OrderItem.order_id == order_id))
    return _quantities_of(items)


def _quantities_of(items: Iterable[OrderItem]) -> list[tuple[int, int]]:
    return _summed((item.product_id, item.quantity) for item in items)


def _summed(quantities: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """(product id, quantity) per product, sorted by product id so that concurrent stock
    updates lock rows in the same order and cannot deadlock."""
    totals: Counter[int] = Counter()
    for product_id, quantity in quantities:
        totals[product_id] += quantity
    return sorted(totals.items())


async def _take_stock(session: WriteSession, *, order_id: int) -> None:
    await take_quantities(session, await _quantities(session, order_id=order_id))


async def _return_stock(session: WriteSession, *, order_id: int) -> None:
    await return_quantities(session, await _quantities(session, order_id=order_id))


async def take_quantities(session: WriteSession, quantities: Sequence[tuple[int, int]]) -> None:
    """Take (product id, quantity) out of stock, in product id order; 409 when one runs short."""
    for product_id, quantity in quantities:
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
                code="not_enough_stock",
            )


async def return_quantities(session: WriteSession, quantities: Sequence[tuple[int, int]]) -> None:
    for product_id, quantity in quantities:
        await session.execute(
            update(Product)
            .where(Product.id == product_id)
            .values(stock_quantity=Product.stock_quantity + quantity)
        )


@dataclass(slots=True)
class LockedOrder:
    """An order as a status change reads it under its row lock (:func:`lock_for_status`):
    what the lifecycle's rules and the version check need, without building the ORM object."""

    id: int
    order_number: str
    status: OrderStatus
    payment_status: PaymentStatus
    version: int

    @classmethod
    def of_row(cls, row: Mapping[str, Any], *, id_column: str = "id") -> LockedOrder:
        """The order of a row that has its columns, its id under ``id_column``."""
        return cls(
            id=row[id_column],
            order_number=row["order_number"],
            status=OrderStatus(row["status"]),
            payment_status=PaymentStatus(row["payment_status"]),
            version=row["version"],
        )


_Moved = TypeVar("_Moved", Order, LockedOrder)


async def lock_for_status(session: AsyncSession, *, actor: Actor, reference: str) -> LockedOrder:
    """An order in the actor's scope, its row locked until the transaction ends; else 404."""
    row = await queries.locked_order(session, actor=actor, reference=reference)
    if row is None:
        raise NotFound(f"Order {reference} not found", code="order_not_found")
    return LockedOrder.of_row(row)


async def change_status(
    session: WriteSession,
    *,
    order: _Moved,
    status: OrderStatus,
    actor_label: str,
    actor_user_id: int | None,
    note: str | None,
) -> _Moved:
    """Move ``order`` to ``status`` under the lifecycle's rules: stock taken or given back,
    payment marked on delivery, a history line written. Same status: a no-op. Refused move:
    :class:`Conflict` (409) whose details carry ``currentStatus`` and ``allowedStatuses``. Lock
    the order first (:func:`lock_for_status`, :func:`lock_in_scope`) when others may
    change it concurrently. The writes are plain statements (``repository.move_order``) under
    the version ``order`` was read at; ``order`` comes back with its new values, an ORM order
    as if they had been flushed."""
    current = order.status
    if status == current:
        return order
    if not lifecycle.can_move(current, status):
        allowed = [s.value for s in lifecycle.allowed_moves(current)]
        raise Conflict(
            f"Order {order.order_number} cannot move from {current.value} to {status.value}",
            details={"currentStatus": current.value, "allowedStatuses": allowed},
            code="status_move_refused",
        )
    if status in lifecycle.HOLDS_STOCK and current not in lifecycle.HOLDS_STOCK:
        await _take_stock(session, order_id=order.id)
    elif current in lifecycle.HOLDS_STOCK and status not in lifecycle.HOLDS_STOCK:
        await _return_stock(session, order_id=order.id)
    payment = PaymentStatus.PAID if status is OrderStatus.DELIVERED else order.payment_status
    now = utcnow()
    version = await repository.move_order(
        session,
        order_id=order.id,
        read_version=_read_version(order),
        status=status,
        payment_status=payment,
        history={
            "from_status": current,
            "actor_label": actor_label,
            "actor_user_id": actor_user_id,
            "note": note,
            "created_at": now,
        },
    )
    written = {"status": status, "payment_status": payment, "version": version}
    if isinstance(order, Order):
        # What a flush would have left: the values as the row's, not pending changes.
        for name, value in {**written, "updated_at": now}.items():
            set_committed_value(order, name, value)
    else:
        order.status, order.payment_status, order.version = status, payment, version
    return order


def _read_version(order: Order | LockedOrder) -> int:
    """The version ``order`` was read at: an ORM order's loaded one, even when a change of
    it is pending (its flush will then write under the version this change leaves)."""
    if isinstance(order, Order):
        committed = inspect(order).attrs.version.loaded_value
        return int(committed)
    return order.version


def add_history_line(
    session: WriteSession,
    *,
    order: Order,
    actor_label: str,
    actor_user_id: int | None,
    note: str,
    changes: list[dict[str, Any]] | None = None,
) -> None:
    """A history line that keeps the order's status: an edit, or a call that did not move it."""
    session.add(
        OrderStatusChange(
            order_id=order.id,
            from_status=order.status,
            to_status=order.status,
            actor_label=actor_label,
            actor_user_id=actor_user_id,
            note=note,
            changes=changes,
        )
    )


def _check_role_may_set(actor: Actor, status: OrderStatus) -> None:
    if actor.role is Role.SUPPLIER and status not in lifecycle.FULFILMENT:
        allowed = ", ".join(s.value for s in OrderStatus if s in lifecycle.FULFILMENT)
        raise Forbidden(
            f"Suppliers set fulfilment statuses only: {allowed}", code="supplier_statuses_only"
        )


async def set_status(
    session: WriteSession,
    *,
    actor: Actor,
    reference: str,
    status: OrderStatus,
    note: str | None,
    if_match: str | None = None,
) -> LockedOrder:
    """An actor's status change: role rules, scope (404), row lock, the version the caller
    read (412), then :func:`change_status`."""
    _check_role_may_set(actor, status)
    order = await lock_for_status(session, actor=actor, reference=reference)
    versions.check_if_match(order, if_match)
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
    session: WriteSession,
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
