"""Against a Digishare that follows its published API strictly: other people's tickets in the
account, unknown parameters ignored, created tickets answered bare, lost answers. Every order
ends with exactly one ticket, its own."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from commercy.core.database import Database
from commercy.core.settings import Settings
from commercy.jobs import build_worker
from commercy.outbox.models import JobState
from commercy.outbox.worker import OutboxWorker
from tests.hardening.processes import free_port
from tests.integrations.conftest import (
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_TOKEN,
    Shop,
    count_jobs,
    drain,
    place_order,
    sandbox_tickets,
)
from tests.support.live_server import live_server
from tests.support.strict_digishare import StrictDigishare


@pytest.fixture
def strict() -> Iterator[tuple[StrictDigishare, str]]:
    digishare = StrictDigishare()
    with live_server(digishare.app()) as url:
        yield digishare, url


async def connect(
    client: httpx.AsyncClient, shop: Shop, base_url: str, **credentials: str
) -> dict[str, Any]:
    """Points the shop's integration at ``base_url`` with these credentials."""
    response = await client.put(
        "/api/v1/integrations/digishare",
        json={"baseUrl": base_url, **credentials},
        headers=shop.reseller_headers,
    )
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


@pytest.fixture
async def strict_shop(
    client: httpx.AsyncClient, shop: Shop, strict: tuple[StrictDigishare, str]
) -> Shop:
    digishare, url = strict
    await connect(client, shop, f"{url}/v1", token=digishare.personal_token)
    return shop


async def confirmation(client: httpx.AsyncClient, shop: Shop, order_id: int) -> dict[str, Any]:
    response = await client.get(f"/api/v1/orders/{order_id}", headers=shop.reseller_headers)
    data: dict[str, Any] = response.json()["data"]["confirmation"]
    return data


async def jobs(client: httpx.AsyncClient, shop: Shop) -> list[dict[str, Any]]:
    response = await client.get(
        "/api/v1/integrations/digishare/jobs", headers=shop.reseller_headers
    )
    items: list[dict[str, Any]] = response.json()["data"]
    return items


async def test_lost_answers_among_strangers_tickets_end_with_one_ticket_per_order(
    client: httpx.AsyncClient,
    strict_shop: Shop,
    strict: tuple[StrictDigishare, str],
    worker: OutboxWorker,
    database: Database,
) -> None:
    digishare, _ = strict
    orders = [
        await place_order(client, strict_shop, customerPhone=f"+2162012{n:04d}") for n in range(4)
    ]
    for order in orders:
        # Newer than ours, and found by a search for our number: "ORD-…-5" is in "ORD-…-50".
        number = order["orderNumber"]
        digishare.add_ticket(external_id=f"{number}0", subject=f"Commande {number}0")
    digishare.create_answers = ["store_then_502"] * len(orders)

    await drain(database, worker)

    for order in orders:
        tickets = digishare.tickets_of(order["orderNumber"])
        assert len(tickets) == 1, order["orderNumber"]
        state = await confirmation(client, strict_shop, order["id"])
        assert state["state"] == "sent"
        assert state["ticketId"] == tickets[0]["id"]
    assert digishare.posts("/v1/tickets") == len(orders)
    assert digishare.undocumented_ticket_parameters() == set()


async def test_a_created_ticket_answered_bare_is_recorded_with_its_id(
    client: httpx.AsyncClient,
    strict_shop: Shop,
    strict: tuple[StrictDigishare, str],
    worker: OutboxWorker,
    database: Database,
) -> None:
    digishare, _ = strict
    order = await place_order(client, strict_shop)

    await drain(database, worker)

    [ticket] = digishare.tickets_of(order["orderNumber"])
    assert (await confirmation(client, strict_shop, order["id"]))["ticketId"] == ticket["id"]
    assert digishare.posts("/v1/tickets") == 1


async def test_two_tickets_of_one_order_keep_the_oldest_and_never_make_a_third(
    client: httpx.AsyncClient,
    strict_shop: Shop,
    strict: tuple[StrictDigishare, str],
    worker: OutboxWorker,
    database: Database,
) -> None:
    digishare, _ = strict
    order = await place_order(client, strict_shop)
    number = order["orderNumber"]
    older = digishare.add_ticket(
        external_id=number, subject=f"Commande {number}", created_at="2026-01-01 08:00:00"
    )
    digishare.create_answers = ["store_then_502"]

    await drain(database, worker)

    [stored_then_lost] = [t for t in digishare.tickets_of(number) if t is not older]
    assert (await confirmation(client, strict_shop, order["id"]))["ticketId"] == older["id"]
    [job] = await jobs(client, strict_shop)
    assert job["progress"]["duplicate_ticket_ids"] == [stored_then_lost["id"]]
    assert digishare.posts("/v1/tickets") == 1


async def test_a_strangers_ticket_in_the_answer_is_not_taken_for_ours(
    client: httpx.AsyncClient,
    strict_shop: Shop,
    strict: tuple[StrictDigishare, str],
    worker: OutboxWorker,
    database: Database,
) -> None:
    digishare, _ = strict
    order = await place_order(client, strict_shop)
    digishare.create_answers = ["stranger"]

    await drain(database, worker)

    [ours] = digishare.tickets_of(order["orderNumber"])
    assert (await confirmation(client, strict_shop, order["id"]))["ticketId"] == ours["id"]


@pytest.mark.parametrize(
    ("answer", "reason"),
    [("not_json", "not a JSON object"), ("no_id", "has no id")],
)
async def test_an_answer_without_a_ticket_fails_the_job_visibly_in_the_end(
    client: httpx.AsyncClient,
    strict_shop: Shop,
    strict: tuple[StrictDigishare, str],
    database: Database,
    worker_settings: Settings,
    answer: Any,
    reason: str,
) -> None:
    digishare, _ = strict
    order = await place_order(client, strict_shop)
    digishare.create_answers = [answer] * 3
    worker = build_worker(database, worker_settings.model_copy(update={"outbox_max_attempts": 3}))

    await drain(database, worker)

    state = await confirmation(client, strict_shop, order["id"])
    assert state["state"] == "failed"
    assert state["ticketId"] is None
    assert reason in state["lastError"]
    assert digishare.tickets_of(order["orderNumber"]) == []


async def test_oauth_client_credentials_get_one_token_and_renew_it_once_when_revoked(
    client: httpx.AsyncClient,
    strict_shop: Shop,
    strict: tuple[StrictDigishare, str],
    worker: OutboxWorker,
    database: Database,
) -> None:
    digishare, url = strict
    saved = await connect(
        client,
        strict_shop,
        url,
        clientId=digishare.client_id,
        clientSecret=digishare.client_secret,
    )
    assert saved["authMethod"] == "oauth"
    assert saved["clientSecretSet"] is True
    assert saved["tokenSet"] is False
    assert "clientSecret" not in saved
    first = [
        await place_order(client, strict_shop, customerPhone=f"+2162013{n:04d}") for n in (1, 2)
    ]
    await drain(database, worker)
    assert digishare.token_requests == 1

    digishare.revoke_access_tokens()
    later = await place_order(client, strict_shop, customerPhone="+21620139999")
    await drain(database, worker)

    assert digishare.token_requests == 2
    for order in [*first, later]:
        assert len(digishare.tickets_of(order["orderNumber"])) == 1
    assert await count_jobs(database, JobState.DONE) == 3


async def test_refused_client_credentials_fail_the_job_at_once(
    client: httpx.AsyncClient,
    strict_shop: Shop,
    strict: tuple[StrictDigishare, str],
    worker: OutboxWorker,
    database: Database,
) -> None:
    digishare, url = strict
    await connect(client, strict_shop, url, clientId=digishare.client_id, clientSecret="wrong")
    order = await place_order(client, strict_shop)

    await drain(database, worker)

    state = await confirmation(client, strict_shop, order["id"])
    assert state["state"] == "failed"
    assert state["attempts"] == 1
    assert "401" in state["lastError"]


@pytest.mark.parametrize(
    ("credentials", "expected"),
    [
        ({"token": "strict-personal-token"}, "ok"),
        ({"clientId": "strict-client", "clientSecret": "strict-client-secret"}, "ok"),
        ({"token": "not-the-token"}, "unauthorized"),
        ({"clientId": "strict-client", "clientSecret": "wrong"}, "unauthorized"),
    ],
)
async def test_test_connection_says_whether_the_saved_credentials_work(
    client: httpx.AsyncClient,
    strict_shop: Shop,
    strict: tuple[StrictDigishare, str],
    credentials: dict[str, str],
    expected: str,
) -> None:
    _, url = strict
    await connect(client, strict_shop, url, **credentials)

    response = await client.post(
        "/api/v1/integrations/digishare/test", headers=strict_shop.reseller_headers
    )

    assert response.status_code == 200, response.text
    result = response.json()["data"]
    assert result["status"] == expected
    if expected == "ok":
        assert result["account"]["email"] == "shop@example.com"
        assert result["reason"] is None
    else:
        assert "401" in result["reason"]
        assert result["account"] is None


async def test_test_connection_names_an_unreachable_digishare(
    client: httpx.AsyncClient, strict_shop: Shop
) -> None:
    nobody_listens = f"http://127.0.0.1:{free_port()}"
    await connect(client, strict_shop, nobody_listens, token="t")

    response = await client.post(
        "/api/v1/integrations/digishare/test", headers=strict_shop.reseller_headers
    )

    result = response.json()["data"]
    assert result["status"] == "unreachable"
    assert "ConnectError" in result["reason"]


async def test_switching_to_a_token_forgets_the_client_credentials(
    client: httpx.AsyncClient, strict_shop: Shop, strict: tuple[StrictDigishare, str]
) -> None:
    digishare, url = strict
    await connect(client, strict_shop, url, clientId="c", clientSecret="s")
    again = await connect(client, strict_shop, url, clientId="c2")  # the secret is kept
    assert (again["authMethod"], again["clientId"], again["clientSecretSet"]) == (
        "oauth",
        "c2",
        True,
    )

    saved = await connect(client, strict_shop, url, token=digishare.personal_token)

    assert saved["authMethod"] == "token"
    assert (saved["clientId"], saved["clientSecretSet"], saved["tokenSet"]) == (None, False, True)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"token": "t", "clientId": "c", "clientSecret": "s"}, "body"),
        ({"clientSecret": "s"}, "body"),
    ],
)
async def test_one_way_to_authenticate_at_a_time(
    client: httpx.AsyncClient, strict_shop: Shop, body: dict[str, str], field: str
) -> None:
    response = await client.put(
        "/api/v1/integrations/digishare", json=body, headers=strict_shop.reseller_headers
    )

    assert response.status_code == 400, response.text
    assert response.json()["details"]["field"] == field


async def test_client_credentials_without_a_secret_are_refused_on_a_token_integration(
    client: httpx.AsyncClient, strict_shop: Shop
) -> None:
    response = await client.put(
        "/api/v1/integrations/digishare",
        json={"clientId": "c"},
        headers=strict_shop.reseller_headers,
    )

    assert response.status_code == 400, response.text
    assert response.json()["details"]["field"] == "clientSecret"


async def test_the_base_url_is_kept_without_its_v1(
    client: httpx.AsyncClient, strict_shop: Shop, strict: tuple[StrictDigishare, str]
) -> None:
    _, url = strict
    saved = await connect(client, strict_shop, f"{url}/v1/", token="t")

    assert saved["baseUrl"] == url


async def test_a_retry_after_a_refused_ticket_uploads_the_invoice_again(
    client: httpx.AsyncClient,
    strict_shop: Shop,
    strict: tuple[StrictDigishare, str],
    worker: OutboxWorker,
    database: Database,
) -> None:
    digishare, _ = strict
    order = await place_order(client, strict_shop)
    digishare.create_answers = ["unavailable"]
    await worker.run_once()  # the invoice is uploaded; the ticket must wait
    digishare.expire_media()
    await drain(database, worker)  # the ticket cites the forgotten upload: refused, failed
    [job] = await jobs(client, strict_shop)
    assert job["state"] == "failed"
    assert "422" in job["lastError"]

    retried = await client.post(
        f"/api/v1/integrations/digishare/jobs/{job['id']}/retry",
        headers=strict_shop.reseller_headers,
    )
    assert retried.status_code == 200, retried.text
    await drain(database, worker)

    [ticket] = digishare.tickets_of(order["orderNumber"])
    assert ticket["information"]["campaign_data"]["invoice_document"]["id"] in digishare.media
    assert (await confirmation(client, strict_shop, order["id"]))["ticketId"] == ticket["id"]
    assert digishare.posts("/v1/messagesTemplates") == 2


@pytest.mark.parametrize(
    "credentials",
    [
        {"token": SANDBOX_TOKEN},
        {"clientId": SANDBOX_CLIENT_ID, "clientSecret": SANDBOX_CLIENT_SECRET},
    ],
    ids=["personal access token", "oauth client credentials"],
)
async def test_the_sandbox_answers_the_connection_test_and_takes_oauth(
    client: httpx.AsyncClient,
    shop: Shop,
    sandbox: str,
    worker: OutboxWorker,
    database: Database,
    credentials: dict[str, str],
) -> None:
    await connect(client, shop, sandbox, **credentials)

    tested = await client.post("/api/v1/integrations/digishare/test", headers=shop.reseller_headers)
    order = await place_order(client, shop)
    await drain(database, worker)

    assert tested.json()["data"]["status"] == "ok", tested.text
    assert len(sandbox_tickets(sandbox, order["orderNumber"])) == 1
