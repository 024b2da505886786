"""The supplier's screens over HTTP: orders to ship, their labels in one PDF, shipping many in
one action, and the stock."""

from __future__ import annotations

import httpx
import pytest

from commercy.core.database import WriteSession
from commercy.core.settings import Settings
from commercy.orders.models import Order
from tests.factories import Shop, make_order, make_shop, make_supplier, make_user
from tests.orders.test_documents import text_of
from tests.web.conftest import sign_in


@pytest.fixture
async def confirmed(session: WriteSession, shop: Shop) -> list[Order]:
    return [
        await make_order(session, world=shop.world, products=[shop.product], status="confirmed")
        for _ in range(3)
    ]


async def _status_of(client: httpx.AsyncClient, order: Order) -> str:
    page = await client.get(f"/app/orders/{order.order_number}")
    return page.text.split('data-testid="order-status">', 1)[1].split("<", 1)[0]


async def test_suppliers_land_on_the_orders_to_ship(
    client: httpx.AsyncClient, shop: Shop, confirmed: list[Order]
) -> None:
    await sign_in(client, shop.world.supplier_user)

    page = await client.get("/app/", follow_redirects=True)

    assert str(page.url).endswith("/app/shipping")
    assert all(order.order_number in page.text for order in confirmed)
    assert 'href="/app/stock"' in page.text and 'href="/app/dashboard"' not in page.text


async def test_the_shipping_tab_lists_only_confirmed_orders(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop, confirmed: list[Order]
) -> None:
    pending = await make_order(session, world=shop.world, products=[shop.product])
    await sign_in(client, shop.world.supplier_user)

    page = await client.get("/app/shipping")

    assert "Commandes trouvées : 3" in page.text
    assert pending.order_number not in page.text


async def test_labels_of_the_selected_orders_come_in_one_pdf(
    client: httpx.AsyncClient, shop: Shop, confirmed: list[Order]
) -> None:
    csrf = await sign_in(client, shop.world.supplier_user)
    chosen = confirmed[:2]

    answer = await client.post(
        "/app/shipping/labels",
        data={"csrf_token": csrf, "ids": [str(order.id) for order in chosen]},
    )

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    text = text_of(answer.content)
    assert all(order.order_number in text for order in chosen)
    assert confirmed[2].order_number not in text


async def test_many_orders_are_shipped_in_one_action(
    client: httpx.AsyncClient, shop: Shop, confirmed: list[Order]
) -> None:
    csrf = await sign_in(client, shop.world.supplier_user)

    answer = await client.post(
        "/app/shipping/status",
        data={
            "csrf_token": csrf,
            "tab": "confirmed",
            "status": "shipped",
            "ids": [str(order.id) for order in confirmed[:2]],
        },
        follow_redirects=True,
    )

    assert "Commandes mises à jour : 2" in answer.text
    assert [await _status_of(client, order) for order in confirmed] == [
        "Expédiée",
        "Expédiée",
        "Confirmée",
    ]
    shipped_tab = await client.get("/app/shipping?tab=shipped")
    assert confirmed[0].order_number in shipped_tab.text


async def test_shipped_orders_are_marked_delivered_or_returned_from_the_shipped_tab(
    client: httpx.AsyncClient, shop: Shop, confirmed: list[Order]
) -> None:
    csrf = await sign_in(client, shop.world.supplier_user)
    ids = [str(order.id) for order in confirmed]
    await client.post(
        "/app/shipping/status",
        data={"csrf_token": csrf, "tab": "confirmed", "status": "shipped", "ids": ids},
    )

    for status, chosen in (("delivered", ids[:2]), ("returned", ids[2:])):
        await client.post(
            "/app/shipping/status",
            data={"csrf_token": csrf, "tab": "shipped", "status": status, "ids": chosen},
        )

    assert [await _status_of(client, order) for order in confirmed] == [
        "Livrée",
        "Livrée",
        "Retournée",
    ]


async def test_another_suppliers_order_in_the_selection_ships_nothing(
    client: httpx.AsyncClient,
    session: WriteSession,
    settings: Settings,
    shop: Shop,
    confirmed: list[Order],
) -> None:
    other_shop = await make_shop(session, settings)
    foreign = await make_order(
        session, world=other_shop.world, products=[other_shop.product], status="confirmed"
    )
    csrf = await sign_in(client, shop.world.supplier_user)

    answer = await client.post(
        "/app/shipping/status",
        data={
            "csrf_token": csrf,
            "tab": "confirmed",
            "status": "shipped",
            "ids": [str(confirmed[0].id), str(foreign.id)],
        },
    )

    assert answer.status_code == 404
    assert await _status_of(client, confirmed[0]) == "Confirmée"
    labels = await client.post(
        "/app/shipping/labels", data={"csrf_token": csrf, "ids": [str(foreign.id)]}
    )
    assert labels.status_code == 404


async def test_shipping_needs_the_csrf_token(
    client: httpx.AsyncClient, shop: Shop, confirmed: list[Order]
) -> None:
    await sign_in(client, shop.world.supplier_user)

    answer = await client.post(
        "/app/shipping/status",
        data={"tab": "confirmed", "status": "shipped", "ids": [str(confirmed[0].id)]},
    )
    labels = await client.post("/app/shipping/labels", data={"ids": [str(confirmed[0].id)]})

    assert answer.status_code == 403 and labels.status_code == 403
    assert await _status_of(client, confirmed[0]) == "Confirmée"


@pytest.mark.parametrize(
    "data",
    [
        {"status": "shipped"},
        {"status": "shipped", "ids": ["abc"]},
        {"status": "shipped", "ids": ["99999999999999999999"]},
        {"status": "shipped", "ids": [str(n) for n in range(1, 102)]},
        {"status": "delivered", "ids": ["1"]},
        {"status": "shipped", "tab": "lost", "ids": ["1"]},
    ],
)
async def test_a_bad_selection_gets_a_clear_message(
    client: httpx.AsyncClient, shop: Shop, confirmed: list[Order], data: dict[str, object]
) -> None:
    csrf = await sign_in(client, shop.world.supplier_user)

    answer = await client.post(
        "/app/shipping/status", data={"csrf_token": csrf, "tab": "confirmed", **data}
    )

    assert answer.status_code == 400
    assert "Vérifiez votre saisie" in answer.text
    assert await _status_of(client, confirmed[0]) == "Confirmée"


@pytest.mark.parametrize("path", ["/app/shipping", "/app/stock"])
async def test_a_reseller_cannot_reach_the_supplier_screens(
    client: httpx.AsyncClient, shop: Shop, path: str
) -> None:
    await sign_in(client, shop.world.reseller_user)

    assert (await client.get(path)).status_code == 403


async def test_the_stock_screen_highlights_low_stock(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    csrf = await sign_in(client, shop.world.supplier_user)
    await client.post(
        f"/app/stock/{shop.product.id}",
        data={"csrf_token": csrf, "stockQuantity": "5"},
        headers={"HX-Request": "true"},
    )

    page = await client.get("/app/stock")

    low_row = page.text.split(f'id="product-{shop.product.id}"', 1)[1].split("</tr>", 1)[0]
    other_row = page.text.split(f'id="product-{shop.other_product.id}"', 1)[1].split("</tr>")[0]
    assert "Stock bas" in low_row and "Stock bas" not in other_row


async def test_a_stock_edit_goes_through_the_catalogue(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    csrf = await sign_in(client, shop.world.supplier_user)

    answer = await client.post(
        f"/app/stock/{shop.product.id}",
        data={"csrf_token": csrf, "stockQuantity": "42"},
        headers={"HX-Request": "true"},
    )

    assert answer.status_code == 200
    assert "<html" not in answer.text and f'data-testid="stock-{shop.product.id}">42' in answer.text
    assert f'data-testid="stock-{shop.product.id}">42' in (await client.get("/app/stock")).text


@pytest.mark.parametrize("value", ["-1", "abc", "10000001", "1\x002", "9" * 40, ""])
async def test_a_bad_stock_value_shows_the_field_error(
    client: httpx.AsyncClient, shop: Shop, value: str
) -> None:
    csrf = await sign_in(client, shop.world.supplier_user)

    answer = await client.post(
        f"/app/stock/{shop.product.id}",
        data={"csrf_token": csrf, "stockQuantity": value},
        headers={"HX-Request": "true"},
    )

    assert answer.status_code == 400
    assert 'aria-invalid="true"' in answer.text and "<strong>stockQuantity</strong>" in answer.text
    assert f'data-testid="stock-{shop.product.id}">10' in (await client.get("/app/stock")).text


async def test_a_bad_stock_value_without_htmx_shows_the_page_with_the_error(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    csrf = await sign_in(client, shop.world.supplier_user)

    answer = await client.post(
        f"/app/stock/{shop.product.id}", data={"csrf_token": csrf, "stockQuantity": "-3"}
    )

    assert answer.status_code == 400
    assert "<html" in answer.text and 'aria-invalid="true"' in answer.text


async def test_a_stock_edit_needs_the_csrf_token(client: httpx.AsyncClient, shop: Shop) -> None:
    await sign_in(client, shop.world.supplier_user)

    answer = await client.post(f"/app/stock/{shop.product.id}", data={"stockQuantity": "1"})

    assert answer.status_code == 403


async def test_another_suppliers_product_cannot_be_edited(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    outsider = await make_user(
        session, role=shop.world.supplier_user.role, supplier=await make_supplier(session)
    )
    await session.commit()
    csrf = await sign_in(client, outsider)

    answer = await client.post(
        f"/app/stock/{shop.product.id}", data={"csrf_token": csrf, "stockQuantity": "0"}
    )

    assert answer.status_code == 404
