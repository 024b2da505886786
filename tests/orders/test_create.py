"""POST /orders: every rule of the seed and of SPEC §2, one test each."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from commercy.catalog.models import Product
from commercy.core.database import WriteSession
from commercy.orders.models import Order, OrderItem
from tests.factories import (
    Shop,
    make_mapping,
    make_product,
    make_reseller,
    make_supplier,
    order_body,
)

ORDERS = "/api/v1/orders"


async def create(
    client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any]
) -> httpx.Response:
    return await client.post(ORDERS, json=body, headers=headers)


async def stored(session: AsyncSession, order_id: int) -> Order:
    order = await session.get(Order, order_id, populate_existing=True)
    assert order is not None
    await session.commit()  # end the read: on SQLite an open transaction holds the write lock
    return order


async def count_orders(session: AsyncSession) -> int:
    count = await session.scalar(select(func.count()).select_from(Order)) or 0
    await session.commit()
    return count


def error_fields(response: httpx.Response) -> list[str]:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["success"] is False and body["error"] == "Validation error"
    return [error["field"] for error in body["details"]["errors"]]


def seed_example(shop: Shop) -> dict[str, Any]:
    """The seed's example request, verbatim but for the ids of this test's reseller, supplier
    and products (a reseller may repeat its own ids; another's are refused)."""
    return {
        "customerPhone": "+1234567890",
        "customerPhone1": "+1234567890",
        "customerPhone2": "+1234567891",
        "customerName": "John Doe",
        "customerAddress": "123 Main St",
        "address": "123 Main St",
        "customerCity": "Tunis",
        "ville": "Tunis",
        "customerGovernorate": "Tunis",
        "gouvernaurat": "Tunis",
        "customerZipCode": "1000",
        "notes": "Instructions de livraison",
        "source": "manual",
        "status": "pending",
        "resellerId": shop.world.reseller.id,
        "supplierId": shop.world.supplier.id,
        "shippingOption": "paid",
        "shippingCost": 8.5,
        "shipping": 8.5,
        "products": [
            {
                "productId": shop.product.id,
                "quantity": 2,
                "price": 99.99,
                "notes": "Variante: Bleu / Taille M",
            },
            {
                "productId": shop.other_product.id,
                "quantity": 1,
                "unitPrice": 49.99,
                "notes": "Option: Pack cadeau",
            },
        ],
    }


async def test_seed_example_request_succeeds_with_the_seed_response_shape(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    response = await create(client, shop.reseller, seed_example(shop))

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["success"] is True
    assert body["message"] == "Order created successfully"
    assert body["orderNumber"] == body["order"]["orderNumber"]
    assert body["orderStatus"] == "pending"
    order = body["order"]
    assert (
        order
        | {
            "status": "pending",
            "customerName": "John Doe",
            "customerPhone": "+1234567890",
            "customerPhone2": "+1234567891",
            "customerAddress": "123 Main St",
            "customerCity": "Tunis",
            "customerGovernorate": "Tunis",
            "customerZipCode": "1000",
            "notes": "Instructions de livraison",
            "source": "manual",
            "barcode": body["orderNumber"],
        }
        == order
    )
    assert (order["subtotal"], order["shippingCost"], order["total"]) == (249.97, 8.5, 258.47)


async def test_seed_javascript_example_gets_400_naming_every_missing_field(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession
) -> None:
    body = {"customerName": "John Doe", "products": [{"productId": 1, "quantity": 2}]}

    response = await create(client, shop.reseller, body)

    assert error_fields(response) == ["customerPhone", "products.0.price", "products.0.notes"]
    assert response.json()["details"]["field"] == "customerPhone"
    assert "customerPhone1" in response.json()["details"]["message"]
    assert await count_orders(session) == 0


async def test_legacy_field_names_are_accepted(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession
) -> None:
    body = {
        "customerPhone1": "98 765 432",
        "address": "5 rue de Marseille",
        "ville": "Sfax",
        "gouvernaurat": "Sfax",
        "shippingOption": "paid",
        "shipping": 7,
        "products": [
            {"productId": shop.product.id, "quantity": 1, "unitPrice": 20, "notes": "Rouge"}
        ],
    }

    response = await create(client, shop.reseller, body)

    assert response.status_code == 201, response.text
    order = response.json()["order"]
    assert order["customerPhone"] == "+21698765432"
    assert (order["customerAddress"], order["customerCity"], order["customerGovernorate"]) == (
        "5 rue de Marseille",
        "Sfax",
        "Sfax",
    )
    assert (order["shippingCost"], order["total"]) == (7, 27)
    assert order["items"][0]["price"] == 20


async def test_new_field_name_wins_when_both_are_sent(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    body = order_body(
        shop.product,
        customerPhone="20 111 111",
        customerPhone1="20 222 222",
        customerCity="Tunis",
        ville="Sousse",
        shippingOption="paid",
        shippingCost=5,
        shipping=9,
    )
    body["products"][0] |= {"price": 10, "unitPrice": 99}

    order = (await create(client, shop.reseller, body)).json()["order"]

    assert order["customerPhone"] == "+21620111111"
    assert order["customerCity"] == "Tunis"
    assert (order["subtotal"], order["shippingCost"]) == (10, 5)


async def test_every_seed_source_is_accepted_and_site_web_is_stored_as_site_web(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    sources = ["manual", "scraped", "api", "phone_call", "whatsapp", "facebook_page"]
    sources += ["instagram", "tiktok", "site_web", "autre"]
    stored_as = {}
    for source in [*sources, "site web"]:
        response = await create(client, shop.reseller, order_body(shop.product, source=source))
        assert response.status_code == 201, (source, response.text)
        stored_as[source] = response.json()["order"]["source"]

    assert stored_as == {**{s: s for s in sources}, "site web": "site_web"}


async def test_source_defaults_to_manual_and_status_to_pending(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    body = (await create(client, shop.reseller, order_body(shop.product))).json()

    assert (body["order"]["source"], body["orderStatus"]) == ("manual", "pending")


async def test_every_seed_status_is_accepted_on_create(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    statuses = ["pending", "confirmed", "canceled", "abandoned", "not_reached"]
    statuses += ["phone_closed", "rapported", "not_interested", "more_information", "not_available"]
    for status in statuses:
        response = await create(client, shop.reseller, order_body(shop.product, status=status))
        assert response.status_code == 201, (status, response.text)
        assert response.json()["orderStatus"] == status


@pytest.mark.parametrize(
    ("field", "value"),
    [("source", "facebook"), ("status", "shipped"), ("status", "delivered"), ("status", "done")],
)
async def test_values_outside_the_seed_enums_are_400(
    client: httpx.AsyncClient, shop: Shop, field: str, value: str
) -> None:
    response = await create(client, shop.reseller, order_body(shop.product, **{field: value}))

    assert error_fields(response) == [field]


async def test_an_order_has_one_or_two_items(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession
) -> None:
    none = await create(client, shop.reseller, order_body())
    three = await create(
        client, shop.reseller, order_body(shop.product, shop.other_product, shop.product)
    )
    two = await create(client, shop.reseller, order_body(shop.product, shop.other_product))

    assert error_fields(none) == ["products"]
    assert error_fields(three) == ["products"]
    assert two.status_code == 201
    assert await count_orders(session) == 1


async def test_item_notes_are_required_unless_source_is_converty(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession
) -> None:
    await make_mapping(session, reseller=shop.world.reseller, product=shop.product)
    await session.commit()
    body = order_body(shop.product)
    del body["products"][0]["notes"]

    manual = await create(client, shop.reseller, body)
    converty = await create(client, shop.reseller, body | {"source": "converty"})

    assert error_fields(manual) == ["products.0.notes"]
    assert converty.status_code == 201, converty.text


async def test_converty_order_needs_a_mapping_for_every_product(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession
) -> None:
    await make_mapping(session, reseller=shop.world.reseller, product=shop.product)
    await session.commit()

    response = await create(
        client, shop.reseller, order_body(shop.product, shop.other_product, source="converty")
    )

    assert error_fields(response) == ["products.1.productId"]
    assert str(shop.other_product.id) in response.json()["details"]["errors"][0]["message"]
    assert await count_orders(session) == 0


async def test_item_image_is_the_converty_mapping_image_else_the_product_image(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession
) -> None:
    await make_mapping(
        session,
        reseller=shop.world.reseller,
        product=shop.product,
        image="https://cdn.example/converty/mapped.jpg",
    )
    await session.commit()
    body = order_body(shop.product, shop.other_product)
    body["products"][0]["productImage"] = "https://evil.example/ignored.jpg"

    items = (await create(client, shop.reseller, body)).json()["order"]["items"]

    assert [item["productImage"] for item in items] == [
        "https://cdn.example/converty/mapped.jpg",
        shop.other_product.image,
    ]


async def test_products_must_belong_to_the_order_supplier(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    foreign = await make_product(session, supplier=await make_supplier(session))
    await session.commit()

    response = await create(client, shop.reseller, order_body(shop.product, foreign))
    missing = await create(
        client,
        shop.reseller,
        order_body(shop.product)
        | {"products": [{"productId": 999_999, "quantity": 1, "price": 5, "notes": "x"}]},
    )

    assert error_fields(response) == ["products.1.productId"]
    assert error_fields(missing) == ["products.0.productId"]
    assert await count_orders(session) == 0


async def test_admin_must_send_reseller_and_supplier(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession
) -> None:
    response = await create(client, shop.admin, order_body(shop.product))
    ok = await create(
        client,
        shop.admin,
        order_body(
            shop.product, resellerId=shop.world.reseller.id, supplierId=shop.world.supplier.id
        ),
    )

    assert error_fields(response) == ["resellerId", "supplierId"]
    assert ok.status_code == 201, ok.text
    assert ok.json()["order"]["resellerId"] == shop.world.reseller.id


async def test_admin_reseller_must_sell_for_the_named_supplier(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    other_supplier = await make_supplier(session)
    await session.commit()

    response = await create(
        client,
        shop.admin,
        order_body(shop.product, resellerId=shop.world.reseller.id, supplierId=other_supplier.id),
    )

    assert error_fields(response) == ["supplierId"]


async def test_reseller_and_agent_get_reseller_and_supplier_from_their_account(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    other_supplier = await make_supplier(session)
    other_reseller = await make_reseller(session, supplier=other_supplier)
    await session.commit()
    own = {"resellerId": shop.world.reseller.id, "supplierId": shop.world.supplier.id}

    for headers in (shop.reseller, shop.agent):
        for body in (order_body(shop.product), order_body(shop.product, **own)):
            order = (await create(client, headers, body)).json()["order"]
            assert (order["resellerId"], order["supplierId"]) == tuple(own.values())
        for field, other in (("resellerId", other_reseller.id), ("supplierId", other_supplier.id)):
            refused = await create(
                client, headers, order_body(shop.product, **own | {field: other})
            )
            assert (refused.status_code, refused.json()["details"]["field"]) == (403, field)
    assert await count_orders(session) == 4


async def test_supplier_cannot_create_orders(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession
) -> None:
    response = await create(client, shop.supplier, order_body(shop.product))

    assert response.status_code == 403
    assert await count_orders(session) == 0


async def test_sur_place_order_is_delivered_paid_and_sur_place_when_city_missing(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession
) -> None:
    walk_in = await create(client, shop.agent, order_body(shop.product, source="sur_place"))
    with_city = await create(
        client, shop.agent, order_body(shop.product, source="sur_place", customerCity="Nabeul")
    )

    order = walk_in.json()["order"]
    assert (walk_in.json()["orderStatus"], order["paymentStatus"]) == ("delivered", "paid")
    assert (order["customerCity"], order["customerGovernorate"]) == ("Sur place", "Sur place")
    assert with_city.json()["order"]["customerCity"] == "Nabeul"
    assert with_city.json()["order"]["customerGovernorate"] == "Sur place"


async def test_paid_shipping_is_added_to_the_total_and_other_options_are_not(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    paid = await create(
        client, shop.reseller, order_body(shop.product, shippingOption="paid", shippingCost=8.5)
    )
    free = await create(
        client, shop.reseller, order_body(shop.product, shippingOption="free", shippingCost=8.5)
    )

    assert [paid.json()["order"][k] for k in ("subtotal", "shippingCost", "total")] == [
        30,
        8.5,
        38.5,
    ]
    assert [free.json()["order"][k] for k in ("subtotal", "shippingCost", "total")] == [30, 0, 30]


async def test_amounts_are_exact_decimals_with_three_places(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession
) -> None:
    body = order_body(shop.product, shop.other_product, shippingOption="paid", shippingCost=0.2)
    body["products"][0] |= {"price": 0.1, "quantity": 3}
    body["products"][1] |= {"price": 1.005, "quantity": 7}

    response = await create(client, shop.reseller, body)
    too_precise = await create(
        client,
        shop.reseller,
        order_body(shop.product) | {"shippingOption": "paid", "shippingCost": 1.0001},
    )

    order = await stored(session, response.json()["order"]["id"])
    assert (order.subtotal, order.total) == (Decimal("7.335"), Decimal("7.535"))
    assert response.json()["order"]["total"] == 7.535
    assert error_fields(too_precise) == ["shippingCost"]


async def test_order_number_is_ord_epoch_ms_id_and_the_barcode_equals_it(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    before = datetime.now(UTC).timestamp() * 1000
    body = (await create(client, shop.reseller, order_body(shop.product))).json()
    after = datetime.now(UTC).timestamp() * 1000

    match = re.fullmatch(r"ORD-(\d{13})-(\d+)", body["orderNumber"])
    assert match is not None
    assert before - 1 <= int(match[1]) <= after + 1
    assert int(match[2]) == body["order"]["id"]
    assert body["order"]["barcode"] == body["orderNumber"]


@pytest.mark.parametrize(
    ("sent", "phone", "wa_id"),
    [
        ("20 123 456", "+21620123456", "21620123456"),
        ("(+216) 98.123.456", "+21698123456", "21698123456"),
        ("00216-55-123-456", "+21655123456", "21655123456"),
        ("+33 6 12 34 56 78", "+33612345678", "33612345678"),
        ("+1234567890", "+1234567890", "1234567890"),
    ],
)
async def test_phone_is_stored_in_e164_with_the_whatsapp_id_derived(
    client: httpx.AsyncClient, shop: Shop, sent: str, phone: str, wa_id: str
) -> None:
    order = (
        await create(client, shop.reseller, order_body(shop.product, customerPhone=sent))
    ).json()["order"]

    assert (order["customerPhone"], order["waId"]) == (phone, wa_id)


@pytest.mark.parametrize("phone", ["1234567", "+1234567890123456", "20-12-AB-56", "   "])
async def test_phone_that_cannot_be_a_number_is_400(
    client: httpx.AsyncClient, shop: Shop, phone: str
) -> None:
    response = await create(client, shop.reseller, order_body(shop.product, customerPhone=phone))

    assert error_fields(response) == ["customerPhone"]


async def test_order_created_confirmed_takes_stock_and_is_refused_when_short(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession
) -> None:
    body = order_body(shop.product, status="confirmed")
    body["products"][0]["quantity"] = 6

    first = await create(client, shop.reseller, body)
    second = await create(client, shop.reseller, body)

    assert (first.status_code, second.status_code) == (201, 409)
    assert second.json()["details"] == {
        "productId": shop.product.id,
        "available": 4,
        "requested": 6,
    }
    product = await session.get(Product, shop.product.id, populate_existing=True)
    assert product is not None and product.stock_quantity == 4
    assert await count_orders(session) == 1


BAD_BODIES: list[tuple[str, Any]] = [
    ("not an object", ["customerPhone"]),
    ("products not a list", {"customerPhone": "20123456", "products": "1,2"}),
    ("quantity zero", {"quantity": 0}),
    ("quantity not a number", {"quantity": "two"}),
    ("negative price", {"price": -1}),
    ("zero price", {"price": 0}),
    ("product id not an integer", {"productId": "abc"}),
    ("negative shipping", {"shippingCost": -1}),
    ("name too long", {"customerName": "x" * 201}),
    ("zip code too long", {"customerZipCode": "1" * 21}),
]


@pytest.mark.parametrize(("case", "change"), BAD_BODIES, ids=[case for case, _ in BAD_BODIES])
async def test_bad_input_gets_the_seed_error_format_and_writes_nothing(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession, case: str, change: Any
) -> None:
    if isinstance(change, dict) and "customerPhone" not in change:
        body: Any = order_body(shop.product)
        item_fields = {"quantity", "price", "productId"}
        body["products"][0].update({k: v for k, v in change.items() if k in item_fields})
        body.update({k: v for k, v in change.items() if k not in item_fields})
        if "shippingCost" in change:
            body["shippingOption"] = "paid"
    else:
        body = change

    response = await create(client, shop.reseller, body)

    assert error_fields(response)
    assert response.json()["message"] == "Invalid input data"
    assert await count_orders(session) == 0
    assert await session.scalar(select(func.count()).select_from(OrderItem)) == 0


async def test_malformed_json_is_400_and_writes_nothing(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession
) -> None:
    response = await client.post(
        ORDERS,
        content=b'{"customerPhone": ',
        headers=shop.reseller | {"content-type": "application/json"},
    )

    assert error_fields(response) == ["body"]
    assert await count_orders(session) == 0
