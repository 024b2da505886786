"""Faults injected on Digishare's paths (``/v1/...``), switchable at run time.

- ``outage``: every call answers 503 before it takes effect.
- ``throttle_rate``: that fraction of calls answers 429 ``Too Many Attempts.`` with
  ``Retry-After``, before it takes effect.
- ``error_rate``: that fraction of calls answers 500 or 503. By default the call has no
  effect; with ``fail_after_commit`` it is carried out in full (a ticket is created, webhooks
  fire) and only its response is lost and replaced by the error.
- ``latency_ms``: every call waits that long before it is handled.

Draws come from a ``random.Random(seed)``, so a given seed fails the same calls every run.
The sandbox's own controls (``/_sandbox/...``) and the page are never affected.

The faults are kept in the database, so every process serving the sandbox applies the ones last
set; each process draws from its own generator, seeded again whenever the faults are set.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from commercy.sandbox.errors import TOO_MANY_ATTEMPTS, error_body
from commercy.sandbox.store import Store

logger = logging.getLogger("commercy.sandbox.faults")

_MESSAGES = {500: "Server Error", 503: "Service Unavailable", 429: TOO_MANY_ATTEMPTS}


class FaultConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    error_rate: float = Field(default=0.0, ge=0, le=1)
    latency_ms: int = Field(default=0, ge=0, le=120_000)
    outage: bool = False
    fail_after_commit: bool = False
    throttle_rate: float = Field(default=0.0, ge=0, le=1)
    retry_after_seconds: int = Field(default=1, ge=0, le=3600)
    seed: int | None = None


@dataclass(frozen=True, slots=True)
class Fault:
    status_code: int
    kind: str
    after_commit: bool = False
    headers: dict[str, str] = field(default_factory=dict)

    def response(self) -> JSONResponse:
        headers = {"X-Sandbox-Fault": self.kind, **self.headers}
        return JSONResponse(
            error_body(_MESSAGES[self.status_code]), status_code=self.status_code, headers=headers
        )


class Faults:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._version = 0
        self._config = FaultConfig()
        # Not for security: a reproducible sequence of injected failures.
        self._random = random.Random()  # noqa: S311

    @property
    def config(self) -> FaultConfig:
        """The faults last set by any process (the stored version tells when they changed)."""
        stored = self._store.meta("faults")
        if stored is None:
            return self._config
        kept = json.loads(stored)
        if kept["version"] != self._version:
            self._version = kept["version"]
            self._config = FaultConfig.model_validate(kept["config"])
            self._random = random.Random(self._config.seed)  # noqa: S311
        return self._config

    def configure(self, config: FaultConfig) -> None:
        with self._store.write():
            stored = self._store.meta("faults")
            version = json.loads(stored)["version"] + 1 if stored else 1
            kept = {"version": version, "config": config.model_dump()}
            self._store.set_meta("faults", json.dumps(kept))

    def draw(self, config: FaultConfig) -> Fault | None:
        if config.outage:
            return Fault(503, "outage")
        if config.throttle_rate and self._random.random() < config.throttle_rate:
            retry_after = {"Retry-After": str(config.retry_after_seconds)}
            return Fault(429, "throttle", headers=retry_after)
        if config.error_rate and self._random.random() < config.error_rate:
            status_code = self._random.choice((500, 503))
            return Fault(status_code, "error_rate", after_commit=config.fail_after_commit)
        return None


def _route_path(scope: Scope) -> str:
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    return path[len(root_path) :] if root_path and path.startswith(root_path) else path


def is_digishare_path(scope: Scope) -> bool:
    path = _route_path(scope)
    return path == "/v1" or path.startswith("/v1/")


async def _discard(_: Message) -> None:
    return None


class FaultMiddleware:
    def __init__(self, app: ASGIApp, *, faults: Faults) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_digishare_path(scope):
            await self.app(scope, receive, send)
            return
        config = self.faults.config
        fault = self.faults.draw(config)
        if config.latency_ms:
            await asyncio.sleep(config.latency_ms / 1000)
        if fault is None:
            await self.app(scope, receive, send)
            return
        if fault.after_commit:
            await self._run_and_lose_response(scope, receive)
        await fault.response()(scope, receive, send)

    async def _run_and_lose_response(self, scope: Scope, receive: Receive) -> None:
        try:
            await self.app(scope, receive, _discard)
        except Exception:
            logger.exception("request failed under fail_after_commit")
