"""Alembic environment: runs on a connection handed over by ``commercy.core.migrations``,
or on the configured database when called from the ``alembic`` command line."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection

from commercy import models  # noqa: F401  (registers every table on the metadata)
from commercy.core.database import Base, Database, UTCDateTime
from commercy.core.settings import Settings

target_metadata = Base.metadata


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        render_item=render_item,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_on_configured_database() -> None:
    database = Database(Settings())
    async with database.engine.begin() as connection:
        await connection.run_sync(run_on)
    await database.dispose()


connection = context.config.attributes.get("connection")
if connection is not None:
    run_on(connection)
else:
    asyncio.run(run_on_configured_database())
