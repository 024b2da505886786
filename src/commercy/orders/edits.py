"""Edits during the call (``PATCH /orders/{id}``): the customer's corrections, applied under
the order's row lock with the version the caller read, totals and stock kept right, and one
history line listing each changed field's old and new value."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from commercy.auth.actor import Actor
from commercy.auth.models import Role
from commercy.catalog import service as catalog_service
from commercy.converty import service as converty_service
from commercy.core.database import WriteSession, utcnow
from commercy.core.errors import Conflict, Forbidden
from commercy.core.phones import normalize_phone, whatsapp_id
from commercy.core.schemas import MONEY_MAX
from commercy.core.settings import Settings
from commercy.orders import amounts, events, lifecycle, service, versions
from commercy.orders.models import Order, OrderItem, OrderSource
from commercy.orders.schemas import OrderEdit, OrderItemEdit

# The order's own text fields an edit may set: attribute, wire name.
_TEXTS = (
    ("customer_name", "customerName"),
    ("customer_address", "customerAddress"),
    ("customer_city", "customerCity"),
    ("customer_governorate", "customerGovernorate"),
    ("customer_zip_code", "customerZipCode"),
    ("notes", "notes"),
    ("shipping_option", "shippingOption"),
)
_PHONES = (("customer_phone", "customerPhone"), ("customer_phone2", "customerPhone2"))


@dataclass
class _Line:
    """A line of the new basket: an existing item (``item``) or a new one."""

    item: OrderItem | None
    product_id: int
    quantity: int
    unit_price: Decimal
    notes: str | None
    product: catalog_service.ProductFacts | None = None  # set when the product changes
    image: str | None = None

    def described(self) -> dict[str, Any]:
        name = self.product.name if self.product else self.item.product_name if self.item else ""
        return _line(self.product_id, name, self.quantity, self.unit_price, self.notes)


def _line(
    product_id: int, name: str, quantity: int, price: Decimal, notes: str | None
) -> dict[str, Any]:
    return {
        "productId": product_id,
        "productName": name,
        "quantity": quantity,
        "price": float(amounts.to_millimes(price)),
        "notes": notes,
    }


def _described(item: OrderItem) -> dict[str, Any]:
    return _line(item.product_id, item.product_name, item.quantity, item.unit_price, item.notes)


async def edit_order(
    session: WriteSession,
    *,
    actor: Actor,
    reference: str,
    data: OrderEdit,
    if_match: str | None,
    settings: Settings,
) -> Order:
    """Apply ``data`` to the order: 403 for suppliers, 404 outside the scope, 412 when
    ``if_match`` names another version, 409 once shipped or closed, 400 naming every bad
    field. Nothing changed: nothing written (no version bump, no history line)."""
    if actor.role is Role.SUPPLIER:
        raise Forbidden(
            "Suppliers do not edit orders; admins, resellers and agents do",
            code="role_cannot_edit_orders",
        )
    order = await service.lock_in_scope(session, actor=actor, reference=reference, with_items=True)
    versions.check_if_match(order, if_match)
    _check_editable(order)
    changes = _contact_changes(order, data, region=settings.default_phone_region)
    basket: list[_Line] | None = None
    if data.items is not None:
        basket = await _new_basket(session, order=order, lines=data.items, settings=settings)
        before = [_described(item) for item in order.items]
        after = [line.described() for line in basket]
        if before == after:
            basket = None
        else:
            changes.append(_change("items", before, after))
    money = _amounts(order, data, basket)
    changes += _money_changes(order, money)
    if not changes:
        return order
    await _apply(
        session,
        order=order,
        changes=changes,
        basket=basket,
        money=money,
        actor=actor,
        settings=settings,
    )
    await events.order_edited(session, order, frozenset(change["field"] for change in changes))
    return order


async def _phones_checked(session: WriteSession, *, order: Order, settings: Settings) -> str:
    """A new phone is checked as a new order's is: the warnings follow the number the agent
    now calls (a blocked one takes the order out of the queue). Returns their note."""
    flags = await service.phone_flags(session, order=order, settings=settings)
    order.possible_duplicate_of = flags.possible_duplicate_of
    order.blocked = flags.blocked_reason is not None
    order.blocked_reason = flags.blocked_reason
    return service.flags_note(flags)


def _check_editable(order: Order) -> None:
    if order.status in lifecycle.EDITABLE:
        return
    editable = [s.value for s in lifecycle.allowed_moves(order.status) if s in lifecycle.EDITABLE]
    hint = f"; reopen it to {' or '.join(editable)} first" if editable else ""
    raise Conflict(
        f"Order {order.order_number} is {order.status.value}: it can no longer be edited{hint}",
        details={
            "currentStatus": order.status.value,
            "editableStatuses": sorted(s.value for s in lifecycle.EDITABLE),
        },
        code="order_not_editable",
    )


def _change(field: str, old: Any, new: Any) -> dict[str, Any]:
    return {"field": field, "from": old, "to": new}


def _contact_changes(order: Order, data: OrderEdit, *, region: str) -> list[dict[str, Any]]:
    """The changed text and phone fields, each as ``{field, from, to}`` (wire names)."""
    sent = data.model_fields_set
    new_values: list[tuple[str, str, str | None]] = []
    for attribute, wire in _PHONES:
        if attribute in sent:
            raw = getattr(data, attribute)
            new_values.append(
                (attribute, wire, normalize_phone(raw, region=region) if raw else None)
            )
    for attribute, wire in _TEXTS:
        if attribute in sent:
            new_values.append((attribute, wire, getattr(data, attribute) or None))
    return [
        _change(wire, getattr(order, attribute), value)
        for attribute, wire, value in new_values
        if getattr(order, attribute) != value
    ]


def _amounts(order: Order, data: OrderEdit, basket: list[_Line] | None) -> amounts.Amounts:
    """Totals by create's rules, from the new basket and shipping (or the current ones)."""
    sent = data.model_fields_set
    option = (data.shipping_option or None) if "shipping_option" in sent else order.shipping_option
    cost = (data.shipping_cost or Decimal(0)) if "shipping_cost" in sent else order.shipping_cost
    lines = (
        [(line.unit_price, line.quantity) for line in basket]
        if basket is not None
        else [(item.unit_price, item.quantity) for item in order.items]
    )
    money = amounts.order_amounts(lines, shipping=cost, shipping_paid=option == "paid")
    if money.total > MONEY_MAX:
        raise service.invalid([("items", f"An order's total is at most {MONEY_MAX}")])
    return money


def _money_changes(order: Order, money: amounts.Amounts) -> list[dict[str, Any]]:
    return [
        _change(wire, float(old), float(new))
        for wire, old, new in (
            ("shippingCost", order.shipping_cost, money.shipping_cost),
            ("subtotal", order.subtotal, money.subtotal),
            ("total", order.total, money.total),
        )
        if old != new
    ]


async def _new_basket(
    session: AsyncSession, *, order: Order, lines: Sequence[OrderItemEdit], settings: Settings
) -> list[_Line]:
    """The lines as they will be; 400 naming every bad one (``items.0.productId``...)."""
    if len(lines) > settings.max_items_per_order:  # before a lookup of each line's product
        raise service.invalid(
            [("items", f"An order has 1 to {settings.max_items_per_order} items")]
        )
    errors: list[tuple[str, str]] = []
    current = {item.id: item for item in order.items}
    products, images = await _products_named(session, order=order, lines=lines)
    converty = order.source is OrderSource.CONVERTY
    basket: list[_Line] = []
    listed: set[int] = set()
    for index, line in enumerate(lines):
        where = f"items.{index}"
        item = current.get(line.id) if line.id is not None else None
        if line.id is not None and (item is None or line.id in listed):
            reason = "is listed twice" if line.id in listed else "is not a line of this order"
            errors.append((f"{where}.id", f"Line {line.id} {reason}"))
            continue
        if item is None:
            errors += _missing_for_new_line(line, where=where, converty=converty)
        else:
            listed.add(item.id)
        product_id = line.product_id or (item.product_id if item else None)
        quantity = line.quantity or (item.quantity if item else None)
        price = line.price or (item.unit_price if item else None)
        if product_id is None or quantity is None or price is None:
            continue
        planned = _Line(
            item=item,
            product_id=product_id,
            quantity=quantity,
            unit_price=price,
            notes=line.notes or (item.notes if item else None),
        )
        if item is None or product_id != item.product_id:
            if product_id not in products:
                supplier = order.supplier_id
                reason = f"Product {product_id} is not a product of supplier {supplier}"
                errors.append((f"{where}.productId", reason))
                continue
            if converty and product_id not in images:
                reason = f"Product {product_id} has no Converty mapping for this reseller"
                errors.append((f"{where}.productId", reason))
                continue
            planned.product = products[product_id]
            planned.image = images.get(product_id) or products[product_id].image
        basket.append(planned)
    if errors:
        raise service.invalid(errors)
    return basket


async def _products_named(
    session: AsyncSession, *, order: Order, lines: Sequence[OrderItemEdit]
) -> tuple[dict[int, catalog_service.ProductFacts], dict[int, str | None]]:
    """The supplier's products the lines name, and their Converty images (none named: no
    query, the usual case of a quantity changed on the phone)."""
    named = [line.product_id for line in lines if line.product_id is not None]
    if not named:
        return {}, {}
    products = await catalog_service.products_by_id(
        session, supplier_id=order.supplier_id, product_ids=named
    )
    images = await converty_service.mapped_images(
        session, reseller_id=order.reseller_id, product_ids=named
    )
    return products, images


def _missing_for_new_line(
    line: OrderItemEdit, *, where: str, converty: bool
) -> list[tuple[str, str]]:
    required: list[tuple[str, object]] = [
        ("productId", line.product_id),
        ("quantity", line.quantity),
        ("price", line.price),
    ]
    if not converty:
        required.append(("notes", line.notes))
    return [
        (f"{where}.{name}", f"{name} is required on a new line (one without id)")
        for name, value in required
        if value is None
    ]


async def _apply(
    session: WriteSession,
    *,
    order: Order,
    changes: list[dict[str, Any]],
    basket: list[_Line] | None,
    money: amounts.Amounts,
    actor: Actor,
    settings: Settings,
) -> None:
    changed = {change["field"]: change["to"] for change in changes}
    for attribute, wire in (*_PHONES, *_TEXTS):
        if wire in changed:
            setattr(order, attribute, changed[wire])
    if "customerPhone" in changed:
        order.wa_id = whatsapp_id(order.customer_phone)
    note = "Edited: " + ", ".join(changed)
    if changed.keys() & {"customerPhone", "customerPhone2"}:
        note += await _phones_checked(session, order=order, settings=settings)
    if basket is not None:
        if order.status in lifecycle.HOLDS_STOCK:
            await _move_stock(session, before=order.items, after=basket)
        order.items = [_item(line) for line in basket]
    order.shipping_cost, order.subtotal, order.total = (
        money.shipping_cost,
        money.subtotal,
        money.total,
    )
    # Always dirty: an edit of a line alone must still move the order's version on.
    order.updated_at = utcnow()
    service.add_history_line(
        session,
        order=order,
        actor_label=actor.label,
        actor_user_id=actor.user_id,
        note=note,
        changes=changes,
    )
    await session.flush()


def _item(line: _Line) -> OrderItem:
    item = line.item or OrderItem()
    item.product_id = line.product_id
    item.quantity = line.quantity
    item.unit_price = line.unit_price
    item.notes = line.notes
    if line.product is not None:
        item.product_name = line.product.name
        item.product_code = line.product.code
        item.product_image = line.image
    return item


async def _move_stock(
    session: WriteSession, *, before: Sequence[OrderItem], after: Sequence[_Line]
) -> None:
    """What the order holds follows its new basket: more taken (409 when short), less given
    back, product by product in id order like every stock update (no deadlock)."""
    held: Counter[int] = Counter()
    for item in before:
        held[item.product_id] += item.quantity
    wanted: Counter[int] = Counter()
    for line in after:
        wanted[line.product_id] += line.quantity
    for product_id in sorted(held | wanted):
        delta = wanted[product_id] - held[product_id]
        if delta > 0:
            await service.take_quantities(session, [(product_id, delta)])
        elif delta < 0:
            await service.return_quantities(session, [(product_id, -delta)])
