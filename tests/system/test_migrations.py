"""The migrations build exactly the schema the models declare, on SQLite and on PostgreSQL.

A model changed without its migration would work in a test that builds tables from the models,
and break on the first real upgrade; here every table comes from the migrations, and Alembic's
own comparison (what `alembic revision --autogenerate` would write) must find nothing to do.
"""

from __future__ import annotations

from typing import Any

import httpx
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, text

from commercy import models  # noqa: F401  (registers every table on the metadata)
from commercy.core.database import Base, Database, WriteSession
from commercy.core.migrations import alembic_config
from commercy.core.settings import Settings
from tests.calls.helpers import claimed_call, queued
from tests.factories import make_order, make_shop

# Built by a migration on PostgreSQL only, with an operator class the models cannot express
# portably: the trigram index that serves the orders search.
POSTGRES_ONLY_INDEXES = {"ix_orders_search_trgm"}
# The migration before the one that adds and backfills the orders' folded name.
FOLDED_NAME_PARENT = "3b8e1f6c2a94"
# The migration before the one that gives each call attempt its order's reseller.
ATTEMPTS_RESELLER_PARENT = "7e2b4d9a1c58"


def _unmigrated_changes(connection: Connection) -> list[Any]:
    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        return not (type_ == "index" and name in POSTGRES_ONLY_INDEXES)

    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": include}
    )
    return list(compare_metadata(context, Base.metadata))


async def test_migrations_build_exactly_what_the_models_declare(database: Database) -> None:
    async with database.engine.connect() as connection:
        changes = await connection.run_sync(_unmigrated_changes)

    assert changes == []


async def test_the_folded_name_migration_backfills_the_orders_already_there(
    client: httpx.AsyncClient, session: WriteSession, settings: Settings, database: Database
) -> None:
    shop = await make_shop(session, settings)
    names = ["Hélène Ben Ali", "Sami TRABELSI", "Ζωή Ἀλεξίου", None]
    for name in names:
        await make_order(session, world=shop.world, products=[shop.product], customerName=name)
    await session.commit()

    async with database.engine.begin() as connection:
        await connection.run_sync(_migrate, "downgrade", FOLDED_NAME_PARENT)
    async with database.engine.begin() as connection:
        await connection.run_sync(_migrate, "upgrade", "head")

    async with database.engine.connect() as connection:
        stored = (await connection.execute(text("SELECT customer_name_folded FROM orders"))).all()
    assert sorted(row[0] or "" for row in stored) == [
        "",
        "helene ben ali",
        "sami trabelsi",
        "ζωη αλεξιου",
    ]
    found = await client.get("/api/v1/orders", params={"search": "helene"}, headers=shop.reseller)
    assert len(found.json()["data"]) == 1


async def test_the_call_attempts_migration_gives_each_attempt_its_orders_reseller(
    client: httpx.AsyncClient, session: WriteSession, settings: Settings, database: Database
) -> None:
    shops = [await make_shop(session, settings) for _ in range(2)]
    for shop, outcomes in zip(shops, (["not_reached", "confirmed"], ["canceled"]), strict=True):
        orders = await queued(session, shop, len(outcomes))
        for order_id, outcome in zip(orders, outcomes, strict=True):
            await claimed_call(client, shop.agent, order_id, outcome=outcome)
    await session.commit()

    async with database.engine.begin() as connection:
        await connection.run_sync(_migrate, "downgrade", ATTEMPTS_RESELLER_PARENT)
    async with database.engine.begin() as connection:
        await connection.run_sync(_migrate, "upgrade", "head")

    async with database.engine.connect() as connection:
        kept = await connection.scalar(
            text(
                "SELECT count(*) FROM call_attempts a JOIN orders o ON o.id = a.order_id"
                " WHERE a.reseller_id = o.reseller_id"
            )
        )
    assert kept == 3
    for shop, attempts in zip(shops, (2, 1), strict=True):
        stats = await client.get("/api/v1/stats/calls", headers=shop.reseller)
        assert [row["attempts"] for row in stats.json()["data"]] == [attempts]


def _migrate(connection: Connection, direction: str, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    getattr(command, direction)(config, revision)
