"""Faults on Digishare's paths: error rate (seeded), latency, outage, throttling, and
errors after the call took effect. The sandbox's own controls are never faulted."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.sandbox.helpers import media_body, ticket_body, tickets_with_external_id


async def set_faults(controls: httpx.AsyncClient, **faults: Any) -> dict[str, Any]:
    response = await controls.put("/_sandbox/faults", json=faults)
    assert response.status_code == 200, response.text
    config: dict[str, Any] = response.json()
    return config


async def statuses(api: httpx.AsyncClient, calls: int) -> list[int]:
    return [(await api.get("/v1/ticket-types")).status_code for _ in range(calls)]


async def test_faults_are_read_back(controls: httpx.AsyncClient) -> None:
    await set_faults(controls, error_rate=0.25, latency_ms=10, seed=3)

    config = (await controls.get("/_sandbox/faults")).json()

    assert (config["error_rate"], config["latency_ms"], config["seed"]) == (0.25, 10, 3)
    assert config["outage"] is False


async def test_an_outage_answers_503_to_every_digishare_call(
    api: httpx.AsyncClient, controls: httpx.AsyncClient
) -> None:
    await set_faults(controls, outage=True)

    response = await api.post("/v1/messagesTemplates", json=media_body())

    assert await statuses(api, 3) == [503, 503, 503]
    assert response.status_code == 503
    assert response.json() == {"message": "Service Unavailable"}
    await set_faults(controls)
    assert await statuses(api, 1) == [200]


async def test_an_outage_happens_before_the_call_takes_effect(
    api: httpx.AsyncClient, controls: httpx.AsyncClient
) -> None:
    await set_faults(controls, outage=True, fail_after_commit=True)

    await api.post("/v1/thirds", json={"wa_id": "212600000000"})

    await set_faults(controls)
    listed = await api.get("/v1/thirds", params={"wa_id": "212600000000"})
    assert listed.json()["meta"]["total"] == 0


async def test_the_sandbox_controls_and_page_are_never_faulted(
    controls: httpx.AsyncClient,
) -> None:
    await set_faults(controls, outage=True)

    for path in ("/_sandbox/messages", "/_sandbox/deliveries", "/_sandbox/faults", "/"):
        assert (await controls.get(path)).status_code == 200, path


async def test_an_error_rate_fails_that_fraction_of_calls_with_500_or_503(
    api: httpx.AsyncClient, controls: httpx.AsyncClient
) -> None:
    await set_faults(controls, error_rate=0.5, seed=42)

    codes = await statuses(api, 40)

    failures = [code for code in codes if code != 200]
    assert set(failures) <= {500, 503}
    assert 10 <= len(failures) <= 30


async def test_the_same_seed_fails_the_same_calls(
    api: httpx.AsyncClient, controls: httpx.AsyncClient
) -> None:
    await set_faults(controls, error_rate=0.5, seed=7)
    first = await statuses(api, 20)
    await set_faults(controls, error_rate=0.5, seed=7)
    second = await statuses(api, 20)

    assert first == second
    assert {200, 500} <= set(first) or {200, 503} <= set(first)


async def test_an_injected_error_by_default_happens_before_the_call_takes_effect(
    api: httpx.AsyncClient, controls: httpx.AsyncClient
) -> None:
    media_id = (await api.post("/v1/messagesTemplates", json=media_body())).json()["data"]["id"]
    await set_faults(controls, error_rate=1)

    response = await api.post("/v1/tickets", json=ticket_body(media_id, external_id="ORD-9"))

    await set_faults(controls)
    assert response.status_code in {500, 503}
    assert await tickets_with_external_id(api, "ORD-9") == []


async def test_fail_after_commit_creates_the_ticket_but_loses_the_response(
    api: httpx.AsyncClient, controls: httpx.AsyncClient
) -> None:
    media_id = (await api.post("/v1/messagesTemplates", json=media_body())).json()["data"]["id"]
    await set_faults(controls, error_rate=1, fail_after_commit=True)

    response = await api.post("/v1/tickets", json=ticket_body(media_id, external_id="ORD-9"))

    await set_faults(controls)
    assert response.status_code in {500, 503}
    assert "id" not in response.json()
    assert len(await tickets_with_external_id(api, "ORD-9")) == 1


async def test_latency_delays_digishare_calls_only(
    api: httpx.AsyncClient, controls: httpx.AsyncClient
) -> None:
    await set_faults(controls, latency_ms=300)

    started = time.perf_counter()
    response = await api.get("/v1/ticket-types")
    api_seconds = time.perf_counter() - started
    started = time.perf_counter()
    await controls.get("/_sandbox/messages")
    control_seconds = time.perf_counter() - started

    assert response.status_code == 200
    assert api_seconds >= 0.3
    assert control_seconds < 0.3


async def test_throttling_answers_429_with_retry_after(
    api: httpx.AsyncClient, controls: httpx.AsyncClient
) -> None:
    await set_faults(controls, throttle_rate=1, retry_after_seconds=7)

    response = await api.get("/v1/tickets")

    assert response.status_code == 429
    assert response.json() == {"message": "Too Many Attempts."}
    assert response.headers["retry-after"] == "7"


async def test_an_invalid_fault_setting_is_a_422(controls: httpx.AsyncClient) -> None:
    response = await controls.put("/_sandbox/faults", json={"error_rate": 2})

    assert response.status_code == 422
    assert "error_rate" in response.json()["errors"]


async def test_reset_clears_faults_and_records(
    api: httpx.AsyncClient, controls: httpx.AsyncClient
) -> None:
    await api.post("/v1/thirds", json={"wa_id": "212600000000"})
    await set_faults(controls, outage=True)

    await controls.post("/_sandbox/reset")

    assert (await controls.get("/_sandbox/faults")).json()["outage"] is False
    assert (await api.get("/v1/thirds", params={"wa_id": "212600000000"})).json()["data"] == []
