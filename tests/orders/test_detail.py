"""An order's detail read as plain rows (orders.queries.order_detail) is exactly the answer the
ORM's order gives: the same items, history, amounts, enums, timestamps and confirmation."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from commercy.auth import service as auth_service
from commercy.auth.actor import Actor
from commercy.auth.models import User
from commercy.core.database import Database, WriteSession
from commercy.core.errors import NotFound
from commercy.integrations.digishare import service as digishare_service
from commercy.integrations.digishare.models import (
    DigishareIntegration,
    DigishareTicket,
    WebhookAuthType,
)
from commercy.integrations.digishare.service import NOTIFY_ORDER
from commercy.orders import events, service
from commercy.orders.models import Order
from commercy.orders.schemas import OrderDetailOut
from commercy.outbox.models import JobState, OutboxJob
from tests.factories import Shop, make_order

ORDERS = "/api/v1/orders"


async def plain_answer(
    database: Database, *, actor: Actor, reference: str
) -> dict[str, Any] | None:
    """The ORM's order with its relationships, validated as the answer: the reference."""
    async with database.read_sessionmaker() as session:
        try:
            order = await service.get_order(session, actor=actor, reference=reference)
        except NotFound:
            return None
        detail = OrderDetailOut.model_validate(order)
        detail.confirmation = await events.confirmation(session, order.id)
        return detail.model_dump(mode="json", by_alias=True)


async def row_answer(database: Database, *, actor: Actor, reference: str) -> dict[str, Any] | None:
    async with database.read_sessionmaker() as session:
        try:
            detail = await service.order_detail(session, actor=actor, reference=reference)
        except NotFound:
            return None
        return detail.model_dump(mode="json", by_alias=True)


async def actor_of(session: WriteSession, user: User) -> Actor:
    actor = await auth_service.get_active_actor(session, user.id)
    assert actor is not None
    return actor


async def with_confirmation(session: WriteSession, shop: Shop, orders: list[Order]) -> None:
    """A sent ticket for the first order, a failed job for the second, a pending one for the
    third, none for the fourth, and for the fifth (when given) a failed job then a newer done
    one whose ticket is not recorded (the latest job is the one shown)."""
    integration = DigishareIntegration(
        reseller_id=shop.world.reseller.id,
        base_url="https://digishare.test",
        ticket_type_id="npvrxamq9l94y8dz",
        initial_status_id="x9q3wrlv0m7vzea8",
        webhook_auth_type=WebhookAuthType.BEARER,
        webhook_secret_sealed="sealed",
    )
    session.add(integration)
    await session.flush()
    states = (JobState.DONE, JobState.FAILED, JobState.PENDING)
    for order, state in zip(orders[:3], states, strict=True):
        session.add(
            OutboxJob(
                kind=NOTIFY_ORDER,
                reseller_id=order.reseller_id,
                order_id=order.id,
                state=state,
                attempts=3,
                last_error="Digishare answered 503",
            )
        )
    for fifth in orders[4:5]:
        for state, attempts in ((JobState.FAILED, 5), (JobState.DONE, 1)):
            session.add(
                OutboxJob(
                    kind=NOTIFY_ORDER,
                    reseller_id=fifth.reseller_id,
                    order_id=fifth.id,
                    state=state,
                    attempts=attempts,
                    last_error=f"attempt {attempts}",
                )
            )
            await session.flush()  # ids in the order of the jobs
    session.add(
        DigishareTicket(
            order_id=orders[0].id,
            integration_id=integration.id,
            ticket_id="tk1",
            last_event_at=datetime(2026, 12, 4, 9, 30, tzinfo=UTC),
        )
    )
    await session.commit()


async def test_the_detail_read_as_rows_is_the_orms_answer(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession, database: Database
) -> None:
    # The app's one confirmation source says it as SQL: the detail reads it in its own statement.
    assert events.confirmation_columns() is digishare_service.CONFIRMATION_COLUMNS
    world, products = shop.world, [shop.product, shop.other_product]
    orders = [
        await make_order(
            session,
            world=world,
            products=products,
            shippingOption="paid",
            shippingCost=7.5,
            customerPhone2="20 999 888",
            notes="Livrer après 17h",
        ),
        await make_order(session, world=world, products=[shop.product], status="confirmed"),
        await make_order(session, world=world, products=[shop.product], customerName=""),
        await make_order(session, world=world, products=[shop.product], source="sur_place"),
        await make_order(session, world=world, products=[shop.product]),
    ]
    await with_confirmation(session, shop, orders)
    # History lines of every kind: a status change with a note, and an edit with its changes.
    first = f"{ORDERS}/{orders[0].id}"
    moved = await client.patch(
        f"{first}/status", json={"status": "not_reached", "note": "Répondeur"}, headers=shop.agent
    )
    assert moved.status_code == 200, moved.text
    edited = await client.patch(first, json={"customerCity": "Sfax"}, headers=shop.agent)
    assert edited.status_code == 200, edited.text

    actors = [await actor_of(session, user) for user in (world.agent, world.supplier_user)]
    actors.append(await actor_of(session, world.admin))
    for actor in actors:
        for order in orders:
            for reference in (str(order.id), order.order_number):
                expected = await plain_answer(database, actor=actor, reference=reference)
                assert expected is not None
                answer = await row_answer(database, actor=actor, reference=reference)
                assert answer == expected

    detail = await row_answer(database, actor=actors[0], reference=str(orders[0].id))
    assert detail is not None
    assert [line["note"] for line in detail["history"]][-2:] == [
        "Répondeur",
        "Edited: customerCity",
    ]
    assert detail["history"][-1]["changes"] == [
        {"field": "customerCity", "from": None, "to": "Sfax"}
    ]
    assert detail["confirmation"]["state"] == "sent"
    assert detail["confirmation"]["lastEventAt"] == "2026-12-04T09:30:00.000Z"
    assert len(detail["items"]) == 2
    states = []
    for order in orders:
        answer = await row_answer(database, actor=actors[0], reference=str(order.id))
        assert answer is not None
        states.append(answer["confirmation"] and answer["confirmation"]["state"])
    assert states == ["sent", "failed", "pending", None, "pending"]


@pytest.mark.parametrize("reference", ["999999", "ORD-0-999999", "99999999999999999999999"])
async def test_an_unknown_reference_is_not_found_either_way(
    shop: Shop, session: WriteSession, database: Database, reference: str
) -> None:
    actor = await actor_of(session, shop.world.agent)
    assert await plain_answer(database, actor=actor, reference=reference) is None
    assert await row_answer(database, actor=actor, reference=reference) is None


async def test_an_order_out_of_scope_is_not_found_either_way(
    shop: Shop, session: WriteSession, database: Database
) -> None:
    order = await make_order(session, world=shop.world, products=[shop.product])
    other = await make_order(session, world=shop.world, products=[shop.product])
    actor = await actor_of(session, shop.world.agent)
    outsider = dataclasses.replace(actor, reseller_id=order.reseller_id + 1000)
    for reference in (str(order.id), other.order_number):
        assert await plain_answer(database, actor=outsider, reference=reference) is None
        assert await row_answer(database, actor=outsider, reference=reference) is None
