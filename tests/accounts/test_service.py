from __future__ import annotations

import httpx
import pytest

from commercy.auth.models import Role, User
from commercy.core.database import WriteSession
from tests.factories import PASSWORD, login, make_reseller, make_supplier, make_user, make_world


async def test_passwords_are_stored_as_argon2id_at_owasp_strength(
    session: WriteSession,
) -> None:
    user = await make_user(session, role=Role.ADMIN)

    assert user.password_hash.startswith("$argon2id$")
    params = dict(p.split("=") for p in user.password_hash.split("$")[3].split(","))
    assert int(params["m"]) >= 19 * 1024 and int(params["t"]) >= 2
    assert PASSWORD not in user.password_hash


async def test_admin_creates_supplier_reseller_and_their_logins(
    client: httpx.AsyncClient, session: WriteSession
) -> None:
    admin = await make_user(session, role=Role.ADMIN)
    await session.commit()
    headers = await login(client, admin)

    supplier = await client.post("/api/v1/suppliers", json={"name": "Sahel"}, headers=headers)
    reseller = await client.post(
        "/api/v1/resellers",
        json={"name": "Sousse Store", "supplierId": supplier.json()["data"]["id"]},
        headers=headers,
    )
    user = await client.post(
        "/api/v1/users",
        json={
            "identifier": "shop@sousse.tn",
            "password": "long enough password",
            "role": "reseller",
            "resellerId": reseller.json()["data"]["id"],
        },
        headers=headers,
    )

    assert supplier.status_code == reseller.status_code == user.status_code == 201
    assert reseller.json()["data"]["supplierId"] == supplier.json()["data"]["id"]
    assert user.json()["data"]["role"] == "reseller"
    assert await login(client, _as_user(user.json()["data"]), "long enough password")


def _as_user(data: dict[str, object]) -> User:
    return User(identifier=data["identifier"])


async def test_reseller_user_needs_an_existing_reseller(
    client: httpx.AsyncClient, session: WriteSession
) -> None:
    admin = await make_user(session, role=Role.ADMIN)
    await session.commit()

    response = await client.post(
        "/api/v1/users",
        json={"identifier": "x@y.tn", "password": "long enough password", "role": "reseller"},
        headers=await login(client, admin),
    )

    assert response.status_code == 400
    assert response.json()["details"]["field"] == "resellerId"


async def test_duplicate_identifier_is_409(
    client: httpx.AsyncClient, session: WriteSession
) -> None:
    admin = await make_user(session, role=Role.ADMIN, identifier="taken@example.com")
    await session.commit()

    response = await client.post(
        "/api/v1/users",
        json={
            "identifier": "TAKEN@example.com",
            "password": "long enough password",
            "role": "admin",
        },
        headers=await login(client, admin),
    )

    assert response.status_code == 409


@pytest.mark.parametrize("role", ["supplier_user", "reseller_user", "agent"])
async def test_only_admins_create_suppliers_and_resellers(
    client: httpx.AsyncClient, session: WriteSession, role: str
) -> None:
    world = await make_world(session)
    headers = await login(client, getattr(world, role))

    supplier = await client.post("/api/v1/suppliers", json={"name": "X"}, headers=headers)
    reseller = await client.post(
        "/api/v1/resellers", json={"name": "X", "supplierId": world.supplier.id}, headers=headers
    )

    assert supplier.status_code == reseller.status_code == 403


async def test_reseller_creates_agents_for_itself_and_nothing_else(
    client: httpx.AsyncClient, session: WriteSession
) -> None:
    world = await make_world(session)
    other = await make_reseller(session, supplier=world.supplier)
    await session.commit()
    headers = await login(client, world.reseller_user)
    body = {"identifier": "new-agent@medina.tn", "password": "long enough password"}

    admin = await client.post("/api/v1/users", json=body | {"role": "admin"}, headers=headers)
    elsewhere = await client.post(
        "/api/v1/users", json=body | {"role": "agent", "resellerId": other.id}, headers=headers
    )
    agent = await client.post(
        "/api/v1/users",
        json=body | {"role": "agent", "resellerId": world.reseller.id},
        headers=headers,
    )

    assert (admin.status_code, admin.json()["details"]["field"]) == (403, "role")
    assert (elsewhere.status_code, elsewhere.json()["details"]["field"]) == (403, "resellerId")
    assert agent.status_code == 201, agent.text
    assert (agent.json()["data"]["role"], agent.json()["data"]["resellerId"]) == (
        "agent",
        world.reseller.id,
    )


@pytest.mark.parametrize(
    ("role", "field"),
    [("agent", "supplierId"), ("supplier", "resellerId"), ("admin", "supplierId")],
)
async def test_a_user_gets_no_attachment_its_role_would_drop(
    client: httpx.AsyncClient, session: WriteSession, role: str, field: str
) -> None:
    world = await make_world(session)
    body = {
        "identifier": "someone@medina.tn",
        "password": "long enough password",
        "role": role,
        "supplierId": world.supplier.id,
        "resellerId": world.reseller.id,
    }

    response = await client.post(
        "/api/v1/users", json=body, headers=await login(client, world.admin)
    )

    assert response.status_code == 400, response.text
    assert response.json()["details"]["field"] == field


async def test_reseller_sees_and_manages_only_its_own_agents(
    client: httpx.AsyncClient, session: WriteSession
) -> None:
    world = await make_world(session)
    other_reseller = await make_reseller(session, supplier=world.supplier)
    foreign_agent = await make_user(session, role=Role.AGENT, reseller=other_reseller)
    await session.commit()
    headers = await login(client, world.reseller_user)

    listed = await client.get("/api/v1/users", headers=headers)
    foreign = await client.patch(
        f"/api/v1/users/{foreign_agent.id}", json={"isActive": False}, headers=headers
    )
    own = await client.patch(
        f"/api/v1/users/{world.agent.id}", json={"name": "Salma"}, headers=headers
    )

    assert [u["id"] for u in listed.json()["data"]] == [world.agent.id]
    assert listed.json()["pagination"]["total"] == 1
    assert foreign.status_code == 404
    assert own.status_code == 200 and own.json()["data"]["name"] == "Salma"


@pytest.mark.parametrize("role", ["supplier_user", "agent"])
async def test_suppliers_and_agents_manage_no_users(
    client: httpx.AsyncClient, session: WriteSession, role: str
) -> None:
    world = await make_world(session)

    response = await client.get("/api/v1/users", headers=await login(client, getattr(world, role)))

    assert response.status_code == 403


async def test_admin_cannot_disable_itself(
    client: httpx.AsyncClient, session: WriteSession
) -> None:
    admin = await make_user(session, role=Role.ADMIN)
    await session.commit()

    response = await client.patch(
        f"/api/v1/users/{admin.id}", json={"isActive": False}, headers=await login(client, admin)
    )

    assert response.status_code == 400


async def test_password_reset_takes_effect_on_next_login(
    client: httpx.AsyncClient, session: WriteSession
) -> None:
    world = await make_world(session)
    admin_headers = await login(client, world.admin)

    await client.patch(
        f"/api/v1/users/{world.agent.id}",
        json={"password": "a brand new secret"},
        headers=admin_headers,
    )

    old = await client.post(
        "/api/v1/auth/login", json={"identifier": world.agent.identifier, "password": PASSWORD}
    )
    assert old.status_code == 401
    assert await login(client, world.agent, "a brand new secret")


async def test_accounts_are_visible_only_within_scope(
    client: httpx.AsyncClient, session: WriteSession
) -> None:
    world = await make_world(session)
    other_supplier = await make_supplier(session)
    other_reseller = await make_reseller(session, supplier=other_supplier)
    await session.commit()
    supplier_headers = await login(client, world.supplier_user)
    agent_headers = await login(client, world.agent)

    assert (
        await client.get(f"/api/v1/suppliers/{world.supplier.id}", headers=agent_headers)
    ).status_code == 200
    assert (
        await client.get(f"/api/v1/suppliers/{other_supplier.id}", headers=agent_headers)
    ).status_code == 404
    assert (
        await client.get(f"/api/v1/resellers/{world.reseller.id}", headers=supplier_headers)
    ).status_code == 200
    assert (
        await client.get(f"/api/v1/resellers/{other_reseller.id}", headers=supplier_headers)
    ).status_code == 404
    listed = await client.get("/api/v1/resellers", headers=supplier_headers)
    assert [r["id"] for r in listed.json()["data"]] == [world.reseller.id]


async def test_admins_change_a_suppliers_and_a_resellers_contact_details(
    client: httpx.AsyncClient, session: WriteSession
) -> None:
    world = await make_world(session)
    await session.commit()
    headers = await login(client, world.admin)

    supplier = await client.patch(
        f"/api/v1/suppliers/{world.supplier.id}",
        json={"name": "Sahel Dépôt", "email": "depot@sahel.tn"},
        headers=headers,
    )
    reseller = await client.patch(
        f"/api/v1/resellers/{world.reseller.id}",
        json={"phone": "+216 20 000 000", "email": None},
        headers=headers,
    )

    assert supplier.status_code == 200, supplier.text
    assert supplier.json()["data"]["name"] == "Sahel Dépôt"
    assert supplier.json()["data"]["email"] == "depot@sahel.tn"
    assert reseller.status_code == 200, reseller.text
    assert reseller.json()["data"]["phone"] == "+216 20 000 000"
    assert reseller.json()["data"]["supplierId"] == world.supplier.id


@pytest.mark.parametrize(
    "body", [{"name": None}, {"name": ""}, {"email": "nope"}, {"supplierId": 1}, {"phone": "1"}]
)
async def test_bad_supplier_and_reseller_changes_are_refused_and_change_nothing(
    client: httpx.AsyncClient, session: WriteSession, body: dict[str, object]
) -> None:
    world = await make_world(session)
    await session.commit()
    headers = await login(client, world.admin)

    for path in (
        f"/api/v1/suppliers/{world.supplier.id}",
        f"/api/v1/resellers/{world.reseller.id}",
    ):
        answer = await client.patch(path, json=body, headers=headers)
        assert answer.status_code == 400, answer.text
        assert (await client.get(path, headers=headers)).json()["data"]["name"] != ""


@pytest.mark.parametrize("who", ["supplier_user", "reseller_user", "agent"])
async def test_only_admins_change_suppliers_and_resellers(
    client: httpx.AsyncClient, session: WriteSession, who: str
) -> None:
    world = await make_world(session)
    await session.commit()
    headers = await login(client, getattr(world, who))

    for path in (
        f"/api/v1/suppliers/{world.supplier.id}",
        f"/api/v1/resellers/{world.reseller.id}",
    ):
        answer = await client.patch(path, json={"name": "Taken over"}, headers=headers)
        assert answer.status_code == 403


async def test_changing_an_unknown_supplier_is_404(
    client: httpx.AsyncClient, session: WriteSession
) -> None:
    admin = await make_user(session, role=Role.ADMIN)
    await session.commit()
    headers = await login(client, admin)

    answer = await client.patch("/api/v1/suppliers/999999", json={"name": "X"}, headers=headers)

    assert answer.status_code == 404
