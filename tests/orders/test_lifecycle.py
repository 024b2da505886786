"""The order lifecycle of SPEC §4: moves, stock, payment, history, roles, bulk changes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from commercy.auth import service as auth_service
from commercy.catalog.models import Product
from commercy.core.database import WriteSession
from commercy.orders import service as orders_service
from commercy.orders.models import Order, OrderStatus
from tests.factories import Shop, make_order, make_product, make_world


async def move(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    order: Order | int,
    status: str,
    **extra: Any,
) -> httpx.Response:
    order_id = order if isinstance(order, int) else order.id
    return await client.patch(
        f"/api/v1/orders/{order_id}/status", json={"status": status, **extra}, headers=headers
    )


async def stock_of(session: AsyncSession, product_id: int) -> int:
    product = await session.get(Product, product_id, populate_existing=True)
    assert product is not None
    await session.commit()  # end the read: on SQLite an open transaction holds the write lock
    return product.stock_quantity


CONFIRMATION = [
    "pending",
    "not_reached",
    "phone_closed",
    "rapported",
    "more_information",
    "not_available",
]


async def test_confirmation_statuses_move_freely_among_themselves_and_to_outcomes(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    order = await make_order(session, world=shop.world, products=[shop.product])
    path = [*CONFIRMATION[1:], "pending", "not_available", "abandoned"]

    codes = [(await move(client, shop.agent, order, status)).status_code for status in path]

    assert codes == [200] * len(path)


@pytest.mark.parametrize("outcome", ["canceled", "abandoned", "not_interested"])
async def test_an_outcome_other_than_confirmed_reopens_to_pending(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession, outcome: str
) -> None:
    order = await make_order(session, world=shop.world, products=[shop.product], status=outcome)

    reopened = await move(client, shop.agent, order, "pending")
    elsewhere = await move(
        client, shop.agent, order.id, "canceled" if outcome != "canceled" else "abandoned"
    )

    assert reopened.json()["data"]["status"] == "pending"
    assert elsewhere.status_code == 200


async def test_refused_move_is_409_with_the_current_and_allowed_statuses(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    order = await make_order(session, world=shop.world, products=[shop.product], status="canceled")

    response = await move(client, shop.agent, order, "shipped")

    assert response.status_code == 409
    assert response.json()["details"] == {
        "currentStatus": "canceled",
        "allowedStatuses": ["pending"],
    }


async def test_fulfilment_goes_confirmed_shipped_delivered_and_delivered_marks_paid(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    order = await make_order(session, world=shop.world, products=[shop.product], status="confirmed")

    refused = await move(client, shop.agent, order, "delivered")
    shipped = await move(client, shop.supplier, order, "shipped")
    delivered = await move(client, shop.supplier, order, "delivered")
    after = await move(client, shop.admin, order, "returned")

    assert refused.json()["details"]["allowedStatuses"] == ["canceled", "shipped"]
    assert shipped.json()["data"]["paymentStatus"] == "unpaid"
    assert (
        delivered.json()["data"] | {"status": "delivered", "paymentStatus": "paid"}
        == (delivered.json()["data"])
    )
    assert after.json()["details"]["allowedStatuses"] == []


async def test_setting_the_current_status_again_is_a_noop_that_succeeds(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    order = await make_order(session, world=shop.world, products=[shop.product], status="confirmed")

    response = await move(client, shop.agent, order, "confirmed")

    assert response.status_code == 200
    assert len(response.json()["data"]["history"]) == 1
    assert await stock_of(session, shop.product.id) == 9


async def test_confirming_takes_stock_and_canceling_a_confirmed_order_returns_it(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    order = await make_order(session, world=shop.world, products=[shop.product, shop.product])

    await move(client, shop.agent, order, "confirmed")
    taken = await stock_of(session, shop.product.id)
    await move(client, shop.agent, order, "canceled")
    returned = await stock_of(session, shop.product.id)

    assert (taken, returned) == (8, 10)


async def test_a_return_puts_the_stock_back(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    order = await make_order(session, world=shop.world, products=[shop.product], status="confirmed")

    await move(client, shop.supplier, order, "shipped")
    await move(client, shop.supplier, order, "returned")

    assert await stock_of(session, shop.product.id) == 10


async def test_confirmation_beyond_the_stock_is_409_and_changes_nothing(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    scarce = await make_product(session, supplier=shop.world.supplier, stock=1)
    order = await make_order(session, world=shop.world, products=[shop.product, scarce])
    order_id, scarce_id = order.id, scarce.id
    await make_order(session, world=shop.world, products=[scarce], status="confirmed")

    response = await move(client, shop.agent, order_id, "confirmed")

    assert response.status_code == 409
    assert response.json()["details"]["productId"] == scarce_id
    assert (await stock_of(session, shop.product.id), await stock_of(session, scarce_id)) == (10, 0)
    detail = (await client.get(f"/api/v1/orders/{order_id}", headers=shop.agent)).json()["data"]
    assert (detail["status"], len(detail["history"])) == ("pending", 1)


async def test_every_change_is_in_the_history_with_actor_and_note(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    order = await make_order(session, world=shop.world, products=[shop.product])

    await move(client, shop.agent, order, "not_reached", note="No answer at 10:00")
    await move(client, shop.reseller, order, "confirmed", note="Confirmed by phone")
    response = await client.get(f"/api/v1/orders/{order.id}/history", headers=shop.admin)

    history = [
        (h["fromStatus"], h["toStatus"], h["actor"], h["actorUserId"], h["note"])
        for h in response.json()["data"]
    ]
    world = shop.world
    assert history == [
        (
            None,
            "pending",
            f"reseller:{world.reseller_user.identifier}",
            world.reseller_user.id,
            "Order created (source manual)",
        ),
        (
            "pending",
            "not_reached",
            f"agent:{world.agent.identifier}",
            world.agent.id,
            "No answer at 10:00",
        ),
        (
            "not_reached",
            "confirmed",
            f"reseller:{world.reseller_user.identifier}",
            world.reseller_user.id,
            "Confirmed by phone",
        ),
    ]
    assert all(h["createdAt"].endswith("Z") for h in response.json()["data"])


async def locked(session: AsyncSession, shop: Shop, order_id: int) -> Order:
    """The order as a trusted caller locks it: by an admin, who sees every order."""
    admin = await auth_service.get_active_actor(session, shop.world.admin.id)
    assert admin is not None
    return await orders_service.lock_in_scope(session, actor=admin, reference=str(order_id))


async def test_change_status_records_digishare_as_the_actor(
    shop: Shop, session: WriteSession
) -> None:
    created = await make_order(session, world=shop.world, products=[shop.product])

    order = await locked(session, shop, created.id)
    await orders_service.change_status(
        session,
        order=order,
        status=OrderStatus.CONFIRMED,
        actor_label="digishare",
        actor_user_id=None,
        note="ticket yqdwrbka7kz69v8e",
    )
    await session.commit()

    reloaded = await locked(session, shop, created.id)
    assert reloaded.status is OrderStatus.CONFIRMED
    assert await stock_of(session, shop.product.id) == 9


async def test_a_status_change_from_a_stale_read_is_refused_and_writes_nothing(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    created = await make_order(session, world=shop.world, products=[shop.product])
    order_id = created.id
    session.sync_session.expire_on_commit = False  # the object keeps the version it read
    stale = await locked(session, shop, order_id)
    await session.commit()
    assert (await move(client, shop.agent, order_id, "not_reached")).status_code == 200

    with pytest.raises(StaleDataError):
        await orders_service.change_status(
            session,
            order=stale,
            status=OrderStatus.CANCELED,
            actor_label="digishare",
            actor_user_id=None,
            note=None,
        )
    await session.rollback()

    answer = (await client.get(f"/api/v1/orders/{order_id}", headers=shop.agent)).json()["data"]
    assert answer["status"] == "not_reached"
    assert [h["toStatus"] for h in answer["history"]] == ["pending", "not_reached"]


async def test_an_order_moved_then_changed_in_one_transaction_keeps_both(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    created = await make_order(session, world=shop.world, products=[shop.product])
    order = await locked(session, shop, created.id)

    await orders_service.change_status(
        session,
        order=order,
        status=OrderStatus.NOT_REACHED,
        actor_label="agent",
        actor_user_id=None,
        note=None,
    )
    order.call_attempts = 1  # what a call does after moving the order
    await session.commit()

    answer = (await client.get(f"/api/v1/orders/{order.id}", headers=shop.agent)).json()["data"]
    assert (answer["status"], answer["callAttempts"], answer["version"]) == ("not_reached", 1, 3)


async def test_suppliers_set_fulfilment_statuses_only(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    order = await make_order(session, world=shop.world, products=[shop.product])

    response = await move(client, shop.supplier, order, "confirmed")

    assert response.status_code == 403
    assert await stock_of(session, shop.product.id) == 10


async def test_bulk_status_gives_a_result_per_order_and_one_refusal_undoes_nothing(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    pending = await make_order(session, world=shop.world, products=[shop.product])
    canceled = await make_order(
        session, world=shop.world, products=[shop.product], status="canceled"
    )
    other_world = await make_world(session)
    foreign = await make_order(
        session,
        world=other_world,
        products=[await make_product(session, supplier=other_world.supplier)],
    )
    ids = [pending.id, canceled.id, foreign.id]

    response = await client.post(
        "/api/v1/orders/bulk-status",
        json={"ids": ids, "status": "confirmed", "note": "batch"},
        headers=shop.agent,
    )

    results = {r["id"]: (r["success"], r["status"], r["error"]) for r in response.json()["data"]}
    assert results == {
        pending.id: (True, "confirmed", None),
        canceled.id: (False, None, "Conflict"),
        foreign.id: (False, None, "Not found"),
    }
    assert response.json()["message"] == "1 of 3 orders updated"
    assert await stock_of(session, shop.product.id) == 9


@pytest.mark.postgres_only
async def test_two_agents_confirming_at_once_never_drive_stock_below_zero(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    import asyncio

    scarce = await make_product(session, supplier=shop.world.supplier, stock=3)
    scarce_id = scarce.id
    orders = [await make_order(session, world=shop.world, products=[scarce]) for _ in range(6)]
    same = orders[0].id

    # Six orders for 3 in stock, all confirmed at once, and the first one by three people.
    responses = await asyncio.gather(
        *[move(client, shop.agent, o.id, "confirmed") for o in orders],
        move(client, shop.reseller, same, "confirmed"),
        move(client, shop.admin, same, "confirmed"),
    )

    codes = sorted(r.status_code for r in responses)
    assert await stock_of(session, scarce_id) == 0
    confirmed = [
        o.id
        for o in orders
        if (await session.get(Order, o.id, populate_existing=True)).status  # type: ignore[union-attr]
        is OrderStatus.CONFIRMED
    ]
    assert len(confirmed) == 3
    # Confirming an order already confirmed is a no-op 200: it never takes the stock twice.
    succeeded = 3 + (2 if same in confirmed else 0)
    assert codes == [200] * succeeded + [409] * (8 - succeeded)


@pytest.mark.postgres_only
async def test_bulk_and_single_confirmations_of_one_scarce_product_take_it_once(
    client: httpx.AsyncClient, shop: Shop, session: WriteSession
) -> None:
    import asyncio

    scarce = await make_product(session, supplier=shop.world.supplier, stock=1)
    scarce_id = scarce.id
    first = await make_order(session, world=shop.world, products=[scarce])
    second = await make_order(session, world=shop.world, products=[scarce])

    await asyncio.gather(
        client.post(
            "/api/v1/orders/bulk-status",
            json={"ids": [first.id, second.id], "status": "confirmed"},
            headers=shop.agent,
        ),
        move(client, shop.reseller, second.id, "confirmed"),
        move(client, shop.admin, first.id, "confirmed"),
    )

    assert await stock_of(session, scarce_id) == 0
    statuses = [
        (await session.get(Order, o, populate_existing=True)).status  # type: ignore[union-attr]
        for o in (first.id, second.id)
    ]
    assert sorted(statuses) == sorted([OrderStatus.CONFIRMED, OrderStatus.PENDING])
