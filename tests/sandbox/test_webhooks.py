"""Webhooks: subscriptions per event, auth kinds, the seed's shape, retries, disabling."""

from __future__ import annotations

import asyncio
import base64
import itertools
import socket
from typing import Any

import httpx

from commercy.sandbox.catalog import STATUS_CONFIRMED, STATUS_NEW
from tests.sandbox.helpers import (
    RETRY_DELAYS,
    Receiver,
    create_order_ticket,
    eventually,
    wait_until,
)

MAX_ATTEMPTS = len(RETRY_DELAYS) + 1


async def subscribe(api: httpx.AsyncClient, url: str, **fields: Any) -> dict[str, Any]:
    response = await api.post(
        "/v1/webhooks", json={"url": url, "event": "ticket.updated", **fields}
    )
    assert response.status_code == 201, response.text
    webhook: dict[str, Any] = response.json()["data"]
    return webhook


async def is_disabled(api: httpx.AsyncClient, webhook_id: str) -> bool:
    return not (await api.get(f"/v1/webhooks/{webhook_id}")).json()["data"]["active"]


async def deliveries(controls: httpx.AsyncClient, **filters: str) -> list[dict[str, Any]]:
    attempts: list[dict[str, Any]] = (
        await controls.get("/_sandbox/deliveries", params=filters)
    ).json()["data"]
    return attempts


async def test_webhooks_are_created_listed_changed_and_deleted(
    api: httpx.AsyncClient, receiver: Receiver
) -> None:
    webhook = await subscribe(api, receiver.url(), headers={"X-Env": "test"})

    listed = (await api.get("/v1/webhooks")).json()
    patched = await api.patch(f"/v1/webhooks/{webhook['id']}", json={"active": False})
    deleted = await api.delete(f"/v1/webhooks/{webhook['id']}")

    assert [item["id"] for item in listed["data"]] == [webhook["id"]]
    assert listed["meta"]["total"] == 1
    assert webhook["active"] is True
    assert webhook["headers"] == {"X-Env": "test"}
    assert patched.json()["data"]["active"] is False
    assert deleted.status_code == 204
    assert (await api.patch(f"/v1/webhooks/{webhook['id']}", json={})).status_code == 404


async def test_a_webhook_for_an_unknown_event_is_refused(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/v1/webhooks", json={"url": "http://127.0.0.1/x", "event": "order.paid"}
    )

    assert response.status_code == 422
    assert "event" in response.json()["errors"]


async def test_ticket_created_is_delivered_in_the_seeds_shape(
    api: httpx.AsyncClient, receiver: Receiver
) -> None:
    await subscribe(api, receiver.url(), event="ticket.created")

    ticket = await create_order_ticket(api)

    await wait_until(lambda: len(receiver.received()) == 1, message="ticket.created")
    event = receiver.received()[0].json
    assert event["event"] == "ticket.created"
    assert event["data"]["id"] == ticket["id"]
    assert event["data"]["data"] == ticket
    assert event["data"]["wasRecentlyCreated"] is True
    assert event["data"]["changes"] == {}


async def test_put_fires_ticket_updated_with_the_changes(
    api: httpx.AsyncClient, receiver: Receiver
) -> None:
    await subscribe(api, receiver.url())
    ticket = await create_order_ticket(api)

    updated = (
        await api.put(f"/v1/tickets/{ticket['id']}", json={"ticket_status_id": STATUS_CONFIRMED})
    ).json()["data"]

    await wait_until(lambda: len(receiver.received()) == 1, message="ticket.updated")
    event = receiver.received()[0].json
    assert event["event"] == "ticket.updated"
    assert event["data"]["data"] == updated
    assert event["data"]["wasRecentlyCreated"] is False
    assert event["data"]["changes"] == {
        "ticket_status_id": STATUS_CONFIRMED,
        "date_status": updated["date_status"],
        "updated_at": updated["updated_at"],
    }


async def test_put_without_a_change_fires_nothing(
    api: httpx.AsyncClient, receiver: Receiver
) -> None:
    await subscribe(api, receiver.url())
    ticket = await create_order_ticket(api)

    await api.put(f"/v1/tickets/{ticket['id']}", json={"ticket_status_id": STATUS_NEW})
    await api.put(f"/v1/tickets/{ticket['id']}", json={"note": "x"})

    await wait_until(lambda: len(receiver.received()) == 1, message="the note's event")
    assert receiver.received()[0].json["data"]["changes"].keys() == {"note", "updated_at"}


async def test_several_webhooks_may_listen_to_the_same_event(
    api: httpx.AsyncClient, receiver: Receiver
) -> None:
    await subscribe(api, receiver.url("/one"))
    await subscribe(api, receiver.url("/two"))
    await subscribe(api, receiver.url("/created"), event="ticket.created")
    ticket = await create_order_ticket(api)

    await api.put(f"/v1/tickets/{ticket['id']}", json={"ticket_status_id": STATUS_CONFIRMED})

    await wait_until(lambda: len(receiver.received()) == 3, message="three deliveries")
    events = {call.path: call.json["event"] for call in receiver.received()}
    assert events == {
        "/one": "ticket.updated",
        "/two": "ticket.updated",
        "/created": "ticket.created",
    }


async def test_an_inactive_webhook_receives_nothing(
    api: httpx.AsyncClient, receiver: Receiver
) -> None:
    await subscribe(api, receiver.url("/off"), event="ticket.created", active=False)
    await subscribe(api, receiver.url("/on"), event="ticket.created")

    await create_order_ticket(api)

    await wait_until(lambda: len(receiver.received("/on")) == 1, message="the active one")
    assert receiver.received("/off") == []


async def deliver_one(api: httpx.AsyncClient, receiver: Receiver, **fields: Any) -> dict[str, str]:
    await subscribe(api, receiver.url(), event="ticket.created", **fields)
    await create_order_ticket(api)
    await wait_until(lambda: len(receiver.received()) == 1, message="a delivery")
    return receiver.received()[0].headers


async def test_basic_auth_is_sent(api: httpx.AsyncClient, receiver: Receiver) -> None:
    headers = await deliver_one(
        api, receiver, auth={"type": "basic", "username": "commercy", "password": "s3cr:et"}
    )

    assert headers["authorization"] == "Basic " + base64.b64encode(b"commercy:s3cr:et").decode()


async def test_bearer_auth_is_sent(api: httpx.AsyncClient, receiver: Receiver) -> None:
    headers = await deliver_one(api, receiver, auth={"type": "bearer", "token": "tok-123"})

    assert headers["authorization"] == "Bearer tok-123"


async def test_custom_header_auth_and_extra_headers_are_sent(
    api: httpx.AsyncClient, receiver: Receiver
) -> None:
    headers = await deliver_one(
        api,
        receiver,
        auth={"type": "header", "name": "X-Webhook-Secret", "value": "v4lue"},
        headers={"X-Tenant": "reseller-1"},
    )

    assert headers["x-webhook-secret"] == "v4lue"
    assert headers["x-tenant"] == "reseller-1"
    assert headers["content-type"] == "application/json"
    assert "authorization" not in headers


async def test_a_failing_receiver_is_retried_after_each_delay_then_the_webhook_is_disabled(
    api: httpx.AsyncClient, controls: httpx.AsyncClient, receiver: Receiver
) -> None:
    receiver.status_code = 500
    webhook = await subscribe(api, receiver.url(), event="ticket.created")
    ticket = await create_order_ticket(api)

    await eventually(lambda: is_disabled(api, webhook["id"]), message="the webhook disabled")
    attempts = (await deliveries(controls, webhook_id=webhook["id"]))[::-1]

    assert [a["attempt"] for a in attempts] == list(range(1, MAX_ATTEMPTS + 1))
    times = [call.at for call in receiver.received()]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert all(gap >= delay - 0.01 for gap, delay in zip(gaps, RETRY_DELAYS, strict=True))
    assert {(a["status_code"], a["succeeded"], a["event"], a["ticket_id"]) for a in attempts} == {
        (500, False, "ticket.created", ticket["id"])
    }
    assert len({a["delivery_id"] for a in attempts}) == 1
    assert all(a["duration_ms"] >= 0 and a["created_at"] for a in attempts)
    assert len(receiver.received()) == MAX_ATTEMPTS
    assert (await api.get(f"/v1/webhooks/{webhook['id']}")).json()["data"]["disabled_reason"]


async def test_a_receiver_that_recovers_stops_the_retries(
    api: httpx.AsyncClient, controls: httpx.AsyncClient, receiver: Receiver
) -> None:
    receiver.status_code, receiver.recovers_after = 503, 1
    webhook = await subscribe(api, receiver.url(), event="ticket.created")

    await create_order_ticket(api)

    await wait_until(lambda: len(receiver.received()) == 2, message="the retry")
    attempts = await deliveries(controls, webhook_id=webhook["id"])
    assert [(a["attempt"], a["status_code"]) for a in attempts] == [(2, 200), (1, 503)]
    assert (await api.get(f"/v1/webhooks/{webhook['id']}")).json()["data"]["active"] is True


async def test_only_200_counts_as_delivered(
    api: httpx.AsyncClient, controls: httpx.AsyncClient, receiver: Receiver
) -> None:
    receiver.status_code = 204
    webhook = await subscribe(api, receiver.url(), event="ticket.created")
    await create_order_ticket(api)

    await wait_until(lambda: len(receiver.received()) == MAX_ATTEMPTS, message="every attempt")
    attempts = await deliveries(controls, webhook_id=webhook["id"])
    assert {a["status_code"] for a in attempts} == {204}


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


async def test_connection_errors_are_recorded_and_retried(
    api: httpx.AsyncClient, controls: httpx.AsyncClient
) -> None:
    webhook = await subscribe(api, closed_port_url(), event="ticket.created")
    await create_order_ticket(api)

    await eventually(lambda: is_disabled(api, webhook["id"]), message="the webhook disabled")
    attempts = await deliveries(controls, webhook_id=webhook["id"])
    assert len(attempts) == MAX_ATTEMPTS
    assert all(a["status_code"] is None and "ConnectError" in a["error"] for a in attempts)


async def test_a_receiver_slower_than_the_timeout_is_a_failed_attempt(
    api: httpx.AsyncClient, controls: httpx.AsyncClient, receiver: Receiver
) -> None:
    receiver.delay_seconds = 0.8
    webhook = await subscribe(api, receiver.url(), event="ticket.created")
    await create_order_ticket(api)

    await wait_until(lambda: len(receiver.received()) == 1, message="the first attempt")
    await wait_until(lambda: len(receiver.received()) == 2, message="the retry")
    attempts = await deliveries(controls, webhook_id=webhook["id"])
    assert attempts[-1]["status_code"] is None
    assert "Timeout" in attempts[-1]["error"]


async def test_reactivating_a_disabled_webhook_delivers_again(
    api: httpx.AsyncClient, receiver: Receiver
) -> None:
    receiver.status_code = 500
    webhook = await subscribe(api, receiver.url(), event="ticket.created")
    await create_order_ticket(api, external_id="ORD-1")
    await wait_until(lambda: len(receiver.received()) == MAX_ATTEMPTS, message="every attempt")

    await eventually(lambda: is_disabled(api, webhook["id"]), message="the webhook disabled")
    receiver.status_code = 200
    patched = (await api.patch(f"/v1/webhooks/{webhook['id']}", json={"active": True})).json()
    await create_order_ticket(api, external_id="ORD-2")

    await wait_until(lambda: len(receiver.received()) == MAX_ATTEMPTS + 1, message="redelivery")
    assert patched["data"]["disabled_reason"] is None


async def test_reset_stops_pending_retries(
    api: httpx.AsyncClient, controls: httpx.AsyncClient, receiver: Receiver
) -> None:
    receiver.status_code = 500
    await subscribe(api, receiver.url(), event="ticket.created")
    await create_order_ticket(api)
    await wait_until(lambda: len(receiver.received()) == 1, message="the first attempt")

    await controls.post("/_sandbox/reset")
    # A retry may have slipped in before the reset; none may come after it.
    calls_at_reset = len(receiver.received())
    await asyncio.sleep(sum(RETRY_DELAYS) + 0.2)

    assert calls_at_reset < MAX_ATTEMPTS
    assert len(receiver.received()) == calls_at_reset
    assert await deliveries(controls) == []
