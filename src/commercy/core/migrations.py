"""Alembic, driven from code: ``commercy migrate``, the embedded default and the tests."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text

from commercy.core.database import Database

SCRIPT_LOCATION = "commercy:migrations"
# Several API processes may start at once against one PostgreSQL: only one migrates.
_MIGRATION_LOCK_ID = 0x636F6D6D  # "comm"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


async def upgrade(database: Database, revision: str = "head") -> None:
    async with database.engine.begin() as connection:
        await connection.run_sync(_upgrade, revision)


def _upgrade(connection: Connection, revision: str) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def head_revision() -> str:
    """The newest migration this code ships."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migrations have one head"
    return head


async def current_revision(database: Database) -> str | None:
    """The migration the database is at; None before the first."""
    async with database.engine.connect() as connection:
        try:
            revision = await connection.scalar(text("SELECT version_num FROM alembic_version"))
        except Exception:  # no table yet: never migrated
            return None
    return None if revision is None else str(revision)
