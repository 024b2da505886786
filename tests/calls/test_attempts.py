"""Call attempts: the outcome moves the order, the next call is scheduled, the claim ends."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from commercy.calls.models import CallSettings
from commercy.catalog.models import Product
from commercy.core.database import WriteSession
from tests.calls.helpers import ago, ahead, call, claim, claimed_call, next_id, order_of, queued
from tests.factories import Shop


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def test_recording_a_call_without_the_claim_answers_409(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order,) = await queued(session, shop)

    response = await call(client, shop.agent, order, outcome="confirmed")

    assert response.status_code == 409
    assert (await order_of(client, shop.agent, order))["status"] == "pending"


async def test_recording_a_call_on_another_agents_claim_answers_409(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order,) = await queued(session, shop)
    assert (await claim(client, shop.agent, order)).status_code == 200

    response = await call(client, shop.reseller, order, outcome="canceled")

    assert response.status_code == 409
    assert (await order_of(client, shop.agent, order))["callAttempts"] == 0


async def test_a_confirmed_call_confirms_the_order_through_the_lifecycle(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order,) = await queued(session, shop)

    response = await claimed_call(client, shop.agent, order, outcome="confirmed", note="OK 18h")

    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert data["orderStatus"] == "confirmed"
    assert data["nextCallAt"] is None
    assert data["attempt"]["outcome"] == "confirmed"
    assert data["attempt"]["agentUserId"] == shop.world.agent.id
    detail = await order_of(client, shop.agent, order)
    assert detail["history"][-1]["toStatus"] == "confirmed"
    assert detail["history"][-1]["note"] == "Call 1: OK 18h"
    assert detail["claimedBy"] is None
    stock = await session.scalar(
        select(Product.stock_quantity)
        .where(Product.id == shop.product.id)
        .execution_options(populate_existing=True)
    )
    assert stock == 9


async def test_a_refused_move_answers_409_and_records_nothing(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order,) = await queued(session, shop)
    assert (await claim(client, shop.agent, order)).status_code == 200
    shipped = await client.patch(
        f"/api/v1/orders/{order}/status", json={"status": "confirmed"}, headers=shop.reseller
    )
    assert shipped.status_code == 200

    response = await call(client, shop.agent, order, outcome="not_reached")

    assert response.status_code == 409
    assert response.json()["details"]["currentStatus"] == "confirmed"
    listed = await client.get(f"/api/v1/orders/{order}/calls", headers=shop.agent)
    assert listed.json()["data"] == []


async def test_a_call_on_an_order_that_left_the_queue_while_claimed_answers_409(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order,) = await queued(session, shop)
    assert (await claim(client, shop.agent, order)).status_code == 200
    canceled = await client.patch(  # the customer canceled on WhatsApp meanwhile
        f"/api/v1/orders/{order}/status", json={"status": "canceled"}, headers=shop.reseller
    )
    assert canceled.status_code == 200

    response = await call(client, shop.agent, order, outcome="canceled", note="duplicate")

    assert response.status_code == 409
    assert response.json()["details"]["currentStatus"] == "canceled"
    detail = await order_of(client, shop.agent, order)
    assert detail["callAttempts"] == 0
    assert [line["toStatus"] for line in detail["history"]] == ["pending", "canceled"]


async def test_rapported_needs_a_callback_time(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order,) = await queued(session, shop)

    response = await claimed_call(client, shop.agent, order, outcome="rapported")

    assert response.status_code == 400
    assert response.json()["details"]["field"] == "callbackAt"


@pytest.mark.parametrize(
    "callback_at",
    ["2020-01-01T10:00:00Z", "2030-01-01T10:00:00", "9999-12-31T23:59:59-12:00", "tomorrow"],
    ids=["past", "no time zone", "too far", "not a date"],
)
async def test_a_bad_callback_time_is_refused_naming_the_field(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop, callback_at: str
) -> None:
    (order,) = await queued(session, shop)

    response = await claimed_call(
        client, shop.agent, order, outcome="rapported", callbackAt=callback_at
    )

    assert response.status_code == 400
    assert response.json()["details"]["field"] == "callbackAt"
    assert (await order_of(client, shop.agent, order))["status"] == "pending"


async def test_a_callback_time_with_a_final_outcome_is_refused(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order,) = await queued(session, shop)

    response = await claimed_call(
        client, shop.agent, order, outcome="confirmed", callbackAt=ahead(hours=1).isoformat()
    )

    assert response.status_code == 400
    assert response.json()["details"]["field"] == "callbackAt"


@pytest.mark.parametrize(
    "body",
    [
        {"outcome": "shipped"},
        {"outcome": "call_me"},
        {},
        {"outcome": "canceled", "note": "dup\x00licate"},
        {"outcome": "canceled", "note": "x" * 2001},
        {"outcome": "canceled", "agent": 3},
    ],
    ids=["not an outcome", "unknown outcome", "no outcome", "NUL", "huge note", "unknown field"],
)
async def test_bad_input_answers_400_and_changes_nothing(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop, body: dict[str, object]
) -> None:
    (order,) = await queued(session, shop)

    response = await claimed_call(client, shop.agent, order, **body)

    assert response.status_code == 400
    assert response.json()["success"] is False
    detail = await order_of(client, shop.agent, order)
    assert (detail["status"], detail["callAttempts"]) == ("pending", 0)


async def test_a_rapported_call_comes_back_first_at_its_time(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    order, _ = await queued(session, shop, 2)
    callback_at = ahead(hours=3)

    response = await claimed_call(
        client, shop.agent, order, outcome="rapported", callbackAt=callback_at.isoformat()
    )

    assert response.status_code == 201
    assert abs(_at(response.json()["data"]["nextCallAt"]) - callback_at) < timedelta(seconds=1)
    assert await next_id(client, shop.agent) != order


async def test_unreached_calls_back_off_30_minutes_2_hours_then_a_day(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order,) = await queued(session, shop)
    waits = []
    for outcome in ("not_reached", "phone_closed", "not_available", "not_reached"):
        before = ago()
        response = await claimed_call(client, shop.agent, order, outcome=outcome)
        assert response.status_code == 201, response.text
        waits.append(_at(response.json()["data"]["nextCallAt"]) - before)

    rounded = [round(wait.total_seconds() / 60) for wait in waits]
    assert rounded == [30, 120, 1440, 1440]


async def test_every_call_writes_its_history_line_even_when_the_status_stays(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order,) = await queued(session, shop)
    first = await claimed_call(client, shop.agent, order, outcome="not_reached", note="rings")
    assert first.status_code == 201

    second = await claimed_call(client, shop.agent, order, outcome="not_reached", note="voicemail")

    assert second.status_code == 201
    history = (await order_of(client, shop.agent, order))["history"]
    assert [line["note"] for line in history[-2:]] == ["Call 1: rings", "Call 2: voicemail"]
    assert history[-1]["fromStatus"] == history[-1]["toStatus"] == "not_reached"


async def test_a_retry_is_not_called_before_its_time(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order,) = await queued(session, shop)
    assert (await claimed_call(client, shop.agent, order, outcome="not_reached")).status_code == 201

    assert await next_id(client, shop.agent) is None


async def test_the_sixth_unreached_call_abandons_the_order_saying_why(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order,) = await queued(session, shop)
    for _ in range(5):
        response = await claimed_call(client, shop.agent, order, outcome="not_reached")
        assert response.json()["data"]["orderStatus"] == "not_reached"

    sixth = await claimed_call(client, shop.agent, order, outcome="phone_closed")

    assert sixth.json()["data"]["orderStatus"] == "abandoned"
    assert sixth.json()["data"]["nextCallAt"] is None
    last = (await order_of(client, shop.agent, order))["history"][-1]
    assert last["toStatus"] == "abandoned"
    assert "6 calls without reaching the customer" in last["note"]


async def test_a_reseller_sets_its_own_back_off_and_give_up_count(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    session.add(
        CallSettings(
            reseller_id=shop.world.reseller.id, retry_delays_minutes=[5], max_unreached_attempts=2
        )
    )
    await session.commit()
    (order,) = await queued(session, shop)

    first = await claimed_call(client, shop.agent, order, outcome="not_reached")
    second = await claimed_call(client, shop.agent, order, outcome="not_reached")

    wait = _at(first.json()["data"]["nextCallAt"]) - ago()
    assert timedelta(minutes=4) < wait <= timedelta(minutes=5)
    assert second.json()["data"]["orderStatus"] == "abandoned"


async def test_the_calls_of_an_order_are_listed_oldest_first(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order,) = await queued(session, shop)
    await claimed_call(client, shop.agent, order, outcome="not_reached", note="Messagerie")
    await claimed_call(client, shop.reseller, order, outcome="canceled", note="duplicate")

    response = await client.get(f"/api/v1/orders/{order}/calls", headers=shop.admin)

    assert response.status_code == 200
    calls = response.json()["data"]
    assert [(c["outcome"], c["note"]) for c in calls] == [
        ("not_reached", "Messagerie"),
        ("canceled", "duplicate"),
    ]
    assert calls[1]["agent"] == f"reseller:{shop.world.reseller_user.identifier}"


async def test_a_recorded_call_ends_the_claim(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order,) = await queued(session, shop)
    await claimed_call(client, shop.agent, order, outcome="more_information")

    assert (await claim(client, shop.reseller, order)).status_code == 200
