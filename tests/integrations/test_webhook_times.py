"""Which time orders a webhook event against its ticket's others, and which times we refuse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from commercy.integrations.digishare.models import DigishareTicket
from tests.integrations.conftest import Shop, place_order
from tests.integrations.test_webhooks import (
    CALL_BACK_LATER,
    UNREACHABLE,
    deliver,
    order_status,
    ticket_updated,
)


def with_times(event: dict[str, Any], **times: str | None) -> dict[str, Any]:
    """``event`` with exactly these times: ``ticket_updated_at``, ``changes_date_status``..."""
    ticket, changes = event["data"]["data"], event["data"]["changes"]
    for part in (ticket, changes):
        part.pop("updated_at", None)
        part.pop("date_status", None)
    for name, value in times.items():
        where, field = name.split("_", 1)
        if value is not None:
            (ticket if where == "ticket" else changes)[field] = value
    return event


def digishare_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


@pytest.mark.parametrize(
    ("times", "event_at", "source"),
    [
        (
            {
                "ticket_updated_at": "2026-01-13 16:29:51",
                "changes_updated_at": "2026-01-13 16:00:00",
            },
            "2026-01-13T16:29:51.000Z",
            "data.data.updated_at",
        ),
        (
            {"ticket_updated_at": "not a time", "changes_updated_at": "2026-01-13 16:00:00"},
            "2026-01-13T16:00:00.000Z",
            "data.changes.updated_at",
        ),
        (
            {
                "changes_date_status": "2026-01-13 15:00:00",
                "ticket_date_status": "2026-01-13 14:00",
            },
            "2026-01-13T15:00:00.000Z",
            "data.changes.date_status",
        ),
        (
            {"ticket_date_status": "2026-01-13T15:30:00+01:00"},
            "2026-01-13T14:30:00.000Z",
            "data.data.date_status",
        ),
    ],
    ids=["ticket-updated-at", "changes-updated-at", "changes-date-status", "zoned-date-status"],
)
async def test_an_event_is_timed_by_the_first_readable_of_its_times(
    client: httpx.AsyncClient, shop: Shop, times: dict[str, str], event_at: str, source: str
) -> None:
    order = await place_order(client, shop)
    event = with_times(ticket_updated(order["orderNumber"], UNREACHABLE, at=""), **times)

    answer = (await deliver(client, shop, event)).json()["data"]
    listed = await client.get(
        "/api/v1/integrations/digishare/events", headers=shop.reseller_headers
    )

    assert (answer["outcome"], answer["eventAt"], answer["eventTimeSource"]) == (
        "applied",
        event_at,
        source,
    )
    assert listed.json()["data"][0]["eventAt"] == event_at
    assert listed.json()["data"][0]["eventTimeSource"] == source


async def test_an_event_without_a_time_is_timed_when_received_and_orders_later_ones(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    order = await place_order(client, shop)
    timeless = with_times(ticket_updated(order["orderNumber"], UNREACHABLE, at=""))

    first = (await deliver(client, shop, timeless)).json()["data"]
    received = datetime.fromisoformat(first["receivedAt"])
    older = ticket_updated(
        order["orderNumber"], CALL_BACK_LATER, at=digishare_time(received - timedelta(minutes=1))
    )
    late = (await deliver(client, shop, older)).json()["data"]

    assert (first["outcome"], first["eventTimeSource"]) == ("applied", "received_at")
    assert first["eventAt"] == first["receivedAt"]
    assert late["outcome"] == "stale"
    assert await order_status(client, shop, order["id"]) == "not_reached"


async def test_a_time_far_ahead_of_our_clock_is_refused_and_poisons_nothing(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    order = await place_order(client, shop)
    future = ticket_updated(order["orderNumber"], UNREACHABLE, at="9999-12-31 23:59:59")
    now = ticket_updated(
        order["orderNumber"], CALL_BACK_LATER, at=digishare_time(datetime.now(UTC))
    )

    refused = (await deliver(client, shop, future)).json()["data"]
    after_refused = await order_status(client, shop, order["id"])
    applied = (await deliver(client, shop, now)).json()["data"]

    assert refused["outcome"] == "future_timestamp"
    assert refused["eventAt"] == "9999-12-31T23:59:59.000Z"
    assert refused["orderId"] == order["id"]
    assert after_refused == "pending"
    assert applied["outcome"] == "applied"
    assert await order_status(client, shop, order["id"]) == "rapported"


async def test_a_time_slightly_ahead_of_our_clock_is_believed(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    order = await place_order(client, shop)
    ahead = datetime.now(UTC) + timedelta(minutes=1)  # the tolerance is 5 minutes

    answer = await deliver(
        client, shop, ticket_updated(order["orderNumber"], UNREACHABLE, at=digishare_time(ahead))
    )

    assert answer.json()["data"]["outcome"] == "applied"


async def test_a_stored_ticket_time_far_ahead_orders_nothing(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession
) -> None:
    order = await place_order(client, shop)
    await deliver(
        client, shop, ticket_updated(order["orderNumber"], UNREACHABLE, at="2026-01-13 16:00:00")
    )
    await session.execute(
        update(DigishareTicket)
        .where(DigishareTicket.order_id == order["id"])
        .values(last_event_at=datetime(9999, 12, 31, tzinfo=UTC))
    )
    await session.commit()

    answer = await deliver(
        client,
        shop,
        ticket_updated(order["orderNumber"], CALL_BACK_LATER, at=digishare_time(datetime.now(UTC))),
    )

    assert answer.json()["data"]["outcome"] == "applied"
    assert await order_status(client, shop, order["id"]) == "rapported"
