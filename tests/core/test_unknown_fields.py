"""Every request body names the fields it does not know, with the nearest known one: a typo must
never quietly lose what it carried (a shipping charge, a stock level)."""

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


def unknown(response: httpx.Response) -> dict[str, str]:
    """The unknown fields the 400 names, with their messages."""
    assert response.status_code == 400, response.text
    return {
        error["field"]: error["message"]
        for error in response.json()["details"]["errors"]
        if error["type"] == "extra_forbidden"
    }


async def test_a_misspelt_order_field_is_refused_with_the_name_it_meant(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession
) -> None:
    body = order_body(shop.product, shippingOption="paid", shippingAmount=8.5)

    response = await client.post(f"{API}/orders", json=body, headers=shop.reseller)

    assert unknown(response) == {"shippingAmount": "Unknown field; did you mean shippingCost?"}
    assert await session.scalar(select(func.count()).select_from(Order)) == 0


async def test_a_misspelt_item_field_is_named_where_it_is(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    body = order_body(shop.product)
    body["products"][0]["quantiy"] = 2

    response = await client.post(f"{API}/orders", json=body, headers=shop.reseller)

    assert unknown(response) == {"products.0.quantiy": "Unknown field; did you mean quantity?"}


async def test_a_field_like_no_other_is_refused_without_a_guess(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    response = await client.post(
        f"{API}/orders", json=order_body(shop.product, zzz=1), headers=shop.reseller
    )

    assert unknown(response) == {"zzz": "Unknown field"}


async def test_the_seed_legacy_names_and_product_image_are_still_accepted(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    body: dict[str, Any] = {
        "customerPhone1": "20 123 456",
        "address": "12 rue de la Kasbah",
        "ville": "Tunis",
        "gouvernaurat": "Tunis",
        "shippingOption": "paid",
        "shipping": 7,
        "products": [
            {
                "productId": shop.product.id,
                "quantity": 1,
                "unitPrice": 30,
                "notes": "Bleu",
                "productImage": "https://img.example/mine.jpg",
            }
        ],
    }

    response = await client.post(f"{API}/orders", json=body, headers=shop.reseller)

    assert response.status_code == 201, response.text
    assert response.json()["order"]["total"] == 37


# (method, path, role, a body with one unknown field, the name it gets, the suggestion)
BODIES: list[tuple[str, str, str, dict[str, Any], str, str | None]] = [
    ("POST", "/auth/login", "", {"identifier": "a@b.tn", "pasword": "x"}, "pasword", "password"),
    ("POST", "/suppliers", "admin", {"name": "S", "phones": "1"}, "phones", "phone"),
    ("POST", "/resellers", "admin", {"name": "R", "supplier": 1}, "supplier", "supplierId"),
    (
        "POST",
        "/users",
        "admin",
        {"identifier": "new@x.tn", "password": PASSWORD, "role": "admin", "rol": "x"},
        "rol",
        "role",
    ),
    ("PATCH", "/users/{agent}", "admin", {"active": False}, "active", "isActive"),
    ("POST", "/products", "supplier", {"name": "P", "price": 1, "stock": 5}, "stock", None),
    ("PATCH", "/products/{product}", "supplier", {"stockQty": 5}, "stockQty", "stockQuantity"),
    (
        "PATCH",
        "/products/{product}",
        "supplier",
        {"stock_quantity": 5, "costprice": 1},
        "costprice",
        "costPrice",
    ),
    (
        "POST",
        "/converty/products",
        "reseller",
        {"products": [{"id": 1, "name": "C", "skus": "A"}]},
        "products.0.skus",
        "sku",
    ),
    (
        "POST",
        "/converty/product-mappings",
        "reseller",
        {"convertyProductId": 1, "supplierProductID": 1},
        "supplierProductID",
        "supplierProductId",
    ),
    (
        "PATCH",
        "/orders/{order}/status",
        "reseller",
        {"status": "pending", "notes": "x"},
        "notes",
        "note",
    ),
    (
        "POST",
        "/orders/bulk-status",
        "reseller",
        {"ids": [1], "status": "pending", "id": 1},
        "id",
        "ids",
    ),
    (
        "PUT",
        "/integrations/digishare",
        "reseller",
        {"token": "t", "webhookAuth": {"type": "bearer", "token": WEBHOOK_TOKEN}, "baseURL": "x"},
        "baseURL",
        "baseUrl",
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "role", "body", "field", "suggestion"),
    BODIES,
    ids=[f"{method} {path} {field}" for method, path, _, _, field, _ in BODIES],
)
async def test_every_body_names_an_unknown_field(
    client: httpx.AsyncClient,
    shop: Shop,
    method: str,
    path: str,
    role: str,
    body: dict[str, Any],
    field: str,
    suggestion: str | None,
) -> None:
    url = API + path.format(agent=shop.world.agent.id, product=shop.product.id, order=1)

    response = await client.request(
        method, url, json=body, headers=getattr(shop, role) if role else {}
    )

    message = f"Unknown field; did you mean {suggestion}?" if suggestion else "Unknown field"
    assert unknown(response) == {field: message}
