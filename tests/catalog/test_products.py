"""Products: suppliers manage their own; the cost price is private to them and admins."""

from __future__ import annotations

import httpx
import pytest

from commercy.core.database import WriteSession
from commercy.core.settings import Settings
from tests.factories import (
    Shop,
    bearer,
    make_mapping,
    make_order,
    make_product,
    make_supplier,
    make_world,
)

PRODUCTS = "/api/v1/products"


async def test_supplier_creates_and_edits_its_own_products_with_cost_price(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    created = await client.post(
        PRODUCTS,
        json={
            "name": "Sac cuir",
            "code": "SC-1",
            "price": 89.9,
            "costPrice": 41.25,
            "stockQuantity": 12,
            "image": "https://img.example/sac.jpg",
        },
        headers=shop.supplier,
    )
    product_id = created.json()["data"]["id"]
    edited = await client.patch(
        f"{PRODUCTS}/{product_id}", json={"price": 95, "stockQuantity": 20}, headers=shop.supplier
    )

    assert created.status_code == 201, created.text
    assert (
        created.json()["data"] | {"supplierId": shop.world.supplier.id, "costPrice": 41.25}
        == (created.json()["data"])
    )
    assert (edited.json()["data"]["price"], edited.json()["data"]["stockQuantity"]) == (95, 20)


async def test_admin_must_name_the_supplier_of_a_product(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    missing = await client.post(PRODUCTS, json={"name": "X", "price": 1}, headers=shop.admin)
    named = await client.post(
        PRODUCTS,
        json={"name": "X", "price": 1, "supplierId": shop.world.supplier.id},
        headers=shop.admin,
    )

    assert (missing.status_code, missing.json()["details"]["field"]) == (400, "supplierId")
    assert named.status_code == 201


@pytest.mark.parametrize("role", ["reseller", "agent"])
async def test_resellers_and_agents_read_their_supplier_products_but_cannot_change_them(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession, role: str
) -> None:
    await make_product(session, supplier=await make_supplier(session))  # another supplier's
    await session.commit()
    headers = getattr(shop, role)

    listed = await client.get(PRODUCTS, headers=headers)
    create = await client.post(PRODUCTS, json={"name": "X", "price": 1}, headers=headers)
    patch = await client.patch(f"{PRODUCTS}/{shop.product.id}", json={"price": 1}, headers=headers)

    assert {p["id"] for p in listed.json()["data"]} == {shop.product.id, shop.other_product.id}
    assert (create.status_code, patch.status_code) == (403, 403)


async def test_product_code_is_unique_within_a_supplier(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    duplicate = await client.post(
        PRODUCTS,
        json={"name": "Copy", "price": 1, "code": shop.product.code},
        headers=shop.supplier,
    )

    assert duplicate.status_code == 409


@pytest.mark.parametrize(
    "body",
    [
        {"name": "", "price": 1},
        {"name": "X", "price": 0},
        {"name": "X", "price": 1, "stockQuantity": -1},
        {"name": "X", "price": 1, "costPrice": "cher"},
    ],
)
async def test_bad_product_input_is_400(
    client: httpx.AsyncClient, shop: Shop, body: dict[str, object]
) -> None:
    response = await client.post(PRODUCTS, json=body, headers=shop.supplier)

    assert response.status_code == 400
    assert response.json()["error"] == "Validation error"


async def test_cost_price_appears_only_for_admins_and_the_owning_supplier(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession, settings: Settings
) -> None:
    """Every endpoint that shows a product or an order, read by every role: the cost price
    (4321.987 in the factory, a number no timestamp or id can contain) and its name appear
    in no response of a reseller or an agent."""
    await make_mapping(session, reseller=shop.world.reseller, product=shop.product)
    await session.commit()
    order = await make_order(session, world=shop.world, products=[shop.product])
    paths = [
        PRODUCTS,
        f"{PRODUCTS}/{shop.product.id}",
        "/api/v1/converty/product-mappings",
        "/api/v1/orders",
        f"/api/v1/orders/{order.id}",
        "/api/v1/orders/export.csv",
        f"{PRODUCTS}/{shop.product.id}?bad=1",
    ]
    errors = [
        await client.patch(f"{PRODUCTS}/{shop.product.id}", json={"costPrice": 1}, headers=h)
        for h in (shop.reseller, shop.agent)
    ]
    create = await client.post(
        "/api/v1/orders",
        headers=shop.agent,
        json={
            "customerPhone": "20123456",
            "products": [{"productId": shop.product.id, "quantity": 1, "price": 30, "notes": "x"}],
        },
    )

    for headers in (shop.reseller, shop.agent):
        for path in paths:
            text = (await client.get(path, headers=headers)).text
            assert "costPrice" not in text and "cost_price" not in text, path
            assert "4321.98" not in text, path
    for response in [*errors, create]:
        assert "costPrice" not in response.text and "4321.98" not in response.text
    owner = (await client.get(f"{PRODUCTS}/{shop.product.id}", headers=shop.supplier)).json()
    admin = (await client.get(f"{PRODUCTS}/{shop.product.id}", headers=shop.admin)).json()
    assert owner["data"]["costPrice"] == admin["data"]["costPrice"] == 4321.987
    other = await make_world(session)
    stranger = bearer(other.supplier_user, settings)
    assert (await client.get(f"{PRODUCTS}/{shop.product.id}", headers=stranger)).status_code == 404
