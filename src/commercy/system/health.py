"""Probes for an orchestrator: is the process alive, is it ready to serve, and its metrics."""

from __future__ import annotations

import secrets
import time
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import func, select, text

from commercy.core import metrics as metrics_module
from commercy.core.database import Database
from commercy.core.envelopes import Envelope
from commercy.core.errors import NotFound, ServiceUnavailable, Unauthorized
from commercy.core.migrations import current_revision, head_revision
from commercy.core.ratelimit import RateLimits
from commercy.core.responses import envelope
from commercy.core.settings import Settings
from commercy.outbox.models import JobState, OutboxJob
from commercy.system.schemas import Liveness, Readiness

router = APIRouter(tags=["system"])
PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


@router.get("/livez", response_model=Envelope[Liveness])
async def livez() -> dict[str, Any]:
    """The process answers. Checks nothing else: restart the process only when this fails."""
    return envelope({"status": "alive"})


@router.get("/readyz", response_model=Envelope[Readiness])
async def readyz(request: Request) -> dict[str, Any]:
    """Ready to serve: the database answers and is migrated to this version's head, and Redis
    answers when it is configured. 503 in the error format names each failing check."""
    checks = {
        "database": await _database_check(request.app.state.database),
        "redis": await _redis_check(request.app.state.rate_limits, request.app.state.settings),
    }
    failing = {name: check for name, check in checks.items() if not check["ok"]}
    if failing:
        raise ServiceUnavailable(f"Not ready: {', '.join(failing)}", details={"checks": checks})
    return envelope({"status": "ready", "checks": checks})


async def _database_check(database: Database) -> dict[str, Any]:
    try:
        async with database.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means "not reachable" here
        return {"ok": False, "reason": f"unreachable ({type(exc).__name__})"}
    at, head = await current_revision(database), head_revision()
    if at != head:
        return {"ok": False, "reason": f"migrations at {at}, code expects {head}"}
    return {"ok": True, "revision": head}


async def _redis_check(rate_limits: RateLimits, settings: Settings) -> dict[str, Any]:
    if not settings.redis_url:
        return {"ok": True, "configured": False}
    if await rate_limits.shared_storage_answers():
        return {"ok": True, "configured": True}
    return {"ok": False, "configured": True, "reason": "unreachable"}


@router.get("/metrics", include_in_schema=False)
async def prometheus_metrics(request: Request) -> Response:
    """Prometheus' text format: requests, latencies, rate-limit refusals, webhook events, job
    runs and the database pool of every process on this machine, and the outbox's queue."""
    settings: Settings = request.app.state.settings
    _authorize_scrape(request, settings)
    queue = await _outbox_queue(request.app.state.database)
    return Response(metrics_module.exposition(queue), media_type=PROMETHEUS_TEXT)


def _authorize_scrape(request: Request, settings: Settings) -> None:
    if settings.metrics_token is None:
        if settings.is_production:
            raise NotFound("Not found")
        return
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    expected = settings.metrics_token.get_secret_value()
    if scheme.lower() != "bearer" or not secrets.compare_digest(
        token.strip().encode(), expected.encode()
    ):
        raise Unauthorized("Send the metrics token: Authorization: Bearer <token>")


async def _outbox_queue(database: Database) -> Any:
    """The outbox as the database holds it, shared by every worker: jobs waiting, running and
    failed by kind, and how long the oldest waiting job has waited."""
    from prometheus_client import CollectorRegistry, Gauge

    registry = CollectorRegistry()
    jobs = Gauge(
        "commercy_outbox_jobs",
        "Outbox jobs by kind and state",
        ["kind", "state"],
        registry=registry,
    )
    oldest = Gauge(
        "commercy_outbox_oldest_pending_seconds",
        "Age of the oldest job waiting to run (0 when none)",
        registry=registry,
    )
    unfinished = (JobState.PENDING, JobState.RUNNING, JobState.FAILED)
    async with database.sessionmaker() as session:
        rows = await session.execute(
            select(OutboxJob.kind, OutboxJob.state, func.count())
            .where(OutboxJob.state.in_(unfinished))
            .group_by(OutboxJob.kind, OutboxJob.state)
        )
        for kind, state, count in rows:
            jobs.labels(kind, state.value).set(count)
        first = await session.scalar(
            select(func.min(OutboxJob.created_at)).where(OutboxJob.state == JobState.PENDING)
        )
    oldest.set(max(0.0, time.time() - first.timestamp()) if first is not None else 0.0)
    return registry
