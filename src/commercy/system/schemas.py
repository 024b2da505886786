"""What the status and health probes answer."""

from __future__ import annotations

from typing import Literal

from commercy.core.envelopes import OPTIONAL_KEY
from commercy.core.schemas import WireModel


class DatabaseStatus(WireModel):
    reachable: Literal[True]
    dialect: str
    latency_ms: float


class ApiStatus(WireModel):
    status: Literal["up"]
    version: str
    uptime_seconds: float
    database: DatabaseStatus


class Liveness(WireModel):
    status: Literal["alive"]


class Check(WireModel):
    """One readiness check; `reason` says what failed."""

    ok: bool
    revision: str | None = OPTIONAL_KEY
    configured: bool | None = OPTIONAL_KEY
    reason: str | None = OPTIONAL_KEY


class Readiness(WireModel):
    status: Literal["ready"]
    checks: dict[str, Check]
