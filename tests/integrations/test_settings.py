"""A reseller's Digishare settings: write-only secrets, sealed at rest, scoped by role."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text

from commercy.core.database import WriteSession
from tests.factories import login, make_world
from tests.integrations.conftest import SANDBOX_TOKEN, WEBHOOK_TOKEN, Shop

SETTINGS = {
    "baseUrl": "https://api.digishare.ma",
    "token": "pat-very-secret-token",
    "webhookAuth": {"type": "bearer", "token": "hook-secret-value"},
}


async def test_token_and_webhook_secret_are_write_only_and_sealed_at_rest(
    client: httpx.AsyncClient, session: WriteSession
) -> None:
    world = await make_world(session)
    headers = await login(client, world.reseller_user)

    saved = await client.put("/api/v1/integrations/digishare", json=SETTINGS, headers=headers)
    read = await client.get("/api/v1/integrations/digishare", headers=headers)
    dump = (await session.execute(text("SELECT * FROM digishare_integrations"))).all()

    assert saved.status_code == 200
    for response in (saved, read):
        assert "pat-very-secret-token" not in response.text
        assert "hook-secret-value" not in response.text
        assert response.json()["data"]["tokenSet"] is True
    assert "pat-very-secret-token" not in str(dump)
    assert "hook-secret-value" not in str(dump)
    assert read.json()["data"]["webhookUrl"].endswith(
        f"/api/v1/webhooks/digishare/{read.json()['data']['id']}"
    )
    assert read.json()["data"]["statusMap"] == {"yqdwrbka7kz69v8e": "confirmed"}


async def test_first_save_needs_a_token_and_a_webhook_credential(
    client: httpx.AsyncClient, session: WriteSession
) -> None:
    world = await make_world(session)
    headers = await login(client, world.reseller_user)

    response = await client.put(
        "/api/v1/integrations/digishare", json={"baseUrl": "https://x.example"}, headers=headers
    )

    assert response.status_code == 400
    assert response.json()["details"]["field"] == "token"


async def test_status_map_accepts_only_order_statuses(
    client: httpx.AsyncClient, session: WriteSession
) -> None:
    world = await make_world(session)
    headers = await login(client, world.reseller_user)

    response = await client.put(
        "/api/v1/integrations/digishare",
        json={**SETTINGS, "statusMap": {"abc": "teleported"}},
        headers=headers,
    )

    assert response.status_code == 400
    assert response.json()["details"]["field"].startswith("statusMap")


@pytest.mark.parametrize("role", ["supplier_user", "agent"])
async def test_suppliers_and_agents_cannot_touch_digishare_settings(
    client: httpx.AsyncClient, session: WriteSession, role: str
) -> None:
    world = await make_world(session)
    headers = await login(client, getattr(world, role))

    response = await client.put("/api/v1/integrations/digishare", json=SETTINGS, headers=headers)

    assert response.status_code == 403


async def test_admin_names_the_reseller_whose_settings_it_manages(
    client: httpx.AsyncClient, session: WriteSession
) -> None:
    world = await make_world(session)
    headers = await login(client, world.admin)

    unnamed = await client.put("/api/v1/integrations/digishare", json=SETTINGS, headers=headers)
    named = await client.put(
        "/api/v1/integrations/digishare",
        params={"resellerId": world.reseller.id},
        json=SETTINGS,
        headers=headers,
    )

    assert unnamed.status_code == 400
    assert named.status_code == 200
    assert named.json()["data"]["resellerId"] == world.reseller.id


async def test_reseller_sees_only_its_own_jobs(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    other = await make_world(session)
    other_headers = await login(client, other.reseller_user)
    await client.put(
        "/api/v1/integrations/digishare",
        json={
            **SETTINGS,
            "token": SANDBOX_TOKEN,
            "webhookAuth": {"type": "bearer", "token": WEBHOOK_TOKEN},
        },
        headers=other_headers,
    )
    from tests.integrations.conftest import place_order

    await place_order(client, shop)

    own = await client.get("/api/v1/integrations/digishare/jobs", headers=shop.reseller_headers)
    foreign = await client.get("/api/v1/integrations/digishare/jobs", headers=other_headers)

    assert own.json()["pagination"]["total"] == 1
    assert foreign.json()["pagination"]["total"] == 0
