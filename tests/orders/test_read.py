"""GET /orders (pagination and filters), GET /orders/{id or number}, the CSV export."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import httpx
from sqlalchemy import update

from commercy.core.database import WriteSession, utcnow
from commercy.orders.models import Order
from tests.factories import Shop, make_order, make_product, make_world

ORDERS = "/api/v1/orders"


async def numbers(client: httpx.AsyncClient, shop: Shop, **params: str | int) -> list[str]:
    response = await client.get(ORDERS, params=params, headers=shop.reseller)
    assert response.status_code == 200, response.text
    return [order["orderNumber"] for order in response.json()["data"]]


async def test_list_has_the_seed_pagination_block(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    for _ in range(3):
        await make_order(session, world=shop.world, products=[shop.product])

    response = await client.get(ORDERS, params={"limit": 2, "page": 1}, headers=shop.agent)

    body = response.json()
    assert body["pagination"] == {
        "page": 1,
        "limit": 2,
        "total": 3,
        "totalPages": 2,
        "hasNext": True,
        "hasPrev": False,
    }
    assert len(body["data"]) == 2
    assert (await client.get(ORDERS, params={"limit": 101}, headers=shop.agent)).status_code == 400


async def test_a_list_item_reads_like_the_order_itself(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    # On PostgreSQL the list is read straight through asyncpg and a single order through the
    # ORM: enums, amounts, timestamps and empty fields must come out the same either way.
    order = await make_order(
        session,
        world=shop.world,
        products=[shop.product],
        status="confirmed",
        notes="",
        shippingOption="paid",
        shippingCost=7.5,
    )

    listed = (await client.get(ORDERS, headers=shop.reseller)).json()["data"]
    alone = (await client.get(f"{ORDERS}/{order.id}", headers=shop.reseller)).json()["data"]

    assert len(listed) == 1
    assert listed[0] == {key: alone[key] for key in listed[0]}
    assert (listed[0]["status"], listed[0]["paymentStatus"]) == ("confirmed", "unpaid")
    assert (listed[0]["notes"], listed[0]["total"]) == (None, 37.5)
    assert listed[0]["createdAt"].endswith("Z") and len(listed[0]["createdAt"]) == 24


async def test_list_filters_by_one_or_several_statuses(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    pending = await make_order(session, world=shop.world, products=[shop.product])
    confirmed = await make_order(
        session, world=shop.world, products=[shop.product], status="confirmed"
    )
    await make_order(session, world=shop.world, products=[shop.product], status="canceled")

    assert await numbers(client, shop, status="pending") == [pending.order_number]
    both = {pending.order_number, confirmed.order_number}
    assert set(await numbers(client, shop, status="pending,confirmed")) == both
    response = await client.get(
        ORDERS, params=[("status", "pending"), ("status", "confirmed")], headers=shop.reseller
    )
    assert {o["orderNumber"] for o in response.json()["data"]} == both
    bad = await client.get(ORDERS, params={"status": "lost"}, headers=shop.reseller)
    assert (bad.status_code, bad.json()["details"]["field"]) == (400, "status")


async def test_admin_narrows_the_list_to_one_reseller_or_supplier_and_others_stay_scoped(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    mine = await make_order(session, world=shop.world, products=[shop.product])
    elsewhere = await make_world(session)
    their_product = await make_product(session, supplier=elsewhere.supplier, stock=5)
    theirs = await make_order(session, world=elsewhere, products=[their_product])

    async def listed(headers: dict[str, str], **params: int) -> list[str]:
        response = await client.get(ORDERS, params=params, headers=headers)
        assert response.status_code == 200, response.text
        return [order["orderNumber"] for order in response.json()["data"]]

    assert await listed(shop.admin, resellerId=elsewhere.reseller.id) == [theirs.order_number]
    # The same filters with another value: a list's statement is reused, never its values.
    assert await listed(shop.admin, resellerId=shop.world.reseller.id) == [mine.order_number]
    assert await listed(shop.admin, supplierId=shop.world.supplier.id) == [mine.order_number]
    assert await listed(shop.reseller, resellerId=elsewhere.reseller.id) == []
    assert await listed(shop.supplier, supplierId=elsewhere.supplier.id) == []


async def test_misspelled_filter_is_refused_instead_of_listing_everything(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    await make_order(session, world=shop.world, products=[shop.product])

    response = await client.get(ORDERS, params={"stauts": "pending"}, headers=shop.reseller)

    assert response.status_code == 400
    assert response.json()["details"]["field"] == "stauts"


async def test_single_valued_filter_given_twice_is_refused(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    response = await client.get(
        ORDERS, params=[("search", "Ali"), ("search", "Sami")], headers=shop.reseller
    )

    assert response.status_code == 400
    assert response.json()["details"] == {
        "field": "search",
        "message": "Give this parameter once",
        "errors": [
            {"field": "search", "message": "Give this parameter once", "type": "extra_forbidden"}
        ],
    }


async def test_list_filters_by_source_and_search(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    web = await make_order(
        session,
        world=shop.world,
        products=[shop.product],
        source="site web",
        customerName="Sami Trabelsi",
        customerPhone="55 000 111",
    )
    call = await make_order(
        session,
        world=shop.world,
        products=[shop.product],
        source="phone_call",
        customerName="Leila Gharbi",
        customerPhone="98 765 432",
    )

    assert await numbers(client, shop, source="site_web") == [web.order_number]
    assert await numbers(client, shop, search="gharbi") == [call.order_number]
    assert await numbers(client, shop, search="55 000") == [web.order_number]
    assert await numbers(client, shop, search=call.order_number) == [call.order_number]


async def test_search_ignores_case_and_finds_part_of_a_name_number_or_phone(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    helene = await make_order(
        session,
        world=shop.world,
        products=[shop.product],
        customerName="Hélène Ben Ali",
        customerPhone="98 765 432",
    )
    sami = await make_order(
        session,
        world=shop.world,
        products=[shop.product],
        customerName="Sami TRABELSI",
        customerPhone="55 000 111",
        customerPhone2="71 234 567",
    )

    assert await numbers(client, shop, search="trab") == [sami.order_number]
    assert await numbers(client, shop, search="BEN ALI") == [helene.order_number]
    assert await numbers(client, shop, search="hélène") == [helene.order_number]
    assert await numbers(client, shop, search="98765432") == [helene.order_number]
    assert await numbers(client, shop, search="+216 98 765") == [helene.order_number]
    assert await numbers(client, shop, search="1234") == [sami.order_number]  # second phone
    tail = sami.order_number[-6:]
    assert await numbers(client, shop, search=tail.lower()) == [sami.order_number]
    assert await numbers(client, shop, search="Amira") == []


async def test_search_ignores_accents_both_ways(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    accented = await make_order(
        session, world=shop.world, products=[shop.product], customerName="Hélène Ben Ali"
    )
    plain = await make_order(
        session, world=shop.world, products=[shop.product], customerName="Helene Jaziri"
    )
    both = sorted([accented.order_number, plain.order_number], reverse=True)

    assert sorted(await numbers(client, shop, search="Helene"), reverse=True) == both
    assert sorted(await numbers(client, shop, search="helene"), reverse=True) == both
    assert sorted(await numbers(client, shop, search="HÉLÈNE"), reverse=True) == both
    assert await numbers(client, shop, search="Hélène J") == [plain.order_number]
    assert await numbers(client, shop, search="ben àli") == [accented.order_number]


async def test_search_finds_an_edited_name_by_its_new_spelling(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    order = await make_order(
        session, world=shop.world, products=[shop.product], customerName="Sami Trabelsi"
    )

    edited = await client.patch(
        f"{ORDERS}/{order.id}", json={"customerName": "Zoé Mansour"}, headers=shop.agent
    )

    assert edited.status_code == 200, edited.text
    assert await numbers(client, shop, search="zoe") == [order.order_number]
    assert await numbers(client, shop, search="Trabelsi") == []


async def test_sorted_pages_follow_the_column_then_the_id(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    # Orders equal on the sorted column come in id order (reversed when descending), so the
    # pages of a sorted list neither repeat nor skip an order.
    same = [
        await make_order(session, world=shop.world, products=[shop.product], customerName="Sami")
        for _ in range(3)
    ]
    dear = await make_order(
        session,
        world=shop.world,
        products=[shop.product, shop.other_product],
        customerName="Amira",
        status="confirmed",
    )
    ascending = [order.order_number for order in same]

    async def pages(sort: str) -> list[str]:
        return [
            number
            for page in (1, 2)
            for number in await numbers(client, shop, sort=sort, limit=2, page=page)
        ]

    assert await pages("total") == [*ascending, dear.order_number]
    assert await pages("-total") == [dear.order_number, *reversed(ascending)]
    assert await pages("customerName") == [dear.order_number, *ascending]
    assert await pages("-status") == [*reversed(ascending), dear.order_number]
    assert await pages("updatedAt") == [*ascending, dear.order_number]


async def test_list_filters_by_dates_inclusive_of_the_last_day(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    old = await make_order(session, world=shop.world, products=[shop.product])
    new = await make_order(session, world=shop.world, products=[shop.product])
    ten_days_ago = utcnow() - timedelta(days=10)
    await session.execute(update(Order).where(Order.id == old.id).values(created_at=ten_days_ago))
    await session.commit()
    today, old_day = utcnow().date().isoformat(), ten_days_ago.date().isoformat()

    assert await numbers(client, shop, dateFrom=today) == [new.order_number]
    assert await numbers(client, shop, dateTo=old_day) == [old.order_number]
    assert await numbers(client, shop, dateFrom=old_day, dateTo=today) == [
        new.order_number,
        old.order_number,
    ]
    bad = await client.get(ORDERS, params={"dateFrom": "15/01/2024"}, headers=shop.reseller)
    assert bad.status_code == 400


async def test_list_is_newest_first_and_sorts_on_request(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    cheap = await make_order(session, world=shop.world, products=[shop.product])
    dear = await make_order(session, world=shop.world, products=[shop.product, shop.other_product])

    assert await numbers(client, shop) == [dear.order_number, cheap.order_number]
    assert await numbers(client, shop, sort="total") == [cheap.order_number, dear.order_number]
    assert await numbers(client, shop, sort="-total") == [dear.order_number, cheap.order_number]
    bad = await client.get(ORDERS, params={"sort": "cost_price"}, headers=shop.reseller)
    assert bad.status_code == 400


async def test_an_order_is_found_by_id_or_order_number_with_items_and_history(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    order = await make_order(session, world=shop.world, products=[shop.product, shop.other_product])

    by_id = await client.get(f"{ORDERS}/{order.id}", headers=shop.agent)
    by_number = await client.get(f"{ORDERS}/{order.order_number}", headers=shop.agent)

    assert by_id.json()["data"] == by_number.json()["data"]
    data = by_id.json()["data"]
    assert [item["productId"] for item in data["items"]] == [shop.product.id, shop.other_product.id]
    assert (
        data["items"][0] | {"quantity": 1, "price": 30, "lineTotal": 30, "notes": "Bleu / M"}
        == (data["items"][0])
    )
    assert [h["toStatus"] for h in data["history"]] == ["pending"]


async def test_csv_export_uses_the_list_filters(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    confirmed = await make_order(
        session,
        world=shop.world,
        products=[shop.product],
        status="confirmed",
        customerName='=HYPERLINK("x")',
    )
    await make_order(session, world=shop.world, products=[shop.product])

    response = await client.get(
        f"{ORDERS}/export.csv", params={"status": "confirmed"}, headers=shop.reseller
    )

    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row["orderNumber"] for row in rows] == [confirmed.order_number]
    row = rows[0]
    assert (row["status"], row["customerPhone"], row["total"]) == (
        "confirmed",
        "+21620123456",
        "30.000",
    )
    assert row["items"] == f"1 x {shop.product.name} (Bleu / M)"
    assert row["customerName"] == '\'=HYPERLINK("x")'  # a spreadsheet shows it, never runs it
