"""Every error the API gives has the seed's shape: success, error, message, timestamp, details."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from commercy.core.settings import Settings
from commercy.main import create_app


def assert_error_shape(body: dict[str, object], *, error: str) -> None:
    assert body["success"] is False
    assert body["error"] == error
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["timestamp"], str) and body["timestamp"].endswith("Z")


async def test_unknown_path_is_404_in_error_format(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/does-not-exist")

    assert response.status_code == 404
    assert_error_shape(response.json(), error="Not found")


async def test_wrong_method_is_405_in_error_format(client: httpx.AsyncClient) -> None:
    response = await client.put("/api/v1/auth/login", json={})

    assert response.status_code == 405
    assert_error_shape(response.json(), error="Method not allowed")


async def test_validation_error_is_400_naming_first_field_and_listing_all(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/api/v1/auth/login", json={})

    assert response.status_code == 400
    body = response.json()
    assert_error_shape(body, error="Validation error")
    assert body["message"] == "Invalid input data"
    assert body["details"]["field"] == "identifier"
    assert body["details"]["message"] == "Field required"
    assert [e["field"] for e in body["details"]["errors"]] == ["identifier", "password"]


async def test_malformed_json_is_400_naming_the_body(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/login",
        content=b'{"identifier":',
        headers={"content-type": "application/json"},
    )

    assert response.status_code == 400
    assert response.json()["details"]["field"] == "body"


@pytest.fixture
def crashing_app(settings: Settings) -> FastAPI:
    app = create_app(settings)

    async def explode() -> None:
        raise RuntimeError("secret internal detail: password=hunter2")

    app.add_api_route("/api/v1/explode", explode)
    return app


async def test_unexpected_error_is_500_without_leaking_internals(crashing_app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=crashing_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.get("/api/v1/explode", headers={"X-Request-ID": "trace-me"})

    assert response.status_code == 500
    body = response.json()
    assert_error_shape(body, error="Internal server error")
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text
    assert body["details"]["requestId"] == "trace-me"
    assert response.headers["X-Request-ID"] == "trace-me"


async def test_unknown_query_parameter_is_400_naming_it(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/status", params={"verbose": "1"})

    assert response.status_code == 400
    body = response.json()
    assert_error_shape(body, error="Validation error")
    assert body["details"]["field"] == "verbose"
    assert body["details"]["message"] == "Unknown query parameter"
