from __future__ import annotations

import re
import uuid

import asyncpg
import httpx
import pytest

from commercy import __version__
from commercy.core.settings import Settings
from commercy.main import create_app
from tests.conftest import postgres_admin_url


async def test_status_reports_up_version_and_reachable_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/status")

    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert body["data"]["status"] == "up"
    assert body["data"]["version"] == __version__
    assert body["data"]["database"]["reachable"] is True
    assert body["data"]["uptimeSeconds"] >= 0
    assert body["timestamp"].endswith("Z")


async def test_status_answers_503_in_error_format_when_database_unreachable(
    tmp_path: object,
) -> None:
    settings = Settings(
        _env_file=None,
        database_url="postgresql+asyncpg://postgres@127.0.0.1:9/unreachable",
        jwt_secret="k" * 40,
    )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.get("/api/v1/status")

    assert response.status_code == 503
    body = response.json()
    assert body["success"] is False
    assert body["error"] == "Service unavailable"
    assert body["details"]["database"]["reachable"] is False


async def test_openapi_schema_and_docs_page_are_served(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/api/v1/openapi.json")).json()
    docs = await client.get("/api/v1/docs")

    assert "/api/v1/auth/login" in schema["paths"]
    assert "Bearer" in schema["paths"]["/api/v1/auth/login"]["post"]["description"]
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()


async def test_docs_page_needs_no_cdn(client: httpx.AsyncClient) -> None:
    """The docs open on a machine with no internet: Swagger UI's files come from the API."""
    docs = await client.get("/api/v1/docs")
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', docs.text)

    assert len(assets) == 2
    for asset in assets:
        assert asset.startswith("/api/v1/docs/static/")
        assert (await client.get(asset)).status_code == 200


async def test_every_response_carries_a_request_id(client: httpx.AsyncClient) -> None:
    minted = await client.get("/api/v1/status")
    echoed = await client.get("/api/v1/nowhere", headers={"X-Request-ID": "abc-123"})
    hostile = await client.get("/api/v1/status", headers={"X-Request-ID": "bad id\r\nx"})

    assert len(minted.headers["X-Request-ID"]) == 32
    assert echoed.headers["X-Request-ID"] == "abc-123"
    assert hostile.headers["X-Request-ID"] != "bad id\r\nx"


async def _login_through(database_url: str) -> httpx.Response:
    settings = Settings(_env_file=None, database_url=database_url, jwt_secret="k" * 40)
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        return await http.post(
            "/api/v1/auth/login", json={"identifier": "a@example.com", "password": "x" * 12}
        )


async def test_a_request_meeting_a_database_that_refuses_connections_is_asked_to_retry() -> None:
    response = await _login_through("postgresql+asyncpg://postgres@127.0.0.1:9/unreachable")

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.json()["message"] == "The database is unavailable; retry shortly"


@pytest.mark.postgres_only
async def test_a_database_out_of_connections_answers_503_not_500(database_url: str) -> None:
    role = f"full_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(postgres_admin_url())
    await admin.execute(f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT 0')
    try:
        host, name = database_url.split("@", 1)[1].split("/", 1)
        response = await _login_through(f"postgresql+asyncpg://{role}@{host}/{name}")
    finally:
        await admin.execute(f'DROP ROLE "{role}"')
        await admin.close()

    assert response.status_code == 503
    assert response.json()["details"] == {"retryAfter": 5}
