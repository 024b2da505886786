"""The create's own statements (orders.repository) answer exactly what the plain path does."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta

import httpx
import pytest

from commercy.blocklist import service as blocklist_service
from commercy.blocklist.models import BlockedPhone
from commercy.catalog import service as catalog_service
from commercy.converty import service as converty_service
from commercy.converty.models import ConvertyProduct, ProductMapping
from commercy.core.database import WriteSession, utcnow
from commercy.orders import queries, repository
from tests.factories import (
    Shop,
    make_mapping,
    make_order,
    make_product,
    make_supplier,
    order_body,
)

PHONE = "+21620123456"


async def without_image(session: WriteSession, mapping: ProductMapping) -> None:
    converty = await session.get(ConvertyProduct, mapping.converty_product_id)
    assert converty is not None
    converty.image = None
    await session.commit()


async def plain_facts(
    session: WriteSession,
    *,
    reseller_id: int,
    supplier_id: int,
    product_ids: Sequence[int],
    phones: Sequence[str],
    window: timedelta | None,
) -> repository.CreationFacts:
    """The same facts from the domains' own services, one statement each."""
    products = await catalog_service.products_by_id(
        session, supplier_id=supplier_id, product_ids=product_ids
    )
    images = await converty_service.mapped_images(
        session, reseller_id=reseller_id, product_ids=product_ids
    )
    duplicate = None
    if window is not None:
        statement = queries.possible_duplicate(
            reseller_id=reseller_id, phone=phones[0], since=utcnow() - window
        )
        duplicate = await session.scalar(statement)
    reason = await blocklist_service.blocked_reason(session, reseller_id=reseller_id, phones=phones)
    return repository.CreationFacts(
        products={
            product.id: repository.ProductFact(
                name=product.name,
                code=product.code,
                image=product.image,
                mapped=product.id in images,
                mapped_image=images.get(product.id) or None,
            )
            for product in products.values()
        },
        possible_duplicate_of=duplicate,
        blocked_reason=reason,
    )


async def both(
    session: WriteSession, shop: Shop, product_ids: Sequence[int], phones: Sequence[str],
    window: timedelta | None = timedelta(hours=72),
) -> tuple[repository.CreationFacts, repository.CreationFacts]:  # fmt: skip
    world = shop.world
    fast = await repository.creation_facts(
        session,
        reseller_id=world.reseller.id,
        supplier_id=world.supplier.id,
        product_ids=product_ids,
        phones=phones,
        duplicate_since=None if window is None else utcnow() - window,
    )
    plain = await plain_facts(
        session,
        reseller_id=world.reseller.id,
        supplier_id=world.supplier.id,
        product_ids=product_ids,
        phones=phones,
        window=window,
    )
    return fast, plain


async def test_creation_facts_match_the_services_for_products_and_their_converty_images(
    session: WriteSession, shop: Shop
) -> None:
    world = shop.world
    unmapped = await make_product(session, supplier=world.supplier)
    foreign = await make_product(session, supplier=await make_supplier(session))
    # Several mappings of one product: the newest with an image wins, a newer one without none.
    await make_mapping(session, reseller=world.reseller, product=shop.product, image="old.jpg")
    await make_mapping(session, reseller=world.reseller, product=shop.product, image="new.jpg")
    newest = await make_mapping(session, reseller=world.reseller, product=shop.product)
    await without_image(session, newest)
    ids = [shop.product.id, shop.other_product.id, unmapped.id, foreign.id]

    fast, plain = await both(session, shop, ids, [PHONE])

    assert fast == plain
    assert set(fast.products) == {shop.product.id, shop.other_product.id, unmapped.id}
    assert fast.products[unmapped.id].mapped is False
    assert fast.products[shop.product.id].mapped_image == "new.jpg"


async def test_creation_facts_match_the_services_for_a_mapping_without_image(
    session: WriteSession, shop: Shop
) -> None:
    mapping = await make_mapping(session, reseller=shop.world.reseller, product=shop.product)
    await without_image(session, mapping)

    fast, plain = await both(session, shop, [shop.product.id], [PHONE])

    assert fast == plain
    assert fast.products[shop.product.id].mapped is True
    assert fast.products[shop.product.id].mapped_image is None


@pytest.mark.parametrize("window", [timedelta(hours=72), None])
async def test_creation_facts_match_the_services_for_duplicates_and_blocked_numbers(
    session: WriteSession, shop: Shop, window: timedelta | None
) -> None:
    world = shop.world
    await make_order(session, world=world, products=[shop.product], customerPhone=PHONE)
    other = "+21698765432"
    session.add_all(
        [
            BlockedPhone(phone=other, reason="global", created_by="admin"),
            BlockedPhone(
                reseller_id=world.reseller.id, phone=other, reason="own", created_by="reseller"
            ),
        ]
    )
    await session.commit()

    for phones in ([PHONE], [other], [PHONE, other], ["+21655555555"]):
        fast, plain = await both(session, shop, [shop.product.id], phones, window)
        assert fast == plain, phones
    fast, _ = await both(session, shop, [shop.product.id], [PHONE, other], window)
    assert fast.blocked_reason == "own"
    assert (fast.possible_duplicate_of is not None) is (window is not None)


async def test_the_created_answer_is_the_order_as_read_back(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    body = order_body(
        shop.product, shop.other_product, customerPhone2="20 654 321", shippingOption="paid",
        shippingCost=7, customerCity="Sfax", notes="Sonner deux fois",
    )  # fmt: skip
    created = await client.post("/api/v1/orders", json=body, headers=shop.reseller)
    assert created.status_code == 201, created.text
    answer = created.json()
    order = answer["order"]

    read = await client.get(f"/api/v1/orders/{order['id']}", headers=shop.reseller)

    assert read.status_code == 200, read.text
    stored = read.json()["data"]
    assert {name: stored[name] for name in order} == order
    assert answer["orderNumber"] == order["orderNumber"] == order["barcode"]
    assert re.fullmatch(rf"ORD-\d{{13}}-{order['id']}", order["orderNumber"])
    assert len(stored["history"]) == 1
