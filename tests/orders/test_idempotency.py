"""Idempotency-Key on POST /orders, with Stripe's semantics (SPEC §8)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from commercy.core.database import Database, utcnow
from commercy.core.errors import Conflict
from commercy.orders.models import IdempotencyKey, Order
from tests.factories import Shop, order_body

ORDERS = "/api/v1/orders"


async def count_orders(session: AsyncSession) -> int:
    count = await session.scalar(select(func.count()).select_from(Order)) or 0
    await session.commit()
    return count


async def test_same_key_and_body_replay_the_first_response(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession
) -> None:
    headers = shop.reseller | {"Idempotency-Key": "order-7f3a"}
    body = order_body(shop.product)

    first = await client.post(ORDERS, json=body, headers=headers)
    again = await client.post(ORDERS, json=body, headers=headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert await count_orders(session) == 1


async def test_same_key_with_another_body_is_422(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession
) -> None:
    headers = shop.reseller | {"Idempotency-Key": "order-7f3b"}

    await client.post(ORDERS, json=order_body(shop.product), headers=headers)
    other = await client.post(ORDERS, json=order_body(shop.other_product), headers=headers)

    assert other.status_code == 422
    assert other.json()["success"] is False
    assert await count_orders(session) == 1


async def test_a_failed_request_keeps_nothing_so_its_key_can_be_retried(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession
) -> None:
    headers = shop.reseller | {"Idempotency-Key": "order-7f3c"}
    refused = order_body(shop.product, status="confirmed")
    refused["products"][0]["quantity"] = 50  # more than the stock: 409

    failed = await client.post(ORDERS, json=refused, headers=headers)
    keys_left = await session.scalar(select(func.count()).select_from(IdempotencyKey))
    await session.commit()
    retried = await client.post(ORDERS, json=order_body(shop.product), headers=headers)

    assert (failed.status_code, retried.status_code) == (409, 201)
    assert keys_left == 0
    assert await count_orders(session) == 1


async def test_keys_belong_to_the_user_who_sent_them(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession
) -> None:
    body = order_body(shop.product)

    mine = await client.post(ORDERS, json=body, headers=shop.reseller | {"Idempotency-Key": "k1"})
    theirs = await client.post(ORDERS, json=body, headers=shop.agent | {"Idempotency-Key": "k1"})

    assert mine.json()["orderNumber"] != theirs.json()["orderNumber"]
    assert await count_orders(session) == 2


async def test_a_request_still_running_under_the_key_gets_409(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession
) -> None:
    from commercy.orders.idempotency import fingerprint

    body = order_body(shop.product)
    session.add(
        IdempotencyKey(
            user_id=shop.world.reseller_user.id,
            key="in-flight",
            request_hash=fingerprint(body),
            expires_at=utcnow() + timedelta(hours=24),
        )
    )
    await session.commit()

    response = await client.post(
        ORDERS, json=body, headers=shop.reseller | {"Idempotency-Key": "in-flight"}
    )

    assert response.status_code == 409
    assert await count_orders(session) == 0


async def test_a_claim_left_by_a_request_that_died_is_taken_over_after_60_s(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession
) -> None:
    from commercy.orders.idempotency import fingerprint

    body = order_body(shop.product)
    session.add(
        IdempotencyKey(
            user_id=shop.world.reseller_user.id,
            key="orphan",
            request_hash=fingerprint(body),
            created_at=utcnow() - timedelta(seconds=61),
            expires_at=utcnow() + timedelta(hours=24),
        )
    )
    await session.commit()
    headers = shop.reseller | {"Idempotency-Key": "orphan"}

    taken_over = await client.post(ORDERS, json=body, headers=headers)
    replayed = await client.post(ORDERS, json=body, headers=headers)

    assert taken_over.status_code == 201 and "Idempotent-Replayed" not in taken_over.headers
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.json() == taken_over.json()
    assert await count_orders(session) == 1


async def test_an_expired_key_starts_afresh(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession
) -> None:
    headers = shop.reseller | {"Idempotency-Key": "old-key"}
    await client.post(ORDERS, json=order_body(shop.product), headers=headers)
    key = await session.scalar(select(IdempotencyKey).where(IdempotencyKey.key == "old-key"))
    assert key is not None and key.expires_at >= utcnow() + timedelta(hours=23, minutes=59)
    key.expires_at = utcnow() - timedelta(seconds=1)
    await session.commit()

    again = await client.post(ORDERS, json=order_body(shop.other_product), headers=headers)

    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert await count_orders(session) == 2


@pytest.mark.postgres_only
async def test_the_same_key_sent_by_many_clients_at_once_makes_exactly_one_order(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession
) -> None:
    headers = shop.reseller | {"Idempotency-Key": "storm"}
    body = order_body(shop.product)

    responses = await asyncio.gather(
        *[client.post(ORDERS, json=body, headers=headers) for _ in range(8)]
    )

    assert await count_orders(session) == 1
    created = [r for r in responses if r.status_code == 201]
    assert {r.status_code for r in responses} <= {201, 409}
    assert len({r.json()["orderNumber"] for r in created}) == 1
    retry = await client.post(ORDERS, json=body, headers=headers)
    assert retry.json()["orderNumber"] == created[0].json()["orderNumber"]


@pytest.mark.postgres_only
async def test_a_request_under_a_key_whose_first_request_has_not_committed_gets_409_at_once(
    client: httpx.AsyncClient, shop: Shop, session: AsyncSession
) -> None:
    from commercy.orders.idempotency import fingerprint, lock_id

    body = order_body(shop.product)
    user_id = shop.world.reseller_user.id
    headers = shop.reseller | {"Idempotency-Key": "uncommitted"}
    # The first request half-way: its key's lock held, its claim inserted and not committed.
    await session.execute(select(func.pg_advisory_xact_lock(lock_id(user_id, "uncommitted"))))
    first = IdempotencyKey(
        user_id=user_id,
        key="uncommitted",
        request_hash=fingerprint(body),
        expires_at=utcnow() + timedelta(hours=24),
    )
    session.add(first)
    await session.flush()

    during = await asyncio.wait_for(client.post(ORDERS, json=body, headers=headers), 10)
    first.response_status, first.response_body = 201, {"orderNumber": "ORD-1-1"}
    await session.commit()
    after = await client.post(ORDERS, json=body, headers=headers)

    assert during.status_code == 409
    assert during.json()["details"] == {"field": "Idempotency-Key"}
    assert (after.status_code, after.json()) == (201, {"orderNumber": "ORD-1-1"})
    assert after.headers["Idempotent-Replayed"] == "true"
    assert await count_orders(session) == 0


@pytest.mark.postgres_only
async def test_a_new_key_committed_by_another_request_meanwhile_refuses_the_answer_with_409(
    database: Database, shop: Shop, session: AsyncSession
) -> None:
    """The lookup's view predates its lock: a row committed in between is caught by the
    insert of the answer, which refuses (and so rolls back) the second request's create."""
    from commercy.orders import idempotency

    user_id = shop.world.reseller_user.id
    async with database.pinned_session() as request_session:
        claimed = await idempotency.claim(
            request_session, user_id=user_id, key="raced", request_hash="a" * 64
        )
        session.add(
            IdempotencyKey(
                user_id=user_id,
                key="raced",
                request_hash="a" * 64,
                response_status=201,
                response_body={"orderNumber": "ORD-1-1"},
                expires_at=utcnow() + timedelta(hours=24),
            )
        )
        await session.commit()

        assert isinstance(claimed, idempotency.Claim)
        with pytest.raises(Conflict):
            await idempotency.complete(
                request_session, claimed=claimed, status_code=201, body={"orderNumber": "x"}
            )
        await request_session.rollback()

    stored = await session.scalar(select(IdempotencyKey.response_body))
    assert stored == {"orderNumber": "ORD-1-1"}
