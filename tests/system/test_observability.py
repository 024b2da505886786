"""What an operator sees: liveness and readiness probes, Prometheus metrics, and log lines
that carry the request, the caller and never a secret."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import text

from commercy.core import logs
from commercy.core.database import Database, WriteSession
from commercy.core.settings import Settings
from commercy.main import create_app
from tests.factories import PASSWORD, login, make_world


class LogCapture:
    """Every line logged meanwhile, rendered by the product's JSON formatter."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]


@pytest.fixture
def log_capture() -> Iterator[LogCapture]:
    capture = LogCapture()
    handler = logging.StreamHandler(capture.stream)
    handler.setFormatter(logs.formatter("json"))
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.INFO)
    try:
        yield capture
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


@pytest.fixture
async def app_with(settings: Settings) -> AsyncIterator[Any]:
    apps: list[FastAPI] = []

    def build(**overrides: Any) -> httpx.AsyncClient:
        app = create_app(settings.model_copy(update=overrides))
        apps.append(app)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        return httpx.AsyncClient(transport=transport, base_url="http://testserver")

    yield build
    for app in apps:
        await app.state.database.dispose()


async def test_livez_answers_without_asking_anything(client: httpx.AsyncClient) -> None:
    response = await client.get("/livez")

    assert response.status_code == 200
    assert response.json()["data"] == {"status": "alive"}


async def test_readyz_checks_the_database_and_its_migrations(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")

    assert response.status_code == 200
    checks = response.json()["data"]["checks"]
    assert checks["database"]["ok"] is True
    assert checks["redis"] == {"ok": True, "configured": False}


async def test_readyz_is_503_on_a_database_never_migrated(app_with: Any, tmp_path: Path) -> None:
    async with app_with(database_url=f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}") as http:
        response = await http.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["success"] is False
    assert "database" in body["message"]
    assert "migrations at None" in body["details"]["checks"]["database"]["reason"]


@pytest.mark.parametrize(
    ("redis_url", "ready"),
    [("redis://127.0.0.1:6379/0", True), ("redis://127.0.0.1:1/0", False)],
)
async def test_readyz_checks_redis_when_configured(
    app_with: Any, redis_url: str, ready: bool
) -> None:
    async with app_with(redis_url=redis_url, redis_timeout_seconds=0.3) as http:
        response = await http.get("/readyz")

    assert (response.status_code == 200) is ready
    if not ready:
        assert response.json()["details"]["checks"]["redis"]["reason"] == "unreachable"


async def test_metrics_count_requests_by_route_template(
    client: httpx.AsyncClient, session: WriteSession
) -> None:
    world = await make_world(session)
    headers = await login(client, world.reseller_user)
    for number in (999001, 999002):
        assert (await client.get(f"/api/v1/orders/{number}", headers=headers)).status_code == 404

    response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'route="/api/v1/orders/{reference}"' in text
    assert "orders/999001" not in text  # the path is never a label
    assert "commercy_http_request_duration_seconds_bucket" in text
    assert "commercy_outbox_jobs" in text or "commercy_outbox_oldest_pending_seconds 0.0" in text
    assert "commercy_rate_limit_refusals" in text
    assert "commercy_db_pool_checked_out" in text
    assert "commercy_digishare_webhook_events" in text


def _answered(metrics_text: str, route: str, method: str, status: int) -> float:
    """The count of answers of one route template, method and status in a /metrics page."""
    labels = f'method="{method}",route="{route}",status="{status}"'
    for line in metrics_text.splitlines():
        if line.startswith("commercy_http_requests_total{") and labels in line:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_metrics_count_each_answer_once_by_its_status(
    client: httpx.AsyncClient, session: WriteSession
) -> None:
    world = await make_world(session)
    headers = await login(client, world.reseller_user)
    route = "/api/v1/orders/{reference}"
    before = (await client.get("/metrics")).text

    for _ in range(3):
        assert (await client.get("/api/v1/orders/999001", headers=headers)).status_code == 404
    assert (await client.get("/api/v1/orders/999001")).status_code == 401

    after = (await client.get("/metrics")).text
    assert _answered(after, route, "GET", 404) - _answered(before, route, "GET", 404) == 3
    assert _answered(after, route, "GET", 401) - _answered(before, route, "GET", 401) == 1


async def test_metrics_need_their_token_when_one_is_set(app_with: Any) -> None:
    async with app_with(metrics_token=SecretStr("scrape-me-please")) as http:
        anonymous = await http.get("/metrics")
        wrong = await http.get("/metrics", headers={"Authorization": "Bearer nope"})
        right = await http.get("/metrics", headers={"Authorization": "Bearer scrape-me-please"})

    assert (anonymous.status_code, wrong.status_code, right.status_code) == (401, 401, 200)


async def test_metrics_are_off_in_production_without_a_token(
    app_with: Any, settings: Settings
) -> None:
    production = {
        "env": "production",
        "jwt_secret": SecretStr(settings.signing_key),
        "encryption_key": SecretStr(settings.sealing_key),
    }
    async with app_with(**production) as http:
        response = await http.get("/metrics")

    assert response.status_code == 404


async def test_every_line_of_a_request_carries_its_id_and_caller(
    client: httpx.AsyncClient, session: WriteSession, log_capture: LogCapture
) -> None:
    world = await make_world(session)
    headers = await login(client, world.reseller_user)

    response = await client.get("/api/v1/orders", headers=headers)

    request_id = response.headers["X-Request-ID"]
    [access] = [
        line
        for line in log_capture.lines()
        if line.get("request_id") == request_id and line["event"] == "request"
    ]
    assert access["route"] == "/api/v1/orders"
    assert access["method"] == "GET"
    assert access["status"] == 200
    assert access["duration_ms"] >= 0
    assert access["user_id"] == world.reseller_user.id
    assert access["role"] == "reseller"
    assert access["level"] == "info"
    assert access["timestamp"].endswith("Z")


async def test_a_crash_logs_its_traceback_with_the_request_id_the_client_got(
    app_with: Any, log_capture: LogCapture
) -> None:
    http = app_with()
    app: FastAPI = http._transport.app

    async def boom() -> None:
        raise RuntimeError("the disk is on fire")

    app.add_api_route("/api/v1/boom", boom)
    async with http:
        response = await http.get("/api/v1/boom")

    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    [crash] = [line for line in log_capture.lines() if "exception" in line]
    assert crash["request_id"] == request_id
    assert "the disk is on fire" in crash["exception"]
    assert "Traceback" in crash["exception"]


async def test_logs_never_hold_passwords_tokens_or_whole_phone_numbers(
    client: httpx.AsyncClient, session: WriteSession, log_capture: LogCapture
) -> None:
    world = await make_world(session)
    response = await client.post(
        "/api/v1/auth/login", json={"identifier": world.admin.identifier, "password": PASSWORD}
    )
    token = response.json()["token"]
    logging.getLogger("commercy.test").warning(
        "calling +216 20 123 456 with Bearer %s", token, extra={"password": PASSWORD}
    )

    written = json.dumps(log_capture.lines())
    assert PASSWORD not in written
    assert token not in written
    assert "20 123 456" not in written
    assert "3456" in written


@pytest.mark.postgres_only
async def test_the_metrics_count_who_waits_for_a_pooled_connection(settings: Settings) -> None:
    from prometheus_client import REGISTRY

    def waiting() -> float:
        return REGISTRY.get_sample_value("commercy_db_pool_waiting") or 0.0

    tiny = Database(settings.model_copy(update={"database_pool_size": 1}))
    try:
        async with tiny.engine.connect() as held, tiny.engine.connect() as overflow:
            await held.execute(text("SELECT 1"))
            await overflow.execute(text("SELECT 1"))
            before = waiting()
            third = asyncio.create_task(_select_one(tiny))
            await asyncio.sleep(0.3)
            during = waiting()
        await third
        after = waiting()
    finally:
        await tiny.dispose()

    assert during == before + 1
    assert after == before


async def _select_one(database: Database) -> None:
    async with database.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
