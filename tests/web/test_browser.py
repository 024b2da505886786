"""The reseller's journey in headless Chromium, with axe-core checking each screen.

Screenshots of each main screen go to tmp/web-screenshots/ (not committed) for a reviewer.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from commercy.core.database import WriteSession
from commercy.core.settings import Settings
from commercy.main import create_app
from commercy.orders.models import Order
from tests.factories import PASSWORD, Shop, make_order
from tests.support.live_server import live_server

if TYPE_CHECKING:
    from playwright.async_api import Page, Response

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
AXE = ROOT / "tools" / "node" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "tmp" / "web-screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium"),
]


@pytest.fixture
def base_url(settings: Settings) -> Iterator[str]:
    with live_server(create_app(settings)) as url:
        yield url


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            yield await browser.new_page(viewport={"width": 1366, "height": 768})
        finally:
            await browser.close()


async def _accessible(page: Page, screen: str) -> None:
    """axe-core finds no serious or critical violation; a screenshot for the reviewer."""
    assert AXE.exists(), "axe-core is not installed: run scripts/ensure-node-tools.sh"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{screen}.png"), full_page=True)
    # Injected by the test through the DevTools protocol: the page's CSP does not apply to it.
    await page.evaluate(AXE.read_text())
    results: dict[str, Any] = await page.evaluate("axe.run(document)")
    blocking = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert blocking == [], blocking


_CONTROLS = (
    "[...document.querySelectorAll('a[href], button, input:not([type=hidden]), select')]"
    ".filter(e => e.offsetParent !== null || e.matches('.skip'))"
)
_INDEX_OF_FOCUSED = "[...document.querySelectorAll('*')].indexOf(document.activeElement)"


async def _tab_reaches_every_control(page: Page) -> None:
    """Tab visits every visible link, button, input and select of the page."""
    expected: list[int] = await page.evaluate(
        f"{_CONTROLS}.map(e => [...document.querySelectorAll('*')].indexOf(e))"
    )
    await page.evaluate("document.activeElement && document.activeElement.blur()")
    reached: set[int] = set()
    for _ in range(2 * len(expected)):
        await page.keyboard.press("Tab")
        reached.add(await page.evaluate(_INDEX_OF_FOCUSED))
    missing = [index for index in expected if index not in reached]
    labels = await page.evaluate(
        "(ids) => ids.map(i => document.querySelectorAll('*')[i].outerHTML.slice(0, 80))", missing
    )
    assert missing == [], f"Tab never reaches: {labels}"


@pytest.fixture
async def orders(session: WriteSession, shop: Shop) -> tuple[Order, Order]:
    pending = await make_order(
        session, world=shop.world, products=[shop.product], customerName="Amira Ben Salah"
    )
    confirmed = await make_order(
        session,
        world=shop.world,
        products=[shop.other_product],
        customerName="Karim Jaziri",
        status="confirmed",
    )
    return pending, confirmed


async def test_a_reseller_signs_in_filters_opens_an_order_changes_its_status_and_signs_out(
    base_url: str, page: Page, shop: Shop, orders: tuple[Order, Order]
) -> None:
    from playwright.async_api import expect

    pending, confirmed = orders
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    await page.goto(f"{base_url}/app/")
    await expect(page.get_by_role("heading", name="Se connecter")).to_be_visible()
    await _accessible(page, "sign-in")
    await _tab_reaches_every_control(page)
    await page.get_by_label("E-mail ou nom d'utilisateur").fill(shop.world.reseller_user.identifier)
    await page.get_by_label("Mot de passe").fill(PASSWORD)
    await page.get_by_role("button", name="Se connecter").click()

    await expect(page.get_by_role("heading", name="Commandes")).to_be_visible()
    await expect(page.locator("#results")).to_contain_text("Commandes trouvées : 2")
    await _accessible(page, "orders")
    await _tab_reaches_every_control(page)

    await page.get_by_label("Recherche").fill("Karim")  # htmx swaps the table as one types
    await expect(page.locator("#results")).to_contain_text("Commandes trouvées : 1")
    await expect(page.locator("#results")).to_contain_text(confirmed.order_number)
    await page.get_by_label("Recherche").fill("")
    await expect(page.locator("#results")).to_contain_text("Commandes trouvées : 2")

    await page.get_by_label("Statut", exact=True).select_option("pending")
    await expect(page.locator("#results")).to_contain_text("Commandes trouvées : 1")
    await expect(page.locator("#results")).not_to_contain_text(confirmed.order_number)
    assert "status=pending" in page.url

    # A refusal (400) is a message htmx shows in place of the table, not a silent no-op.
    await page.evaluate(
        "htmx.ajax('GET', '/app/orders?status=teleported', {target: '#results', swap: 'outerHTML'})"
    )
    await expect(page.locator("#results [role=alert]")).to_contain_text("status")
    await page.reload()  # the URL kept the filters

    await page.get_by_role("link", name=pending.order_number).click()
    await expect(page.get_by_test_id("order-status")).to_have_text("En attente")
    await _accessible(page, "order")
    await _tab_reaches_every_control(page)

    await page.get_by_label("Nouveau statut").select_option("confirmed")
    await page.get_by_label("Note (facultative)").fill("Confirmée au téléphone")
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_test_id("order-status")).to_have_text("Confirmée")
    await expect(page.locator(".history")).to_contain_text("Confirmée au téléphone")

    await page.get_by_role("button", name="Se déconnecter").click()
    await expect(page.get_by_role("heading", name="Se connecter")).to_be_visible()
    await page.goto(f"{base_url}/app/orders")
    await expect(page.get_by_role("heading", name="Se connecter")).to_be_visible()
    # The factories' product images are on hosts that do not resolve: only CSP counts here.
    assert [error for error in errors if "Content Security Policy" in error] == []


async def test_the_orders_table_fits_a_phone_and_weighs_little(
    base_url: str, page: Page, shop: Shop, orders: tuple[Order, Order]
) -> None:
    from playwright.async_api import expect

    await page.set_viewport_size({"width": 390, "height": 844})
    await page.goto(f"{base_url}/app/login")
    await page.get_by_label("E-mail ou nom d'utilisateur").fill(shop.world.reseller_user.identifier)
    await page.get_by_label("Mot de passe").fill(PASSWORD)
    await page.get_by_role("button", name="Se connecter").click()
    await expect(page.locator("#results")).to_contain_text("Commandes trouvées : 2")

    # A page loads no more than a few hundred kilobytes, all of it ours.
    responses: list[Response] = []
    page.on("response", lambda response: responses.append(response))
    await page.reload()
    await page.wait_for_load_state("networkidle")
    loaded = sum([len(await response.body()) for response in responses])
    assert loaded < 150_000, loaded
    assert all(response.url.startswith(base_url) for response in responses)

    # Only the table scrolls sideways, never the page.
    width: int = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    await _accessible(page, "orders-phone")


async def _sign_in(page: Page, base_url: str, identifier: str) -> None:
    await page.goto(f"{base_url}/app/login")
    await page.get_by_label("E-mail ou nom d'utilisateur").fill(identifier)
    await page.get_by_label("Mot de passe").fill(PASSWORD)
    await page.get_by_role("button", name="Se connecter").click()


async def test_a_supplier_prints_two_labels_and_ships_them_then_the_reseller_sees_the_dashboard(
    base_url: str, page: Page, session: WriteSession, shop: Shop
) -> None:
    from playwright.async_api import expect

    ready = [
        await make_order(session, world=shop.world, products=[shop.product], status="confirmed")
        for _ in range(3)
    ]
    await _sign_in(page, base_url, shop.world.supplier_user.identifier)
    await expect(page.get_by_role("heading", name="Expéditions")).to_be_visible()
    await expect(page.get_by_test_id("count")).to_contain_text("Commandes trouvées : 3")
    await _accessible(page, "shipping")
    await _tab_reaches_every_control(page)

    await page.get_by_label("Tout sélectionner").check()  # select-all.js ticks every row
    for order in ready:
        await expect(page.get_by_label(f"Sélectionner {order.order_number}")).to_be_checked()
    await page.get_by_label(f"Sélectionner {ready[2].order_number}").uncheck()

    # The labels open in a new tab: the PDF of the two ticked orders, one label each.
    async with page.context.expect_event(
        "response", lambda response: response.url.endswith("/app/shipping/labels")
    ) as answered:
        await page.get_by_role("button", name="Imprimer les étiquettes").click()
    labels = await answered.value
    assert labels.status == 200
    assert labels.headers["content-type"] == "application/pdf"
    # Chromium hands the PDF to its viewer (no body to read here): the selection it was asked
    # for is checked instead; the PDF's text is test_supplier_pages.py's.
    sent = labels.request.post_data or ""
    assert f"ids={ready[0].id}" in sent and f"ids={ready[1].id}" in sent
    assert f"ids={ready[2].id}" not in sent
    for other in page.context.pages[1:]:
        await other.close()

    await page.get_by_role("button", name="Marquer expédiée").click()
    await expect(page.get_by_test_id("outcome")).to_contain_text("Commandes mises à jour : 2")
    await expect(page.get_by_test_id("count")).to_contain_text("Commandes trouvées : 1")
    await page.get_by_role("link", name="Expédiée").click()
    await expect(page.get_by_test_id("count")).to_contain_text("Commandes trouvées : 2")

    await page.get_by_role("link", name="Stock", exact=True).click()
    await expect(page.get_by_role("heading", name="Stock")).to_be_visible()
    row = page.locator(f"#product-{shop.other_product.id}")
    await row.get_by_label(f"Nouveau stock de {shop.other_product.name}").fill("3")
    await row.get_by_role("button", name="Enregistrer").click()  # htmx swaps the row
    await expect(row).to_contain_text("Stock bas")
    await expect(row.get_by_role("status")).to_have_text("Enregistré")
    await _accessible(page, "stock")
    await _tab_reaches_every_control(page)

    await page.get_by_role("button", name="Se déconnecter").click()
    await _sign_in(page, base_url, shop.world.reseller_user.identifier)
    await page.get_by_role("link", name="Tableau de bord").click()
    await expect(page.get_by_test_id("total-orders")).to_have_text("3")
    await _accessible(page, "dashboard")
    await _tab_reaches_every_control(page)


WEBHOOK_TOKEN = "digishare-calls-us-with-this"
DIGISHARE_CONFIRMED = "yqdwrbka7kz69v8e"


def _connect_digishare(base_url: str, shop: Shop) -> int:
    """The reseller's Digishare settings, so the webhook of a confirmed ticket is accepted."""
    import httpx

    answer = httpx.put(
        f"{base_url}/api/v1/integrations/digishare",
        json={
            "baseUrl": "http://127.0.0.1:9",
            "token": "sandbox-test-token-0123456789",
            "statusMap": {DIGISHARE_CONFIRMED: "confirmed"},
            "webhookAuth": {"type": "bearer", "token": WEBHOOK_TOKEN},
        },
        headers=shop.reseller,
    )
    assert answer.status_code == 200, answer.text
    integration_id: int = answer.json()["data"]["id"]
    return integration_id


def _customer_confirms_on_whatsapp(base_url: str, integration_id: int, order_number: str) -> None:
    """Digishare's ``ticket.updated`` webhook: the customer answered "confirm"."""
    import httpx

    ticket = {
        "id": "t0k3nt1ck3t00001",
        "external_id": order_number,
        "ticket_status_id": DIGISHARE_CONFIRMED,
        "information": {"third": {"wa_id": "21620123456"}, "campaign_data": {}},
    }
    answer = httpx.post(
        f"{base_url}/api/v1/webhooks/digishare/{integration_id}",
        json={
            "event": "ticket.updated",
            "data": {
                "id": ticket["id"],
                "data": ticket,
                "wasRecentlyCreated": False,
                "changes": {"ticket_status_id": DIGISHARE_CONFIRMED},
            },
        },
        headers={"Authorization": f"Bearer {WEBHOOK_TOKEN}"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["outcome"] == "applied", answer.text


async def test_an_agent_confirms_from_the_queue_edits_an_address_and_sees_whatsapp_live(
    base_url: str, page: Page, session: WriteSession, shop: Shop
) -> None:
    from playwright.async_api import expect

    from tests.calls.helpers import queued

    first, second = await queued(session, shop, count=2)
    integration_id = _connect_digishare(base_url, shop)
    await page.goto(f"{base_url}/app/login")
    await page.get_by_label("E-mail ou nom d'utilisateur").fill(shop.world.agent.identifier)
    await page.get_by_label("Mot de passe").fill(PASSWORD)
    await page.get_by_role("button", name="Se connecter").click()
    await expect(page.get_by_role("heading", name="Appels")).to_be_visible()
    await _accessible(page, "calls-idle")

    await page.keyboard.press("n")
    panel = page.locator("#order-panel")
    await expect(panel).to_be_visible()
    first_number = await panel.get_attribute("data-order")
    await _accessible(page, "calls-order")
    await _tab_reaches_every_control(page)

    await page.get_by_label("Adresse").fill("12 rue de Marseille, Tunis")
    await page.get_by_role("button", name="Enregistrer les modifications").click()
    await expect(page.get_by_test_id("edit-status")).to_have_text("Modifications enregistrées.")
    await page.evaluate("document.activeElement && document.activeElement.blur()")
    await page.keyboard.press("c")  # confirmed: the next order comes up in place
    await expect(page.get_by_test_id("work-status")).to_contain_text(str(first_number))
    await expect(panel).not_to_have_attribute("data-order", str(first_number))
    second_number = await panel.get_attribute("data-order")
    assert second_number and second_number != first_number

    # The customer of the order on screen confirms on WhatsApp: the screen says so live.
    _customer_confirms_on_whatsapp(base_url, integration_id, second_number)
    await expect(page.get_by_test_id("changed")).to_contain_text(second_number, timeout=30_000)
    await expect(page.locator("#order-panel")).to_have_count(0)
    await _accessible(page, "calls-live")
    assert {first, second}  # both taken from the queue, in order


async def test_an_admin_creates_a_reseller_and_its_agent_who_then_signs_in_to_the_calls(
    base_url: str, page: Page, shop: Shop
) -> None:
    from playwright.async_api import expect

    await _sign_in(page, base_url, shop.world.admin.identifier)
    await page.get_by_role("link", name="Fournisseurs").click()
    await expect(page.locator("table")).to_contain_text(shop.world.supplier.name)
    await _accessible(page, "admin-suppliers")
    await _tab_reaches_every_control(page)
    await page.get_by_role("link", name="Revendeurs").click()
    await expect(page.get_by_role("heading", name="Revendeurs", exact=True)).to_be_visible()
    await page.get_by_label("Nom").fill("Boutique Bizerte")
    await page.get_by_label("Fournisseur").select_option(label=shop.world.supplier.name)
    await page.get_by_label("E-mail").fill("bizerte@example.com")
    await page.get_by_role("button", name="Créer le revendeur").click()
    await expect(page.get_by_test_id("outcome")).to_have_text("Créé.")
    await expect(page.locator("table")).to_contain_text("Boutique Bizerte")
    await _accessible(page, "admin-resellers")
    await _tab_reaches_every_control(page)

    await page.get_by_role("link", name="Utilisateurs").click()
    await page.get_by_label("Identifiant").fill("agent.bizerte@example.com")
    await page.get_by_label("Nom", exact=True).fill("Agent de Bizerte")
    await page.get_by_label("Mot de passe (8 caractères ou plus)").fill(PASSWORD)
    await page.locator("#field-role").select_option("agent")
    await page.get_by_label("Revendeur (revendeurs et agents)").select_option(
        label="Boutique Bizerte"
    )
    await page.get_by_role("button", name="Créer l'utilisateur").click()
    await expect(page.get_by_role("heading", name="agent.bizerte@example.com")).to_be_visible()
    await expect(page.get_by_test_id("state")).to_have_text("Actif")
    await _accessible(page, "admin-user")
    await _tab_reaches_every_control(page)
    await page.get_by_role("link", name="Tous les utilisateurs").click()
    await expect(page.locator("table")).to_contain_text("Boutique Bizerte")
    await _accessible(page, "admin-users")
    await _tab_reaches_every_control(page)

    await page.get_by_role("button", name="Se déconnecter").click()
    await _sign_in(page, base_url, "agent.bizerte@example.com")
    await expect(page.get_by_role("heading", name="Appels")).to_be_visible()
    assert page.url.endswith("/app/calls")


async def test_a_reseller_filters_exports_then_changes_and_tests_its_digishare_settings(
    base_url: str, page: Page, shop: Shop, orders: tuple[Order, Order]
) -> None:
    from playwright.async_api import expect

    pending, confirmed = orders
    await _sign_in(page, base_url, shop.world.reseller_user.identifier)
    await page.get_by_label("Statut", exact=True).select_option("confirmed")
    await expect(page.locator("#results")).to_contain_text("Commandes trouvées : 1")
    await expect(page.locator("#results")).not_to_contain_text(pending.order_number)

    async with page.expect_download() as downloading:
        await page.get_by_role("link", name="Exporter en CSV").click()
    download = await downloading.value
    saved_to = Path(await download.path())
    exported = await asyncio.to_thread(saved_to.read_text, encoding="utf-8-sig")
    assert confirmed.order_number in exported and pending.order_number not in exported
    # The download's content-type, asked of the same link with the page's own session.
    content_type: str = await page.evaluate(
        "fetch(document.querySelector('a[download]').href).then(r => r.headers.get('content-type'))"
    )
    assert content_type.startswith("text/csv")

    await page.get_by_role("link", name="Paramètres").click()
    await expect(page.get_by_role("heading", name="Intégration Digishare")).to_be_visible()
    await _accessible(page, "settings-digishare")
    await _tab_reaches_every_control(page)
    await page.get_by_label("Adresse de l'API Digishare").fill("http://127.0.0.1:9")
    await page.get_by_label("Jeton", exact=True).fill("a-token-typed-in-the-browser")
    await page.get_by_label("Jeton du webhook (bearer)").fill("a-webhook-token")
    await page.get_by_label("Id du type de ticket").fill("type-from-the-browser")
    await page.get_by_role("button", name="Enregistrer", exact=True).click()
    await expect(page.get_by_test_id("notice")).to_have_text("Paramètres enregistrés.")
    await expect(page.get_by_label("Id du type de ticket")).to_have_value("type-from-the-browser")
    assert "a-token-typed-in-the-browser" not in await page.content()

    await page.get_by_role("button", name="Tester la connexion").click()  # a closed port
    await expect(page.get_by_test_id("connection")).to_contain_text("Digishare est injoignable")
    await _accessible(page, "settings-digishare-tested")

    for tab in ("Téléphones bloqués", "Agents du centre d'appels", "Converty"):
        await page.get_by_role("link", name=tab, exact=True).click()
        await expect(page.get_by_role("link", name=tab, exact=True)).to_have_attribute(
            "aria-current", "page"
        )
        await _accessible(page, f"settings-{tab.split()[0].lower()}")
        await _tab_reaches_every_control(page)


_OVERFLOWING = """() => [...document.querySelectorAll('body *')]
    .filter(e => e.offsetParent !== null && !e.closest('.scroll'))
    .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .map(e => e.outerHTML.slice(0, 80))"""


async def _fits_the_width(page: Page, width: int) -> None:
    """No horizontal scroll of the page: only a wide table's own box (``.scroll``) may."""
    scroll_width: int = await page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, await page.evaluate(_OVERFLOWING)


async def test_the_agents_screen_fits_a_phone_with_every_outcome_button_in_reach(
    base_url: str, page: Page, session: WriteSession, shop: Shop
) -> None:
    from playwright.async_api import expect

    from tests.calls.helpers import queued

    await queued(session, shop, count=1)
    await page.set_viewport_size({"width": 390, "height": 844})
    await _sign_in(page, base_url, shop.world.agent.identifier)
    await expect(page.get_by_role("heading", name="Appels")).to_be_visible()
    await _fits_the_width(page, 390)

    await page.keyboard.press("n")
    await expect(page.locator("#order-panel")).to_be_visible()
    await _fits_the_width(page, 390)
    buttons = page.locator(".outcome-buttons button")
    assert await buttons.count() == 5
    for index in range(5):
        button = buttons.nth(index)
        await button.scroll_into_view_if_needed()
        await expect(button).to_be_in_viewport()
        box = await button.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
        assert box["height"] >= 44, box  # a finger's target
    pinned: list[float] = await page.evaluate(_PINNED_HEIGHTS)
    assert pinned and sum(pinned) < 0.2 * 844, pinned  # the order keeps the screen
    await _accessible(page, "calls-phone")
    await _every_outcome_is_reached_by_tab(page)
    # The card's last field, focused, scrolls clear of the pinned row.
    await page.locator("#call-note").focus()
    note = await page.locator("#call-note").bounding_box()
    row = await page.locator(".outcome-buttons").bounding_box()
    assert note is not None and row is not None and note["y"] + note["height"] <= row["y"]


# The heights of what stays on screen as the page scrolls (fixed or sticky) on the agent's
# screen; an element pinned inside a pinned one counts once.
_PINNED_HEIGHTS = """() => {
  const pinned = (e) => ['fixed', 'sticky'].includes(getComputedStyle(e).position);
  const outermost = (e) => {
    for (let up = e.parentElement; up; up = up.parentElement) if (pinned(up)) return false;
    return true;
  };
  return [...document.querySelectorAll('#work *')]
    .filter((e) => pinned(e) && outermost(e))
    .map((e) => e.getBoundingClientRect().height);
}"""


async def _every_outcome_is_reached_by_tab(page: Page) -> None:
    """Tabbing from the first outcome button walks through the other four."""
    from playwright.async_api import expect

    buttons = page.locator(".outcome-buttons button")
    await buttons.first.focus()
    for index in range(1, 5):
        await page.keyboard.press("Tab")
        await expect(buttons.nth(index)).to_be_focused()


@pytest.mark.parametrize(
    ("role", "paths"),
    [
        ("reseller_user", ("/app/orders", "/app/dashboard", "/app/settings/digishare")),
        ("agent", ("/app/calls",)),
        ("supplier_user", ("/app/shipping", "/app/stock")),
        ("admin", ("/app/admin/suppliers", "/app/admin/resellers", "/app/admin/users")),
    ],
)
async def test_the_main_screens_fit_a_laptop(
    base_url: str,
    page: Page,
    shop: Shop,
    orders: tuple[Order, Order],
    role: str,
    paths: tuple[str, ...],
) -> None:
    from playwright.async_api import expect

    await _sign_in(page, base_url, getattr(shop.world, role).identifier)
    await expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    for path in paths:
        await page.goto(f"{base_url}{path}")
        await _fits_the_width(page, 1366)
        screen = path.removeprefix("/app/").replace("/", "-")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SCREENSHOTS / f"laptop-{screen}.png"), full_page=True)
