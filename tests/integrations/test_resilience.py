"""Faults on Digishare's side never lose a job nor make a second ticket."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

import httpx
import pytest
from sqlalchemy import select

from commercy.core.database import Database
from commercy.core.settings import Settings
from commercy.outbox.models import JobState, OutboxJob
from commercy.outbox.worker import OutboxWorker
from tests.integrations.conftest import (
    SANDBOX_TOKEN,
    Shop,
    count_jobs,
    drain,
    place_order,
    sandbox_tickets,
)


def set_faults(sandbox: str, **faults: object) -> None:
    response = httpx.put(
        f"{sandbox}/_sandbox/faults",
        json=faults,
        headers={"Authorization": f"Bearer {SANDBOX_TOKEN}"},
    )
    assert response.status_code == 200, response.text


async def test_flaky_then_down_then_back_every_order_gets_exactly_one_ticket(
    client: httpx.AsyncClient, shop: Shop, sandbox: str, worker: OutboxWorker, database: Database
) -> None:
    orders = [await place_order(client, shop, customerPhone=f"+2162012{n:04d}") for n in range(8)]

    set_faults(sandbox, error_rate=0.3, latency_ms=30, seed=7, fail_after_commit=True)
    for _ in range(20):
        await worker.run_once()
    set_faults(sandbox, outage=True)
    for _ in range(10):
        await worker.run_once()
        await asyncio.sleep(0.02)
    assert await count_jobs(database, JobState.FAILED) == 0
    set_faults(sandbox, error_rate=0, latency_ms=0, outage=False)
    await drain(database, worker)

    for order in orders:
        assert len(sandbox_tickets(sandbox, order["orderNumber"])) == 1, order["orderNumber"]
    assert await count_jobs(database, JobState.DONE) == len(orders)


async def test_a_ticket_created_before_a_lost_answer_is_found_not_duplicated(
    client: httpx.AsyncClient, shop: Shop, sandbox: str, worker: OutboxWorker, database: Database
) -> None:
    order = await place_order(client, shop)
    set_faults(sandbox, error_rate=1.0, fail_after_commit=True, seed=1)
    await worker.run_once()  # uploads fail before taking effect; the job is rescheduled
    async with database.sessionmaker() as session:
        job = await session.scalar(select(OutboxJob))
        assert job is not None
        assert job.state is JobState.PENDING
    set_faults(sandbox, error_rate=0)
    await drain(database, worker)

    assert len(sandbox_tickets(sandbox, order["orderNumber"])) == 1


async def test_a_killed_worker_job_is_finished_once_by_another(
    client: httpx.AsyncClient,
    shop: Shop,
    sandbox: str,
    database: Database,
    settings: Settings,
    worker_settings: Settings,
) -> None:
    order = await place_order(client, shop)
    set_faults(sandbox, latency_ms=1500)
    doomed = subprocess.Popen(
        [sys.executable, "-m", "commercy", "worker"],
        env={
            **os.environ,
            "COMMERCY_DATABASE_URL": settings.resolved_database_url,
            "COMMERCY_DATA_DIR": str(settings.data_dir),
            "COMMERCY_OUTBOX_LEASE_SECONDS": "1",
            "COMMERCY_WORKER_POLL_SECONDS": "0.05",
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await _wait_until_ticket_requested(database)
        await asyncio.sleep(0.3)  # its ticket request is now in flight to the slow sandbox
    finally:
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=10)
    set_faults(sandbox, latency_ms=0)
    await asyncio.sleep(1.1)  # the dead worker's lease runs out

    from commercy.jobs import build_worker

    survivor = build_worker(database, worker_settings)
    await drain(database, survivor)

    assert len(sandbox_tickets(sandbox, order["orderNumber"])) == 1
    async with database.sessionmaker() as session:
        job = await session.scalar(select(OutboxJob))
    assert job is not None
    assert job.state is JobState.DONE
    assert job.attempts == 2


async def _wait_until_ticket_requested(database: Database, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with database.sessionmaker() as session:
            job = await session.scalar(select(OutboxJob))
        if job is not None and job.progress.get("ticket_requested"):
            return
        await asyncio.sleep(0.02)
    pytest.fail("the worker process never got to creating the ticket")


async def test_a_throttled_job_waits_as_long_as_retry_after_says(
    client: httpx.AsyncClient, shop: Shop, sandbox: str, worker: OutboxWorker, database: Database
) -> None:
    await place_order(client, shop)
    set_faults(sandbox, throttle_rate=1.0, retry_after_seconds=120)

    before = time.time()
    await worker.run_once()

    async with database.sessionmaker() as session:
        job = await session.scalar(select(OutboxJob))
    assert job is not None
    assert job.state is JobState.PENDING
    assert "429" in (job.last_error or "")
    assert job.run_after.timestamp() >= before + 119


@pytest.mark.postgres_only
async def test_a_worker_process_is_woken_by_the_commit_not_its_next_poll(
    client: httpx.AsyncClient, shop: Shop, sandbox: str, settings: Settings
) -> None:
    sleepy = subprocess.Popen(
        [sys.executable, "-m", "commercy", "worker"],
        env={
            **os.environ,
            "COMMERCY_DATABASE_URL": settings.resolved_database_url,
            "COMMERCY_DATA_DIR": str(settings.data_dir),
            "COMMERCY_WORKER_POLL_SECONDS": "600",
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await asyncio.sleep(3)  # started, found nothing to do, now waiting
        order = await place_order(client, shop)
        deadline = time.monotonic() + 30
        while not sandbox_tickets(sandbox, order["orderNumber"]):
            assert time.monotonic() < deadline, "the worker slept through the NOTIFY"
            await asyncio.sleep(0.1)
    finally:
        sleepy.terminate()
        sleepy.wait(timeout=10)
