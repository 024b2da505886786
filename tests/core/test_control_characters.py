"""No text a client sends holds a control character (PostgreSQL cannot even store NUL): every
body field, query parameter and path parameter refuses them with a 400 naming it. Notes and
addresses may span lines: tabs and line breaks are fine there."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from commercy.orders.models import Order
from tests.core.conftest import WEBHOOK_TOKEN
from tests.factories import PASSWORD, Shop, order_body

API = "/api/v1"
NUL, BELL = "\x00", "\x07"


def refused_fields(response: httpx.Response) -> list[str]:
    assert response.status_code == 400, response.text
    return [
        error["field"]
        for error in response.json()["details"]["errors"]
        if "Control character" in error["message"]
    ]


def _user(**fields: Any) -> dict[str, Any]:
    return {"identifier": "new@x.tn", "password": PASSWORD, "role": "admin", **fields}


def _digishare(**fields: Any) -> dict[str, Any]:
    return {"token": "t", "webhookAuth": {"type": "bearer", "token": WEBHOOK_TOKEN}, **fields}


# (method, path, role, a body built around one bad text, the field the 400 names)
BODIES: list[tuple[str, str, str, Any, str]] = [
    (
        "POST",
        "/auth/login",
        "",
        lambda c: {"identifier": f"a{c}@b.tn", "password": "x"},
        "identifier",
    ),
    (
        "POST",
        "/auth/login",
        "",
        lambda c: {"identifier": "a@b.tn", "password": f"x{c}"},
        "password",
    ),
    ("POST", "/suppliers", "admin", lambda c: {"name": f"S{c}"}, "name"),
    ("POST", "/suppliers", "admin", lambda c: {"name": "S", "email": f"s{c}@x.tn"}, "email"),
    ("POST", "/suppliers", "admin", lambda c: {"name": "S", "phone": f"2012{c}3456"}, "phone"),
    ("POST", "/resellers", "admin", lambda c: {"name": f"R{c}", "supplierId": 1}, "name"),
    ("POST", "/users", "admin", lambda c: _user(identifier=f"u{c}@x.tn"), "identifier"),
    ("POST", "/users", "admin", lambda c: _user(name=f"Ali{c}"), "name"),
    ("POST", "/users", "admin", lambda c: _user(password=f"{PASSWORD}{c}"), "password"),
    ("PATCH", "/users/{agent}", "admin", lambda c: {"name": f"Ali{c}"}, "name"),
    ("POST", "/products", "supplier", lambda c: {"name": f"P{c}", "price": 1}, "name"),
    ("POST", "/products", "supplier", lambda c: {"name": "P", "price": 1, "code": f"C{c}"}, "code"),
    (
        "POST",
        "/products",
        "supplier",
        lambda c: {"name": "P", "price": 1, "image": f"https://x.tn/{c}"},
        "image",
    ),
    ("PATCH", "/products/{product}", "supplier", lambda c: {"name": f"P{c}"}, "name"),
    (
        "POST",
        "/converty/products",
        "reseller",
        lambda c: {"products": [{"id": 1, "name": f"C{c}"}]},
        "products.0.name",
    ),
    (
        "POST",
        "/converty/products",
        "reseller",
        lambda c: {"products": [{"id": 1, "name": "C", "sku": f"S{c}"}]},
        "products.0.sku",
    ),
    ("POST", "/orders", "reseller", lambda c: {"customerName": f"Amira{c}"}, "customerName"),
    ("POST", "/orders", "reseller", lambda c: {"customerPhone": f"20123456{c}"}, "customerPhone"),
    ("POST", "/orders", "reseller", lambda c: {"customerCity": f"Tunis{c}"}, "customerCity"),
    ("POST", "/orders", "reseller", lambda c: {"ville": f"Tunis{c}"}, "ville"),
    ("POST", "/orders", "reseller", lambda c: {"customerZipCode": f"10{c}"}, "customerZipCode"),
    ("POST", "/orders", "reseller", lambda c: {"shippingOption": f"paid{c}"}, "shippingOption"),
    ("POST", "/orders", "reseller", lambda c: {"notes": f"Sonner{c}"}, "notes"),
    ("POST", "/orders", "reseller", lambda c: {"customerAddress": f"12 rue{c}"}, "customerAddress"),
    ("POST", "/orders", "reseller", lambda c: {"item": {"notes": f"Bleu{c}"}}, "products.0.notes"),
    (
        "PATCH",
        "/orders/{order}/status",
        "reseller",
        lambda c: {"status": "pending", "note": c},
        "note",
    ),
    (
        "POST",
        "/orders/bulk-status",
        "reseller",
        lambda c: {"ids": [1], "status": "pending", "note": c},
        "note",
    ),
    ("PUT", "/integrations/digishare", "reseller", lambda c: _digishare(token=f"t{c}"), "token"),
    (
        "PUT",
        "/integrations/digishare",
        "reseller",
        lambda c: _digishare(baseUrl=f"https://x.tn/{c}"),
        "baseUrl",
    ),
    (
        "PUT",
        "/integrations/digishare",
        "reseller",
        lambda c: _digishare(ticketTypeId=f"t{c}"),
        "ticketTypeId",
    ),
    (
        "PUT",
        "/integrations/digishare",
        "reseller",
        lambda c: _digishare(statusMap={f"s{c}": "confirmed"}),
        "statusMap",
    ),
    (
        "PUT",
        "/integrations/digishare",
        "reseller",
        lambda c: {"token": "t", "webhookAuth": {"type": "bearer", "token": f"w{c}"}},
        "webhookAuth.token",
    ),
]


def _body(shop: Shop, path: str, make_body: Any, char: str) -> Any:
    body = make_body(char)
    if path != "/orders":
        return body
    order = order_body(shop.product)
    order["products"][0].update(body.pop("item", {}))
    return order | body


@pytest.mark.parametrize("char", [NUL, BELL], ids=["NUL", "BEL"])
@pytest.mark.parametrize(
    ("method", "path", "role", "make_body", "field"),
    BODIES,
    ids=[f"{method} {path} {field}" for method, path, _, _, field in BODIES],
)
async def test_a_control_character_in_any_body_text_is_400_naming_the_field(
    client: httpx.AsyncClient,
    shop: Shop,
    session: AsyncSession,
    method: str,
    path: str,
    role: str,
    make_body: Any,
    field: str,
    char: str,
) -> None:
    url = API + path.format(agent=shop.world.agent.id, product=shop.product.id, order=1)

    response = await client.request(
        method,
        url,
        json=_body(shop, path, make_body, char),
        headers=getattr(shop, role) if role else {},
    )

    assert refused_fields(response) == [field]
    assert await session.scalar(select(func.count()).select_from(Order)) == 0


async def test_notes_and_addresses_keep_their_tabs_and_line_breaks(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    body = order_body(
        shop.product, notes="Sonner deux fois\r\nPorte B", customerAddress="12 rue\n2e étage"
    )
    body["products"][0]["notes"] = "Bleu\tM"

    response = await client.post(f"{API}/orders", json=body, headers=shop.reseller)
    one_line = await client.post(
        f"{API}/orders",
        json=order_body(shop.product, customerName="Amira\nBen Salah"),
        headers=shop.reseller,
    )

    assert response.status_code == 201, response.text
    order = response.json()["order"]
    assert (order["notes"], order["customerAddress"]) == (
        "Sonner deux fois\r\nPorte B",
        "12 rue\n2e étage",
    )
    assert order["items"][0]["notes"] == "Bleu\tM"
    assert refused_fields(one_line) == ["customerName"]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/orders?search=%00", "search"),
        ("/orders?search=a%0Ab", "search"),
        ("/orders/export.csv?search=%00", "search"),
        ("/products?search=%00", "search"),
        ("/orders?dateFrom=2026-01-01%00", "dateFrom"),
        ("/orders/%00", "reference"),
        ("/orders/ORD-1%07/history", "reference"),
        ("/orders/%00/invoice.pdf", "reference"),
    ],
)
async def test_a_control_character_in_a_query_or_path_is_400_naming_it(
    client: httpx.AsyncClient, shop: Shop, path: str, field: str
) -> None:
    response = await client.get(API + path, headers=shop.admin)

    assert refused_fields(response) == [field]


async def test_a_control_character_in_an_idempotency_key_is_400_naming_it(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    response = await client.post(
        f"{API}/orders",
        json=order_body(shop.product),
        headers=shop.reseller | {"Idempotency-Key": "key\twith a tab"},
    )

    assert refused_fields(response) == ["Idempotency-Key"]
