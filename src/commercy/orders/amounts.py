"""Money in orders: exact decimals to the millime (the dinar's 3 places), computed and written
out one way everywhere (answers, CSV, PDFs, Digishare's message)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

MILLIMES = Decimal("0.001")
CURRENCY = "TND"


def to_millimes(value: Decimal) -> Decimal:
    return value.quantize(MILLIMES)


@dataclass(frozen=True, slots=True)
class Amounts:
    subtotal: Decimal
    shipping_cost: Decimal
    total: Decimal


def order_amounts(
    lines: Iterable[tuple[Decimal, int]], *, shipping: Decimal, shipping_paid: bool
) -> Amounts:
    """``subtotal`` = the sum of price * quantity; the shipping cost is charged only when the
    customer pays it; ``total`` = subtotal + shipping cost."""
    subtotal = to_millimes(sum((price * quantity for price, quantity in lines), Decimal(0)))
    shipping_cost = to_millimes(shipping if shipping_paid else Decimal(0))
    return Amounts(subtotal=subtotal, shipping_cost=shipping_cost, total=subtotal + shipping_cost)


def plain(value: Decimal) -> str:
    """``258.470``: three decimals, no currency (CSV cells, message variables)."""
    return f"{to_millimes(value):.3f}"


def with_currency(value: Decimal) -> str:
    """``258.470 TND``, as printed on invoices and labels."""
    return f"{plain(value)} {CURRENCY}"
