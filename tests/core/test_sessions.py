"""A read session cannot write: routes and services say which one they need."""

from __future__ import annotations

import pytest

from commercy.accounts.models import Supplier
from commercy.core.database import Database, ReadSession, WriteSession


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
