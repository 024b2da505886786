"""Commercy's order API from Python, with the client (``commercy_client``): log in, create an
order safely (an Idempotency-Key, retried on 429, 503 and network failures), replay it, walk
every page of orders, confirm the order, download its invoice, and read a validation error.

    COMMERCY_BASE_URL=http://127.0.0.1:8000 COMMERCY_IDENTIFIER=reseller@medina.example \\
    COMMERCY_PASSWORD=... python examples/python/orders.py
"""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

from commercy_client import Commercy, CommercyError, Product, RetryPolicy


def main() -> int:
    base_url = os.environ.get("COMMERCY_BASE_URL", "http://127.0.0.1:8000")
    identifier = os.environ["COMMERCY_IDENTIFIER"]
    password = os.environ["COMMERCY_PASSWORD"]
    out_dir = Path(os.environ.get("COMMERCY_OUT_DIR", "."))
    page_size = int(os.environ.get("COMMERCY_PAGE_SIZE", "100"))
    # orders.create is the one call the client retries (it carries an Idempotency-Key):
    # 5 tries in all, waiting 1 s doubled each time or the Retry-After the API asks.
    retry = RetryPolicy(attempts=5, backoff=1.0, max_wait=30.0)
    try:
        with Commercy.login(base_url, identifier, password, retry=retry) as api:
            run(api, out_dir=out_dir, page_size=page_size)
    except CommercyError as error:
        report(error)
        return 1
    return 0


def run(api: Commercy, *, out_dir: Path, page_size: int) -> None:
    me = api.auth.me()
    print(f"logged in as {me['identifier']} ({me['role']})")

    product = best_stocked(api.products.list(limit=100).items)
    order = {
        "customer_name": "Leila Mansour",
        "customer_phone": "+216 22 333 444",
        "customer_address": "8 avenue Habib Bourguiba",
        "customer_city": "Tunis",
        "products": [
            {"product_id": product["id"], "quantity": 1, "price": product["price"], "notes": "M"}
        ],
    }
    # One key per order you mean to place, kept until an answer comes: a retry of the same
    # order with the same key can never make a second one.
    key = str(uuid.uuid4())
    created = api.orders.create(idempotency_key=key, **order)
    number, order_id = created["orderNumber"], created["order"]["id"]
    print(f"created order {number} (id {order_id}, total {created['order']['total']})")

    again = api.orders.create(idempotency_key=key, **order)
    if again["order"]["id"] != order_id:
        raise SystemExit(f"the replay made another order: {again['orderNumber']}")
    print(f"replayed the same key: the same order {number} (replayed={again['replayed']})")

    count = sum(1 for _ in api.orders.iterate(limit=page_size))
    print(f"listed {count} orders, {page_size} a page")

    confirmed = api.orders.set_status(order_id, "confirmed", note="Confirmed on the phone")
    print(f"order {number} is now {confirmed['status']}")

    invoice = out_dir / f"invoice-{number}.pdf"
    out_dir.mkdir(parents=True, exist_ok=True)
    invoice.write_bytes(api.orders.invoice_pdf(order_id))
    print(f"invoice of {number}: {invoice} ({invoice.stat().st_size} bytes)")

    show_a_validation_error(api)


def best_stocked(products: list[Product]) -> Product:
    """The product with the most stock, so that confirming an order of one never runs out."""
    if not products:
        raise SystemExit("no product in your catalogue: ask your supplier to add one")
    return max(products, key=lambda product: product["stockQuantity"])


def show_a_validation_error(api: Commercy) -> None:
    """No phone, a quantity of zero, a product id that is not a number: a 400 names each."""
    try:
        api.orders.create(customer_name="X", products=[{"product_id": "abc", "quantity": 0}])
    except CommercyError as error:
        if error.status != 400:
            raise
        print(f"a bad order is refused with {error.status} (request id {error.request_id}):")
        for field_error in error.field_errors:
            print(f"  - {field_error['field']}: {field_error['message']}")
    else:
        raise SystemExit("a bad order was accepted")


def report(error: CommercyError) -> None:
    """Everything the API said, and the request id to quote when asking for help."""
    print(f"error: {error.status} {error.error}: {error.message}", file=sys.stderr)
    for field_error in error.field_errors:
        print(f"  - {field_error['field']}: {field_error['message']}", file=sys.stderr)
    if error.status == 409 and "allowedStatuses" in error.details:
        print(f"  allowed statuses: {error.details['allowedStatuses']}", file=sys.stderr)
    if error.retry_after is not None:
        print(f"  retry after {error.retry_after:.0f} s", file=sys.stderr)
    print(f"  request id: {error.request_id}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
