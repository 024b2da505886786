"""What a webhook call writes, outcome by outcome: the inbox's row, the ticket's, the order's,
its history and stock, and the answer.

The expected rows are those the ORM's unit of work wrote before the inbox's plain statements
(``integrations.digishare.repository``) replaced it; they hold the statements to them."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from commercy.catalog.models import Product
from commercy.integrations.digishare.models import DigishareEvent, DigishareTicket
from commercy.integrations.digishare.schemas import EventOut
from commercy.orders.models import Order, OrderStatusChange
from tests.integrations.conftest import Shop, place_order
from tests.integrations.test_webhooks import (
    CALL_BACK_LATER,
    CONFIRMED,
    UNREACHABLE,
    deliver,
    ticket_updated,
)

AT = "2026-01-13 16:29:51"
LATER = "2026-01-13 17:00:00"
Sent = list[dict[str, Any] | bytes]
Scenario = Callable[[httpx.AsyncClient, Shop, AsyncSession, str], Awaitable[Sent]]


async def _record_ticket(session: AsyncSession, shop: Shop, order: dict[str, Any]) -> None:
    session.add(
        DigishareTicket(
            order_id=order["id"], integration_id=shop.integration_id, ticket_id="t0k3nt1ck3t00001"
        )
    )
    await session.commit()


async def applied_by_ticket(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession, number: str
) -> Sent:
    """The worker recorded the ticket: it is looked up by its id. Confirming takes stock."""
    [order] = await _orders(session)
    await _record_ticket(session, shop, order)
    return [ticket_updated(number, CONFIRMED, at=AT)]


async def applied_by_number(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession, number: str
) -> Sent:
    """The event outran the worker: the order is found by its number, the ticket recorded."""
    return [ticket_updated(number, UNREACHABLE, at=AT)]


async def applied_twice(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession, number: str
) -> Sent:
    return [
        ticket_updated(number, UNREACHABLE, at=AT),
        ticket_updated(number, CALL_BACK_LATER, at=LATER),
    ]


async def duplicate(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession, number: str
) -> Sent:
    return [ticket_updated(number, UNREACHABLE, at=AT)] * 2


async def stale(client: httpx.AsyncClient, shop: Shop, session: AsyncSession, number: str) -> Sent:
    return [ticket_updated(number, UNREACHABLE, at=LATER), ticket_updated(number, CONFIRMED, at=AT)]


async def future_timestamp(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession, number: str
) -> Sent:
    return [ticket_updated(number, UNREACHABLE, at="2999-01-01 00:00:00")]


async def unmapped(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession, number: str
) -> Sent:
    return [ticket_updated(number, "notmappedstatus0", at=AT)]


async def unknown_ticket(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession, number: str
) -> Sent:
    return [ticket_updated("ORD-0-0", CONFIRMED, at=AT, ticket_id="zzzz")]


async def another_ticket(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession, number: str
) -> Sent:
    """The order is confirmed through another ticket than the event's."""
    [order] = await _orders(session)
    await _record_ticket(session, shop, order)
    return [ticket_updated(number, CONFIRMED, at=AT, ticket_id="an0th3rt1ck3t002")]


async def refused(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession, number: str
) -> Sent:
    """Out of stock: the move is refused, and the event's time still kept on the ticket."""
    await client.patch(
        f"/api/v1/products/{shop.product_ids[1]}",
        json={"stockQuantity": 1},
        headers=shop.admin_headers,
    )
    return [ticket_updated(number, CONFIRMED, at=AT)]


async def unchanged_order(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession, number: str
) -> Sent:
    return [
        ticket_updated(number, UNREACHABLE, at=AT),
        ticket_updated(number, UNREACHABLE, at=LATER),
    ]


async def unchanged_ticket_status(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession, number: str
) -> Sent:
    event = ticket_updated(number, CONFIRMED, at=AT)
    event["data"]["changes"] = {"handler_id": "someone", "updated_at": AT}
    return [event]


async def untimed(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession, number: str
) -> Sent:
    """No time in the event: it is timed when received."""
    event = ticket_updated(number, UNREACHABLE, at=AT)
    event["data"]["changes"] = {"ticket_status_id": UNREACHABLE}
    return [event]


async def ignored(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession, number: str
) -> Sent:
    event = ticket_updated(number, CONFIRMED, at=AT)
    event["event"] = "ticket.created"
    return [event]


async def malformed(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession, number: str
) -> Sent:
    return [b"{not json", b"[]", b'{"event": "ticket.updated"}', b"\xff\x00{"]


SCENARIOS: dict[str, Scenario] = {
    scenario.__name__: scenario
    for scenario in (
        applied_by_ticket,
        applied_by_number,
        applied_twice,
        duplicate,
        stale,
        future_timestamp,
        unmapped,
        unknown_ticket,
        another_ticket,
        refused,
        unchanged_order,
        unchanged_ticket_status,
        untimed,
        ignored,
        malformed,
    )
}


@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_a_webhook_writes_what_the_orm_wrote(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession, name: str
) -> None:
    order = await place_order(client, shop)
    sent = await SCENARIOS[name](client, shop, session, order["orderNumber"])

    answers = [await deliver(client, shop, payload) for payload in sent]

    stored = (await session.scalars(select(DigishareEvent).order_by(DigishareEvent.id))).all()
    for answer in answers:
        _check_answer_shows_its_row(answer, {event.id: event for event in stored})
    bodies = [p.decode(errors="ignore") if isinstance(p, bytes) else json.dumps(p) for p in sent]
    written = {
        "answers": [(answer.status_code, answer.json()["message"]) for answer in answers],
        "events": [_event(event, bodies=bodies) for event in stored],
        **await _other_rows(session, received={event.received_at for event in stored}),
    }
    assert written == EXPECTED[name]


def _check_answer_shows_its_row(answer: httpx.Response, events: dict[int, DigishareEvent]) -> None:
    body = answer.json()
    if answer.status_code == 400:
        event = events[body["details"]["eventId"]]
        assert body["details"] == {"field": "body", "message": event.detail, "eventId": event.id}
    elif body["data"] != {"duplicate": True}:
        shown = EventOut.model_validate(events[body["data"]["id"]])
        assert body["data"] == shown.model_dump(mode="json", by_alias=True)


async def _orders(session: AsyncSession) -> list[dict[str, Any]]:
    rows = await session.execute(select(Order.id, Order.order_number).order_by(Order.id))
    await session.commit()
    return [{"id": row.id, "orderNumber": row.order_number} for row in rows]


def _event(event: DigishareEvent, *, bodies: list[str]) -> tuple[Any, ...]:
    """An inbox row without its ids and time of reception (``<received>`` where a time is
    it), its body as the Nth sent (``<sent N>``), its payload as the body read (``<body>``)."""
    raw_body = event.raw_body
    return (
        event.event,
        event.ticket_id,
        event.order_id is not None,
        f"<sent {bodies.index(raw_body)}>" if raw_body in bodies else raw_body,
        "<body>" if event.payload and event.payload == json.loads(raw_body) else event.payload,
        event.outcome.value,
        event.detail,
        _time(event.event_at, received={event.received_at}),
        event.event_time_source and event.event_time_source.value,
    )


async def _other_rows(session: AsyncSession, *, received: set[datetime]) -> dict[str, Any]:
    """The tickets, the order, its history but for its creation, and the products' stock."""
    tickets = [
        (ticket.ticket_id, _time(ticket.last_event_at, received=received))
        for ticket in await session.scalars(select(DigishareTicket))
    ]
    [order] = await session.scalars(select(Order))
    history = [
        (
            line.from_status and line.from_status.value,
            line.to_status.value,
            line.actor_label,
            line.note,
        )
        for line in await session.scalars(select(OrderStatusChange).order_by(OrderStatusChange.id))
    ][1:]
    stock = list(await session.scalars(select(Product.stock_quantity).order_by(Product.id)))
    await session.commit()
    return {
        "tickets": tickets,
        "order": (order.status.value, order.payment_status.value, order.version),
        "history": history,
        "stock": stock,
    }


def _time(moment: datetime | None, *, received: set[datetime]) -> str | None:
    if moment is None:
        return None
    return "<received>" if moment in received else moment.isoformat()


# As the ORM wrote them: the same test run on the code before the plain statements, on both
# databases.
EXPECTED: dict[str, dict[str, Any]] = {
    "applied_by_ticket": {
        "answers": [(200, "Event recorded")],
        "events": [
            (
                "ticket.updated",
                "t0k3nt1ck3t00001",
                True,
                "<sent 0>",
                "<body>",
                "applied",
                "pending → confirmed",
                "2026-01-13T16:29:51+00:00",
                "data.changes.updated_at",
            )
        ],
        "tickets": [("t0k3nt1ck3t00001", "2026-01-13T16:29:51+00:00")],
        "order": ("confirmed", "unpaid", 2),
        "history": [("pending", "confirmed", "digishare", "Digishare ticket t0k3nt1ck3t00001")],
        "stock": [4, 3],
    },
    "applied_by_number": {
        "answers": [(200, "Event recorded")],
        "events": [
            (
                "ticket.updated",
                "t0k3nt1ck3t00001",
                True,
                "<sent 0>",
                "<body>",
                "applied",
                "pending → not_reached",
                "2026-01-13T16:29:51+00:00",
                "data.changes.updated_at",
            )
        ],
        "tickets": [("t0k3nt1ck3t00001", "2026-01-13T16:29:51+00:00")],
        "order": ("not_reached", "unpaid", 2),
        "history": [("pending", "not_reached", "digishare", "Digishare ticket t0k3nt1ck3t00001")],
        "stock": [5, 5],
    },
    "applied_twice": {
        "answers": [(200, "Event recorded"), (200, "Event recorded")],
        "events": [
            (
                "ticket.updated",
                "t0k3nt1ck3t00001",
                True,
                "<sent 0>",
                "<body>",
                "applied",
                "pending → not_reached",
                "2026-01-13T16:29:51+00:00",
                "data.changes.updated_at",
            ),
            (
                "ticket.updated",
                "t0k3nt1ck3t00001",
                True,
                "<sent 1>",
                "<body>",
                "applied",
                "not_reached → rapported",
                "2026-01-13T17:00:00+00:00",
                "data.changes.updated_at",
            ),
        ],
        "tickets": [("t0k3nt1ck3t00001", "2026-01-13T17:00:00+00:00")],
        "order": ("rapported", "unpaid", 3),
        "history": [
            ("pending", "not_reached", "digishare", "Digishare ticket t0k3nt1ck3t00001"),
            ("not_reached", "rapported", "digishare", "Digishare ticket t0k3nt1ck3t00001"),
        ],
        "stock": [5, 5],
    },
    "duplicate": {
        "answers": [(200, "Event recorded"), (200, "Event already received")],
        "events": [
            (
                "ticket.updated",
                "t0k3nt1ck3t00001",
                True,
                "<sent 0>",
                "<body>",
                "applied",
                "pending → not_reached",
                "2026-01-13T16:29:51+00:00",
                "data.changes.updated_at",
            )
        ],
        "tickets": [("t0k3nt1ck3t00001", "2026-01-13T16:29:51+00:00")],
        "order": ("not_reached", "unpaid", 2),
        "history": [("pending", "not_reached", "digishare", "Digishare ticket t0k3nt1ck3t00001")],
        "stock": [5, 5],
    },
    "stale": {
        "answers": [(200, "Event recorded"), (200, "Event recorded")],
        "events": [
            (
                "ticket.updated",
                "t0k3nt1ck3t00001",
                True,
                "<sent 0>",
                "<body>",
                "applied",
                "pending → not_reached",
                "2026-01-13T17:00:00+00:00",
                "data.changes.updated_at",
            ),
            (
                "ticket.updated",
                "t0k3nt1ck3t00001",
                True,
                "<sent 1>",
                "<body>",
                "stale",
                "Older than the last applied event (2026-01-13T17:00:00+00:00)",
                "2026-01-13T16:29:51+00:00",
                "data.changes.updated_at",
            ),
        ],
        "tickets": [("t0k3nt1ck3t00001", "2026-01-13T17:00:00+00:00")],
        "order": ("not_reached", "unpaid", 2),
        "history": [("pending", "not_reached", "digishare", "Digishare ticket t0k3nt1ck3t00001")],
        "stock": [5, 5],
    },
    "future_timestamp": {
        "answers": [(200, "Event recorded")],
        "events": [
            (
                "ticket.updated",
                "t0k3nt1ck3t00001",
                True,
                "<sent 0>",
                "<body>",
                "future_timestamp",
                "data.changes.updated_at 2999-01-01T00:00:00+00:00 is more than "
                "300 s ahead of our clock; not applied",
                "2999-01-01T00:00:00+00:00",
                "data.changes.updated_at",
            )
        ],
        "tickets": [("t0k3nt1ck3t00001", None)],
        "order": ("pending", "unpaid", 1),
        "history": [],
        "stock": [5, 5],
    },
    "unmapped": {
        "answers": [(200, "Event recorded")],
        "events": [
            (
                "ticket.updated",
                "t0k3nt1ck3t00001",
                True,
                "<sent 0>",
                "<body>",
                "unmapped_status",
                "Status 'notmappedstatus0' is not mapped",
                "2026-01-13T16:29:51+00:00",
                "data.changes.updated_at",
            )
        ],
        "tickets": [("t0k3nt1ck3t00001", None)],
        "order": ("pending", "unpaid", 1),
        "history": [],
        "stock": [5, 5],
    },
    "unknown_ticket": {
        "answers": [(200, "Event recorded")],
        "events": [
            (
                "ticket.updated",
                "zzzz",
                False,
                "<sent 0>",
                "<body>",
                "unknown_ticket",
                "No order for this ticket",
                "2026-01-13T16:29:51+00:00",
                "data.changes.updated_at",
            )
        ],
        "tickets": [],
        "order": ("pending", "unpaid", 1),
        "history": [],
        "stock": [5, 5],
    },
    "another_ticket": {
        "answers": [(200, "Event recorded")],
        "events": [
            (
                "ticket.updated",
                "an0th3rt1ck3t002",
                False,
                "<sent 0>",
                "<body>",
                "unknown_ticket",
                "No order for this ticket",
                "2026-01-13T16:29:51+00:00",
                "data.changes.updated_at",
            )
        ],
        "tickets": [("t0k3nt1ck3t00001", None)],
        "order": ("pending", "unpaid", 1),
        "history": [],
        "stock": [5, 5],
    },
    "refused": {
        "answers": [(200, "Event recorded")],
        "events": [
            (
                "ticket.updated",
                "t0k3nt1ck3t00001",
                True,
                "<sent 0>",
                "<body>",
                "refused",
                "Not enough stock for product 2: 1 left, 2 needed",
                "2026-01-13T16:29:51+00:00",
                "data.changes.updated_at",
            )
        ],
        "tickets": [("t0k3nt1ck3t00001", "2026-01-13T16:29:51+00:00")],
        "order": ("pending", "unpaid", 1),
        "history": [],
        "stock": [5, 1],
    },
    "unchanged_order": {
        "answers": [(200, "Event recorded"), (200, "Event recorded")],
        "events": [
            (
                "ticket.updated",
                "t0k3nt1ck3t00001",
                True,
                "<sent 0>",
                "<body>",
                "applied",
                "pending → not_reached",
                "2026-01-13T16:29:51+00:00",
                "data.changes.updated_at",
            ),
            (
                "ticket.updated",
                "t0k3nt1ck3t00001",
                True,
                "<sent 1>",
                "<body>",
                "unchanged",
                "Order already not_reached",
                "2026-01-13T17:00:00+00:00",
                "data.changes.updated_at",
            ),
        ],
        "tickets": [("t0k3nt1ck3t00001", "2026-01-13T17:00:00+00:00")],
        "order": ("not_reached", "unpaid", 2),
        "history": [("pending", "not_reached", "digishare", "Digishare ticket t0k3nt1ck3t00001")],
        "stock": [5, 5],
    },
    "unchanged_ticket_status": {
        "answers": [(200, "Event recorded")],
        "events": [
            (
                "ticket.updated",
                "t0k3nt1ck3t00001",
                True,
                "<sent 0>",
                "<body>",
                "unchanged",
                "The ticket's status did not change (handler_id, updated_at)",
                "2026-01-13T16:29:51+00:00",
                "data.changes.updated_at",
            )
        ],
        "tickets": [("t0k3nt1ck3t00001", None)],
        "order": ("pending", "unpaid", 1),
        "history": [],
        "stock": [5, 5],
    },
    "untimed": {
        "answers": [(200, "Event recorded")],
        "events": [
            (
                "ticket.updated",
                "t0k3nt1ck3t00001",
                True,
                "<sent 0>",
                "<body>",
                "applied",
                "pending → not_reached",
                "<received>",
                "received_at",
            )
        ],
        "tickets": [("t0k3nt1ck3t00001", "<received>")],
        "order": ("not_reached", "unpaid", 2),
        "history": [("pending", "not_reached", "digishare", "Digishare ticket t0k3nt1ck3t00001")],
        "stock": [5, 5],
    },
    "ignored": {
        "answers": [(200, "Event recorded")],
        "events": [
            (
                "ticket.created",
                "t0k3nt1ck3t00001",
                False,
                "<sent 0>",
                "<body>",
                "ignored_event",
                "ticket.created needs no action",
                None,
                None,
            )
        ],
        "tickets": [],
        "order": ("pending", "unpaid", 1),
        "history": [],
        "stock": [5, 5],
    },
    "malformed": {
        "answers": [
            (400, "Body is not JSON"),
            (400, "Body is not a Digishare event (event, data.id)"),
            (400, "Body is not a Digishare event (event, data.id)"),
            (400, "Body is not JSON"),
        ],
        "events": [
            (None, None, False, "<sent 0>", None, "malformed", "Body is not JSON", None, None),
            (
                None,
                None,
                False,
                "<sent 1>",
                None,
                "malformed",
                "Body is not a Digishare event (event, data.id)",
                None,
                None,
            ),
            (
                "ticket.updated",
                None,
                False,
                "<sent 2>",
                "<body>",
                "malformed",
                "Body is not a Digishare event (event, data.id)",
                None,
                None,
            ),
            (None, None, False, "\ufffd\ufffd{", None, "malformed", "Body is not JSON", None, None),
        ],
        "tickets": [],
        "order": ("pending", "unpaid", 1),
        "history": [],
        "stock": [5, 5],
    },
}
