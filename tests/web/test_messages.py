"""Every refusal a page can show from a service comes in the user's language: each domain error
raised by the services the web app calls carries a code the page's catalogue says in French."""

from __future__ import annotations

import ast
from pathlib import Path

import httpx

from commercy.core import errors
from commercy.web.i18n import translations
from commercy.web.messages import BY_CODE
from tests.factories import Shop
from tests.web.conftest import sign_in

SRC = Path(__file__).resolve().parents[2] / "src" / "commercy"

# The services the web app's handlers call (directly or through these helpers).
WEB_REACHABLE = (
    "accounts/service.py",
    "auth/actor.py",
    "blocklist/service.py",
    "calls/service.py",
    "catalog/service.py",
    "converty/service.py",
    "integrations/digishare/service.py",
    "orders/edits.py",
    "orders/service.py",
    "orders/versions.py",
)
DOMAIN_ERRORS = {
    name
    for name, value in vars(errors).items()
    if isinstance(value, type) and issubclass(value, errors.CommercyError)
}
# A failed sign-in: the sign-in page says it in its own words.
SAID_BY_THE_PAGE = {"Unauthorized"}


def _raised_domain_errors() -> list[tuple[str, int, str, str | None]]:
    """(file, line, error class, code) of every ``raise <DomainError>(...)`` in those files."""
    found = []
    for path in WEB_REACHABLE:
        for node in ast.walk(ast.parse((SRC / path).read_text())):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            name = getattr(node.exc.func, "id", None)
            if name not in DOMAIN_ERRORS or name in SAID_BY_THE_PAGE:
                continue
            code = next((k.value for k in node.exc.keywords if k.arg == "code"), None)
            value = code.value if isinstance(code, ast.Constant) else None
            found.append((path, node.lineno, str(name), str(value) if value else None))
    return found


def test_every_refusal_of_the_web_apps_services_has_a_code_the_pages_say_in_french() -> None:
    french = translations("fr")
    raised = _raised_domain_errors()

    uncoded = [(path, line, name) for path, line, name, code in raised if code not in BY_CODE]
    untranslated = sorted(code for code, text in BY_CODE.items() if french.gettext(text) == text)

    assert len(raised) > 60
    assert uncoded == []
    assert untranslated == []


async def test_an_order_out_of_reach_is_refused_in_french(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    await sign_in(client, shop.world.reseller_user)

    answer = await client.get("/app/orders/ORD-0-999999")

    assert answer.status_code == 404
    assert "Cette commande n&#39;existe pas ou ne vous est pas accessible." in answer.text
    assert "not found" not in answer.text
