"""The admin's screens over HTTP: suppliers, resellers and users created and managed with the
accounts services, for admins only."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from commercy.accounts.models import Reseller, Supplier
from commercy.auth.models import User
from commercy.core.database import WriteSession
from commercy.web.forms import PAGE_SIZE
from tests.factories import PASSWORD, Shop
from tests.web.conftest import sign_in

NEW_PASSWORD = "another-secret-9"


def _another_browser(app: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def _count(session: WriteSession, model: type[Supplier] | type[Reseller]) -> int:
    return len((await session.scalars(select(model))).all())


async def test_admins_see_the_three_admin_screens_in_the_bar(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    await sign_in(client, shop.world.admin)

    page = await client.get("/app/orders")

    for path in ("/app/admin/suppliers", "/app/admin/resellers", "/app/admin/users"):
        assert f'href="{path}"' in page.text
    for path in ("/app/admin/suppliers", "/app/admin/resellers", "/app/admin/users"):
        assert (await client.get(path)).status_code == 200


@pytest.mark.parametrize("who", ["supplier_user", "reseller_user", "agent"])
@pytest.mark.parametrize(
    "path", ["/app/admin/suppliers", "/app/admin/resellers", "/app/admin/users"]
)
async def test_other_roles_get_403_on_the_admin_screens(
    client: httpx.AsyncClient, shop: Shop, who: str, path: str
) -> None:
    csrf = await sign_in(client, getattr(shop.world, who))

    assert (await client.get(path)).status_code == 403
    posted = await client.post(path, data={"csrf_token": csrf, "name": "Intruder"})
    assert posted.status_code == 403
    assert 'href="/app/admin/users"' not in (await client.get("/app/orders")).text


async def test_a_non_admin_cannot_disable_a_user(client: httpx.AsyncClient, shop: Shop) -> None:
    csrf = await sign_in(client, shop.world.reseller_user)

    answer = await client.post(
        f"/app/admin/users/{shop.world.agent.id}", data={"csrf_token": csrf, "action": "disable"}
    )

    assert answer.status_code == 403


async def test_the_admin_creates_a_supplier(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    csrf = await sign_in(client, shop.world.admin)

    page = await client.post(
        "/app/admin/suppliers",
        data={"csrf_token": csrf, "name": "Dépôt Sfax", "email": "sfax@example.com", "phone": ""},
        follow_redirects=True,
    )

    assert page.status_code == 200
    assert "Dépôt Sfax" in page.text and "sfax@example.com" in page.text
    assert "Créé." in page.text


async def test_creating_needs_the_csrf_token(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    await sign_in(client, shop.world.admin)
    before = await _count(session, Supplier)

    answer = await client.post("/app/admin/suppliers", data={"name": "Forged"})

    assert answer.status_code == 403
    assert await _count(session, Supplier) == before


async def test_a_bad_supplier_email_is_shown_next_to_its_field(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    csrf = await sign_in(client, shop.world.admin)
    before = await _count(session, Supplier)

    page = await client.post(
        "/app/admin/suppliers",
        data={"csrf_token": csrf, "name": "Kept", "email": "not an email"},
    )

    assert page.status_code == 400
    assert 'id="error-email"' in page.text
    assert 'value="Kept"' in page.text
    assert await _count(session, Supplier) == before


async def test_control_characters_are_refused_with_a_message(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    csrf = await sign_in(client, shop.world.admin)
    before = await _count(session, Supplier)

    page = await client.post("/app/admin/suppliers", data={"csrf_token": csrf, "name": "A\x00B"})

    assert page.status_code == 400
    assert 'id="error-name"' in page.text
    assert await _count(session, Supplier) == before


async def test_the_admin_creates_a_reseller_of_a_supplier(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    csrf = await sign_in(client, shop.world.admin)

    page = await client.post(
        "/app/admin/resellers",
        data={
            "csrf_token": csrf,
            "name": "Boutique Nabeul",
            "supplierId": str(shop.world.supplier.id),
        },
        follow_redirects=True,
    )

    assert page.status_code == 200
    row = page.text.split("Boutique Nabeul", 1)[1].split("</tr>", 1)[0]
    assert shop.world.supplier.name in row


async def test_a_reseller_needs_an_existing_supplier(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    csrf = await sign_in(client, shop.world.admin)
    before = await _count(session, Reseller)

    for supplier_id in ("", "999999", "99999999999999999999999"):
        page = await client.post(
            "/app/admin/resellers",
            data={"csrf_token": csrf, "name": "Orphan", "supplierId": supplier_id},
        )
        assert page.status_code == 400, supplier_id
        assert 'id="error-supplierId"' in page.text
    assert await _count(session, Reseller) == before


async def test_the_admin_creates_an_agent_of_a_reseller(
    client: httpx.AsyncClient, app: FastAPI, shop: Shop
) -> None:
    csrf = await sign_in(client, shop.world.admin)

    page = await client.post(
        "/app/admin/users",
        data={
            "csrf_token": csrf,
            "identifier": "new.agent@example.com",
            "name": "Nouvel agent",
            "password": PASSWORD,
            "role": "agent",
            "supplierId": str(shop.world.supplier.id),  # the form's other list, ignored for agents
            "resellerId": str(shop.world.reseller.id),
        },
        follow_redirects=True,
    )

    assert page.status_code == 200
    assert "new.agent@example.com" in page.text and "Créé." in page.text
    new_client = _another_browser(app)
    async with new_client:
        agent = User(identifier="new.agent@example.com")
        await sign_in(new_client, agent)
        assert str((await new_client.get("/app/", follow_redirects=True)).url).endswith(
            "/app/calls"
        )


async def test_an_agent_without_a_reseller_is_refused_next_to_the_field(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    csrf = await sign_in(client, shop.world.admin)

    page = await client.post(
        "/app/admin/users",
        data={
            "csrf_token": csrf,
            "identifier": "lonely@example.com",
            "password": PASSWORD,
            "role": "agent",
        },
    )

    assert page.status_code == 400
    assert 'id="error-resellerId"' in page.text
    assert (
        "lonely@example.com"
        not in (await client.get("/app/admin/users")).text.split("<table", 1)[1]
    )


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "Un utilisateur avec cet identifiant existe déjà."),
        ("en", "A user with this identifier already exists."),
    ],
)
async def test_a_taken_identifier_is_refused_in_the_users_language(
    client: httpx.AsyncClient, shop: Shop, language: str, expected: str
) -> None:
    csrf = await sign_in(client, shop.world.admin)
    await client.post(
        "/app/preferences", data={"language": language, "csrf_token": csrf, "next": "/app/orders"}
    )

    page = await client.post(
        "/app/admin/users",
        data={
            "csrf_token": csrf,
            "identifier": shop.world.agent.identifier,
            "password": PASSWORD,
            "role": "admin",
        },
    )

    assert page.status_code == 400
    assert 'data-testid="refusal"' in page.text and expected in page.text


async def test_users_are_filtered_by_role(client: httpx.AsyncClient, shop: Shop) -> None:
    await sign_in(client, shop.world.admin)

    page = await client.get("/app/admin/users?role=agent")

    table = page.text.split("<table", 1)[1]
    assert shop.world.agent.identifier in table
    assert shop.world.supplier_user.identifier not in table
    assert (await client.get("/app/admin/users?role=boss")).status_code == 400
    assert (await client.get("/app/admin/users?page=0")).status_code == 400


async def test_the_admin_renames_a_user(client: httpx.AsyncClient, shop: Shop) -> None:
    csrf = await sign_in(client, shop.world.admin)
    path = f"/app/admin/users/{shop.world.agent.id}"

    page = await client.post(
        path, data={"csrf_token": csrf, "action": "rename", "name": "Salma"}, follow_redirects=True
    )

    assert 'value="Salma"' in page.text


async def test_a_blank_name_is_refused_next_to_its_field(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    csrf = await sign_in(client, shop.world.admin)

    page = await client.post(
        f"/app/admin/users/{shop.world.agent.id}",
        data={"csrf_token": csrf, "action": "rename", "name": "  "},
    )

    assert page.status_code == 400 and 'id="error-name"' in page.text


async def test_a_reset_password_lets_the_user_in_with_the_new_one_only(
    client: httpx.AsyncClient, app: FastAPI, shop: Shop
) -> None:
    csrf = await sign_in(client, shop.world.admin)
    agent = shop.world.agent

    short = await client.post(
        f"/app/admin/users/{agent.id}",
        data={"csrf_token": csrf, "action": "password", "password": "short"},
    )
    assert short.status_code == 400 and 'id="error-password"' in short.text
    await client.post(
        f"/app/admin/users/{agent.id}",
        data={"csrf_token": csrf, "action": "password", "password": NEW_PASSWORD},
    )

    other = _another_browser(app)
    async with other:
        await sign_in(other, agent, NEW_PASSWORD)


async def test_disabling_a_user_ends_their_web_session(
    client: httpx.AsyncClient, app: FastAPI, shop: Shop
) -> None:
    agent_client = _another_browser(app)
    async with agent_client:
        await sign_in(agent_client, shop.world.agent)
        assert (await agent_client.get("/app/calls")).status_code == 200
        csrf = await sign_in(client, shop.world.admin)

        page = await client.post(
            f"/app/admin/users/{shop.world.agent.id}",
            data={"csrf_token": csrf, "action": "disable"},
            follow_redirects=True,
        )

        assert 'data-testid="state">Désactivé' in page.text
        after = await agent_client.get("/app/calls")
        assert after.status_code == 303 and "/app/login" in after.headers["location"]


async def test_a_disabled_user_is_enabled_again(client: httpx.AsyncClient, shop: Shop) -> None:
    csrf = await sign_in(client, shop.world.admin)
    path = f"/app/admin/users/{shop.world.agent.id}"
    await client.post(path, data={"csrf_token": csrf, "action": "disable"})

    page = await client.post(
        path, data={"csrf_token": csrf, "action": "enable"}, follow_redirects=True
    )

    assert 'data-testid="state">Actif' in page.text


async def test_admins_cannot_disable_themselves(client: httpx.AsyncClient, shop: Shop) -> None:
    csrf = await sign_in(client, shop.world.admin)

    page = await client.post(
        f"/app/admin/users/{shop.world.admin.id}", data={"csrf_token": csrf, "action": "disable"}
    )

    assert page.status_code == 400
    assert (await client.get("/app/admin/users")).status_code == 200


async def test_an_unknown_user_is_404(client: httpx.AsyncClient, shop: Shop) -> None:
    csrf = await sign_in(client, shop.world.admin)

    assert (await client.get("/app/admin/users/999999")).status_code == 404
    answer = await client.post(
        "/app/admin/users/999999", data={"csrf_token": csrf, "action": "disable"}
    )
    assert answer.status_code == 404


async def test_user_changes_need_the_csrf_token(client: httpx.AsyncClient, shop: Shop) -> None:
    await sign_in(client, shop.world.admin)
    victim = shop.world.agent

    answer = await client.post(f"/app/admin/users/{victim.id}", data={"action": "disable"})

    assert answer.status_code == 403
    assert 'data-testid="state">Actif' in (await client.get(f"/app/admin/users/{victim.id}")).text


async def test_a_password_reset_ends_the_users_web_session(
    client: httpx.AsyncClient, app: FastAPI, shop: Shop
) -> None:
    agent_client = _another_browser(app)
    async with agent_client:
        await sign_in(agent_client, shop.world.agent)
        csrf = await sign_in(client, shop.world.admin)

        await client.post(
            f"/app/admin/users/{shop.world.agent.id}",
            data={"csrf_token": csrf, "action": "password", "password": NEW_PASSWORD},
        )

        after = await agent_client.get("/app/calls")
        assert after.status_code == 303 and "/app/login" in after.headers["location"]


async def test_a_user_without_a_role_is_refused_next_to_the_field(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    csrf = await sign_in(client, shop.world.admin)

    page = await client.post(
        "/app/admin/users",
        data={"csrf_token": csrf, "identifier": "nobody@example.com", "password": PASSWORD},
    )

    assert page.status_code == 400 and 'id="error-role"' in page.text


async def test_the_admin_edits_a_suppliers_contact_details(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    csrf = await sign_in(client, shop.world.admin)
    path = f"/app/admin/suppliers/{shop.world.supplier.id}"

    page = await client.post(
        path,
        data={"csrf_token": csrf, "name": "Dépôt Sousse", "email": "", "phone": "+216 73 000 000"},
        follow_redirects=True,
    )

    assert page.status_code == 200 and "Modifications enregistrées." in page.text
    assert 'value="Dépôt Sousse"' in page.text and 'value="+216 73 000 000"' in page.text
    assert "Dépôt Sousse" in (await client.get("/app/admin/suppliers")).text


async def test_the_admin_edits_a_reseller_and_a_bad_email_is_shown_next_to_its_field(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    csrf = await sign_in(client, shop.world.admin)
    path = f"/app/admin/resellers/{shop.world.reseller.id}"

    refused = await client.post(
        path, data={"csrf_token": csrf, "name": "Nouveau nom", "email": "nope"}
    )
    renamed = await client.post(
        path, data={"csrf_token": csrf, "name": "Nouveau nom"}, follow_redirects=True
    )

    assert refused.status_code == 400 and 'id="error-email"' in refused.text
    assert 'value="Nouveau nom"' in renamed.text


async def test_a_supplier_name_cannot_be_emptied(client: httpx.AsyncClient, shop: Shop) -> None:
    csrf = await sign_in(client, shop.world.admin)
    path = f"/app/admin/suppliers/{shop.world.supplier.id}"

    page = await client.post(path, data={"csrf_token": csrf, "name": " "})

    assert page.status_code == 400 and 'id="error-name"' in page.text
    assert shop.world.supplier.name in (await client.get(path)).text


@pytest.mark.parametrize("kind", ["suppliers", "resellers"])
async def test_editing_a_supplier_or_reseller_is_for_admins_with_the_csrf_token(
    client: httpx.AsyncClient, shop: Shop, kind: str
) -> None:
    party = shop.world.supplier if kind == "suppliers" else shop.world.reseller
    path = f"/app/admin/{kind}/{party.id}"
    await sign_in(client, shop.world.admin)
    assert (await client.post(path, data={"name": "Forged"})).status_code == 403
    assert (await client.get(f"/app/admin/{kind}/999999")).status_code == 404
    client.cookies.clear()
    csrf = await sign_in(client, shop.world.reseller_user)

    answer = await client.post(path, data={"csrf_token": csrf, "name": "Taken over"})

    assert answer.status_code == 403
    assert (await client.get(path)).status_code == 403


async def test_the_admin_lists_are_searched_by_name_or_identifier(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    supplier = Supplier(name="Atelier Zitouna")
    session.add(supplier)
    await session.flush()
    session.add(Reseller(name="Boutique Zitouna", supplier_id=supplier.id))
    await session.commit()
    await sign_in(client, shop.world.admin)

    suppliers = await client.get("/app/admin/suppliers", params={"search": "zitou"})
    resellers = await client.get("/app/admin/resellers", params={"search": "ZITOUNA"})
    users = await client.get("/app/admin/users", params={"search": shop.world.agent.identifier})
    agents = await client.get("/app/admin/users", params={"search": "agent", "role": "admin"})

    assert "Atelier Zitouna" in suppliers.text and shop.world.supplier.name not in suppliers.text
    assert "Boutique Zitouna" in resellers.text and shop.world.reseller.name not in resellers.text
    assert f"/app/admin/users/{shop.world.agent.id}" in users.text
    assert f"/app/admin/users/{shop.world.admin.id}" not in users.text
    assert f"/app/admin/users/{shop.world.agent.id}" not in agents.text


async def test_the_admin_pager_keeps_the_search(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    session.add_all(Supplier(name=f"Atelier {n}") for n in range(PAGE_SIZE + 1))
    await session.commit()
    await sign_in(client, shop.world.admin)

    page = await client.get("/app/admin/suppliers", params={"search": "atelier"})

    assert 'href="/app/admin/suppliers?search=atelier&amp;page=2"' in page.text


async def test_a_too_long_search_is_a_message(client: httpx.AsyncClient, shop: Shop) -> None:
    await sign_in(client, shop.world.admin)

    page = await client.get("/app/admin/resellers", params={"search": "x" * 101})

    assert page.status_code == 400 and "<strong>search</strong>" in page.text
