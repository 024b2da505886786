"""The CSV export: one row per order, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from commercy.core.responses import iso_timestamp
from commercy.orders import amounts
from commercy.orders.models import Order

_CSV_COLUMNS = (
    "orderNumber",
    "createdAt",
    "status",
    "paymentStatus",
    "source",
    "customerName",
    "customerPhone",
    "customerPhone2",
    "customerAddress",
    "customerCity",
    "customerGovernorate",
    "customerZipCode",
    "items",
    "subtotal",
    "shippingCost",
    "total",
    "notes",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str | None) -> str:
    """Free text that a spreadsheet would run as a formula is defused with a leading quote."""
    text = value or ""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_row(order: Order) -> list[str]:
    items = "; ".join(
        f"{item.quantity} x {item.product_name}" + (f" ({item.notes})" if item.notes else "")
        for item in order.items
    )
    return [
        order.order_number,
        iso_timestamp(order.created_at),
        order.status.value,
        order.payment_status.value,
        order.source.value,
        _cell(order.customer_name),
        order.customer_phone,
        order.customer_phone2 or "",
        _cell(order.customer_address),
        _cell(order.customer_city),
        _cell(order.customer_governorate),
        _cell(order.customer_zip_code),
        _cell(items),
        amounts.plain(order.subtotal),
        amounts.plain(order.shipping_cost),
        amounts.plain(order.total),
        _cell(order.notes),
    ]


def csv_text(orders: Iterable[Order]) -> str:
    """UTF-8 text with a byte-order mark, so spreadsheets read accents and Arabic correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_CSV_COLUMNS)
    writer.writerows(_csv_row(order) for order in orders)
    return "\ufeff" + buffer.getvalue()
