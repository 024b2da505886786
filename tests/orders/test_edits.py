"""Edits during the call (issue 16): `PATCH /orders/{id}`, its rules, its history line, and the
order's version as an `ETag` checked by `If-Match`."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from commercy.catalog.models import Product
from commercy.core.database import WriteSession
from commercy.orders.models import Order
from tests.factories import Shop, make_mapping, make_order, make_product, make_world


async def edit(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    order: Order | int | str,
    body: Any,
    *,
    if_match: str | None = None,
) -> httpx.Response:
    reference = order.id if isinstance(order, Order) else order
    extra = {"If-Match": if_match} if if_match is not None else {}
    return await client.patch(
        f"/api/v1/orders/{reference}", json=body, headers={**headers, **extra}
    )


async def read(client: httpx.AsyncClient, shop: Shop, order: Order) -> httpx.Response:
    return await client.get(f"/api/v1/orders/{order.id}", headers=shop.agent)


async def stock_of(session: AsyncSession, product_id: int) -> int:
    product = await session.get(Product, product_id, populate_existing=True)
    assert product is not None
    await session.commit()
    return product.stock_quantity


@pytest.fixture
async def order(session: WriteSession, shop: Shop) -> Order:
    """Pending, one line: 1 x product at 30, notes "Bleu / M"."""
    return await make_order(
        session,
        world=shop.world,
        products=[shop.product],
        customerAddress="12 rue de Marseille",
        customerCity="Tunis",
    )


def lines(response: httpx.Response) -> list[tuple[int, int, float, str | None]]:
    return [
        (item["productId"], item["quantity"], item["price"], item["notes"])
        for item in response.json()["data"]["items"]
    ]


# --- what an edit changes -------------------------------------------------------------------


async def test_only_the_fields_sent_change(
    client: httpx.AsyncClient, shop: Shop, order: Order
) -> None:
    response = await edit(client, shop.agent, order, {"customerName": "Nour Trabelsi"})

    data = response.json()["data"]
    assert response.status_code == 200
    assert (data["customerName"], data["customerAddress"], data["customerCity"]) == (
        "Nour Trabelsi",
        "12 rue de Marseille",
        "Tunis",
    )


async def test_an_explicit_null_clears_an_optional_field(
    client: httpx.AsyncClient, shop: Shop, order: Order
) -> None:
    response = await edit(client, shop.agent, order, {"customerCity": None})

    assert response.json()["data"]["customerCity"] is None
    assert response.json()["data"]["customerAddress"] == "12 rue de Marseille"


async def test_phones_are_normalised_like_on_create_and_the_whatsapp_id_follows(
    client: httpx.AsyncClient, shop: Shop, order: Order
) -> None:
    response = await edit(
        client, shop.agent, order, {"customerPhone": "98.765.432", "customerPhone2": "+1234567890"}
    )

    data = response.json()["data"]
    assert (data["customerPhone"], data["waId"], data["customerPhone2"]) == (
        "+21698765432",
        "21698765432",
        "+1234567890",
    )


@pytest.mark.parametrize("phone", ["12", "not a phone", "+216 20 123 456 789 012 3"])
async def test_an_invalid_phone_is_400_naming_the_field(
    client: httpx.AsyncClient, shop: Shop, order: Order, phone: str
) -> None:
    response = await edit(client, shop.agent, order, {"customerPhone": phone})

    assert response.status_code == 400
    assert response.json()["details"]["field"] == "customerPhone"


@pytest.mark.parametrize(
    ("field", "value"), [("customerPhone", None), ("customerPhone", "  "), ("items", None)]
)
async def test_the_phone_and_the_items_cannot_be_cleared(
    client: httpx.AsyncClient, shop: Shop, order: Order, field: str, value: Any
) -> None:
    response = await edit(client, shop.agent, order, {field: value})

    assert response.status_code == 400
    assert response.json()["details"]["field"] == field


async def test_an_order_number_names_the_order_like_its_id(
    client: httpx.AsyncClient, shop: Shop, order: Order
) -> None:
    response = await edit(client, shop.agent, order.order_number, {"notes": "Appeler après 18h"})

    assert response.status_code == 200
    assert response.json()["data"]["notes"] == "Appeler après 18h"


# --- items and totals -----------------------------------------------------------------------


async def test_a_line_changes_quantity_price_and_notes_and_the_totals_follow(
    client: httpx.AsyncClient, shop: Shop, order: Order
) -> None:
    line = (await read(client, shop, order)).json()["data"]["items"][0]["id"]

    response = await edit(
        client,
        shop.agent,
        order,
        {"items": [{"id": line, "quantity": 3, "price": 25.5, "notes": "Rouge / L"}]},
    )

    data = response.json()["data"]
    assert lines(response) == [(shop.product.id, 3, 25.5, "Rouge / L")]
    assert (data["subtotal"], data["total"]) == (76.5, 76.5)


async def test_a_line_is_added_and_another_removed(
    client: httpx.AsyncClient, shop: Shop, order: Order
) -> None:
    line = (await read(client, shop, order)).json()["data"]["items"][0]["id"]
    new_line = {"productId": shop.other_product.id, "quantity": 2, "price": 10, "notes": "Noir"}

    added = await edit(client, shop.agent, order, {"items": [{"id": line}, new_line]})
    removed = await edit(client, shop.agent, order, {"items": [new_line | {"quantity": 1}]})

    assert lines(added) == [
        (shop.product.id, 1, 30.0, "Bleu / M"),
        (shop.other_product.id, 2, 10.0, "Noir"),
    ]
    assert lines(removed) == [(shop.other_product.id, 1, 10.0, "Noir")]
    assert removed.json()["data"]["total"] == 10.0


@pytest.mark.parametrize("count", [0, 3])
async def test_an_order_keeps_one_to_two_items(
    client: httpx.AsyncClient, shop: Shop, order: Order, count: int
) -> None:
    line = {"productId": shop.product.id, "quantity": 1, "price": 30, "notes": "Bleu"}

    response = await edit(client, shop.agent, order, {"items": [line] * count})

    assert response.status_code == 400
    assert response.json()["details"]["field"] == "items"


async def test_a_basket_of_tens_of_thousands_of_lines_is_one_short_400(
    client: httpx.AsyncClient, shop: Shop, order: Order
) -> None:
    lines = [{"productId": 10_000 + n} for n in range(40_000)]  # past PostgreSQL's 32,767 binds

    response = await edit(client, shop.agent, order, {"items": lines})

    assert response.status_code == 400
    assert response.json()["details"]["errors"] == [
        {"field": "items", "message": "An order has 1 to 2 items"}
    ]


async def test_a_product_of_another_supplier_is_400_naming_the_line(
    client: httpx.AsyncClient, shop: Shop, order: Order, session: WriteSession
) -> None:
    stranger = await make_product(session, supplier=(await make_world(session)).supplier)
    await session.commit()
    line = {"productId": stranger.id, "quantity": 1, "price": 30, "notes": "Bleu"}

    response = await edit(client, shop.agent, order, {"items": [line]})

    assert response.status_code == 400
    assert response.json()["details"]["field"] == "items.0.productId"


async def test_a_new_line_without_its_fields_is_400_naming_each_missing_one(
    client: httpx.AsyncClient, shop: Shop, order: Order
) -> None:
    response = await edit(client, shop.agent, order, {"items": [{"quantity": 1}]})

    fields = {error["field"] for error in response.json()["details"]["errors"]}
    assert response.status_code == 400
    assert fields == {"items.0.productId", "items.0.price", "items.0.notes"}


async def test_a_line_id_of_another_order_is_400(
    client: httpx.AsyncClient, shop: Shop, order: Order, session: WriteSession
) -> None:
    other = await make_order(session, world=shop.world, products=[shop.product])
    foreign_line = (await read(client, shop, other)).json()["data"]["items"][0]["id"]

    response = await edit(client, shop.agent, order, {"items": [{"id": foreign_line}]})

    assert response.status_code == 400
    assert response.json()["details"]["field"] == "items.0.id"


async def test_a_converty_order_takes_only_mapped_products_and_needs_no_notes(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    await make_mapping(session, reseller=shop.world.reseller, product=shop.product)
    await session.commit()
    order = await make_order(session, world=shop.world, products=[shop.product], source="converty")
    line = (await read(client, shop, order)).json()["data"]["items"][0]["id"]
    new_line = {"productId": shop.other_product.id, "quantity": 1, "price": 10}

    unmapped = await edit(client, shop.agent, order, {"items": [{"id": line}, new_line]})
    await make_mapping(session, reseller=shop.world.reseller, product=shop.other_product)
    await session.commit()
    mapped = await edit(client, shop.agent, order, {"items": [{"id": line}, new_line]})

    assert unmapped.status_code == 400
    assert unmapped.json()["details"]["field"] == "items.1.productId"
    assert lines(mapped)[1] == (shop.other_product.id, 1, 10.0, None)


async def test_a_line_given_another_product_takes_that_products_name(
    client: httpx.AsyncClient, shop: Shop, order: Order
) -> None:
    line = (await read(client, shop, order)).json()["data"]["items"][0]["id"]

    response = await edit(
        client, shop.agent, order, {"items": [{"id": line, "productId": shop.other_product.id}]}
    )

    [item] = response.json()["data"]["items"]
    assert (item["id"], item["productId"], item["productName"]) == (
        line,
        shop.other_product.id,
        shop.other_product.name,
    )


@pytest.mark.parametrize(
    "change",
    [
        {"quantity": 0},
        {"quantity": -1},
        {"quantity": 10**12},
        {"quantity": "2"},
        {"price": -1},
        {"price": 0},
        {"price": 10**15},
        {"price": "1e400"},
    ],
)
async def test_bad_quantities_and_prices_are_400_and_change_nothing(
    client: httpx.AsyncClient, shop: Shop, order: Order, change: dict[str, Any]
) -> None:
    line = {"productId": shop.product.id, "quantity": 1, "price": 30, "notes": "Bleu"} | change

    response = await edit(client, shop.agent, order, {"items": [line]})

    assert response.status_code == 400
    assert response.json()["details"]["field"].startswith("items.0.")
    assert lines(await read(client, shop, order)) == [(shop.product.id, 1, 30.0, "Bleu / M")]


async def test_shipping_follows_the_rules_of_create(
    client: httpx.AsyncClient, shop: Shop, order: Order
) -> None:
    paid = await edit(client, shop.agent, order, {"shippingOption": "paid", "shippingCost": 7})
    free = await edit(client, shop.agent, order, {"shippingOption": "free"})

    assert (paid.json()["data"]["shippingCost"], paid.json()["data"]["total"]) == (7.0, 37.0)
    assert (free.json()["data"]["shippingCost"], free.json()["data"]["total"]) == (0.0, 30.0)


async def test_a_total_past_the_money_columns_is_400(
    client: httpx.AsyncClient, shop: Shop, order: Order
) -> None:
    line = {"productId": shop.product.id, "quantity": 100_000, "price": 99_999_999, "notes": "x"}

    response = await edit(client, shop.agent, order, {"items": [line]})

    assert response.status_code == 400
    assert response.json()["details"]["field"] == "items"


# --- stock ----------------------------------------------------------------------------------


async def test_a_confirmed_order_takes_and_gives_back_stock_as_its_basket_changes(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    order = await make_order(session, world=shop.world, products=[shop.product], status="confirmed")
    line = {"productId": shop.other_product.id, "quantity": 4, "price": 10, "notes": "Noir"}

    response = await edit(client, shop.agent, order, {"items": [line]})

    assert response.status_code == 200
    assert await stock_of(session, shop.product.id) == 10
    assert await stock_of(session, shop.other_product.id) == 6


async def test_a_confirmed_order_asking_more_than_the_stock_is_409_and_changes_nothing(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    order = await make_order(session, world=shop.world, products=[shop.product], status="confirmed")
    line = (await read(client, shop, order)).json()["data"]["items"][0]["id"]

    response = await edit(
        client, shop.agent, order, {"customerName": "X", "items": [{"id": line, "quantity": 11}]}
    )

    assert response.status_code == 409
    assert response.json()["details"]["productId"] == shop.product.id
    assert await stock_of(session, shop.product.id) == 9
    assert (await read(client, shop, order)).json()["data"]["customerName"] == "Amira Ben Salah"


async def test_a_pending_order_leaves_the_stock_alone(
    client: httpx.AsyncClient, shop: Shop, order: Order, session: WriteSession
) -> None:
    line = (await read(client, shop, order)).json()["data"]["items"][0]["id"]

    await edit(client, shop.agent, order, {"items": [{"id": line, "quantity": 2}]})

    assert await stock_of(session, shop.product.id) == 10


# --- when, and who --------------------------------------------------------------------------


@pytest.mark.parametrize("path", [["shipped"], ["shipped", "delivered"], ["shipped", "returned"]])
async def test_an_order_on_its_way_or_past_it_is_409_naming_its_status(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession, path: list[str]
) -> None:
    order = await make_order(session, world=shop.world, products=[shop.product], status="confirmed")
    for status in path:
        moved = await client.patch(
            f"/api/v1/orders/{order.id}/status", json={"status": status}, headers=shop.supplier
        )
        assert moved.status_code == 200

    response = await edit(client, shop.agent, order, {"customerName": "Nour"})

    assert response.status_code == 409
    assert response.json()["details"]["currentStatus"] == path[-1]
    assert path[-1] in response.json()["message"]


@pytest.mark.parametrize("status", ["canceled", "abandoned", "not_interested"])
async def test_a_closed_order_is_409_until_reopened(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession, status: str
) -> None:
    order = await make_order(session, world=shop.world, products=[shop.product], status=status)

    refused = await edit(client, shop.agent, order, {"customerName": "Nour"})
    await client.patch(
        f"/api/v1/orders/{order.id}/status", json={"status": "pending"}, headers=shop.agent
    )
    reopened = await edit(client, shop.agent, order, {"customerName": "Nour"})

    assert refused.status_code == 409
    assert "reopen it to pending" in refused.json()["message"]
    assert reopened.status_code == 200


@pytest.mark.parametrize("role", ["admin", "reseller", "agent"])
async def test_admins_resellers_and_agents_edit(
    client: httpx.AsyncClient, shop: Shop, order: Order, role: str
) -> None:
    response = await edit(client, getattr(shop, role), order, {"customerName": "Nour"})

    assert response.status_code == 200


async def test_suppliers_never_edit(client: httpx.AsyncClient, shop: Shop, order: Order) -> None:
    response = await edit(client, shop.supplier, order, {"customerName": "Nour"})

    assert response.status_code == 403


# --- bad bodies -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"customerNmae": "Nour"}, "customerNmae"),
        ({"status": "confirmed"}, "status"),
        (
            {"items": [{"productId": 1, "quantity": 1, "price": 1, "notes": "x", "sku": "A"}]},
            "items.0.sku",
        ),
    ],
)
async def test_unknown_fields_are_400_naming_them_like_on_create(
    client: httpx.AsyncClient, shop: Shop, order: Order, body: dict[str, Any], field: str
) -> None:
    response = await edit(client, shop.agent, order, body)

    assert response.status_code == 400
    assert response.json()["details"]["field"] == field


async def test_an_empty_body_is_400(client: httpx.AsyncClient, shop: Shop, order: Order) -> None:
    response = await edit(client, shop.agent, order, {})

    assert response.status_code == 400
    assert "at least one field" in response.json()["details"]["message"]


@pytest.mark.parametrize("body", [[], "Nour", None, {"customerName": {"nested": [[[]]]}}])
async def test_a_body_that_is_not_an_object_of_fields_is_400(
    client: httpx.AsyncClient, shop: Shop, order: Order, body: Any
) -> None:
    response = await edit(client, shop.agent, order, body)

    assert response.status_code == 400


@pytest.mark.parametrize("field", ["customerName", "customerAddress", "notes", "customerPhone"])
async def test_nul_bytes_are_400_and_change_nothing(
    client: httpx.AsyncClient, shop: Shop, order: Order, field: str
) -> None:
    response = await edit(client, shop.agent, order, {field: "Nour\x00Trabelsi"})

    assert response.status_code == 400
    assert response.json()["details"]["field"] == field
    assert (await read(client, shop, order)).json()["data"]["version"] == order.version


# --- history --------------------------------------------------------------------------------


async def test_an_edit_writes_one_history_line_with_each_fields_old_and_new_value(
    client: httpx.AsyncClient, shop: Shop, order: Order
) -> None:
    line = (await read(client, shop, order)).json()["data"]["items"][0]["id"]

    response = await edit(
        client,
        shop.agent,
        order,
        {"customerCity": "Sfax", "items": [{"id": line, "quantity": 2}]},
    )

    history = response.json()["data"]["history"]
    assert len(history) == 2
    last = history[-1]
    assert (last["fromStatus"], last["toStatus"]) == ("pending", "pending")
    assert last["actor"].startswith("agent:")
    changes = {change["field"]: (change["from"], change["to"]) for change in last["changes"]}
    assert changes["customerCity"] == ("Tunis", "Sfax")
    assert [item["quantity"] for item in changes["items"][0]] == [1]
    assert [item["quantity"] for item in changes["items"][1]] == [2]
    assert changes["total"] == (30.0, 60.0)
    assert set(changes) == {"customerCity", "items", "subtotal", "total"}


async def test_the_history_endpoint_shows_the_edit(
    client: httpx.AsyncClient, shop: Shop, order: Order
) -> None:
    await edit(client, shop.agent, order, {"customerName": "Nour"})

    response = await client.get(f"/api/v1/orders/{order.id}/history", headers=shop.agent)

    [created, edited] = response.json()["data"]
    assert created["changes"] is None
    assert edited["changes"] == [{"field": "customerName", "from": "Amira Ben Salah", "to": "Nour"}]


async def test_an_edit_that_changes_nothing_writes_nothing(
    client: httpx.AsyncClient, shop: Shop, order: Order
) -> None:
    line = (await read(client, shop, order)).json()["data"]["items"][0]["id"]

    response = await edit(
        client,
        shop.agent,
        order,
        {
            "customerName": "Amira Ben Salah",
            "customerPhone": "20 123 456",
            "items": [{"id": line, "quantity": 1, "price": 30}],
        },
    )

    data = response.json()["data"]
    assert response.status_code == 200
    assert len(data["history"]) == 1
    assert data["version"] == order.version


# --- versions and ETags ---------------------------------------------------------------------


async def test_every_answer_carrying_the_order_carries_its_etag(
    client: httpx.AsyncClient, shop: Shop, order: Order
) -> None:
    read_before = await read(client, shop, order)
    edited = await edit(client, shop.agent, order, {"customerName": "Nour"})
    moved = await client.patch(
        f"/api/v1/orders/{order.id}/status", json={"status": "not_reached"}, headers=shop.agent
    )

    tags = [r.headers["ETag"] for r in (read_before, edited, moved)]
    versions = [r.json()["data"]["version"] for r in (read_before, edited, moved)]
    assert tags == [f'W/"{order.id}-{version}"' for version in versions]
    assert versions[0] < versions[1] < versions[2]


async def test_the_agent_edits_under_the_etag_of_calls_next_after_renewing_its_claim(
    client: httpx.AsyncClient, shop: Shop, order: Order
) -> None:
    taken = await client.post("/api/v1/calls/next", headers=shop.agent)
    assert taken.json()["data"]["id"] == order.id
    renewed = await client.post(f"/api/v1/orders/{order.id}/claim", headers=shop.agent)
    assert renewed.status_code == 200

    response = await edit(
        client, shop.agent, order, {"customerCity": "Sfax"}, if_match=taken.headers["ETag"]
    )

    assert response.status_code == 200, response.text


async def test_if_match_with_an_old_version_is_412_and_changes_nothing(
    client: httpx.AsyncClient, shop: Shop, order: Order
) -> None:
    old = (await read(client, shop, order)).headers["ETag"]
    await edit(client, shop.reseller, order, {"customerName": "Nour"})

    response = await edit(client, shop.agent, order, {"customerCity": "Sfax"}, if_match=old)

    assert response.status_code == 412
    assert response.json()["success"] is False
    assert response.json()["error"] == "Precondition failed"
    assert (await read(client, shop, order)).json()["data"]["customerCity"] == "Tunis"


@pytest.mark.parametrize("shape", ["as read", "strong", "unquoted", "in a list", "star"])
async def test_if_match_with_the_current_version_applies(
    client: httpx.AsyncClient, shop: Shop, order: Order, shape: str
) -> None:
    tag = (await read(client, shop, order)).headers["ETag"]
    opaque = tag.removeprefix("W/")
    if_match = {
        "as read": tag,
        "strong": opaque,
        "unquoted": opaque.strip('"'),
        "in a list": f'"0-0", {tag}',
        "star": "*",
    }[shape]

    response = await edit(client, shop.agent, order, {"customerCity": "Sfax"}, if_match=if_match)

    assert response.status_code == 200
    assert response.headers["ETag"] != tag


async def test_without_if_match_an_edit_applies_to_the_current_version(
    client: httpx.AsyncClient, shop: Shop, order: Order
) -> None:
    await edit(client, shop.reseller, order, {"customerName": "Nour"})

    response = await edit(client, shop.agent, order, {"customerCity": "Sfax"})

    data = response.json()["data"]
    assert (data["customerName"], data["customerCity"]) == ("Nour", "Sfax")


async def test_a_status_change_with_an_old_if_match_is_412(
    client: httpx.AsyncClient, shop: Shop, order: Order
) -> None:
    old = (await read(client, shop, order)).headers["ETag"]
    await edit(client, shop.reseller, order, {"customerName": "Nour"})

    response = await client.patch(
        f"/api/v1/orders/{order.id}/status",
        json={"status": "confirmed"},
        headers={**shop.agent, "If-Match": old},
    )

    assert response.status_code == 412
    assert (await read(client, shop, order)).json()["data"]["status"] == "pending"


async def test_of_two_concurrent_edits_of_one_version_one_applies_and_the_other_is_412(
    client: httpx.AsyncClient, shop: Shop, order: Order
) -> None:
    for round_ in range(5):
        tag = (await read(client, shop, order)).headers["ETag"]

        answers = await asyncio.gather(
            edit(client, shop.agent, order, {"notes": f"agent {round_}"}, if_match=tag),
            edit(client, shop.reseller, order, {"notes": f"reseller {round_}"}, if_match=tag),
        )

        assert sorted(a.status_code for a in answers) == [200, 412]
        [winner] = [a for a in answers if a.status_code == 200]
        assert (await read(client, shop, order)).json()["data"]["notes"] == winner.json()["data"][
            "notes"
        ]


async def test_concurrent_edits_without_if_match_each_apply_and_each_bump_the_version(
    client: httpx.AsyncClient, shop: Shop, order: Order
) -> None:
    before = (await read(client, shop, order)).json()["data"]["version"]

    answers = await asyncio.gather(
        *(edit(client, shop.agent, order, {"notes": f"note {n}"}) for n in range(6))
    )

    after = (await read(client, shop, order)).json()["data"]
    assert [a.status_code for a in answers] == [200] * 6
    assert after["version"] == before + 6
    assert len(after["history"]) == 7


async def test_a_write_from_a_stale_read_is_refused_by_the_version_check(
    client: httpx.AsyncClient, shop: Shop, order: Order, session: WriteSession
) -> None:
    order_id = order.id
    session.sync_session.expire_on_commit = False  # the object keeps the version it read
    stale = await session.get(Order, order_id, populate_existing=True)
    assert stale is not None
    await session.commit()
    await edit(client, shop.agent, order_id, {"customerName": "Nour"})

    stale.notes = "written over a newer version"
    with pytest.raises(StaleDataError):
        await session.commit()

    answer = await client.get(f"/api/v1/orders/{order_id}", headers=shop.agent)
    assert answer.json()["data"]["notes"] is None
