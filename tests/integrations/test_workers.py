"""Several workers share one outbox: each job runs once at a time, and exactly once here."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from commercy.core.database import Database, WriteSession
from commercy.core.settings import Settings
from commercy.outbox import service as outbox_service
from commercy.outbox.worker import JobContext, OutboxWorker
from tests.integrations.conftest import drain


@pytest.mark.postgres_only
async def test_two_workers_never_run_the_same_job_at_once(
    session: WriteSession, settings: Settings
) -> None:
    for n in range(40):
        await outbox_service.enqueue(session, kind="probe", payload={"n": n})
    await session.commit()
    runs: Counter[int] = Counter()
    running: set[int] = set()
    overlaps: list[int] = []

    async def probe(context: JobContext, database: Database, settings: Settings) -> None:
        if context.job_id in running:
            overlaps.append(context.job_id)
        running.add(context.job_id)
        await asyncio.sleep(0.01)
        runs[context.job_id] += 1
        running.discard(context.job_id)

    databases = [Database(settings), Database(settings)]
    workers = [
        OutboxWorker(database=db, settings=settings, handlers={"probe": probe}) for db in databases
    ]
    try:
        await drain(databases[0], *workers)
    finally:
        for db in databases:
            await db.dispose()

    assert overlaps == []
    assert len(runs) == 40
    assert set(runs.values()) == {1}


async def test_a_slow_job_keeps_its_lease_and_is_not_taken_over(
    session: WriteSession, database: Database, settings: Settings
) -> None:
    await outbox_service.enqueue(session, kind="slow", payload={})
    await session.commit()
    runs: Counter[int] = Counter()

    async def slow(context: JobContext, database: Database, settings: Settings) -> None:
        runs[context.job_id] += 1
        await asyncio.sleep(1.6)

    short_lease = settings.model_copy(update={"outbox_lease_seconds": 0.6})
    first, second = (
        OutboxWorker(database=database, settings=short_lease, handlers={"slow": slow})
        for _ in range(2)
    )
    running = asyncio.create_task(first.run_once())
    await asyncio.sleep(1.0)  # past the lease, had the first worker not renewed it

    assert await second.run_once() is False
    await running
    assert list(runs.values()) == [1]
