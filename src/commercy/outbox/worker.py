"""The outbox worker: claims due jobs, runs their handler, settles them.

It runs inside `commercy serve` for the embedded default and as `commercy worker` processes at
scale; any number of them can share one PostgreSQL database.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from commercy.core import logs
from commercy.core.database import Database
from commercy.core.metrics import metrics
from commercy.core.settings import Settings
from commercy.outbox import service, signals
from commercy.outbox.models import JobState, OutboxJob

logger = logging.getLogger("commercy.outbox")


class RetryableJobError(Exception):
    """The job may succeed later (timeouts, 5xx, 429). ``retry_after`` overrides the backoff."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentJobError(Exception):
    """Trying again cannot help (a 4xx other than 429, a missing order): fail at once."""


class LeaseLostError(Exception):
    """Another worker took the job over (our lease ran out): stop touching it."""


@dataclass
class JobContext:
    """What a handler sees: the job's payload, its progress so far, and a way to keep a step."""

    job_id: int
    payload: dict[str, Any]
    progress: dict[str, Any]
    attempt: int
    _save: Callable[[dict[str, Any]], Awaitable[bool]] = field(repr=False)

    async def keep(self, **step_results: Any) -> None:
        """Record finished steps; raises LeaseLostError when the job is no longer ours."""
        self.progress.update(step_results)
        await self._store()

    async def forget(self, *steps: str) -> None:
        """Mark steps to be done again on the next attempt."""
        for step in steps:
            self.progress.pop(step, None)
        await self._store()

    async def _store(self) -> None:
        if not await self._save(dict(self.progress)):
            raise LeaseLostError(f"job {self.job_id} was taken over by another worker")


Handler = Callable[[JobContext, Database, Settings], Awaitable[None]]


async def _first_of(*events: asyncio.Event, timeout: float) -> None:
    """Sleep until one of ``events`` is set, or ``timeout`` seconds pass."""
    waiters = [asyncio.create_task(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def backoff_seconds(attempt: int, *, base: float, cap: float) -> float:
    """Exponential backoff with full jitter (AWS architecture blog's recipe)."""
    ceiling = min(cap, base * 2 ** max(attempt - 1, 0))
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311  (jitter, not security)


class OutboxWorker:
    def __init__(
        self,
        *,
        database: Database,
        settings: Settings,
        handlers: dict[str, Handler],
        worker_id: str | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.handlers = handlers
        self.worker_id = worker_id or new_worker_id()

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Run ``worker_concurrency`` jobs at a time until ``stop`` is set."""
        logger.info("outbox worker %s started", self.worker_id)
        async with signals.wakeups(self.database) as wakeup:
            slots = [
                asyncio.create_task(self._slot(stop, wakeup))
                for _ in range(max(1, self.settings.worker_concurrency))
            ]
            await asyncio.gather(*slots)
        logger.info("outbox worker %s stopped", self.worker_id)

    async def _slot(self, stop: asyncio.Event, wakeup: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                worked = await self.run_once()
            except Exception:
                logger.exception("outbox worker %s: claim failed", self.worker_id)
                worked = False
            if not worked:
                await _first_of(stop, wakeup, timeout=self.settings.worker_poll_seconds)
                wakeup.clear()

    async def run_until_idle(self, *, max_jobs: int = 10_000) -> int:
        """Run due jobs until none is left; returns how many ran. For tests and the demo."""
        ran = 0
        while ran < max_jobs and await self.run_once():
            ran += 1
        return ran

    async def run_once(self) -> bool:
        job = await self._claim()
        if job is None:
            return False
        await self._run(job)
        return True

    async def _claim(self) -> OutboxJob | None:
        async with self.database.sessionmaker() as session, session.begin():
            return await service.claim_next(
                session,
                worker_id=self.worker_id,
                lease_seconds=self.settings.outbox_lease_seconds,
            )

    async def _run(self, job: OutboxJob) -> None:
        handler = self.handlers.get(job.kind)
        context = JobContext(
            job_id=job.id,
            payload=dict(job.payload),
            progress=dict(job.progress or {}),
            attempt=job.attempts,
            _save=lambda progress: self._renew(job.id, progress),
        )
        logs.start_context(job_id=job.id, job_kind=job.kind, order_id=job.order_id)
        outcome = "done"
        try:
            if handler is None:
                raise PermanentJobError(f"no handler for job kind {job.kind!r}")
            await self._with_heartbeat(job.id, handler(context, self.database, self.settings))
        except LeaseLostError:
            outcome = "lease_lost"
            logger.warning("job %s: lease lost, leaving it to its new worker", job.id)
        except PermanentJobError as exc:
            outcome = await self._settle(job, str(exc), retry_in=None)
        except RetryableJobError as exc:
            retry_in = exc.retry_after or self._backoff(job)
            outcome = await self._settle(job, str(exc), retry_in=retry_in)
        except Exception as exc:  # an unknown failure: retry, bounded by max_attempts
            logger.exception("job %s failed unexpectedly", job.id)
            error = f"{type(exc).__name__}: {exc}"
            outcome = await self._settle(job, error, retry_in=self._backoff(job))
        else:
            async with self.database.sessionmaker() as session, session.begin():
                await service.complete(session, job_id=job.id, worker_id=self.worker_id)
        finally:
            metrics().job_runs.labels(job.kind, outcome).inc()

    async def _with_heartbeat(self, job_id: int, work: Awaitable[None]) -> None:
        """Run ``work`` while renewing the job's lease, so a slow step is not mistaken for a
        dead worker; stop it if another worker took the job over anyway."""
        task = asyncio.ensure_future(work)
        interval = self.settings.outbox_lease_seconds / 3
        try:
            while not task.done():
                await asyncio.wait({task}, timeout=interval)
                if not task.done() and not await self._renew(job_id):
                    task.cancel()
                    raise LeaseLostError(f"job {job_id} was taken over by another worker")
            await task
        finally:
            task.cancel()

    async def _renew(self, job_id: int, progress: dict[str, Any] | None = None) -> bool:
        async with self.database.sessionmaker() as session, session.begin():
            return await service.renew_lease(
                session,
                job_id=job_id,
                worker_id=self.worker_id,
                lease_seconds=self.settings.outbox_lease_seconds,
                progress=progress,
            )

    async def _settle(self, job: OutboxJob, error: str, *, retry_in: float | None) -> str:
        """Records the failed attempt; ``retry`` or ``failed``."""
        async with self.database.sessionmaker() as session, session.begin():
            state = await service.settle_failure(
                session,
                job=job,
                worker_id=self.worker_id,
                error=error,
                retry_in_seconds=retry_in,
                max_attempts=self.settings.outbox_max_attempts,
            )
        log = logger.error if state is JobState.FAILED else logger.warning
        log("job %s attempt %s: %s (%s)", job.id, job.attempts, error, state.value)
        return "failed" if state is JobState.FAILED else "retry"

    def _backoff(self, job: OutboxJob) -> float:
        return backoff_seconds(
            job.attempts,
            base=self.settings.outbox_backoff_base_seconds,
            cap=self.settings.outbox_backoff_cap_seconds,
        )
