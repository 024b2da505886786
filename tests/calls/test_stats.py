"""The supervisor's numbers: calls per agent and day."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from commercy.core.database import WriteSession
from commercy.core.settings import Settings
from tests.calls.helpers import claimed_call, queued
from tests.factories import Shop, make_shop


async def _stats(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> Any:
    response = await client.get("/api/v1/stats/calls", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def test_stats_count_each_agents_calls_of_the_day(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    first, second, third = await queued(session, shop, 3)
    await claimed_call(client, shop.agent, first, outcome="not_reached")
    await claimed_call(client, shop.agent, first, outcome="confirmed")
    await claimed_call(client, shop.agent, second, outcome="canceled")
    await claimed_call(client, shop.reseller, third, outcome="confirmed")

    rows = await _stats(client, shop.reseller)

    agent = next(row for row in rows if row["agentUserId"] == shop.world.agent.id)
    assert {key: agent[key] for key in ("attempts", "reached", "confirmed", "canceled")} == {
        "attempts": 3,
        "reached": 2,
        "confirmed": 1,
        "canceled": 1,
    }
    assert agent["confirmationRate"] == 0.5
    assert agent["averageAttemptsPerConfirmed"] == 2.0
    assert len(rows) == 2


async def test_giving_up_on_an_order_is_not_a_reached_call(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    first, second = await queued(session, shop, 2)
    await claimed_call(client, shop.agent, first, outcome="abandoned")
    await claimed_call(client, shop.agent, second, outcome="confirmed")

    (agent,) = await _stats(client, shop.agent)

    assert (agent["attempts"], agent["reached"], agent["confirmationRate"]) == (2, 1, 1.0)


async def test_an_agent_sees_only_its_own_numbers(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    first, second = await queued(session, shop, 2)
    await claimed_call(client, shop.agent, first, outcome="confirmed")
    await claimed_call(client, shop.reseller, second, outcome="confirmed")

    rows = await _stats(client, shop.agent)
    refused = await client.get(
        "/api/v1/stats/calls",
        params={"agentId": shop.world.reseller_user.id},
        headers=shop.agent,
    )

    assert [row["agentUserId"] for row in rows] == [shop.world.agent.id]
    assert refused.status_code == 403


async def test_stats_stay_in_the_callers_scope(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop, settings: Settings
) -> None:
    (order,) = await queued(session, shop)
    await claimed_call(client, shop.agent, order, outcome="confirmed")
    elsewhere = await make_shop(session, settings)

    assert await _stats(client, elsewhere.reseller) == []
    assert len(await _stats(client, shop.admin)) == 1
    supplier = await client.get("/api/v1/stats/calls", headers=shop.supplier)
    assert supplier.status_code == 403


async def test_a_period_ending_on_the_first_day_of_the_calendar_is_empty_not_an_error(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    response = await client.get(
        "/api/v1/stats/calls", params={"to": "0001-01-01"}, headers=shop.admin
    )

    assert response.status_code == 200, response.text
    assert response.json()["data"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-02-01", "to": "2026-01-01"}, "to"),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "to"),
        ({"from": "yesterday"}, "from"),
        ({"to": "9999-12-31"}, "to"),
    ],
    ids=["reversed", "too long", "not a date", "end of time"],
)
@pytest.mark.parametrize("report", ["calls", "orders"])
async def test_a_bad_period_answers_400_naming_the_field_in_every_report(
    client: httpx.AsyncClient, shop: Shop, params: dict[str, str], field: str, report: str
) -> None:
    response = await client.get(f"/api/v1/stats/{report}", params=params, headers=shop.admin)

    assert response.status_code == 400
    assert response.json()["details"]["field"] == field
