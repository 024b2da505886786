"""The page, in headless Chromium, with the sandbox mounted under a prefix."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from fastapi import FastAPI

from commercy.sandbox import catalog, create_app
from tests.sandbox.conftest import sandbox_settings
from tests.sandbox.helpers import TOKEN, Receiver, create_order_ticket, wait_until
from tests.support.live_server import live_server

if TYPE_CHECKING:
    from playwright.async_api import Page

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


@pytest.fixture
async def api(mounted_url: str) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(base_url=mounted_url, headers=headers) as client:
        yield client


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            yield await browser.new_page()
        finally:
            await browser.close()


async def test_a_person_follows_the_printed_link_and_confirms_an_order(
    mounted_url: str, api: httpx.AsyncClient, page: Page, session_receiver: Receiver
) -> None:
    from playwright.async_api import expect

    session_receiver.reset()
    await api.post(
        "/v1/webhooks", json={"url": session_receiver.url("/page"), "event": "ticket.updated"}
    )
    ticket = await create_order_ticket(api)
    media_id = ticket["information"]["campaign_data"]["invoice_document"]["id"]

    await page.goto(f"{mounted_url}/#token={TOKEN}")

    chat = page.locator(f'[data-ticket="{ticket["id"]}"]')
    await expect(chat).to_contain_text("Merci pour votre commande n° 12345")
    assert page.url == f"{mounted_url}/"
    assert await page.evaluate("Object.values(sessionStorage)") == [TOKEN]
    await expect(page.locator("#login")).to_be_hidden()
    invoice = chat.get_by_test_id("invoice")
    await expect(invoice).to_have_attribute("href", f"_sandbox/media/{media_id}")
    await expect(chat.get_by_test_id("status")).to_have_text("Nouveau")

    await chat.locator('button[data-action="confirm"]').click()

    await expect(chat.get_by_test_id("status")).to_have_text("Commande Confirmée")
    await expect(chat.locator(".bubble.inbound")).to_contain_text("Confirmer")
    await expect(page.get_by_test_id("delivery").first).to_contain_text("ticket.updated → 200")
    stored = (await api.get(f"/v1/tickets/{ticket['id']}")).json()["data"]
    assert stored["ticket_status_id"] == catalog.STATUS_CONFIRMED
    await wait_until(lambda: len(session_receiver.received("/page")) == 1, message="webhook")
    event = session_receiver.received("/page")[0].json
    assert event["data"]["changes"]["ticket_status_id"] == catalog.STATUS_CONFIRMED


async def test_the_invoice_opens_although_a_plain_link_could_not_carry_the_token(
    mounted_url: str, api: httpx.AsyncClient, page: Page
) -> None:
    ticket = await create_order_ticket(api)
    await page.goto(f"{mounted_url}/#token={TOKEN}")
    invoice = page.locator(f'[data-ticket="{ticket["id"]}"]').get_by_test_id("invoice")

    async with page.expect_popup() as popup_info:
        await invoice.click()
    popup = await popup_info.value
    await popup.wait_for_url("blob:**")

    assert popup.url.startswith("blob:")


async def test_other_peoples_tickets_are_hidden_until_asked_for(
    mounted_url: str, api: httpx.AsyncClient, page: Page
) -> None:
    from playwright.async_api import expect

    ticket = await create_order_ticket(api)
    await page.goto(f"{mounted_url}/#token={TOKEN}")
    await expect(page.locator(f'[data-ticket="{ticket["id"]}"]')).to_be_visible()
    foreign = page.locator('[data-foreign="true"]')

    await expect(foreign).to_have_count(0)
    await expect(page.locator("#foreign-count")).to_have_text("5")
    await page.locator("#show-foreign").check()

    await expect(foreign).to_have_count(5)


async def test_without_a_token_the_page_asks_for_it(
    mounted_url: str, api: httpx.AsyncClient, page: Page
) -> None:
    from playwright.async_api import expect

    ticket = await create_order_ticket(api)
    await page.goto(f"{mounted_url}/")
    login = page.locator("#login")
    chat = page.locator(f'[data-ticket="{ticket["id"]}"]')

    await expect(login).to_be_visible()
    await expect(chat).to_have_count(0)
    await login.locator("input").fill("not-the-token")
    await login.locator("button").click()
    await expect(login).to_contain_text("refusé")
    await login.locator("input").fill(TOKEN)
    await login.locator("button").click()

    await expect(chat).to_contain_text("Merci pour votre commande")
    await expect(login).to_be_hidden()
    await page.reload()
    await expect(chat).to_contain_text("Merci pour votre commande")
