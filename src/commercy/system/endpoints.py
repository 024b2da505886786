from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import text

from commercy import __version__
from commercy.core.database import Database
from commercy.core.envelopes import Envelope
from commercy.core.errors import ServiceUnavailable
from commercy.core.responses import envelope
from commercy.system.schemas import ApiStatus

router = APIRouter(tags=["system"])


@router.get("/status", response_model=Envelope[ApiStatus])
async def api_status(request: Request) -> dict[str, Any]:
    """Is the API up, which version, since when, and can it reach its database?

    No token needed. Answers 503 in the error format when the database is unreachable.
    """
    database: Database = request.app.state.database
    started = time.perf_counter()
    try:
        async with database.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means "not reachable" here
        raise ServiceUnavailable(
            "Database unreachable",
            details={"database": {"reachable": False, "reason": type(exc).__name__}},
        ) from exc
    latency_ms = round((time.perf_counter() - started) * 1000, 2)
    return envelope(
        {
            "status": "up",
            "version": __version__,
            "uptimeSeconds": round(time.monotonic() - request.app.state.started_at, 1),
            "database": {
                "reachable": True,
                "dialect": database.engine.dialect.name,
                "latencyMs": latency_ms,
            },
        }
    )
