"""The agent's screen over HTTP: next order, outcomes, callbacks, edits on the line, scoping,
CSRF and the live stream."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import update

from commercy.calls.models import CallAttempt
from commercy.core.database import WriteSession
from commercy.core.errors import ValidationFailed
from commercy.web import forms
from tests.calls.helpers import claim, claimed_call, order_of, queued
from tests.factories import Shop, make_reseller, make_user
from tests.web.conftest import sign_in

TUNIS = ZoneInfo("Africa/Tunis")


async def _take_next(client: httpx.AsyncClient, csrf: str) -> httpx.Response:
    return await client.post(
        "/app/calls/next", data={"csrf_token": csrf}, headers={"HX-Request": "true"}
    )


async def test_agents_land_on_their_calls_after_sign_in(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    await sign_in(client, shop.world.agent)

    home = await client.get("/app/")

    assert home.headers["location"] == "/app/calls"
    page = await client.get("/app/calls")
    assert page.status_code == 200
    assert "Commande suivante" in page.text and 'data-shortcut="n"' in page.text


async def test_next_order_claims_it_and_shows_the_customer_with_call_links(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order_id,) = await queued(session, shop, customerPhone="+21698123456")
    csrf = await sign_in(client, shop.world.agent)

    answer = await _take_next(client, csrf)

    assert answer.status_code == 200
    assert 'href="tel:+21698123456"' in answer.text
    assert 'href="https://wa.me/21698123456"' in answer.text
    detail = await order_of(client, shop.agent, order_id)
    assert detail["claimedBy"] == shop.world.agent.id
    assert detail["orderNumber"] in (await client.get("/app/calls")).text


async def test_nothing_due_shows_a_friendly_state(client: httpx.AsyncClient, shop: Shop) -> None:
    csrf = await sign_in(client, shop.world.agent)

    answer = await _take_next(client, csrf)

    assert answer.status_code == 200
    assert 'data-testid="nothing"' in answer.text


async def test_an_outcome_is_recorded_through_the_calls_service_and_the_next_order_comes_up(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    first, second = await queued(session, shop, count=2)
    csrf = await sign_in(client, shop.world.agent)
    await _take_next(client, csrf)
    number = (await order_of(client, shop.agent, first))["orderNumber"]

    answer = await client.post(
        f"/app/calls/{number}/outcome",
        data={"csrf_token": csrf, "outcome": "confirmed"},
        headers={"HX-Request": "true"},
    )

    assert answer.status_code == 200
    done = await order_of(client, shop.agent, first)
    assert done["status"] == "confirmed" and done["claimedBy"] is None
    assert done["history"][-1]["note"] == "Call 1"
    following = await order_of(client, shop.agent, second)
    assert following["claimedBy"] == shop.world.agent.id
    assert following["orderNumber"] in answer.text
    assert "Appels aujourd'hui <strong>1</strong>" in answer.text


async def test_a_callback_in_one_hour_is_recorded_as_an_aware_time(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order_id,) = await queued(session, shop)
    csrf = await sign_in(client, shop.world.agent)
    await _take_next(client, csrf)
    before = datetime.now(UTC)

    await client.post(
        f"/app/calls/{order_id}/outcome",
        data={"csrf_token": csrf, "outcome": "rapported", "callbackChoice": "in1h"},
    )

    detail = await order_of(client, shop.agent, order_id)
    assert detail["status"] == "rapported"
    due = datetime.fromisoformat(detail["nextCallAt"].replace("Z", "+00:00"))
    assert timedelta(minutes=59) < due - before < timedelta(minutes=61)


def test_tomorrow_ten_is_ten_oclock_on_the_users_calendar() -> None:
    late_evening = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)  # already the 30th in Tunis

    moment = forms.callback_at("tomorrow10", "", zone=TUNIS, now=late_evening)

    assert moment.utcoffset() is not None
    assert moment.astimezone(UTC) == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_a_picked_callback_time_is_read_in_the_users_time_zone() -> None:
    moment = forms.callback_at("at", "2026-12-02T15:30", zone=TUNIS, now=datetime.now(UTC))

    assert moment.astimezone(UTC) == datetime(2026, 12, 2, 14, 30, tzinfo=UTC)


def test_a_malformed_callback_time_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        forms.callback_at("at", "tomorrow\x00", zone=TUNIS, now=datetime.now(UTC))


async def test_a_callback_in_the_past_is_a_message_in_place_and_keeps_the_claim(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order_id,) = await queued(session, shop)
    csrf = await sign_in(client, shop.world.agent)
    await _take_next(client, csrf)

    answer = await client.post(
        f"/app/calls/{order_id}/outcome",
        data={
            "csrf_token": csrf,
            "outcome": "rapported",
            "callbackChoice": "at",
            "callbackAt": "2020-01-01T10:00",
        },
        headers={"HX-Request": "true"},
    )

    assert answer.status_code == 400
    assert 'data-testid="call-error"' in answer.text and "callbackAt" in answer.text
    detail = await order_of(client, shop.agent, order_id)
    assert detail["status"] == "pending" and detail["claimedBy"] == shop.world.agent.id


async def test_a_lost_claim_is_a_message_in_place(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order_id,) = await queued(session, shop)
    csrf = await sign_in(client, shop.world.agent)

    answer = await client.post(
        f"/app/calls/{order_id}/outcome",
        data={"csrf_token": csrf, "outcome": "confirmed"},
        headers={"HX-Request": "true"},
    )

    assert answer.status_code == 409
    assert "plus la vôtre" in answer.text
    assert (await order_of(client, shop.agent, order_id))["status"] == "pending"


async def test_a_cancellation_needs_a_reason(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order_id,) = await queued(session, shop)
    csrf = await sign_in(client, shop.world.agent)
    await _take_next(client, csrf)

    refused = await client.post(
        f"/app/calls/{order_id}/outcome", data={"csrf_token": csrf, "outcome": "canceled"}
    )
    done = await client.post(
        f"/app/calls/{order_id}/outcome",
        data={"csrf_token": csrf, "outcome": "canceled", "note": "ordered twice"},
    )

    assert refused.status_code == 400 and done.status_code == 200
    detail = await order_of(client, shop.agent, order_id)
    assert detail["status"] == "canceled"
    assert detail["history"][-1]["note"] == "Call 1: ordered twice"


async def test_an_edit_on_the_line_updates_the_address_and_the_totals(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order_id,) = await queued(session, shop)
    csrf = await sign_in(client, shop.world.agent)
    await _take_next(client, csrf)
    before = await order_of(client, shop.agent, order_id)
    item = before["items"][0]

    answer = await client.post(
        f"/app/calls/{order_id}/edit",
        data={
            "csrf_token": csrf,
            "version": str(before["version"]),
            "customerAddress": "12 rue de Marseille",
            f"quantity-{item['id']}": "3",
        },
        headers={"HX-Request": "true"},
    )

    assert answer.status_code == 200, answer.text
    after = await order_of(client, shop.agent, order_id)
    assert after["customerAddress"] == "12 rue de Marseille"
    assert after["items"][0]["quantity"] == 3
    assert after["total"] != before["total"]
    assert 'id="order-panel"' in answer.text and "12 rue de Marseille" in answer.text


async def test_an_edit_with_a_stale_version_is_refused_and_the_order_reloaded(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order_id,) = await queued(session, shop)
    csrf = await sign_in(client, shop.world.agent)
    await _take_next(client, csrf)
    version = (await order_of(client, shop.agent, order_id))["version"]
    meanwhile = await client.patch(
        f"/api/v1/orders/{order_id}", json={"customerCity": "Sfax"}, headers=shop.reseller
    )
    assert meanwhile.status_code == 200

    answer = await client.post(
        f"/app/calls/{order_id}/edit",
        data={"csrf_token": csrf, "version": str(version), "customerCity": "Sousse"},
        headers={"HX-Request": "true"},
    )

    assert answer.status_code == 412
    assert "a changé entre-temps" in answer.text and 'value="Sfax"' in answer.text
    assert (await order_of(client, shop.agent, order_id))["customerCity"] == "Sfax"


async def test_a_bad_field_is_named_next_to_it_and_nothing_changes(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order_id,) = await queued(session, shop)
    csrf = await sign_in(client, shop.world.agent)
    await _take_next(client, csrf)
    before = await order_of(client, shop.agent, order_id)

    answer = await client.post(
        f"/app/calls/{order_id}/edit",
        data={
            "csrf_token": csrf,
            "version": str(before["version"]),
            "customerPhone": "not a phone",
            "customerCity": "Sousse",
        },
        headers={"HX-Request": "true"},
    )

    assert answer.status_code == 400
    assert 'id="error-customerPhone"' in answer.text
    after = await order_of(client, shop.agent, order_id)
    assert after["customerCity"] == before["customerCity"]
    assert after["version"] == before["version"]


@pytest.mark.parametrize(
    ("language", "expected", "unexpected"),
    [
        ("fr", "Numéro de téléphone invalide : 8 à 15 chiffres", "digits"),
        ("en", "Not a phone number: 8 to 15 digits", "chiffres"),
    ],
)
async def test_a_bad_phone_is_refused_in_the_users_language(
    client: httpx.AsyncClient,
    session: WriteSession,
    shop: Shop,
    language: str,
    expected: str,
    unexpected: str,
) -> None:
    (order_id,) = await queued(session, shop)
    csrf = await sign_in(client, shop.world.agent)
    await client.post(
        "/app/preferences", data={"language": language, "csrf_token": csrf, "next": "/app/calls"}
    )
    await _take_next(client, csrf)
    before = await order_of(client, shop.agent, order_id)

    answer = await client.post(
        f"/app/calls/{order_id}/edit",
        data={"csrf_token": csrf, "version": str(before["version"]), "customerPhone": "12"},
        headers={"HX-Request": "true"},
    )

    assert answer.status_code == 400
    assert expected in answer.text and unexpected not in answer.text


async def test_suppliers_get_403_on_the_agents_screen(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    csrf = await sign_in(client, shop.world.supplier_user)

    page = await client.get("/app/calls")
    taken = await _take_next(client, csrf)

    assert page.status_code == 403 and taken.status_code == 403


async def test_another_resellers_order_is_not_found(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order_id,) = await queued(session, shop)
    other = await make_reseller(session, supplier=shop.world.supplier)
    outsider = await make_user(session, role=shop.world.agent.role, reseller=other)
    await session.commit()
    csrf = await sign_in(client, outsider)

    outcome = await client.post(
        f"/app/calls/{order_id}/outcome", data={"csrf_token": csrf, "outcome": "confirmed"}
    )
    edit = await client.post(
        f"/app/calls/{order_id}/edit",
        data={"csrf_token": csrf, "version": "1", "customerCity": "Sousse"},
    )
    events = await client.get(f"/app/calls/events?order={order_id}")

    assert (outcome.status_code, edit.status_code, events.status_code) == (404, 404, 404)


@pytest.mark.parametrize("path", ["/app/calls/next", "/app/calls/1/outcome", "/app/calls/1/edit"])
async def test_every_post_of_the_screen_needs_the_csrf_token(
    client: httpx.AsyncClient, shop: Shop, path: str
) -> None:
    await sign_in(client, shop.world.agent)

    answer = await client.post(path, data={"outcome": "confirmed", "version": "1"})

    assert answer.status_code == 403


async def test_the_live_stream_tells_when_the_order_leaves_the_queue_and_ends_the_claim(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order_id,) = await queued(session, shop)
    csrf = await sign_in(client, shop.world.agent)
    await _take_next(client, csrf)
    stream = asyncio.create_task(client.get(f"/app/calls/events?order={order_id}"))
    await asyncio.sleep(0.3)

    moved = await client.patch(
        f"/api/v1/orders/{order_id}/status", json={"status": "confirmed"}, headers=shop.reseller
    )
    assert moved.status_code == 200
    answer = await asyncio.wait_for(stream, timeout=30)

    assert answer.headers["content-type"].startswith("text/event-stream")
    assert "event: changed" in answer.text and '"reason": "status"' in answer.text
    assert (await order_of(client, shop.agent, order_id))["claimedBy"] is None


async def test_the_live_stream_tells_when_another_user_takes_the_claim(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order_id,) = await queued(session, shop)
    csrf = await sign_in(client, shop.world.agent)
    await _take_next(client, csrf)
    released = await client.delete(f"/api/v1/orders/{order_id}/claim", headers=shop.admin)
    assert released.status_code in (200, 204), released.text
    stream = asyncio.create_task(client.get(f"/app/calls/events?order={order_id}"))
    await asyncio.sleep(0.3)

    assert (await claim(client, shop.reseller, order_id)).status_code == 200
    answer = await asyncio.wait_for(stream, timeout=30)

    assert '"reason": "claim"' in answer.text


async def test_the_live_stream_ends_when_the_session_ends(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    (order_id,) = await queued(session, shop)
    csrf = await sign_in(client, shop.world.agent)
    stream = asyncio.create_task(client.get(f"/app/calls/events?order={order_id}"))
    await asyncio.sleep(0.3)

    await client.post("/app/logout", data={"csrf_token": csrf})
    answer = await asyncio.wait_for(stream, timeout=30)

    assert "event: signedout" in answer.text


async def test_the_agents_day_starts_at_its_own_midnight(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    """Far east of UTC, a call just after local midnight falls on the previous UTC day, and
    one just before it on the agent's yesterday."""
    kiritimati = ZoneInfo("Pacific/Kiritimati")
    today = datetime.now(kiritimati).date()
    midnight = datetime(today.year, today.month, today.day, tzinfo=kiritimati)
    first, second, third = await queued(session, shop, 3)
    for order, outcome in ((first, "confirmed"), (second, "not_reached"), (third, "canceled")):
        assert (await claimed_call(client, shop.agent, order, outcome=outcome)).status_code == 201
    moments = {first: midnight + timedelta(minutes=1), second: midnight - timedelta(minutes=1)}
    for order_id, moment in moments.items():
        await session.execute(
            update(CallAttempt).where(CallAttempt.order_id == order_id).values(created_at=moment)
        )
    await session.commit()
    csrf = await sign_in(client, shop.world.agent)
    await client.post("/app/preferences", data={"time_zone": kiritimati.key, "csrf_token": csrf})

    page = " ".join((await client.get("/app/calls")).text.split())

    assert "Appels aujourd'hui <strong>2</strong>" in page
    assert "Confirmée <strong>1</strong>" in page
