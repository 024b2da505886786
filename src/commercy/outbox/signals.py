"""Waking workers as soon as a job commits, instead of at their next poll.

In one process, a committed session that enqueued a job sets every local worker's event.
Across processes on PostgreSQL, the enqueueing transaction sends ``NOTIFY commercy_outbox``
(delivered at commit) and each worker LISTENs on a connection of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from commercy.core.database import Database, Precompiled

logger = logging.getLogger("commercy.outbox")

CHANNEL = "commercy_outbox"
_ENQUEUED = "commercy.outbox.enqueued"
_NOTIFY = Precompiled(text(f"NOTIFY {CHANNEL}"))
_listeners: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()


async def mark_enqueued(session: AsyncSession) -> None:
    """Called in the enqueueing transaction: wake workers once it commits."""
    session.sync_session.info[_ENQUEUED] = True
    if session.get_bind().dialect.name == "postgresql":
        await _NOTIFY.execute(session, {})


@event.listens_for(Session, "after_commit")
def _wake_local_workers(session: Session) -> None:
    if session.info.pop(_ENQUEUED, False):
        wake_local_workers()


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_ENQUEUED, None)


def wake_local_workers() -> None:
    for loop, wakeup in list(_listeners):
        if not loop.is_closed():
            loop.call_soon_threadsafe(wakeup.set)


@contextlib.asynccontextmanager
async def wakeups(database: Database) -> AsyncIterator[asyncio.Event]:
    """An event set whenever a job may be waiting: local commits, and NOTIFY on PostgreSQL."""
    wakeup = asyncio.Event()
    entry = (asyncio.get_running_loop(), wakeup)
    _listeners.add(entry)
    try:
        if database.engine.dialect.name == "postgresql":
            async with _listen(database, wakeup):
                yield wakeup
        else:
            yield wakeup
    finally:
        _listeners.discard(entry)


@contextlib.asynccontextmanager
async def _listen(database: Database, wakeup: asyncio.Event) -> AsyncIterator[None]:
    def notified(*_: Any) -> None:
        wakeup.set()

    async with database.engine.connect() as connection:
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        await driver.add_listener(CHANNEL, notified)
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                await driver.remove_listener(CHANNEL, notified)
