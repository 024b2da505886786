"""Enqueue, claim, and settle outbox jobs. Claims use row locks on PostgreSQL
(``FOR UPDATE SKIP LOCKED``) and SQLite's single writer, so a job runs once at a time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from commercy.core.database import Precompiled, WriteSession, table_of, utcnow
from commercy.core.pagination import Page, paginate
from commercy.outbox import signals
from commercy.outbox.models import JobState, OutboxJob

_MAX_ERROR_LENGTH = 2000


async def enqueue(
    session: WriteSession,
    *,
    kind: str,
    payload: dict[str, Any],
    reseller_id: int | None = None,
    order_id: int | None = None,
) -> OutboxJob:
    """Record a job in the caller's transaction: it commits, or vanishes, with its cause."""
    job = OutboxJob(
        kind=kind,
        payload=payload,
        progress={},
        reseller_id=reseller_id,
        order_id=order_id,
        run_after=utcnow(),
    )
    session.add(job)
    await session.flush()
    await signals.mark_enqueued(session)
    return job


_JOB_VALUES = ("kind", "payload", "progress", "state", "attempts", "reseller_id", "order_id",
               "run_after", "created_at", "updated_at")  # fmt: skip


def enqueue_statement(condition: ColumnElement[bool]) -> Precompiled:
    """A job's ``INSERT ... SELECT ... WHERE condition``: the check and the job in one
    statement, for a hot path. Build it once; run it with :func:`enqueue_where`."""
    table = table_of(OutboxJob)
    values = select(*(bindparam(name, type_=table.c[name].type) for name in _JOB_VALUES))
    return Precompiled(
        insert(table).from_select(list(_JOB_VALUES), values.where(condition)).returning(table.c.id)
    )


async def enqueue_where(
    session: WriteSession,
    statement: Precompiled,
    *,
    kind: str,
    payload: dict[str, Any],
    reseller_id: int | None = None,
    order_id: int | None = None,
    params: dict[str, Any] | None = None,
) -> int | None:
    """Record a job in the caller's transaction when the condition of ``statement`` (from
    :func:`enqueue_statement`, with its own ``params``) holds; the job's id, or None."""
    now = utcnow()
    job_id: int | None = await statement.scalar(
        session,
        {
            **(params or {}),
            "kind": kind,
            "payload": payload,
            "progress": {},
            "state": JobState.PENDING,
            "attempts": 0,
            "reseller_id": reseller_id,
            "order_id": order_id,
            "run_after": now,
            "created_at": now,
            "updated_at": now,
        },
    )
    if job_id is not None:
        await signals.mark_enqueued(session)
    return job_id


def _claimable(now: datetime) -> Select[OutboxJob]:
    due = (OutboxJob.state == JobState.PENDING) & (OutboxJob.run_after <= now)
    abandoned = (OutboxJob.state == JobState.RUNNING) & (OutboxJob.lease_expires_at < now)
    return select(OutboxJob).where(or_(due, abandoned)).order_by(OutboxJob.run_after, OutboxJob.id)


async def claim_next(
    session: WriteSession, *, worker_id: str, lease_seconds: float
) -> OutboxJob | None:
    """Take the oldest due job (or one whose worker's lease ran out) and lease it to us."""
    now = utcnow()
    candidate = (
        _claimable(now).with_only_columns(OutboxJob.id).limit(1).with_for_update(skip_locked=True)
    )
    job_id = await session.scalar(candidate)
    if job_id is None:
        return None
    await session.execute(
        update(OutboxJob)
        .where(OutboxJob.id == job_id)
        .values(
            state=JobState.RUNNING,
            locked_by=worker_id,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
            attempts=OutboxJob.attempts + 1,
        )
    )
    return await session.get(OutboxJob, job_id, populate_existing=True)


async def renew_lease(
    session: WriteSession,
    *,
    job_id: int,
    worker_id: str,
    lease_seconds: float,
    progress: dict[str, Any] | None = None,
) -> bool:
    """Extend our lease (keeping a finished step's results when given); False if another
    worker took the job over."""
    values: dict[str, Any] = {"lease_expires_at": utcnow() + timedelta(seconds=lease_seconds)}
    if progress is not None:
        values["progress"] = progress
    result = await session.execute(
        update(OutboxJob)
        .where(
            OutboxJob.id == job_id,
            OutboxJob.locked_by == worker_id,
            OutboxJob.state == JobState.RUNNING,
        )
        .values(**values)
    )
    return _rowcount(result) == 1


async def complete(session: WriteSession, *, job_id: int, worker_id: str) -> bool:
    result = await session.execute(
        update(OutboxJob)
        .where(OutboxJob.id == job_id, OutboxJob.locked_by == worker_id)
        .values(
            state=JobState.DONE,
            finished_at=utcnow(),
            lease_expires_at=None,
            locked_by=None,
            last_error=None,
        )
    )
    return _rowcount(result) == 1


async def settle_failure(
    session: WriteSession,
    *,
    job: OutboxJob,
    worker_id: str,
    error: str,
    retry_in_seconds: float | None,
    max_attempts: int,
) -> JobState:
    """Schedule the next attempt, or give up when the error is final or attempts ran out."""
    gives_up = retry_in_seconds is None or job.attempts >= max_attempts
    state = JobState.FAILED if gives_up else JobState.PENDING
    values: dict[str, Any] = {
        "state": state,
        "last_error": error[:_MAX_ERROR_LENGTH],
        "lease_expires_at": None,
        "locked_by": None,
    }
    if gives_up:
        values["finished_at"] = utcnow()
    else:
        values["run_after"] = utcnow() + timedelta(seconds=retry_in_seconds or 0)
    await session.execute(
        update(OutboxJob)
        .where(OutboxJob.id == job.id, OutboxJob.locked_by == worker_id)
        .values(**values)
    )
    return state


async def list_jobs(
    session: AsyncSession,
    *,
    kinds: Sequence[str],
    reseller_id: int | None,
    state: JobState | None,
    page: Page,
) -> tuple[Sequence[OutboxJob], int]:
    statement = select(OutboxJob).where(OutboxJob.kind.in_(kinds)).order_by(OutboxJob.id.desc())
    if reseller_id is not None:
        statement = statement.where(OutboxJob.reseller_id == reseller_id)
    if state is not None:
        statement = statement.where(OutboxJob.state == state)
    return await paginate(session, statement, page=page)


async def retry_now(session: WriteSession, *, job: OutboxJob) -> OutboxJob:
    """Give a failed job a fresh set of attempts, keeping the steps it already finished."""
    job.state = JobState.PENDING
    job.attempts = 0
    job.run_after = utcnow()
    job.finished_at = None
    await session.flush()
    return job


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
