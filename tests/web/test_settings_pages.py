"""The reseller's settings over HTTP: Digishare (saved, tested, failed jobs retried), blocked
phones, agents and Converty mappings; each action shows in what the API then reads."""

from __future__ import annotations

import httpx
import pytest

from commercy.auth.models import Role
from commercy.blocklist.models import BlockedPhone
from commercy.core.database import WriteSession
from commercy.integrations.digishare.service import NOTIFY_ORDER
from commercy.outbox.models import JobState, OutboxJob
from commercy.web.forms import PAGE_SIZE
from tests.factories import PASSWORD, Shop, make_mapping, make_reseller, make_user
from tests.web.conftest import sign_in

CLOSED_PORT = "http://127.0.0.1:9"
DIGISHARE_FORM = {
    "baseUrl": CLOSED_PORT,
    "authMethod": "token",
    "token": "tok-very-secret-123",
    "ticketTypeId": "npvrxamq9l94y8dz",
    "initialStatusId": "x9q3wrlv0m7vzea8",
    "statusMap": "yqdwrbka7kz69v8e = confirmed",
    "webhookType": "bearer",
    "webhookToken": "hook-secret-456",
    "lang": "fr",
    "enabled": "true",
}


async def _save_digishare(client: httpx.AsyncClient, csrf: str, **changes: str) -> httpx.Response:
    return await client.post(
        "/app/settings/digishare", data={**DIGISHARE_FORM, **changes, "csrf_token": csrf}
    )


async def test_digishare_settings_saved_in_the_page_are_what_the_api_reads(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    csrf = await sign_in(client, shop.world.reseller_user)

    answer = await _save_digishare(client, csrf, ticketTypeId="type-42")

    assert answer.status_code == 303
    saved = (await client.get("/api/v1/integrations/digishare", headers=shop.reseller)).json()
    assert saved["data"]["ticketTypeId"] == "type-42"
    assert saved["data"]["tokenSet"] is True
    assert saved["data"]["webhookAuth"]["type"] == "bearer"


async def test_secrets_never_appear_in_the_settings_page(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    csrf = await sign_in(client, shop.world.reseller_user)
    await _save_digishare(client, csrf)

    page = await client.get("/app/settings/digishare")
    refused = await _save_digishare(client, csrf, baseUrl="not a url")

    for html in (page.text, refused.text):
        assert "tok-very-secret-123" not in html and "hook-secret-456" not in html
    assert "enregistré ; laissez vide pour le garder" in page.text


async def test_an_empty_secret_keeps_the_stored_one(client: httpx.AsyncClient, shop: Shop) -> None:
    csrf = await sign_in(client, shop.world.reseller_user)
    await _save_digishare(client, csrf)

    answer = await _save_digishare(client, csrf, token="", webhookToken="", lang="en")

    assert answer.status_code == 303
    saved = (await client.get("/api/v1/integrations/digishare", headers=shop.reseller)).json()
    assert saved["data"]["tokenSet"] is True and saved["data"]["lang"] == "en"


async def test_bad_digishare_input_is_a_message_next_to_its_field(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    csrf = await sign_in(client, shop.world.reseller_user)

    bad_url = await _save_digishare(client, csrf, baseUrl="ftp://nowhere")
    bad_map = await _save_digishare(client, csrf, statusMap="no equals sign")
    bad_status = await _save_digishare(client, csrf, statusMap="abc = flying")
    nul = await _save_digishare(client, csrf, ticketTypeId="a\x00b")

    for answer in (bad_url, bad_map, bad_status, nul):
        assert answer.status_code == 400, answer.text
        assert 'class="field-error"' in answer.text or 'class="alert"' in answer.text
    assert 'id="error-statusMap"' in bad_map.text
    api = await client.get("/api/v1/integrations/digishare", headers=shop.reseller)
    assert api.status_code == 404


async def test_testing_the_connection_shows_digishare_unreachable_in_place(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    csrf = await sign_in(client, shop.world.reseller_user)
    await _save_digishare(client, csrf)

    answer = await client.post("/app/settings/digishare/test", data={"csrf_token": csrf})

    assert answer.status_code == 200
    assert 'data-testid="connection"' in answer.text
    assert "Digishare est injoignable" in answer.text


async def test_testing_before_any_settings_says_so(client: httpx.AsyncClient, shop: Shop) -> None:
    csrf = await sign_in(client, shop.world.reseller_user)

    answer = await client.post("/app/settings/digishare/test", data={"csrf_token": csrf})

    assert answer.status_code == 404
    assert "pas encore d&#39;intégration Digishare" in answer.text


async def _failed_job(session: WriteSession, shop: Shop) -> OutboxJob:
    job = OutboxJob(
        kind=NOTIFY_ORDER,
        reseller_id=shop.world.reseller.id,
        state=JobState.FAILED,
        attempts=5,
        last_error="Digishare answered 500",
    )
    session.add(job)
    await session.commit()
    return job


async def test_a_failed_job_is_listed_and_retried(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    job = await _failed_job(session, shop)
    csrf = await sign_in(client, shop.world.reseller_user)

    page = await client.get("/app/settings/digishare")
    answer = await client.post(
        f"/app/settings/digishare/jobs/{job.id}/retry", data={"csrf_token": csrf}
    )

    assert f'data-testid="job-{job.id}"' in page.text and "Digishare answered 500" in page.text
    assert answer.status_code == 303
    failed = await client.get(
        "/api/v1/integrations/digishare/jobs", params={"state": "failed"}, headers=shop.reseller
    )
    assert failed.json()["data"] == []


async def test_a_phone_blocked_in_the_page_is_in_the_api_list_and_can_be_removed(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    csrf = await sign_in(client, shop.world.reseller_user)

    added = await client.post(
        "/app/settings/blocked-phones",
        data={"csrf_token": csrf, "phone": "20 555 777", "reason": "Fraude", "resellerId": "1"},
    )
    listed = (await client.get("/api/v1/blocked-phones", headers=shop.reseller)).json()["data"]
    [entry] = listed
    removed = await client.post(
        f"/app/settings/blocked-phones/{entry['id']}/delete", data={"csrf_token": csrf}
    )
    after = (await client.get("/api/v1/blocked-phones", headers=shop.reseller)).json()["data"]

    assert added.status_code == 303 and removed.status_code == 303
    assert entry["phone"] == "+21620555777" and entry["reason"] == "Fraude"
    assert after == []


async def test_a_bad_phone_is_a_message_not_an_error_page(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    csrf = await sign_in(client, shop.world.reseller_user)

    answer = await client.post(
        "/app/settings/blocked-phones",
        data={"csrf_token": csrf, "phone": "abc", "reason": "x"},
    )

    assert answer.status_code == 400
    assert 'id="error-phone"' in answer.text


async def test_an_agent_created_and_disabled_in_the_page_is_so_in_the_api(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    csrf = await sign_in(client, shop.world.reseller_user)

    created = await client.post(
        "/app/settings/agents",
        data={
            "csrf_token": csrf,
            "identifier": "nour@example.com",
            "name": "Nour",
            "password": "a-long-password-1",
        },
    )
    users = (await client.get("/api/v1/users", headers=shop.reseller)).json()["data"]
    [agent] = [user for user in users if user["identifier"] == "nour@example.com"]
    disabled = await client.post(
        f"/app/settings/agents/{agent['id']}/active", data={"csrf_token": csrf, "isActive": "false"}
    )
    users = (await client.get("/api/v1/users", headers=shop.reseller)).json()["data"]

    assert created.status_code == 303 and disabled.status_code == 303
    assert agent["role"] == "agent"
    assert next(u for u in users if u["id"] == agent["id"])["isActive"] is False


async def test_a_weak_agent_password_is_a_message_next_to_its_field(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    csrf = await sign_in(client, shop.world.reseller_user)

    answer = await client.post(
        "/app/settings/agents",
        data={"csrf_token": csrf, "identifier": "x@example.com", "password": "1"},
    )

    assert answer.status_code == 400
    assert 'id="error-password"' in answer.text


async def test_converty_mappings_are_listed_created_and_deleted(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    existing = await make_mapping(
        session, reseller=shop.world.reseller, product=shop.product, converty_id=4242
    )
    await session.commit()
    csrf = await sign_in(client, shop.world.reseller_user)

    page = await client.get("/app/settings/converty")
    deleted = await client.post(
        f"/app/settings/converty/mappings/{existing.id}/delete", data={"csrf_token": csrf}
    )
    created = await client.post(
        "/app/settings/converty/mappings",
        data={
            "csrf_token": csrf,
            "convertyProductId": "4242",
            "supplierProductId": str(shop.other_product.id),
        },
    )
    mappings = (await client.get("/api/v1/converty/product-mappings", headers=shop.reseller)).json()

    assert "Converty 4242" in page.text
    assert deleted.status_code == 303 and created.status_code == 303
    [mapping] = mappings["mappings"]
    assert mapping["supplierProduct"]["id"] == shop.other_product.id


async def test_an_unknown_converty_product_is_a_message(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    csrf = await sign_in(client, shop.world.reseller_user)

    answer = await client.post(
        "/app/settings/converty/mappings",
        data={"csrf_token": csrf, "convertyProductId": "999999", "supplierProductId": "x"},
    )

    assert answer.status_code == 400
    assert 'id="error-supplierProductId"' in answer.text


async def test_a_reseller_cannot_open_another_resellers_settings(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    other = await make_reseller(session, supplier=shop.world.supplier)
    await session.commit()
    csrf = await sign_in(client, shop.world.reseller_user)

    page = await client.get("/app/settings/digishare", params={"resellerId": other.id})
    post = await client.post(
        f"/app/settings/blocked-phones?resellerId={other.id}",
        data={"csrf_token": csrf, "phone": "20 555 777", "reason": "x"},
    )

    assert page.status_code in (403, 404)
    assert post.status_code in (403, 404)


@pytest.mark.parametrize("role", ["agent", "supplier_user"])
async def test_agents_and_suppliers_are_refused(
    client: httpx.AsyncClient, shop: Shop, role: str
) -> None:
    await sign_in(client, getattr(shop.world, role))

    for tab in ("digishare", "blocked-phones", "agents", "converty"):
        page = await client.get(f"/app/settings/{tab}")
        assert page.status_code == 403, tab
    assert 'href="/app/settings"' not in (await client.get("/app/orders")).text


async def test_an_admin_chooses_the_reseller_and_manages_its_settings(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    agent = await make_user(session, role=Role.AGENT, reseller=shop.world.reseller)
    await session.commit()
    csrf = await sign_in(client, shop.world.admin)
    reseller_id = shop.world.reseller.id

    chooser = await client.get("/app/settings/agents")
    page = await client.get("/app/settings/agents", params={"resellerId": reseller_id})
    saved = await client.post(
        f"/app/settings/digishare?resellerId={reseller_id}",
        data={**DIGISHARE_FORM, "csrf_token": csrf},
    )

    assert 'name="resellerId"' in chooser.text
    assert agent.identifier in page.text
    assert saved.status_code == 303
    api = await client.get(
        "/api/v1/integrations/digishare", params={"resellerId": reseller_id}, headers=shop.admin
    )
    assert api.json()["data"]["tokenSet"] is True


@pytest.mark.parametrize(
    "path",
    [
        "/app/settings/digishare",
        "/app/settings/digishare/test",
        "/app/settings/digishare/jobs/1/retry",
        "/app/settings/blocked-phones",
        "/app/settings/blocked-phones/1/delete",
        "/app/settings/agents",
        "/app/settings/agents/1/active",
        "/app/settings/converty/mappings",
        "/app/settings/converty/mappings/1/delete",
    ],
)
async def test_every_settings_action_needs_the_csrf_token(
    client: httpx.AsyncClient, shop: Shop, path: str
) -> None:
    await sign_in(client, shop.world.reseller_user)

    answer = await client.post(path, data={**DIGISHARE_FORM, "csrf_token": "forged"})

    assert answer.status_code == 403
    api = await client.get("/api/v1/integrations/digishare", headers=shop.reseller)
    assert api.status_code == 404


async def test_an_unknown_webhook_authentication_is_a_message(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    csrf = await sign_in(client, shop.world.reseller_user)

    answer = await _save_digishare(client, csrf, webhookType="carrier-pigeon")

    assert answer.status_code == 400
    assert 'id="error-webhookType"' in answer.text


async def test_a_disabled_agent_can_no_longer_sign_in(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    agent = shop.world.agent
    csrf = await sign_in(client, shop.world.reseller_user)

    await client.post(
        f"/app/settings/agents/{agent.id}/active", data={"csrf_token": csrf, "isActive": "false"}
    )
    login = await client.post(
        "/api/v1/auth/login", json={"identifier": agent.identifier, "password": PASSWORD}
    )

    assert login.status_code in (401, 403)


async def test_a_reseller_cannot_toggle_another_resellers_agent(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    other = await make_reseller(session, supplier=shop.world.supplier)
    foreign = await make_user(session, role=Role.AGENT, reseller=other)
    await session.commit()
    csrf = await sign_in(client, shop.world.reseller_user)

    answer = await client.post(
        f"/app/settings/agents/{foreign.id}/active", data={"csrf_token": csrf, "isActive": "false"}
    )

    assert answer.status_code == 404
    users = (await client.get("/api/v1/users", headers=shop.admin)).json()["data"]
    assert next(u for u in users if u["id"] == foreign.id)["isActive"] is True


async def test_an_admin_blocks_a_phone_and_creates_an_agent_for_the_chosen_reseller(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    csrf = await sign_in(client, shop.world.admin)
    query = f"?resellerId={shop.world.reseller.id}"

    blocked = await client.post(
        f"/app/settings/blocked-phones{query}",
        data={"csrf_token": csrf, "phone": "20 555 888", "reason": "Fraude"},
    )
    created = await client.post(
        f"/app/settings/agents{query}",
        data={"csrf_token": csrf, "identifier": "sana@example.com", "password": "a-long-pass-2"},
    )

    assert blocked.status_code == 303 and created.status_code == 303
    entries = (await client.get("/api/v1/blocked-phones", headers=shop.reseller)).json()["data"]
    assert [entry["reason"] for entry in entries] == ["Fraude"]
    users = (await client.get("/api/v1/users", headers=shop.reseller)).json()["data"]
    assert "sana@example.com" in [user["identifier"] for user in users]


async def test_blocked_phones_past_the_first_page_are_on_the_next(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    phones = [f"+2162055{n:04d}" for n in range(PAGE_SIZE + 1)]  # the first is the oldest
    session.add_all(
        BlockedPhone(
            reseller_id=shop.world.reseller.id, phone=phone, reason="Fraude", created_by="test"
        )
        for phone in phones
    )
    await session.commit()
    await sign_in(client, shop.world.reseller_user)

    first = await client.get("/app/settings/blocked-phones")
    second = await client.get("/app/settings/blocked-phones?page=2")

    assert phones[-1] in first.text and phones[0] not in first.text
    assert 'href="/app/settings/blocked-phones?page=2"' in first.text
    assert phones[0] in second.text and phones[-1] not in second.text
    assert 'href="/app/settings/blocked-phones?page=1"' in second.text


async def test_an_admin_pages_through_the_chosen_resellers_agents(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    agents = [shop.world.agent]
    for _ in range(PAGE_SIZE):
        agents.append(await make_user(session, role=Role.AGENT, reseller=shop.world.reseller))
    other = await make_reseller(session, supplier=shop.world.supplier)
    stranger = await make_user(session, role=Role.AGENT, reseller=other)
    await session.commit()
    await sign_in(client, shop.world.admin)
    base = f"/app/settings/agents?resellerId={shop.world.reseller.id}"

    first = await client.get(base)
    second = await client.get(f"{base}&page=2")

    assert f'data-testid="agent-{agents[0].id}"' in first.text
    assert f'data-testid="agent-{agents[-1].id}"' not in first.text
    assert f'data-testid="agent-{agents[-1].id}"' in second.text
    assert f'href="{base}&amp;page=2"' in first.text
    assert stranger.identifier not in first.text + second.text


async def test_failed_jobs_and_mappings_have_pages_too(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    jobs = [await _failed_job(session, shop) for _ in range(PAGE_SIZE + 1)]
    await sign_in(client, shop.world.reseller_user)

    first = await client.get("/app/settings/digishare")
    second = await client.get("/app/settings/digishare?page=2")
    mappings = await client.get("/app/settings/converty?page=2")
    bad = await client.get("/app/settings/converty?catalogPage=0")

    # Newest first: the oldest is alone on the second page.
    assert f'data-testid="job-{jobs[-1].id}"' in first.text
    assert f'data-testid="job-{jobs[0].id}"' not in first.text
    assert f'data-testid="job-{jobs[0].id}"' in second.text
    assert mappings.status_code == 200
    assert bad.status_code == 400 and "catalogPage" in bad.text
