"""The API's create (``service.create_order_answer``: the answer validated from the rows written,
no ORM object built) answers and writes exactly what ``service.create_order`` does with its
ORM order: the same answer, order row, items, history line, stock and outbox job."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Executable, select

from commercy.auth import service as auth_service
from commercy.blocklist.models import BlockedPhone
from commercy.catalog.models import Product
from commercy.core.database import Database, WriteSession, table_of
from commercy.core.errors import Conflict
from commercy.core.settings import Settings
from commercy.integrations.digishare.models import DigishareIntegration, WebhookAuthType
from commercy.orders import service
from commercy.orders.models import Order, OrderItem, OrderStatusChange
from commercy.orders.schemas import OrderCreate, OrderCreatedOut
from commercy.outbox.models import OutboxJob
from tests.factories import Shop, make_mapping, make_order, order_body

NOW = datetime(2026, 12, 4, 19, 0, 0, 123456, tzinfo=UTC)
Create = Callable[[WriteSession, dict[str, Any]], Awaitable[OrderCreatedOut]]


async def through_the_orm(session: WriteSession, body: dict[str, Any]) -> OrderCreatedOut:
    """The reference: the ORM's order, validated as the answer."""
    order = await service.create_order(session, **await _arguments(session, body))
    return OrderCreatedOut.model_validate(order)


async def from_the_rows(session: WriteSession, body: dict[str, Any]) -> OrderCreatedOut:
    return await service.create_order_answer(session, **await _arguments(session, body))


async def _arguments(session: WriteSession, body: dict[str, Any]) -> dict[str, Any]:
    user_id = body.pop("_user_id")
    actor = await auth_service.get_active_actor(session, user_id)
    assert actor is not None
    data = OrderCreate.model_validate(body)
    return {"actor": actor, "data": data, "settings": Settings(_env_file=None)}


async def _rows(session: WriteSession, statement: Executable) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in await session.execute(statement)]


async def created(
    database: Database, create: Create, body: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The answer and every row the create wrote (ids and the number made neutral), read in the
    create's own transaction and then rolled back, so that each way starts from the same data."""
    async with database.sessionmaker() as session:
        answer = (await create(session, dict(body))).model_dump(mode="json", by_alias=True)
        order_id, number = answer["id"], answer["orderNumber"]
        jobs = OutboxJob.__table__.c
        written = {
            "order": await _rows(session, select(table_of(Order)).where(Order.id == order_id)),
            "items": await _rows(
                session,
                select(table_of(OrderItem))
                .where(OrderItem.order_id == order_id)
                .order_by(OrderItem.id),
            ),
            "history": await _rows(
                session,
                select(table_of(OrderStatusChange)).where(OrderStatusChange.order_id == order_id),
            ),
            "jobs": await _rows(
                session,
                select(jobs.kind, jobs.payload, jobs.state, jobs.reseller_id).where(
                    jobs.order_id == order_id
                ),
            ),
            "stock": await _rows(
                session, select(Product.id, Product.stock_quantity).order_by(Product.id)
            ),
        }
        await session.rollback()
    return _neutral(answer, number), _neutral(written, number)


def _neutral(value: Any, number: str) -> Any:
    """``value`` with every id (the order's, its lines', the job's reference to the order) and
    the order's number replaced by names: two creates of the same order differ in those only."""
    if isinstance(value, dict):
        return {
            key: "<id>" if key in _IDS else _neutral(item, number) for key, item in value.items()
        }
    if isinstance(value, list):
        return [_neutral(item, number) for item in value]
    if isinstance(value, str):
        return value.replace(number, "<number>")
    return value


_IDS = frozenset({"id", "order_id"})


async def _digishare_enabled(session: WriteSession, shop: Shop) -> None:
    session.add(
        DigishareIntegration(
            reseller_id=shop.world.reseller.id,
            base_url="https://digishare.test",
            ticket_type_id="npvrxamq9l94y8dz",
            initial_status_id="x9q3wrlv0m7vzea8",
            webhook_auth_type=WebhookAuthType.BEARER,
            webhook_secret_sealed="sealed",
        )
    )
    await session.commit()


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({}, id="plain"),
        pytest.param(
            {
                "shippingOption": "paid",
                "shippingCost": 7.5,
                "customerPhone2": "20 999 888",
                "notes": "Livrer après 17h",
                "customerZipCode": "1000",
            },
            id="every-field",
        ),
        pytest.param({"status": "confirmed"}, id="confirmed-takes-stock"),
        pytest.param({"source": "sur_place"}, id="walk-in"),
        pytest.param({"customerName": ""}, id="no-name"),
        pytest.param({"customerPhone": "20 777 666"}, id="blocked-number"),
        pytest.param({"customerPhone": "20 555 444"}, id="possible-duplicate"),
        pytest.param({"source": "converty"}, id="converty-image"),
    ],
)
async def test_the_answer_from_the_rows_is_the_orms(
    shop: Shop,
    session: WriteSession,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
    fields: dict[str, Any],
) -> None:
    world = shop.world
    await _digishare_enabled(session, shop)
    await make_order(session, world=world, products=[shop.product], customerPhone="20 555 444")
    await make_mapping(session, reseller=world.reseller, product=shop.product)
    await make_mapping(session, reseller=world.reseller, product=shop.other_product)
    session.add(
        BlockedPhone(
            phone="+21620777666", reseller_id=None, reason="Fraud", created_by="admin:test"
        )
    )
    await session.commit()
    monkeypatch.setattr(service, "utcnow", lambda: NOW)
    body = order_body(shop.product, shop.other_product, **fields)
    body["products"][1]["quantity"] = 2
    body["_user_id"] = world.agent.id

    expected = await created(database, through_the_orm, body)
    answer = await created(database, from_the_rows, body)

    assert answer == expected
    answered, written = answer
    assert written["history"] and written["items"]
    if fields.get("status") == "confirmed":
        assert answered["status"] == "confirmed"
    if answered["blocked"] or answered["source"] == "sur_place":
        assert written["jobs"] == []
    else:
        assert [job["kind"] for job in written["jobs"]] == ["digishare.notify_order"]
    if fields.get("customerPhone") == "20 555 444":
        assert answered["possibleDuplicateOf"] is not None


@pytest.mark.parametrize("create", [through_the_orm, from_the_rows])
async def test_a_refused_create_is_refused_alike(
    shop: Shop, session: WriteSession, database: Database, create: Create
) -> None:
    body = order_body(shop.product, status="confirmed")
    body["products"][0]["quantity"] = 11
    body["_user_id"] = shop.world.agent.id
    async with database.sessionmaker() as attempt:
        with pytest.raises(Conflict) as refused:
            await create(attempt, body)
    assert refused.value.code == "not_enough_stock"
    assert refused.value.details == {"productId": shop.product.id, "available": 10, "requested": 11}
