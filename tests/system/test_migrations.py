"""The migrations build exactly the schema the models declare, on SQLite and on PostgreSQL.

A model changed without its migration would work in a test that builds tables from the models,
and break on the first real upgrade; here every table comes from the migrations, and Alembic's
own comparison (what `alembic revision --autogenerate` would write) must find nothing to do.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from commercy import models  # noqa: F401  (registers every table on the metadata)
from commercy.core.database import Base, Database

# Built by a migration on PostgreSQL only, with an operator class the models cannot express
# portably: the trigram index that serves the orders search.
POSTGRES_ONLY_INDEXES = {"ix_orders_search_trgm"}


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
