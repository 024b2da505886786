"""A read session cannot write: routes and services say which one they need."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, func, insert, select

from commercy.accounts.models import Supplier
from commercy.core.database import (
    Database,
    Precompiled,
    ReadSession,
    WriteSession,
    table_of,
    utcnow,
)


async def test_a_read_session_refuses_to_flush_a_change(database: Database) -> None:
    async with database.read_sessionmaker() as session:
        assert isinstance(session, ReadSession)
        session.add(Supplier(name="Never written"))
        with pytest.raises(TypeError, match="read session cannot write"):
            await session.flush()


async def test_a_write_session_writes(database: Database) -> None:
    async with database.sessionmaker() as session, session.begin():
        assert isinstance(session, WriteSession)
        supplier = Supplier(name="Written")
        session.add(supplier)
        await session.flush()
        assert supplier.id is not None


_SUPPLIERS = table_of(Supplier)
_SUPPLIER = Precompiled(
    insert(_SUPPLIERS)
    .values(name=bindparam("name"), created_at=bindparam("at"), updated_at=bindparam("at"))
    .returning(_SUPPLIERS.c.id)
)


async def _suppliers_named(database: Database, name: str) -> int:
    async with database.read_sessionmaker() as session:
        found = await session.scalar(select(func.count()).where(Supplier.name == name))
        return int(found or 0)


@pytest.mark.parametrize("first", ["precompiled", "session"])
async def test_a_precompiled_statement_runs_in_the_sessions_transaction(
    database: Database, first: str
) -> None:
    """Its transaction's first statement or not, a precompiled write is undone with the
    transaction and kept with its commit, as the session's own statements are."""
    name = f"Precompiled first: {first}"
    async with database.pinned_session() as session:
        if first == "session":
            await session.execute(select(func.count()).select_from(Supplier))
        assert await _SUPPLIER.scalar(session, {"name": name, "at": utcnow()}) is not None
        await session.rollback()
    assert await _suppliers_named(database, name) == 0

    async with database.pinned_session() as session:
        await _SUPPLIER.scalar(session, {"name": name, "at": utcnow()})
        await session.commit()
    assert await _suppliers_named(database, name) == 1


async def test_a_precompiled_statement_after_a_commit_runs_in_the_next_transaction(
    database: Database,
) -> None:
    """A session's connection is looked up once per transaction: after a commit, the next
    precompiled write belongs to the next transaction and is undone with it."""
    kept, undone = "Kept by the first commit", "Undone with the second transaction"
    async with database.pinned_session() as session:
        await _SUPPLIER.scalar(session, {"name": kept, "at": utcnow()})
        await _SUPPLIER.scalar(session, {"name": kept, "at": utcnow()})
        await session.commit()
        await _SUPPLIER.scalar(session, {"name": undone, "at": utcnow()})
        await session.rollback()
    assert await _suppliers_named(database, kept) == 2
    assert await _suppliers_named(database, undone) == 0
