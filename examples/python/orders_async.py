"""The same client, asynchronous (``AsyncCommercy``): three orders created at once (each under
its own Idempotency-Key), every order read page after page with ``async for``, and the three
invoices downloaded at once.

    COMMERCY_BASE_URL=http://127.0.0.1:8000 COMMERCY_IDENTIFIER=reseller@medina.example \\
    COMMERCY_PASSWORD=... python examples/python/orders_async.py
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from commercy_client import AsyncCommercy, CommercyError, OrderCreated

CUSTOMERS = [("Amine Jaziri", "+216 23 111 222"), ("Nour Kefi", "+216 24 333 444")]
CUSTOMERS += [("Rim Baccouche", "+216 25 555 666")]


async def main() -> int:
    base_url = os.environ.get("COMMERCY_BASE_URL", "http://127.0.0.1:8000")
    out_dir = Path(os.environ.get("COMMERCY_OUT_DIR", "."))
    try:
        api = await AsyncCommercy.login(
            base_url, os.environ["COMMERCY_IDENTIFIER"], os.environ["COMMERCY_PASSWORD"]
        )
        async with api:
            await run(api, out_dir)
    except CommercyError as error:
        print(f"error: {error} (request id {error.request_id})", file=sys.stderr)
        return 1
    return 0


async def run(api: AsyncCommercy, out_dir: Path) -> None:
    product = (await api.products.list(limit=1)).items[0]

    async def place(name: str, phone: str) -> OrderCreated:
        item = {"product_id": product["id"], "quantity": 1, "price": product["price"], "notes": "L"}
        # No idempotency_key given: the client makes one per call and keeps it across retries.
        return await api.orders.create(customer_name=name, customer_phone=phone, products=[item])

    created = await asyncio.gather(*(place(name, phone) for name, phone in CUSTOMERS))
    for order in created:
        print(f"created order {order['orderNumber']} (total {order['order']['total']})")

    count = 0
    async for _order in api.orders.iterate(limit=100):
        count += 1
    print(f"listed {count} orders")

    invoices = await asyncio.gather(*(api.orders.invoice_pdf(o["order"]["id"]) for o in created))
    numbers = [order["orderNumber"] for order in created]
    # Files are written off the event loop, which keeps serving the other coroutines.
    await asyncio.to_thread(save_invoices, out_dir, dict(zip(numbers, invoices, strict=True)))


def save_invoices(out_dir: Path, invoices: dict[str, bytes]) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for number, pdf in invoices.items():
        path = out_dir / f"invoice-{number}.pdf"
        path.write_bytes(pdf)
        print(f"invoice of {number}: {path} ({len(pdf)} bytes)")


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
