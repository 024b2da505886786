"""The order lifecycle (README, "Orders"): which status may follow which, and what holds stock."""

from __future__ import annotations

from commercy.orders.models import OrderStatus

S = OrderStatus

#: Statuses of the call-center conversation, before an outcome.
CONFIRMATION = frozenset(
    {S.PENDING, S.NOT_REACHED, S.PHONE_CLOSED, S.RAPPORTED, S.MORE_INFORMATION, S.NOT_AVAILABLE}
)
OUTCOMES = frozenset({S.CONFIRMED, S.CANCELED, S.ABANDONED, S.NOT_INTERESTED})
#: What a supplier may set: getting the parcel to the customer.
FULFILMENT = frozenset({S.SHIPPED, S.DELIVERED, S.RETURNED})
#: Statuses in which the order's quantities are out of the products' stock.
HOLDS_STOCK = frozenset({S.CONFIRMED, S.SHIPPED, S.DELIVERED})
#: Statuses of an order still in play: what a new order from the same number may duplicate.
OPEN = CONFIRMATION | {S.CONFIRMED, S.SHIPPED}
#: Statuses in which the customer's corrections may be applied (``PATCH /orders/{id}``): the
#: call is still on, or the order is confirmed but not shipped. Closed outcomes are reopened
#: to ``pending`` first.
EDITABLE = CONFIRMATION | {S.CONFIRMED}
#: Statuses an order may be created in (the ten of the API; ``delivered`` only via ``sur_place``).
CREATABLE = CONFIRMATION | OUTCOMES

_MOVES: dict[OrderStatus, frozenset[OrderStatus]] = {
    **{status: (CONFIRMATION | OUTCOMES) - {status} for status in CONFIRMATION},
    S.CONFIRMED: frozenset({S.SHIPPED, S.CANCELED}),
    S.CANCELED: frozenset({S.PENDING}),
    S.ABANDONED: frozenset({S.PENDING}),
    S.NOT_INTERESTED: frozenset({S.PENDING}),
    S.SHIPPED: frozenset({S.DELIVERED, S.RETURNED}),
    S.DELIVERED: frozenset(),
    S.RETURNED: frozenset(),
}

_ORDER = list(OrderStatus)


def allowed_moves(status: OrderStatus) -> list[OrderStatus]:
    """The statuses ``status`` may move to, in the enum's order (stable for clients)."""
    return sorted(_MOVES[status], key=_ORDER.index)


def moves_stock(current: OrderStatus, target: OrderStatus) -> bool:
    """Whether moving from ``current`` to ``target`` takes the quantities out of stock or
    gives them back."""
    return (current in HOLDS_STOCK) != (target in HOLDS_STOCK)


def can_move(current: OrderStatus, target: OrderStatus) -> bool:
    return target in _MOVES[current]
