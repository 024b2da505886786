from __future__ import annotations

import re

import httpx

from commercy import __version__
from commercy.core.settings import Settings
from commercy.main import create_app


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
