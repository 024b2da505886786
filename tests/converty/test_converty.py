"""The Converty catalogue, product mappings and check-mappings, with the seed's shapes."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from commercy.core.database import WriteSession
from tests.factories import Shop, make_mapping, make_product, make_supplier

CONVERTY = "/api/v1/converty"


def catalogue(*items: tuple[int, str]) -> dict[str, object]:
    return {
        "products": [
            {
                "id": cid,
                "name": name,
                "sku": f"SKU-{cid}",
                "price": 29.9,
                "image": f"https://cdn.example/converty/{cid}.jpg",
            }
            for cid, name in items
        ]
    }


async def test_catalogue_upsert_creates_then_updates_by_converty_id(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    first = await client.post(
        f"{CONVERTY}/products",
        json=catalogue((321, "Produit A"), (322, "Produit B")),
        headers=shop.reseller,
    )
    second = await client.post(
        f"{CONVERTY}/products", json=catalogue((321, "Produit A v2")), headers=shop.reseller
    )
    listed = await client.get(f"{CONVERTY}/products", headers=shop.agent)

    assert (first.json()["created"], first.json()["updated"]) == (2, 0)
    assert (second.json()["created"], second.json()["updated"]) == (0, 1)
    assert {p["id"]: p["name"] for p in listed.json()["data"]} == {
        321: "Produit A v2",
        322: "Produit B",
    }
    assert listed.json()["pagination"]["total"] == 2


async def test_catalogue_upsert_refuses_duplicate_ids_and_writes_nothing(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    response = await client.post(
        f"{CONVERTY}/products", json=catalogue((1, "A"), (1, "B")), headers=shop.reseller
    )
    listed = await client.get(f"{CONVERTY}/products", headers=shop.reseller)

    assert (response.status_code, response.json()["details"]["field"]) == (400, "products")
    assert listed.json()["data"] == []


async def test_mapping_list_has_the_seed_shape_without_cost_price(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    await client.post(
        f"{CONVERTY}/products", json=catalogue((321, "Produit A")), headers=shop.reseller
    )
    created = await client.post(
        f"{CONVERTY}/product-mappings",
        json={"convertyProductId": 321, "supplierProductId": shop.product.id},
        headers=shop.reseller,
    )

    response = await client.get(f"{CONVERTY}/product-mappings", headers=shop.agent)

    assert created.status_code == 201, created.text
    body = response.json()
    assert body["success"] is True
    (mapping,) = body["mappings"]
    assert set(mapping) == {
        "id",
        "convertyProduct",
        "supplierProduct",
        "converty_image",
        "createdAt",
    }
    assert mapping["convertyProduct"] == {
        "id": 321,
        "name": "Produit A",
        "sku": "SKU-321",
        "price": 29.9,
    }
    assert mapping["supplierProduct"] == {
        "id": shop.product.id,
        "name": shop.product.name,
        "code": shop.product.code,
        "price": 29.9,
        "stock_quantity": 10,
    }
    assert mapping["converty_image"] == "https://cdn.example/converty/321.jpg"
    assert mapping["createdAt"].endswith("Z")
    assert created.json()["mapping"] == mapping


async def test_a_mapping_needs_a_catalogue_product_and_a_product_of_the_supplier(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    foreign = await make_product(session, supplier=await make_supplier(session))
    await session.commit()
    await client.post(f"{CONVERTY}/products", json=catalogue((321, "A")), headers=shop.reseller)

    unknown = await client.post(
        f"{CONVERTY}/product-mappings",
        json={"convertyProductId": 999, "supplierProductId": shop.product.id},
        headers=shop.reseller,
    )
    other_supplier = await client.post(
        f"{CONVERTY}/product-mappings",
        json={"convertyProductId": 321, "supplierProductId": foreign.id},
        headers=shop.reseller,
    )

    assert (unknown.status_code, unknown.json()["details"]["field"]) == (400, "convertyProductId")
    assert other_supplier.json()["details"]["field"] == "supplierProductId"


async def test_a_converty_product_has_one_mapping(client: httpx.AsyncClient, shop: Shop) -> None:
    await client.post(f"{CONVERTY}/products", json=catalogue((321, "A")), headers=shop.reseller)
    body = {"convertyProductId": 321, "supplierProductId": shop.product.id}

    await client.post(f"{CONVERTY}/product-mappings", json=body, headers=shop.reseller)
    again = await client.post(
        f"{CONVERTY}/product-mappings",
        json=body | {"supplierProductId": shop.other_product.id},
        headers=shop.reseller,
    )

    assert again.status_code == 409


async def test_deleting_a_mapping_makes_converty_orders_for_it_refused(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession
) -> None:
    mapping = await make_mapping(session, reseller=shop.world.reseller, product=shop.product)
    await session.commit()

    deleted = await client.delete(
        f"{CONVERTY}/product-mappings/{mapping.id}", headers=shop.reseller
    )
    order = await client.post(
        "/api/v1/orders",
        json={
            "customerPhone": "20123456",
            "source": "converty",
            "products": [{"productId": shop.product.id, "quantity": 1, "price": 30}],
        },
        headers=shop.reseller,
    )

    assert deleted.status_code == 200
    assert (await client.get(f"{CONVERTY}/product-mappings", headers=shop.reseller)).json()[
        "mappings"
    ] == []
    assert order.json()["details"]["field"] == "products.0.productId"


async def test_check_mappings_tells_whether_a_reseller_is_ready(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    path = f"{CONVERTY}/check-mappings/{shop.world.reseller.id}"
    before = (await client.get(path, headers=shop.agent)).json()
    await client.post(
        f"{CONVERTY}/products", json=catalogue((321, "A"), (322, "B")), headers=shop.reseller
    )
    await client.post(
        f"{CONVERTY}/product-mappings",
        json={"convertyProductId": 321, "supplierProductId": shop.product.id},
        headers=shop.reseller,
    )

    after = (await client.get(path, headers=shop.admin)).json()

    assert (before["hasMappings"], before["mappingsCount"]) == (False, 0)
    assert (after["hasMappings"], after["mappingsCount"], after["convertyProductsCount"]) == (
        True,
        1,
        2,
    )
    assert after["unmappedProducts"] == [{"id": 322, "name": "B", "sku": "SKU-322"}]


async def test_agents_read_converty_data_and_suppliers_have_none(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    upsert = await client.post(f"{CONVERTY}/products", json=catalogue((1, "A")), headers=shop.agent)
    mapping = await client.post(
        f"{CONVERTY}/product-mappings",
        json={"convertyProductId": 1, "supplierProductId": shop.product.id},
        headers=shop.agent,
    )
    supplier_list = await client.get(f"{CONVERTY}/product-mappings", headers=shop.supplier)
    agent_list = await client.get(f"{CONVERTY}/product-mappings", headers=shop.agent)

    assert (upsert.status_code, mapping.status_code, supplier_list.status_code) == (403, 403, 403)
    assert agent_list.status_code == 200


async def test_admin_names_the_reseller_when_writing(client: httpx.AsyncClient, shop: Shop) -> None:
    missing = await client.post(
        f"{CONVERTY}/products", json=catalogue((1, "A")), headers=shop.admin
    )
    named = await client.post(
        f"{CONVERTY}/products",
        json=catalogue((1, "A")) | {"resellerId": shop.world.reseller.id},
        headers=shop.admin,
    )

    assert (missing.status_code, missing.json()["details"]["field"]) == (400, "resellerId")
    assert named.json()["data"][0]["resellerId"] == shop.world.reseller.id
