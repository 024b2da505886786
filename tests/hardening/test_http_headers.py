"""Security headers, CORS with a cached preflight, and request body limits."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator

import httpx

from tests.hardening.conftest import AppFactory, client_for

ORIGIN = "https://shop.example"
ERROR_KEYS = {"success", "error", "message", "timestamp", "details"}


async def test_api_answers_carry_security_headers(client: httpx.AsyncClient) -> None:
    for answer in (
        await client.get("/api/v1/status"),
        await client.get("/api/v1/auth/me"),  # an error
        await client.get("/api/v1/nowhere"),  # no route
    ):
        headers = answer.headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["Cache-Control"] == "no-store"
        assert headers["Content-Security-Policy"].startswith("default-src 'none'")
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "Strict-Transport-Security" not in headers  # plain http: meaningless


async def test_hsts_is_sent_over_https_only(hardened_app: AppFactory) -> None:
    async with hardened_app() as app, client_for(app, base_url="https://api.example") as client:
        answer = await client.get("/api/v1/status")

    assert answer.headers["Strict-Transport-Security"].startswith("max-age=31536000")


async def test_the_docs_page_gets_a_policy_that_lets_swagger_load(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/api/v1/docs", headers={"Accept-Encoding": "identity"})

    assert page.status_code == 200
    policy = _directives(page.headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    for url in re.findall(r'<script src="([^"]+)"', page.text):
        assert _origin(url) in policy["script-src"], url
    for url in re.findall(r'<link[^>]+href="([^"]+)"', page.text):
        assert _origin(url) in policy["style-src"] + policy["img-src"], url
    for script in re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL):
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy["script-src"]
    assert "'self'" in policy["connect-src"]  # "Try it out" calls the API
    assert int(page.headers["Content-Length"]) == len(page.content)


async def test_cors_preflight_is_answered_and_cached(hardened_app: AppFactory) -> None:
    async with hardened_app(cors_origins=[ORIGIN]) as app, client_for(app) as client:
        answer = await client.options(
            "/api/v1/auth/login",
            headers={
                "Origin": ORIGIN,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )

    assert answer.status_code == 200
    assert answer.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert answer.headers["Access-Control-Max-Age"] == "86400"
    allowed = answer.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed
    assert "POST" in answer.headers["Access-Control-Allow-Methods"]


async def test_cors_preflight_from_another_origin_is_refused(hardened_app: AppFactory) -> None:
    async with hardened_app(cors_origins=[ORIGIN]) as app, client_for(app) as client:
        answer = await client.options(
            "/api/v1/auth/login",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )

    assert answer.status_code == 400
    assert "Access-Control-Allow-Origin" not in answer.headers
    body = answer.json()
    assert set(body) == ERROR_KEYS
    assert body["success"] is False


async def test_cors_headers_reach_refusals_too(hardened_app: AppFactory) -> None:
    async with (
        hardened_app(cors_origins=[ORIGIN], rate_limit_address="1/minute") as app,
        client_for(app) as client,
    ):
        await client.get("/api/v1/status", headers={"Origin": ORIGIN})
        refused = await client.get("/api/v1/status", headers={"Origin": ORIGIN})

    assert refused.status_code == 429
    assert refused.headers["Access-Control-Allow-Origin"] == ORIGIN
    exposed = refused.headers["Access-Control-Expose-Headers"].lower()
    assert "retry-after" in exposed and "x-ratelimit-remaining" in exposed
    assert "idempotent-replayed" in exposed  # a browser's SDK tells a replayed create


async def test_cors_origins_setting_reads_a_comma_separated_list() -> None:
    from commercy.core.settings import Settings

    settings = Settings(_env_file=None, cors_origins="https://a.example, https://b.example")

    assert settings.cors_origins == ["https://a.example", "https://b.example"]


async def test_a_declared_oversized_body_gets_413(hardened_app: AppFactory) -> None:
    async with hardened_app(max_body_bytes=1000) as app, client_for(app) as client:
        answer = await client.post(
            "/api/v1/auth/login",
            json={"identifier": "x@example.com", "password": "p" * 2000},
        )

    assert answer.status_code == 413
    body = answer.json()
    assert set(body) == ERROR_KEYS
    assert body["error"] == "Payload too large"
    assert body["details"]["maxBytes"] == 1000


async def test_a_streamed_oversized_body_gets_413(hardened_app: AppFactory) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"identifier": "x@example.com", "password": "'
        for _ in range(20):
            yield b"p" * 100
        yield b'"}'

    async with hardened_app(max_body_bytes=1000) as app, client_for(app) as client:
        answer = await client.post(
            "/api/v1/auth/login", content=chunks(), headers={"Content-Type": "application/json"}
        )

    assert answer.request.headers["Transfer-Encoding"] == "chunked"
    assert "Content-Length" not in answer.request.headers
    assert answer.status_code == 413
    assert set(answer.json()) == ERROR_KEYS


async def test_a_streamed_body_under_the_limit_reaches_the_endpoint(
    hardened_app: AppFactory,
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"identifier": "x@example.com", '
        yield b'"password": "wrong"}'

    async with hardened_app(max_body_bytes=1000) as app, client_for(app) as client:
        answer = await client.post(
            "/api/v1/auth/login", content=chunks(), headers={"Content-Type": "application/json"}
        )

    assert answer.status_code == 401


def _directives(policy: str) -> dict[str, list[str]]:
    directives = {}
    for part in policy.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def _origin(url: str) -> str:
    if url.startswith("/"):
        return "'self'"
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"
