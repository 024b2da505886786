"""A reseller cannot make the server call its own machine or network (SSRF): in production,
private targets are refused when saved and again when connecting, after DNS resolution."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from commercy.core.database import Database
from commercy.core.settings import Settings
from commercy.integrations.digishare.models import DigishareIntegration
from commercy.jobs import build_worker
from commercy.main import create_app
from tests.integrations.conftest import Shop, drain, place_order
from tests.support.live_server import live_server
from tests.support.strict_digishare import StrictDigishare

PRIVATE_TARGETS = [
    "https://127.0.0.1:9000/v1",
    "https://localhost/v1",
    "https://169.254.169.254/latest/meta-data",
    "https://10.1.2.3",
    "https://192.168.1.1",
    "https://[::1]:8080",
    "https://[::ffff:127.0.0.1]",
    "https://0x7f000001",
    "https://metadata.google.internal",
]


def production(settings: Settings, **overrides: object) -> Settings:
    return settings.model_copy(
        update={
            "env": "production",
            "encryption_key": SecretStr(settings.sealing_key),
            "jwt_secret": SecretStr(settings.signing_key),
            **overrides,
        }
    )


@pytest.fixture
async def production_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(production(settings))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.fixture
def strict_url() -> Iterator[tuple[StrictDigishare, str]]:
    digishare = StrictDigishare()
    with live_server(digishare.app()) as url:
        yield digishare, url


@pytest.mark.parametrize("target", PRIVATE_TARGETS)
async def test_production_refuses_to_save_a_private_target(
    production_client: httpx.AsyncClient, shop: Shop, target: str
) -> None:
    response = await production_client.put(
        "/api/v1/integrations/digishare",
        json={"baseUrl": target, "token": "x"},
        headers=shop.reseller_headers,
    )

    assert response.status_code == 400, response.text
    assert response.json()["details"]["field"] == "baseUrl"


async def test_production_asks_for_https(production_client: httpx.AsyncClient, shop: Shop) -> None:
    response = await production_client.put(
        "/api/v1/integrations/digishare",
        json={"baseUrl": "http://api.digishare.ma/v1", "token": "x"},
        headers=shop.reseller_headers,
    )

    assert response.status_code == 400
    assert "https" in response.json()["details"]["message"]


@pytest.mark.parametrize("target", ["https://169.254.169.254", "https://[fe80::1]"])
async def test_development_refuses_cloud_metadata_too(
    client: httpx.AsyncClient, shop: Shop, target: str
) -> None:
    response = await client.put(
        "/api/v1/integrations/digishare",
        json={"baseUrl": target, "token": "x"},
        headers=shop.reseller_headers,
    )

    assert response.status_code == 400
    assert response.json()["details"]["field"] == "baseUrl"


async def test_a_private_target_saved_earlier_is_refused_when_connecting(
    client: httpx.AsyncClient,
    shop: Shop,
    session: AsyncSession,
    database: Database,
    worker_settings: Settings,
    strict_url: tuple[StrictDigishare, str],
) -> None:
    digishare, url = strict_url
    await session.execute(update(DigishareIntegration).values(base_url=url))
    await session.commit()
    order = await place_order(client, shop)
    worker = build_worker(database, production(worker_settings))

    await drain(database, worker)

    response = await client.get(f"/api/v1/orders/{order['id']}", headers=shop.reseller_headers)
    confirmation = response.json()["data"]["confirmation"]
    assert confirmation["state"] == "failed"
    assert confirmation["attempts"] == 1
    assert "refused" in confirmation["lastError"]
    assert "loopback, private or reserved" in confirmation["lastError"]
    assert digishare.calls == []


async def test_an_allowed_host_may_be_private(
    settings: Settings,
    shop: Shop,
    database: Database,
    worker_settings: Settings,
    strict_url: tuple[StrictDigishare, str],
) -> None:
    digishare, url = strict_url
    allowed = {"outbound_allowed_hosts": ["127.0.0.1"]}
    app = create_app(production(settings, **allowed))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        saved = await http.put(
            "/api/v1/integrations/digishare",
            json={"baseUrl": url, "token": digishare.personal_token},
            headers=shop.reseller_headers,
        )
        assert saved.status_code == 200, saved.text
        order = await place_order(http, shop)
    worker = build_worker(database, production(worker_settings, **allowed))

    await drain(database, worker)

    assert len(digishare.tickets_of(order["orderNumber"])) == 1


async def test_test_connection_reports_a_refused_target_without_calling_it(
    production_client: httpx.AsyncClient,
    shop: Shop,
    session: AsyncSession,
    strict_url: tuple[StrictDigishare, str],
) -> None:
    digishare, url = strict_url
    await session.execute(update(DigishareIntegration).values(base_url=url))
    await session.commit()

    response = await production_client.post(
        "/api/v1/integrations/digishare/test", headers=shop.reseller_headers
    )

    result = response.json()["data"]
    assert result["status"] == "unreachable"
    assert "refused" in result["reason"]
    assert digishare.calls == []
