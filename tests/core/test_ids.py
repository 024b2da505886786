"""Ids are INTEGER column values: past the range, a path names nothing (404) and a body or query
string is refused naming the field (400); numbers that would overflow a column are refused too."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.core.conftest import WEBHOOK_TOKEN
from tests.factories import Shop

PAST = 2_147_483_648  # one past PostgreSQL's INTEGER
API = "/api/v1"

PATHS = [
    ("GET", "/orders/{id}"),
    ("GET", "/orders/{id}/history"),
    ("GET", "/orders/{id}/invoice.pdf"),
    ("PATCH", "/orders/{id}/status"),
    ("GET", "/suppliers/{id}"),
    ("GET", "/resellers/{id}"),
    ("PATCH", "/users/{id}"),
    ("GET", "/products/{id}"),
    ("PATCH", "/products/{id}"),
    ("DELETE", "/converty/product-mappings/{id}"),
    ("GET", "/converty/check-mappings/{id}"),
    ("POST", "/integrations/digishare/jobs/{id}/retry?resellerId=1"),
]
BODIES = {"PATCH": {"status": "confirmed"}}


@pytest.mark.parametrize("value", [str(PAST), "99999999999999999999", "0", "²"])
@pytest.mark.parametrize(("method", "path"), PATHS, ids=[f"{m} {p}" for m, p in PATHS])
async def test_a_path_id_out_of_range_is_404(
    client: httpx.AsyncClient, shop: Shop, method: str, path: str, value: str
) -> None:
    body = {"name": "x"} if "/users/" in path else BODIES.get(method)

    response = await client.request(
        method, API + path.format(id=value), json=body, headers=shop.admin
    )

    assert response.status_code == 404, response.text
    assert response.json()["success"] is False


async def test_the_webhook_of_an_id_out_of_range_is_404_without_credentials(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(f"{API}/webhooks/digishare/{PAST}", json={})

    assert response.status_code == 404


QUERIES = [
    "/orders?resellerId={id}",
    "/orders?supplierId={id}",
    "/orders/export.csv?resellerId={id}",
    "/converty/products?resellerId={id}",
    "/converty/product-mappings?resellerId={id}",
    "/integrations/digishare?resellerId={id}",
    "/integrations/digishare/jobs?resellerId={id}",
    "/integrations/digishare/events?resellerId={id}",
]


@pytest.mark.parametrize("path", QUERIES)
async def test_a_query_id_out_of_range_is_400_naming_it(
    client: httpx.AsyncClient, shop: Shop, path: str
) -> None:
    response = await client.get(API + path.format(id=PAST), headers=shop.admin)

    assert response.status_code == 400, response.text
    assert response.json()["details"]["field"] in path


def _order(shop: Shop, **fields: Any) -> dict[str, Any]:
    item = {"productId": shop.product.id, "quantity": 1, "price": 30, "notes": "Bleu"}
    return {"customerPhone": "20 123 456", "products": [item | fields.pop("item", {})], **fields}


# (path, role, body, the field the 400 names); ``shop`` fills in the ids that must exist.
BODY_CASES: list[tuple[str, str, Any, str]] = [
    ("/orders", "reseller", lambda s: _order(s, item={"productId": PAST}), "products.0.productId"),
    ("/orders", "reseller", lambda s: _order(s, item={"productId": "1"}), "products.0.productId"),
    ("/orders", "reseller", lambda s: _order(s, item={"quantity": True}), "products.0.quantity"),
    ("/orders", "reseller", lambda s: _order(s, customerZipCode=True), "customerZipCode"),
    (
        "/orders",
        "admin",
        lambda s: _order(s, resellerId=PAST, supplierId=s.world.supplier.id),
        "resellerId",
    ),
    (
        "/orders",
        "admin",
        lambda s: _order(s, resellerId=s.world.reseller.id, supplierId=PAST),
        "supplierId",
    ),
    (
        "/orders",
        "reseller",
        lambda s: _order(s, item={"price": 999_999_999, "quantity": 100_000}),
        "products",
    ),
    ("/orders/bulk-status", "admin", lambda s: {"ids": [PAST], "status": "pending"}, "ids.0"),
    ("/orders/bulk-status", "admin", lambda s: {"ids": [False], "status": "pending"}, "ids.0"),
    ("/orders/bulk-status", "admin", lambda s: {"ids": ["1"], "status": "pending"}, "ids.0"),
    ("/resellers", "admin", lambda s: {"name": "R", "supplierId": PAST}, "supplierId"),
    (
        "/users",
        "admin",
        lambda s: {
            "identifier": "u@x.tn",
            "password": "p" * 12,
            "role": "agent",
            "resellerId": PAST,
        },
        "resellerId",
    ),
    (
        "/users",
        "admin",
        lambda s: {
            "identifier": "u@x.tn",
            "password": "p" * 12,
            "role": "supplier",
            "supplierId": PAST,
        },
        "supplierId",
    ),
    ("/products", "admin", lambda s: {"name": "P", "price": 1, "supplierId": PAST}, "supplierId"),
    ("/products", "supplier", lambda s: {"name": "P", "price": 10**20}, "price"),
    (
        "/products",
        "supplier",
        lambda s: {"name": "P", "price": 1, "stockQuantity": "5"},
        "stockQuantity",
    ),
    (
        "/converty/products",
        "reseller",
        lambda s: {"products": [{"id": PAST, "name": "C"}]},
        "products.0.id",
    ),
    (
        "/converty/products",
        "admin",
        lambda s: {"products": [{"id": 1, "name": "C"}], "resellerId": PAST},
        "resellerId",
    ),
    (
        "/converty/product-mappings",
        "reseller",
        lambda s: {"convertyProductId": PAST, "supplierProductId": s.product.id},
        "convertyProductId",
    ),
    (
        "/converty/product-mappings",
        "reseller",
        lambda s: {"convertyProductId": 1, "supplierProductId": PAST},
        "supplierProductId",
    ),
]


@pytest.mark.parametrize(
    ("path", "role", "make_body", "field"),
    BODY_CASES,
    ids=[f"{path} {field} {index}" for index, (path, _, _, field) in enumerate(BODY_CASES)],
)
async def test_a_body_number_out_of_range_or_of_the_wrong_type_is_400_naming_it(
    client: httpx.AsyncClient, shop: Shop, path: str, role: str, make_body: Any, field: str
) -> None:
    response = await client.post(API + path, json=make_body(shop), headers=getattr(shop, role))

    assert response.status_code == 400, response.text
    assert field in [error["field"] for error in response.json()["details"]["errors"]]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/users/{user}", {"isActive": "no"}, "isActive"),
        ("/products/{product}", {"stockQuantity": 10**12}, "stockQuantity"),
        ("/products/{product}", {"price": "1e20"}, "price"),
    ],
)
async def test_a_patched_number_or_flag_of_the_wrong_type_is_400_naming_it(
    client: httpx.AsyncClient, shop: Shop, path: str, body: dict[str, Any], field: str
) -> None:
    url = API + path.format(user=shop.world.agent.id, product=shop.product.id)

    response = await client.patch(url, json=body, headers=shop.admin)

    assert response.status_code == 400, response.text
    assert response.json()["details"]["field"] == field


async def test_a_webhook_flag_of_the_wrong_type_is_400_naming_it(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    body = {"token": "t", "webhookAuth": {"type": "bearer", "token": WEBHOOK_TOKEN}}

    response = await client.put(
        f"{API}/integrations/digishare", json=body | {"enabled": "yes"}, headers=shop.reseller
    )

    assert response.status_code == 400, response.text
    assert response.json()["details"]["field"] == "enabled"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("dateTo", "9999-12-31"),
        ("dateTo", "9999-12-31T23:59:59.999999"),
        ("dateFrom", "0001-01-01T00:00:00+14:00"),
    ],
)
async def test_a_date_off_the_calendar_is_400_naming_it(
    client: httpx.AsyncClient, shop: Shop, name: str, value: str
) -> None:
    response = await client.get(f"{API}/orders", params={name: value}, headers=shop.admin)

    assert response.status_code == 400, response.text
    assert response.json()["details"]["field"] == name
