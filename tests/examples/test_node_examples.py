"""The Node example (examples/node) and the checkout page (examples/checkout) against a live
server: the program exits 0 naming the order it made; in headless Chromium the page makes an
order, and shows the API's field error for a bad phone."""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from commercy.core.database import WriteSession
from commercy.core.settings import Settings
from commercy.main import create_app
from commercy_client import Commercy
from tests.factories import PASSWORD, World, make_product, make_world
from tests.hardening.processes import free_port
from tests.support.live_server import live_server

if TYPE_CHECKING:
    from playwright.async_api import Page

ROOT = Path(__file__).resolve().parents[2]
NODE_EXAMPLE = ROOT / "examples" / "node"
CHECKOUT = ROOT / "examples" / "checkout"
SDK_BUILD = ROOT / "clients" / "js" / "dist" / "index.js"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@dataclass
class Shop:
    world: World
    product_id: int

    @property
    def identifier(self) -> str:
        return self.world.reseller_user.identifier


@pytest.fixture
async def shop(session: WriteSession) -> Shop:
    world = await make_world(session)
    product = await make_product(
        session, supplier=world.supplier, name="Tapis berbère", price="120.500"
    )
    await session.commit()
    return Shop(world=world, product_id=product.id)


def _node_env(url: str, shop: Shop) -> dict[str, str]:
    return {
        **os.environ,
        "COMMERCY_BASE_URL": url,
        "COMMERCY_IDENTIFIER": shop.identifier,
        "COMMERCY_PASSWORD": PASSWORD,
        "COMMERCY_PRODUCT_ID": str(shop.product_id),
    }


def test_the_node_example_creates_an_order_once_and_pages_through_orders(
    settings: Settings, shop: Shop
) -> None:
    assert (NODE_EXAMPLE / "node_modules" / "commercy-sdk").exists() and SDK_BUILD.exists(), (
        "the SDK is not installed for the example: run scripts/ensure-node-tools.sh"
    )
    with live_server(create_app(settings)) as url:
        result = subprocess.run(
            ["node", "orders.mjs"],
            cwd=NODE_EXAMPLE,
            env=_node_env(url, shop),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        output = f"{result.stdout}\n{result.stderr}"
        assert result.returncode == 0, output
        number = re.search(r"Created order (ORD-\S+):", result.stdout)
        assert number, output
        with Commercy.login(url, shop.identifier, PASSWORD) as api:
            order = api.orders.get(number.group(1))
            total = api.orders.list().total

    assert f"{number.group(1)} (replayed: true)" in result.stdout
    assert order["total"] == 248.0  # 2 x 120.500 + 7 shipping
    assert total == 1
    assert "1 orders in your scope, 1 pending" in result.stdout


@dataclass
class Checkout:
    page_url: str
    api_url: str


@pytest.fixture
def checkout(settings: Settings, shop: Shop, tmp_path: Path) -> Iterator[Checkout]:
    """The API, allowing the page's origin by CORS, and the page served by serve.mjs on its
    own origin (another port), as a reseller's shop would be. The free port is only free when
    asked: another test process may take it first, so a page server that cannot bind is
    started again on another port."""
    for attempt in range(3):
        port = free_port()
        origin = f"http://127.0.0.1:{port}"
        allowing = settings.model_copy(update={"cors_origins": [origin]})
        with live_server(create_app(allowing)) as api_url:
            log_path = tmp_path / f"serve-{attempt}.log"
            with log_path.open("w") as log:
                server = subprocess.Popen(
                    ["node", "serve.mjs"],
                    cwd=CHECKOUT,
                    env={**_node_env(api_url, shop), "PORT": str(port)},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
                try:
                    if _answers(f"{origin}/config.js", server):
                        yield Checkout(page_url=f"{origin}/", api_url=api_url)
                        return
                finally:
                    server.terminate()
                    server.wait(timeout=10)
            if "EADDRINUSE" not in log_path.read_text():
                pytest.fail(f"serve.mjs did not answer:\n{log_path.read_text()}")
    pytest.fail("serve.mjs found no free port in three tries")


def _answers(url: str, process: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    return False


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


async def _fill(page: Page, phone: str) -> None:
    await page.fill("#customerName", "Ahmed Ben Ali")
    await page.fill("#customerPhone", phone)
    await page.fill("#customerAddress", "12 rue de Marseille")
    await page.fill("#customerCity", "Tunis")
    await page.fill("#customerGovernorate", "Tunis")
    await page.fill("#quantity", "2")
    await page.fill("#notes", "Rouge")


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")
async def test_the_checkout_page_creates_an_order_and_shows_its_number(
    checkout: Checkout, page: Page, shop: Shop
) -> None:
    from playwright.async_api import expect

    await page.goto(checkout.page_url)
    await expect(page.locator("#product-name")).to_have_text("Tapis berbère")
    await _fill(page, "+216 20 123 456")
    await page.click("#submit")

    result = page.locator("#result")
    await expect(result).to_contain_text("ORD-")
    number = re.search(r"ORD-\S+", await result.inner_text())
    assert number
    with Commercy.login(checkout.api_url, shop.identifier, PASSWORD) as api:
        order = api.orders.get(number.group(0).rstrip("."))
    assert (order["customerName"], order["source"], order["total"]) == (
        "Ahmed Ben Ali",
        "site_web",
        241.0,
    )
    assert [item["notes"] for item in order["items"]] == ["Rouge"]


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")
async def test_the_checkout_page_shows_the_field_error_of_a_bad_phone(
    checkout: Checkout, page: Page, shop: Shop
) -> None:
    from playwright.async_api import expect

    await page.goto(checkout.page_url)
    await _fill(page, "not a phone")
    await page.click("#submit")

    await expect(page.locator('[data-error-for="customerPhone"]')).not_to_be_empty()
    await expect(page.locator("#result")).to_have_class("failed")
    with Commercy.login(checkout.api_url, shop.identifier, PASSWORD) as api:
        assert api.orders.list().total == 0
