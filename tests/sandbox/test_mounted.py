"""Mounted under a prefix, as Commercy embeds it: paths, links and faults still line up."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI

from commercy.sandbox import create_app
from tests.sandbox.conftest import sandbox_settings
from tests.sandbox.helpers import TOKEN, create_order_ticket
from tests.support.live_server import live_server

PREFIX = "/sandbox/digishare"


@pytest.fixture(scope="module")
def mounted_url() -> Iterator[str]:
    host = FastAPI()
    host.mount(PREFIX, create_app(sandbox_settings()))
    with live_server(host) as url:
        yield f"{url}{PREFIX}"


@pytest.fixture
async def mounted(mounted_url: str) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(base_url=mounted_url, headers=headers) as client:
        await client.post("/_sandbox/reset")
        yield client


async def test_the_invoice_link_carries_the_mount_prefix(
    mounted: httpx.AsyncClient, mounted_url: str
) -> None:
    ticket = await create_order_ticket(mounted)

    [message] = (await mounted.get("/_sandbox/messages")).json()["data"]

    media_id = ticket["information"]["campaign_data"]["invoice_document"]["id"]
    assert message["document"]["url"] == f"{mounted_url}/_sandbox/media/{media_id}"
    assert (await mounted.get(message["document"]["url"])).status_code == 200


async def test_faults_apply_to_the_mounted_api_and_spare_its_controls(
    mounted: httpx.AsyncClient,
) -> None:
    await mounted.put("/_sandbox/faults", json={"outage": True})

    api_status = (await mounted.get("/v1/tickets")).status_code
    control_status = (await mounted.get("/_sandbox/messages")).status_code

    await mounted.put("/_sandbox/faults", json={})
    assert (api_status, control_status) == (503, 200)


async def test_the_public_base_url_setting_makes_the_links() -> None:
    app = create_app(sandbox_settings(public_base_url="https://demo.example/sandbox/"))

    with live_server(app) as url:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with httpx.AsyncClient(base_url=url, headers=headers) as client:
            await create_order_ticket(client)
            [message] = (await client.get("/_sandbox/messages")).json()["data"]

    assert message["document"]["url"].startswith("https://demo.example/sandbox/_sandbox/media/")
