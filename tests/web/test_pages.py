"""The web app's pages over HTTP: CSRF, security headers, scoping, bad input, the orders table
and the order page."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import httpx
import pytest

from commercy.core.database import WriteSession
from commercy.core.settings import Settings
from commercy.main import create_app
from commercy.orders.models import Order
from commercy.web import forms
from tests.factories import PASSWORD, Shop, make_order, make_reseller, make_user, order_body
from tests.web.conftest import csrf_of, sign_in


async def test_a_status_change_without_the_csrf_token_is_refused(
    client: httpx.AsyncClient, shop: Shop, order: Order
) -> None:
    await sign_in(client, shop.world.reseller_user)

    answer = await client.post(
        f"/app/orders/{order.order_number}/status", data={"status": "confirmed"}
    )

    assert answer.status_code == 403
    page = await client.get(f"/app/orders/{order.order_number}")
    assert 'data-testid="order-status">En attente' in page.text


async def test_a_status_change_with_a_wrong_csrf_token_is_refused(
    client: httpx.AsyncClient, shop: Shop, order: Order
) -> None:
    await sign_in(client, shop.world.reseller_user)

    answer = await client.post(
        f"/app/orders/{order.order_number}/status",
        data={"status": "confirmed", "csrf_token": "guessed"},
        headers={"X-CSRF-Token": "guessed"},
    )

    assert answer.status_code == 403


async def test_sign_in_without_the_forms_csrf_token_is_refused(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    answer = await client.post(
        "/app/login",
        data={"identifier": shop.world.reseller_user.identifier, "password": "x"},
    )

    assert answer.status_code == 403


async def test_the_htmx_header_carries_the_csrf_token(
    client: httpx.AsyncClient, shop: Shop, order: Order
) -> None:
    csrf = await sign_in(client, shop.world.reseller_user)

    answer = await client.post(
        f"/app/orders/{order.order_number}/status",
        data={"status": "confirmed"},
        headers={"X-CSRF-Token": csrf},
    )

    assert answer.status_code == 303


@pytest.mark.parametrize("path", ["/app/login", "/app/orders"])
async def test_pages_carry_a_csp_without_inline_scripts_and_refuse_framing(
    client: httpx.AsyncClient, shop: Shop, path: str
) -> None:
    await sign_in(client, shop.world.reseller_user)

    answer = await client.get(path)

    csp = answer.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert answer.headers["cache-control"] == "no-store"
    assert "<script>" not in answer.text and " onclick=" not in answer.text


async def test_a_reseller_cannot_open_another_resellers_order(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop, order: Order
) -> None:
    other = await make_reseller(session, supplier=shop.world.supplier)
    outsider = await make_user(session, role=shop.world.reseller_user.role, reseller=other)
    await session.commit()
    await sign_in(client, outsider)

    assert (await client.get(f"/app/orders/{order.order_number}")).status_code == 404
    assert (await client.get(f"/app/orders/{order.id}/invoice.pdf")).status_code == 404
    listed = await client.get("/app/orders")
    assert order.order_number not in listed.text


async def test_the_orders_table_lists_the_resellers_orders_in_french(
    client: httpx.AsyncClient, shop: Shop, order: Order
) -> None:
    await sign_in(client, shop.world.reseller_user)

    page = await client.get("/app/orders")

    assert page.status_code == 200
    assert order.order_number in page.text
    assert "Commandes trouvées : 1" in page.text and "30,000\u00a0DT" in page.text


async def test_a_long_list_is_counted_only_so_far_ahead_and_still_pages_on(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(forms, "PAGE_SIZE", 1)
    monkeypatch.setattr(forms, "COUNTED_AHEAD", 2)
    made = [await make_order(session, world=shop.world, products=[shop.product]) for _ in range(4)]
    await sign_in(client, shop.world.reseller_user)

    first = (await client.get("/app/orders")).text
    assert "Commandes trouvées : plus de 2" in first and "Page 1 sur plus de 2" in first
    assert made[3].order_number in first and 'rel="next"' in first

    third = (await client.get("/app/orders?page=3")).text
    assert "Commandes trouvées : 4" in third and "Page 3 sur 4" in third
    assert made[1].order_number in third and 'rel="next"' in third

    last = (await client.get("/app/orders?page=4")).text
    assert made[0].order_number in last and 'rel="next"' not in last


async def test_english_is_a_click_away(client: httpx.AsyncClient, shop: Shop, order: Order) -> None:
    csrf = await sign_in(client, shop.world.reseller_user)

    await client.post(
        "/app/preferences", data={"language": "en", "csrf_token": csrf, "next": "/app/orders"}
    )

    page = await client.get("/app/orders")
    assert "Orders found: 1" in page.text and "30.000\u00a0DT" in page.text


async def test_dates_are_shown_in_the_sessions_time_zone(
    client: httpx.AsyncClient, shop: Shop, order: Order
) -> None:
    csrf = await sign_in(client, shop.world.reseller_user)
    tunis = order.created_at.astimezone(ZoneInfo("Africa/Tunis"))
    assert tunis.strftime("%H:%M") in (await client.get("/app/orders")).text

    await client.post("/app/preferences", data={"time_zone": "UTC", "csrf_token": csrf})

    assert order.created_at.strftime("%H:%M") in (await client.get("/app/orders")).text


async def test_filters_narrow_the_table_and_htmx_gets_only_the_table(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop, order: Order
) -> None:
    confirmed = await make_order(
        session, world=shop.world, products=[shop.product], status="confirmed"
    )
    await sign_in(client, shop.world.reseller_user)

    answer = await client.get(
        "/app/orders?status=confirmed", headers={"HX-Request": "true", "HX-Target": "results"}
    )

    assert 'id="results"' in answer.text and "<html" not in answer.text
    assert confirmed.order_number in answer.text and order.order_number not in answer.text


async def test_the_search_box_finds_a_name_without_its_accents(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop, order: Order
) -> None:
    helene = await make_order(
        session, world=shop.world, products=[shop.product], customerName="Hélène Ben Ali"
    )
    await sign_in(client, shop.world.reseller_user)

    answer = await client.get(
        "/app/orders?search=helene", headers={"HX-Request": "true", "HX-Target": "results"}
    )

    assert helene.order_number in answer.text and order.order_number not in answer.text
    assert "Hélène Ben Ali" in answer.text


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("search=a%00b", "search"),
        ("page=99999999999999999999", "page"),
        ("page=" + "9" * 5000, "page"),
        ("status=teleported", "status"),
        ("source=pigeon", "source"),
        ("dateFrom=2026-13-45", "dateFrom"),
        ("duplicate=maybe", "duplicate"),
        ("sort=-password", "sort"),
    ],
)
async def test_bad_filters_get_a_clear_message_not_an_error_page(
    client: httpx.AsyncClient, shop: Shop, query: str, field: str
) -> None:
    await sign_in(client, shop.world.reseller_user)

    answer = await client.get(f"/app/orders?{query}")

    assert answer.status_code == 400
    assert "Vérifiez les filtres" in answer.text and f"<strong>{field}</strong>" in answer.text


async def test_bad_filters_refuse_the_export_too(client: httpx.AsyncClient, shop: Shop) -> None:
    await sign_in(client, shop.world.reseller_user)

    answer = await client.get("/app/orders/export.csv?status=teleported")

    assert answer.status_code == 400


async def test_the_export_is_the_tables_orders_as_csv(
    client: httpx.AsyncClient, shop: Shop, order: Order
) -> None:
    await sign_in(client, shop.world.reseller_user)

    answer = await client.get("/app/orders/export.csv?status=pending")

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert order.order_number in answer.text


async def test_an_order_page_shows_items_totals_history_and_documents(
    client: httpx.AsyncClient, shop: Shop, order: Order
) -> None:
    await sign_in(client, shop.world.reseller_user)

    page = await client.get(f"/app/orders/{order.order_number}")

    assert page.status_code == 200
    assert shop.product.name in page.text
    assert f"tel:{order.customer_phone}" in page.text
    assert f"/app/orders/{order.order_number}/invoice.pdf" in page.text
    invoice = await client.get(f"/app/orders/{order.order_number}/invoice.pdf")
    assert invoice.headers["content-type"] == "application/pdf"
    label = await client.get(f"/app/orders/{order.order_number}/label.pdf")
    assert label.content.startswith(b"%PDF")


async def test_a_status_change_goes_through_the_lifecycle(
    client: httpx.AsyncClient, shop: Shop, order: Order
) -> None:
    csrf = await sign_in(client, shop.world.reseller_user)

    answer = await client.post(
        f"/app/orders/{order.order_number}/status",
        data={"status": "confirmed", "note": "OK au téléphone", "csrf_token": csrf},
    )

    assert answer.status_code == 303
    page = await client.get(answer.headers["location"])
    assert 'data-testid="order-status">Confirmée' in page.text
    assert "OK au téléphone" in page.text


async def test_a_refused_move_is_shown_as_a_message(
    client: httpx.AsyncClient, shop: Shop, order: Order
) -> None:
    csrf = await sign_in(client, shop.world.reseller_user)

    answer = await client.post(
        f"/app/orders/{order.order_number}/status",
        data={"status": "delivered", "csrf_token": csrf},
    )

    assert answer.status_code == 409
    assert "ne peut pas passer" in answer.text


@pytest.mark.parametrize(
    "data",
    [{"status": "confirmed", "note": "a\x00b"}, {"status": "nonsense"}, {"status": "x" * 5000}],
)
async def test_bad_status_forms_get_a_clear_message(
    client: httpx.AsyncClient, shop: Shop, order: Order, data: dict[str, str]
) -> None:
    csrf = await sign_in(client, shop.world.reseller_user)

    answer = await client.post(
        f"/app/orders/{order.order_number}/status", data={**data, "csrf_token": csrf}
    )

    assert answer.status_code == 400
    assert 'role="alert"' in answer.text


@pytest.mark.parametrize("reference", ["ORD-%00", "9" * 80, "99999999999999999999"])
async def test_odd_order_references_are_not_found(
    client: httpx.AsyncClient, shop: Shop, reference: str
) -> None:
    await sign_in(client, shop.world.reseller_user)

    answer = await client.get(f"/app/orders/{reference}")

    assert answer.status_code in (400, 404)
    assert "<html" in answer.text


async def test_a_signed_out_visitor_is_sent_to_sign_in_and_back(client: httpx.AsyncClient) -> None:
    answer = await client.get("/app/orders?status=pending")

    assert answer.status_code == 303
    assert answer.headers["location"] == "/app/login?next=/app/orders%3Fstatus%3Dpending"


@pytest.mark.parametrize("role", ["admin", "agent", "supplier_user", "reseller_user"])
async def test_every_role_lands_on_the_orders_it_may_see(
    client: httpx.AsyncClient, shop: Shop, order: Order, role: str
) -> None:
    await sign_in(client, getattr(shop.world, role))

    page = await client.get("/app/orders")

    assert page.status_code == 200
    assert order.order_number in page.text


async def test_a_supplier_is_offered_only_the_fulfilment_statuses(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    confirmed = await make_order(
        session, world=shop.world, products=[shop.product], status="confirmed"
    )
    await sign_in(client, shop.world.supplier_user)

    page = await client.get(f"/app/orders/{confirmed.order_number}")

    assert '<option value="shipped">' in page.text
    assert '<option value="canceled">' not in page.text


async def test_a_supplier_forcing_a_confirmation_status_is_refused_with_a_message(
    client: httpx.AsyncClient, shop: Shop, order: Order
) -> None:
    csrf = await sign_in(client, shop.world.supplier_user)

    answer = await client.post(
        f"/app/orders/{order.order_number}/status",
        data={"status": "confirmed", "csrf_token": csrf},
    )

    assert answer.status_code == 403
    assert 'role="alert"' in answer.text


@pytest.mark.parametrize(
    "target",
    ["//evil.example/", "https://evil.example/", "/app/\\evil", "/app/\x00", "/app/\r\nX: y"],
)
async def test_sign_in_never_sends_to_another_site(
    client: httpx.AsyncClient, shop: Shop, target: str
) -> None:
    form = await client.get("/app/login")

    answer = await client.post(
        "/app/login",
        data={
            "identifier": shop.world.reseller_user.identifier,
            "password": PASSWORD,
            "csrf_token": csrf_of(form),
            "next": target,
        },
    )

    assert answer.headers["location"] == "/app/orders"


async def test_sign_in_returns_to_the_page_asked_for(client: httpx.AsyncClient, shop: Shop) -> None:
    form = await client.get("/app/login?next=/app/orders%3Fstatus%3Dpending")

    answer = await client.post(
        "/app/login",
        data={
            "identifier": shop.world.reseller_user.identifier,
            "password": PASSWORD,
            "csrf_token": csrf_of(form),
            "next": "/app/orders?status=pending",
        },
    )

    assert 'value="/app/orders?status=pending"' in form.text
    assert answer.headers["location"] == "/app/orders?status=pending"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/app/nowhere", 404),
        ("GET", "/app/static/nothing.js", 404),
        ("GET", "/app/logout", 405),
    ],
)
async def test_unknown_pages_get_a_page_not_json(
    client: httpx.AsyncClient, method: str, path: str, status: int
) -> None:
    answer = await client.request(method, path)

    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("text/html")


async def test_duplicates_and_blocked_numbers_are_flagged_in_the_table_and_on_the_order(
    client: httpx.AsyncClient, shop: Shop, order: Order
) -> None:
    blocked = await client.post(
        "/api/v1/blocked-phones",
        json={"phone": order.customer_phone, "reason": "Fausses commandes"},
        headers=shop.reseller,
    )
    assert blocked.status_code == 201, blocked.text
    created = await client.post(
        "/api/v1/orders", json=order_body(shop.product), headers=shop.reseller
    )
    repeat = created.json()["order"]["orderNumber"]
    await sign_in(client, shop.world.reseller_user)

    table = await client.get("/app/orders?duplicate=true&blocked=true")
    page = await client.get(f"/app/orders/{repeat}")

    assert repeat in table.text and "Doublon possible" in table.text and "Bloquée" in table.text
    assert order.order_number not in table.text
    assert f'href="/app/orders/{order.order_number}"' in page.text
    assert "Numéro bloqué — Fausses commandes" in page.text


async def test_a_database_that_refuses_connections_shows_a_page_asking_to_retry() -> None:
    settings = Settings(
        _env_file=None,
        database_url="postgresql+asyncpg://postgres@127.0.0.1:9/unreachable",
        jwt_secret="k" * 40,
    )
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        form = await http.get("/app/login")
        answer = await http.post(
            "/app/login",
            data={"identifier": "a@example.com", "password": "x" * 12, "csrf_token": csrf_of(form)},
        )

    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "5"
    assert answer.headers["content-type"].startswith("text/html")
    assert "Commercy est occupé" in answer.text
