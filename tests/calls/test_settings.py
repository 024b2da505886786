"""A reseller's own queue rules, over the installation's defaults."""

from __future__ import annotations

import httpx
import pytest

from commercy.core.database import WriteSession
from tests.calls.helpers import claimed_call, queued
from tests.factories import Shop

SETTINGS = "/api/v1/calls/settings"


async def test_a_reseller_without_settings_follows_the_defaults(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    response = await client.get(SETTINGS, headers=shop.agent)

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["retryDelaysMinutes"] == [30, 120, 1440]
    assert (data["maxUnreachedAttempts"], data["whatsappGraceMinutes"]) == (6, 15)
    assert data["overrides"] == {
        "retryDelaysMinutes": None,
        "maxUnreachedAttempts": None,
        "whatsappGraceMinutes": None,
    }


async def test_a_resellers_own_rules_drive_its_queue(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    saved = await client.put(
        SETTINGS,
        json={"retryDelaysMinutes": [10], "maxUnreachedAttempts": 1},
        headers=shop.reseller,
    )
    (order,) = await queued(session, shop)

    called = await claimed_call(client, shop.agent, order, outcome="phone_closed")

    assert saved.status_code == 200, saved.text
    assert saved.json()["data"]["retryDelaysMinutes"] == [10]
    assert saved.json()["data"]["whatsappGraceMinutes"] == 15  # not given: the default
    assert called.json()["data"]["orderStatus"] == "abandoned"


async def test_an_admin_names_the_reseller(client: httpx.AsyncClient, shop: Shop) -> None:
    missing = await client.put(SETTINGS, json={}, headers=shop.admin)
    unknown = await client.get(SETTINGS, params={"resellerId": 999_999}, headers=shop.admin)
    saved = await client.put(
        SETTINGS,
        params={"resellerId": shop.world.reseller.id},
        json={"whatsappGraceMinutes": 0},
        headers=shop.admin,
    )

    assert missing.status_code == 400
    assert missing.json()["details"]["field"] == "resellerId"
    assert unknown.status_code == 404
    assert saved.json()["data"]["whatsappGraceMinutes"] == 0


async def test_agents_and_suppliers_do_not_change_the_rules(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    for headers in (shop.agent, shop.supplier):
        response = await client.put(SETTINGS, json={"maxUnreachedAttempts": 2}, headers=headers)
        assert response.status_code == 403
    assert (await client.get(SETTINGS, headers=shop.supplier)).status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {"retryDelaysMinutes": []},
        {"retryDelaysMinutes": [-1]},
        {"retryDelaysMinutes": [99999999999999999999]},
        {"retryDelaysMinutes": [30] * 11},
        {"maxUnreachedAttempts": 0},
        {"maxUnreachedAttempts": "6"},
        {"whatsappGraceMinutes": 1.5},
        {"grace": 5},
    ],
)
async def test_bad_rules_answer_400_and_change_nothing(
    client: httpx.AsyncClient, shop: Shop, body: dict[str, object]
) -> None:
    response = await client.put(SETTINGS, json=body, headers=shop.reseller)

    assert response.status_code == 400
    current = (await client.get(SETTINGS, headers=shop.reseller)).json()["data"]
    assert current["overrides"]["maxUnreachedAttempts"] is None
