"""The Python client (``clients/python``) against a real Commercy server over HTTP."""

from __future__ import annotations

import inspect
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from commercy.core.database import Database, WriteSession
from commercy.core.settings import Settings
from commercy.main import create_app
from commercy_client import AsyncCommercy, Commercy, CommercyError, RetryPolicy, etag
from tests.factories import PASSWORD, World, make_world
from tests.support.live_server import live_server


@pytest.fixture(scope="session")
def api_url(settings: Settings, database: Database) -> Iterator[str]:
    """Commercy served over HTTP on the test database (migrated by ``database``)."""
    with live_server(create_app(settings)) as url:
        yield url


@dataclass
class Shop:
    url: str
    world: World
    product_ids: list[int]

    def client(self, identifier: str, **options: Any) -> Commercy:
        return Commercy.login(self.url, identifier, PASSWORD, **options)


@pytest.fixture
async def shop(api_url: str, session: WriteSession) -> Shop:
    """A supplier with two products in stock (made through the client) and its reseller."""
    world = await make_world(session)
    with Commercy.login(api_url, world.supplier_user.identifier, PASSWORD) as supplier:
        ids = [
            supplier.products.create(name=name, price=price, stock_quantity=10)["id"]
            for name, price in (("Tapis berbère", "120.500"), ("Lampe en cuivre", "65.990"))
        ]
    return Shop(url=api_url, world=world, product_ids=ids)


def documented_order(shop: Shop) -> dict[str, Any]:
    """The API document's example: two products, shipping paid."""
    return {
        "customerName": "Ahmed Ben Ali",
        "customerPhone": "+216 20 123 456",
        "customerAddress": "12 rue de Marseille",
        "customerCity": "Tunis",
        "customerGovernorate": "Tunis",
        "source": "facebook_page",
        "shippingOption": "paid",
        "shippingCost": 6.0,
        "products": [
            {"productId": shop.product_ids[0], "quantity": 1, "price": 120.50, "notes": "Rouge"},
            {"productId": shop.product_ids[1], "quantity": 2, "price": 65.99, "notes": "Petit"},
        ],
    }


class Sleeps:
    """An injected ``sleep`` that records the waits instead of making them."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


async def test_login_keeps_the_token_and_me_names_the_account(shop: Shop) -> None:
    with Commercy(shop.url) as api:
        assert api.status()["status"] == "up"
        result = api.auth.login(shop.world.reseller_user.identifier, PASSWORD)
        me = api.auth.me()

    assert api.token == result["token"]
    assert me["id"] == result["user"]["id"] == shop.world.reseller_user.id
    assert me["role"] == "reseller"


async def test_the_documented_order_totals_its_items_and_paid_shipping(shop: Shop) -> None:
    body = documented_order(shop)
    expected = round(sum(i["price"] * i["quantity"] for i in body["products"]) + 6.0, 3)

    with shop.client(shop.world.reseller_user.identifier) as api:
        created = api.orders.create(body)
        fetched = api.orders.get(created["orderNumber"])

    assert (created["orderStatus"], created["replayed"]) == ("pending", False)
    order = created["order"]
    assert (order["subtotal"], order["shippingCost"]) == (252.48, 6.0)
    assert order["total"] == expected == 258.48
    assert fetched["id"] == order["id"]
    assert [item["quantity"] for item in fetched["items"]] == [1, 2]
    assert [line["toStatus"] for line in fetched["history"]] == ["pending"]


async def test_keywords_in_snake_case_reach_the_api_in_camel_case(shop: Shop) -> None:
    with shop.client(shop.world.agent.identifier) as api:
        created = api.orders.create(
            customer_name="Ahmed Ben Ali",
            customer_phone="20 123 456",
            products=[
                {"product_id": shop.product_ids[0], "quantity": 3, "price": 10, "notes": "M"}
            ],
        )

    assert created["order"]["customerName"] == "Ahmed Ben Ali"
    assert created["order"]["total"] == 30.0


async def test_list_pages_and_iterate_walks_every_page(shop: Shop) -> None:
    with shop.client(shop.world.reseller_user.identifier) as api:
        numbers = {api.orders.create(documented_order(shop))["orderNumber"] for _ in range(5)}
        first = api.orders.list(limit=2)
        last = api.orders.list(page=3, limit=2, status=["pending", "confirmed"])
        walked = [order["orderNumber"] for order in api.orders.iterate(limit=2)]
        none = list(api.orders.iterate(status="delivered"))
        searched = api.orders.list(search="Ahmed", sort="-total", date_from="2000-01-01")

    assert len(first.items) == 2
    assert first.pagination == first.pagination | {"total": 5, "totalPages": 3, "hasNext": True}
    assert (len(last.items), last.has_next) == (1, False)
    assert len(walked) == 5 and set(walked) == numbers
    assert none == []
    assert searched.total == 5


async def test_a_400_carries_every_field_error(shop: Shop) -> None:
    sleeps = Sleeps()
    items = [{"productId": shop.product_ids[0], "quantity": 2}]
    with (
        shop.client(shop.world.reseller_user.identifier, sleep=sleeps) as api,
        pytest.raises(CommercyError) as raised,
    ):
        api.orders.create(customerName="Ahmed", products=items)

    error = raised.value
    assert (error.status, error.error) == (400, "Validation error")
    assert [e["field"] for e in error.field_errors] == [
        "customerPhone",
        "products.0.price",
        "products.0.notes",
    ]
    assert error.details["field"] == "customerPhone"
    assert error.request_id
    assert error.retry_after is None
    assert sleeps.waits == []  # a refusal is never retried


async def test_a_404_is_a_commercy_error(shop: Shop) -> None:
    with shop.client(shop.world.reseller_user.identifier) as api:
        with pytest.raises(CommercyError) as order:
            api.orders.get("ORD-1-999999")
        with pytest.raises(CommercyError) as product:
            api.products.get(999_999)

    assert order.value.status == product.value.status == 404
    assert order.value.request_id


async def test_the_same_key_twice_makes_one_order_and_another_body_is_422(shop: Shop) -> None:
    body = documented_order(shop)
    with shop.client(shop.world.reseller_user.identifier) as api:
        first = api.orders.create(body, idempotency_key="client-test-key-1")
        second = api.orders.create(body, idempotency_key="client-test-key-1")
        with pytest.raises(CommercyError) as other:
            api.orders.create({**body, "notes": "autre"}, idempotency_key="client-test-key-1")
        total = api.orders.list().total

    assert (first["replayed"], second["replayed"]) == (False, True)
    assert second["orderNumber"] == first["orderNumber"]
    assert second["order"] == first["order"]
    assert other.value.status == 422
    assert total == 1


async def test_status_changes_history_documents_and_export(shop: Shop) -> None:
    with shop.client(shop.world.reseller_user.identifier) as api:
        created = api.orders.create(documented_order(shop))
        number, order_id = created["orderNumber"], created["order"]["id"]
        confirmed = api.orders.set_status(number, "confirmed", note="Client joint")
        shipped = api.orders.bulk_status([order_id], "shipped")
        with pytest.raises(CommercyError) as refused:
            api.orders.set_status(order_id, "pending")
        history = api.orders.history(number)
        invoice, label = api.orders.invoice_pdf(number), api.orders.label_pdf(order_id)
        csv = api.orders.export_csv(status="shipped")

    assert confirmed["status"] == "confirmed"
    assert shipped == [shipped[0] | {"id": order_id, "success": True, "status": "shipped"}]
    assert refused.value.status == 409
    assert "allowedStatuses" in refused.value.details
    assert [(h["toStatus"], h["note"]) for h in history][1] == ("confirmed", "Client joint")
    assert invoice.startswith(b"%PDF") and label.startswith(b"%PDF")
    assert not csv.startswith("\ufeff")
    assert number in csv and len(csv.strip().splitlines()) == 2


async def test_an_edit_changes_the_fields_given_and_an_old_etag_is_412(shop: Shop) -> None:
    with shop.client(shop.world.agent.identifier) as api:
        order = api.orders.create(documented_order(shop))["order"]
        edited = api.orders.update(
            order["orderNumber"],
            if_match=etag(order),
            customer_city=None,
            items=[{"id": order["items"][0]["id"], "quantity": 2}],
        )
        with pytest.raises(CommercyError) as stale:
            api.orders.update(order["id"], {"notes": "trop tard"}, if_match=etag(order))

    assert (edited["customerCity"], edited["items"][0]["quantity"]) == (None, 2)
    assert edited["version"] > order["version"]
    assert edited["history"][-1]["changes"]
    assert stale.value.status == 412


async def test_429_gives_retry_after_and_create_retries_then_gives_up(
    shop: Shop, settings: Settings
) -> None:
    tight = settings.model_copy(update={"rate_limit_user": "3/minute"})
    sleeps = Sleeps()
    policy = RetryPolicy(attempts=3, backoff=0.5, max_wait=120)
    with live_server(create_app(tight)) as url:
        identifier = shop.world.reseller_user.identifier
        with Commercy.login(url, identifier, PASSWORD, sleep=sleeps, retry=policy) as api:
            for _ in range(3):
                api.auth.me()
            with pytest.raises(CommercyError) as read:
                api.auth.me()
            assert sleeps.waits == []  # reads are not retried
            with pytest.raises(CommercyError) as create:
                api.orders.create(documented_order(shop))

    assert read.value.status == 429
    assert read.value.retry_after is not None and 0 < read.value.retry_after <= 60
    assert create.value.status == 429
    assert len(sleeps.waits) == 2
    assert all(wait >= read.value.retry_after - 1 for wait in sleeps.waits)
    with shop.client(identifier) as api:
        assert api.orders.list().total == 0


def spend_the_budget(api: Commercy) -> None:
    """Reads until one is refused: the create that follows starts on an empty budget."""
    for _ in range(10):
        try:
            api.auth.me()
        except CommercyError as error:
            if error.status != 429:
                raise
            return
    pytest.fail("no read was refused")


async def test_a_create_refused_with_429_succeeds_after_waiting_retry_after(
    shop: Shop, settings: Settings
) -> None:
    tight = settings.model_copy(update={"rate_limit_user": "2/second"})
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    with live_server(create_app(tight)) as url:
        identifier = shop.world.reseller_user.identifier
        with Commercy.login(url, identifier, PASSWORD, sleep=sleep) as api:
            spend_the_budget(api)
            created = api.orders.create(documented_order(shop))

    assert len(waits) == 1 and 0.5 <= waits[0] <= 2
    assert created["replayed"] is False
    with shop.client(identifier) as api:
        assert [o["orderNumber"] for o in api.orders.iterate()] == [created["orderNumber"]]


async def test_a_wait_longer_than_max_wait_is_not_made() -> None:
    policy = RetryPolicy(attempts=5, backoff=1, max_wait=10)

    assert [policy.wait(attempt=n, asked=None) for n in range(5)] == [1, 2, 4, 8, None]
    assert policy.wait(attempt=0, asked=30) is None
    assert policy.wait(attempt=0, asked=3) == 3


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_network_failures_retry_creates_only() -> None:
    sleeps = Sleeps()
    policy = RetryPolicy(attempts=3, backoff=0.25)
    with Commercy(closed_port_url(), token="t", sleep=sleeps, retry=policy) as api:
        with pytest.raises(httpx.ConnectError):
            api.orders.create(customer_phone="20 123 456", products=[])
        assert sleeps.waits == [0.25, 0.5]
        with pytest.raises(httpx.ConnectError):
            api.orders.get(1)
        assert sleeps.waits == [0.25, 0.5]


async def test_the_async_client_retries_creates_after_network_failures() -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    policy = RetryPolicy(attempts=2, backoff=0.1)
    async with AsyncCommercy(closed_port_url(), sleep=sleep, retry=policy) as api:
        with pytest.raises(httpx.ConnectError):
            await api.orders.create(customer_phone="20 123 456", products=[])
        with pytest.raises(httpx.ConnectError):
            await api.status()

    assert waits == [0.1]


async def test_every_other_resource_answers(shop: Shop) -> None:
    world = shop.world
    with shop.client(world.admin.identifier) as admin:
        supplier = admin.accounts.suppliers.create(name="Atlas", email="atlas@example.com")
        reseller = admin.accounts.resellers.create(name="Souk", supplier_id=supplier["id"])
        user = admin.accounts.users.create(
            identifier="souk@example.com",
            password=PASSWORD,
            role="reseller",
            reseller_id=reseller["id"],
        )
        renamed = admin.accounts.users.update(user["id"], name="Souk owner")
        assert admin.accounts.suppliers.update(supplier["id"], phone="+216 70 000 000")["phone"]
        assert admin.accounts.resellers.update(reseller["id"], name="Souk 2")["name"] == "Souk 2"
        assert admin.accounts.suppliers.get(supplier["id"])["name"] == "Atlas"
        assert admin.accounts.resellers.get(reseller["id"])["supplierId"] == supplier["id"]
        assert admin.accounts.suppliers.list(limit=1).total >= 2
        assert admin.accounts.resellers.list().total >= 2
        assert admin.accounts.users.list(limit=100).total >= 5
        updated = admin.products.update(shop.product_ids[0], stock_quantity=7)
        products = admin.products.list(search="Tapis")
    assert renamed["name"] == "Souk owner"
    assert updated["stockQuantity"] == 7 and "costPrice" in updated
    assert [p["id"] for p in products.items] == [shop.product_ids[0]]

    with shop.client(world.reseller_user.identifier) as api:
        upsert = api.converty.products.upsert([{"id": 321, "name": "Produit A", "price": 29.9}])
        catalogue = api.converty.products.list()
        mapping = api.converty.mappings.create(
            converty_product_id=321, supplier_product_id=shop.product_ids[0]
        )
        mappings = api.converty.mappings.list()
        check = api.converty.check_mappings(world.reseller.id)
        api.converty.mappings.delete(mapping["id"])
        after = api.converty.check_mappings(world.reseller.id)
        saved = api.digishare.put_settings(
            base_url=closed_port_url(),
            token="a-digishare-token-0123456789",
            webhook_auth={"type": "bearer", "token": "digishare-calls-us-with-this"},
            enabled=False,
        )
        read = api.digishare.get_settings()
        connection = api.digishare.test_connection()
        webhook = {"Authorization": "Bearer digishare-calls-us-with-this"}
        event = {"event": "ticket.updated", "data": {"id": "unknown-ticket"}}
        delivered = api.digishare.deliver_webhook(saved["id"], event, headers=webhook)
        with pytest.raises(CommercyError) as wrong_credential:
            api.digishare.deliver_webhook(saved["id"], event, headers={})
        jobs, events = api.digishare.jobs(state="failed"), api.digishare.events()
        with pytest.raises(CommercyError) as no_job:
            api.digishare.retry_job(999_999)

    assert (upsert["created"], upsert["updated"]) == (1, 0)
    assert [p["id"] for p in catalogue.items] == [321]
    assert [m["id"] for m in mappings] == [mapping["id"]]
    assert (check["hasMappings"], after["hasMappings"]) == (True, False)
    assert saved["tokenSet"] is True and read["id"] == saved["id"]
    assert connection["status"] == "unreachable"
    assert wrong_credential.value.status == 401
    assert (jobs.total, events.total) == (0, 1)
    assert events.items[0]["id"] == delivered["id"]
    assert no_job.value.status == 404


async def test_blocked_phones_duplicates_and_stats_through_the_client(shop: Shop) -> None:
    with shop.client(shop.world.reseller_user.identifier) as api:
        first = api.orders.create(documented_order(shop))["order"]
        entry = api.blocked_phones.create(phone="20 123 456", reason="Fake orders")
        blocked = api.orders.create(documented_order(shop))["order"]
        listed = api.blocked_phones.list(phone="+216 20 123 456")
        flagged = api.orders.list(blocked=True, duplicate=True)
        api.blocked_phones.delete(entry["id"])
        after = api.blocked_phones.list()
        stats = api.stats.orders(group_by="source")

    assert (blocked["blocked"], blocked["blockedReason"]) == (True, "Fake orders")
    assert blocked["possibleDuplicateOf"] == first["orderNumber"]
    assert [e["id"] for e in listed.items] == [entry["id"]]
    assert [o["id"] for o in flagged.items] == [blocked["id"]]
    assert after.total == 0
    assert (stats["totals"]["orders"], stats["groups"][0]["key"]) == (2, "facebook_page")

    identifier = shop.world.reseller_user.identifier
    async with await AsyncCommercy.login(shop.url, identifier, PASSWORD) as async_api:
        created = await async_api.blocked_phones.create(phone="20 999 999", reason="Abuse")
        async_listed = await async_api.blocked_phones.list()
        await async_api.blocked_phones.delete(created["id"])
        by_day = await async_api.stats.orders(date_from="2026-01-01", date_to="2026-01-03")
    assert async_listed.total == 1
    assert [g["key"] for g in by_day["groups"]] == ["2026-01-01", "2026-01-02", "2026-01-03"]


async def test_an_agent_takes_calls_and_a_reseller_watches_the_queue(shop: Shop) -> None:
    with shop.client(shop.world.reseller_user.identifier) as reseller:
        first, second = (reseller.orders.create(documented_order(shop)) for _ in range(2))
        with shop.client(shop.world.agent.identifier) as agent:
            given = agent.calls.next()
            assert given is not None
            claim = agent.calls.claim(given["id"])
            later = datetime.now(UTC) + timedelta(hours=2)
            recorded = agent.calls.record(
                given["id"], "rapported", note="Après 18h", callback_at=later
            )
            other = agent.calls.next()
            assert other is not None
            agent.calls.release(other["id"])
            attempts = agent.calls.list(given["id"])
        queue = reseller.calls.queue(limit=10)
        stats = reseller.calls.stats(date_from=date.today() - timedelta(days=1))
        rules = reseller.calls.put_settings(whatsapp_grace_minutes=0)

    assert given["id"] == first["order"]["id"]
    assert claim["claimedBy"] == shop.world.agent.id
    assert recorded["orderStatus"] == "rapported"
    assert other["id"] == second["order"]["id"]
    assert [a["note"] for a in attempts] == ["Après 18h"]
    assert (queue.counts["new"], queue.counts["scheduled"], queue.total) == (1, 1, 2)
    assert [(row["agentUserId"], row["attempts"]) for row in stats] == [(shop.world.agent.id, 1)]
    assert (rules["whatsappGraceMinutes"], rules["defaults"]["whatsappGraceMinutes"]) == (0, 15)


async def test_the_async_client_has_the_same_surface(shop: Shop) -> None:
    identifier = shop.world.reseller_user.identifier
    async with await AsyncCommercy.login(shop.url, identifier, PASSWORD) as api:
        created = [await api.orders.create(documented_order(shop)) for _ in range(3)]
        fetched = await api.orders.get(created[0]["orderNumber"])
        page = await api.orders.list(limit=2)
        walked = [order["id"] async for order in api.orders.iterate(limit=1)]
        replay = await api.orders.create(documented_order(shop), idempotency_key="async-key")
        again = await api.orders.create(documented_order(shop), idempotency_key="async-key")
        pdf = await api.orders.invoice_pdf(fetched["id"])
        me = await api.auth.me()
        with pytest.raises(CommercyError) as missing:
            await api.orders.history("ORD-1-999999")

    assert fetched["total"] == 258.48
    assert (len(page.items), page.total) == (2, 3)
    assert sorted(walked) == sorted(c["order"]["id"] for c in created)
    assert (again["replayed"], again["orderNumber"]) == (True, replay["orderNumber"])
    assert pdf.startswith(b"%PDF")
    assert me["id"] == shop.world.reseller_user.id
    assert missing.value.status == 404


# Every operation of the API and the client method that calls it.
METHODS = {
    "POST /orders": "orders.create",
    "GET /orders": "orders.list",
    "GET /orders/export.csv": "orders.export_csv",
    "POST /orders/bulk-status": "orders.bulk_status",
    "GET /orders/{reference}": "orders.get",
    "GET /orders/{reference}/history": "orders.history",
    "GET /orders/{reference}/invoice.pdf": "orders.invoice_pdf",
    "GET /orders/{reference}/label.pdf": "orders.label_pdf",
    "PATCH /orders/{reference}": "orders.update",
    "PATCH /orders/{reference}/status": "orders.set_status",
    "POST /webhooks/digishare/{integration_id}": "digishare.deliver_webhook",
    "GET /status": "status",
    "POST /auth/login": "auth.login",
    "GET /auth/me": "auth.me",
    "GET /suppliers": "accounts.suppliers.list",
    "POST /suppliers": "accounts.suppliers.create",
    "GET /suppliers/{supplier_id}": "accounts.suppliers.get",
    "PATCH /suppliers/{supplier_id}": "accounts.suppliers.update",
    "GET /resellers": "accounts.resellers.list",
    "POST /resellers": "accounts.resellers.create",
    "GET /resellers/{reseller_id}": "accounts.resellers.get",
    "PATCH /resellers/{reseller_id}": "accounts.resellers.update",
    "GET /users": "accounts.users.list",
    "POST /users": "accounts.users.create",
    "PATCH /users/{user_id}": "accounts.users.update",
    "GET /products": "products.list",
    "POST /products": "products.create",
    "GET /products/{product_id}": "products.get",
    "PATCH /products/{product_id}": "products.update",
    "GET /converty/products": "converty.products.list",
    "POST /converty/products": "converty.products.upsert",
    "GET /converty/product-mappings": "converty.mappings.list",
    "POST /converty/product-mappings": "converty.mappings.create",
    "DELETE /converty/product-mappings/{mapping_id}": "converty.mappings.delete",
    "GET /converty/check-mappings/{reseller_id}": "converty.check_mappings",
    "GET /integrations/digishare": "digishare.get_settings",
    "PUT /integrations/digishare": "digishare.put_settings",
    "POST /integrations/digishare/test": "digishare.test_connection",
    "GET /integrations/digishare/jobs": "digishare.jobs",
    "POST /integrations/digishare/jobs/{job_id}/retry": "digishare.retry_job",
    "GET /integrations/digishare/events": "digishare.events",
    "GET /blocked-phones": "blocked_phones.list",
    "POST /blocked-phones": "blocked_phones.create",
    "DELETE /blocked-phones/{entry_id}": "blocked_phones.delete",
    "GET /stats/orders": "stats.orders",
    "POST /calls/next": "calls.next",
    "GET /calls/queue": "calls.queue",
    "POST /orders/{reference}/claim": "calls.claim",
    "DELETE /orders/{reference}/claim": "calls.release",
    "POST /orders/{reference}/calls": "calls.record",
    "GET /orders/{reference}/calls": "calls.list",
    "GET /stats/calls": "calls.stats",
    "GET /calls/settings": "calls.get_settings",
    "PUT /calls/settings": "calls.put_settings",
}


def public_methods(client: object, prefix: str = "") -> dict[str, bool]:
    """Every public method reachable from ``client`` (``orders.create``...), and whether it is
    a coroutine function or an async generator."""
    found: dict[str, bool] = {}
    for name, value in vars(client).items():
        resource = type(value).__module__ in ("commercy_client._sync", "commercy_client._async")
        if resource and not name.startswith("_"):
            found |= public_methods(value, f"{prefix}{name}.")
    for name, value in inspect.getmembers(type(client), inspect.isfunction):
        if not name.startswith("_"):
            is_async = inspect.iscoroutinefunction(value) or inspect.isasyncgenfunction(value)
            found[prefix + name] = is_async
    return found


async def test_every_operation_of_the_api_has_a_method_on_both_clients(app: FastAPI) -> None:
    operations = {
        f"{verb.upper()} {path.removeprefix('/api/v1')}"
        for path, verbs in app.openapi()["paths"].items()
        if path.startswith("/api/v1/")
        for verb in verbs
    }
    with Commercy("http://127.0.0.1:1") as sync_client:
        sync_methods = public_methods(sync_client)
    async with AsyncCommercy("http://127.0.0.1:1") as async_client:
        async_methods = public_methods(async_client)

    assert operations == set(METHODS)
    assert set(METHODS.values()) <= set(sync_methods)
    assert set(sync_methods) - {"close", "login"} == set(async_methods) - {"close", "login"}
    assert not any(sync_methods.values())
    assert all(async_methods.values())
