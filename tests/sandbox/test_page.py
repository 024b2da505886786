"""The page, in headless Chromium, with the sandbox mounted under a prefix."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from commercy.sandbox import catalog, create_app
from tests.sandbox.conftest import sandbox_settings
from tests.sandbox.helpers import TOKEN, Receiver, create_order_ticket, wait_until
from tests.support.live_server import live_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PREFIX = "/sandbox/digishare"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium"),
]


@pytest.fixture
def mounted_url() -> Iterator[str]:
    host = FastAPI()
    host.mount(PREFIX, create_app(sandbox_settings()))
    with live_server(host) as url:
        yield f"{url}{PREFIX}"


async def test_a_person_confirms_an_order_on_the_page(
    mounted_url: str, session_receiver: Receiver
) -> None:
    from playwright.async_api import async_playwright, expect

    session_receiver.reset()
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(base_url=mounted_url, headers=headers) as api:
        await api.post(
            "/v1/webhooks", json={"url": session_receiver.url("/page"), "event": "ticket.updated"}
        )
        ticket = await create_order_ticket(api)
        media_id = ticket["information"]["campaign_data"]["invoice_document"]["id"]

        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=str(CHROMIUM),
                args=CHROMIUM_ARGS,
            )
            try:
                page = await browser.new_page()
                await page.goto(f"{mounted_url}/")
                chat = page.locator(f'[data-ticket="{ticket["id"]}"]')
                await expect(chat).to_contain_text("Merci pour votre commande n° 12345")
                invoice = chat.get_by_test_id("invoice")
                await expect(invoice).to_have_attribute("href", f"_sandbox/media/{media_id}")
                await expect(chat.get_by_test_id("status")).to_have_text("Nouveau")

                await chat.locator('button[data-action="confirm"]').click()

                await expect(chat.get_by_test_id("status")).to_have_text("Commande Confirmée")
                await expect(chat.locator(".bubble.inbound")).to_contain_text("Confirmer")
                await expect(page.get_by_test_id("delivery").first).to_contain_text(
                    "ticket.updated → 200"
                )
            finally:
                await browser.close()

        stored = (await api.get(f"/v1/tickets/{ticket['id']}")).json()["data"]

    assert stored["ticket_status_id"] == catalog.STATUS_CONFIRMED
    await wait_until(lambda: len(session_receiver.received("/page")) == 1, message="webhook")
    event = session_receiver.received("/page")[0].json
    assert event["event"] == "ticket.updated"
    assert event["data"]["changes"]["ticket_status_id"] == catalog.STATUS_CONFIRMED
