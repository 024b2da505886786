"""Outbound webhooks: delivered in the background, retried, then the webhook is disabled.

A delivery is one event for one webhook. It is attempted at once, then again after each of
``webhook_retry_delays``; an attempt succeeds only on a 200. When every attempt has failed the
webhook is disabled (``active: false``), as Digishare does. Each attempt is recorded. A
delivery stops early if its webhook is deleted or deactivated meanwhile (by any process).

Deliveries run as tasks of the process where the event happened: the ones still pending when
that process stops are lost (a real Digishare would carry on; the webhooks themselves stay).
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, NamedTuple

import httpx

from commercy.sandbox.records import DeliveryAttempt, Webhook, WebhookAuth
from commercy.sandbox.settings import SandboxSettings
from commercy.sandbox.store import Store

USER_AGENT = "Digishare-Webhooks/1.0 (Commercy sandbox)"


def auth_headers(auth: WebhookAuth | None) -> dict[str, str]:
    if auth is None:
        return {}
    if auth.type == "basic":
        credentials = f"{auth.username}:{auth.password}".encode()
        return {"Authorization": "Basic " + base64.b64encode(credentials).decode()}
    if auth.type == "bearer":
        return {"Authorization": f"Bearer {auth.token}"}
    return {str(auth.name): str(auth.value)}


def request_headers(webhook: Webhook) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        **webhook.headers,
        **auth_headers(webhook.auth),
    }


class _Outcome(NamedTuple):
    status_code: int | None
    error: str | None
    seconds: float


@dataclass(frozen=True, slots=True)
class _Delivery:
    id: str
    webhook_id: str
    event: str
    ticket_id: str
    body: bytes

    def attempt(self, number: int, *, url: str, outcome: _Outcome, store: Store) -> DeliveryAttempt:
        return DeliveryAttempt(
            id=store.next_id("attempt"),
            delivery_id=self.id,
            webhook_id=self.webhook_id,
            url=url,
            event=self.event,
            ticket_id=self.ticket_id,
            attempt=number,
            status_code=outcome.status_code,
            error=outcome.error,
            duration_ms=outcome.seconds * 1000,
        )


class WebhookDispatcher:
    def __init__(self, *, store: Store, settings: SandboxSettings) -> None:
        self._store = store
        self._delays = list(settings.webhook_retry_delays)
        self._timeout = httpx.Timeout(settings.webhook_timeout_seconds)
        self._client: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def max_attempts(self) -> int:
        return len(self._delays) + 1

    def publish(self, event: str, *, ticket_id: str, payload: dict[str, Any]) -> None:
        """Schedules a delivery to every active webhook listening to ``event``.

        Called inside the event's write transaction: the tasks start only once the caller is
        back in the event loop, after the commit. The body is serialized now, so it shows the
        ticket as it was when the event happened.
        """
        body = json.dumps(payload, ensure_ascii=False).encode()
        with self._store.write():
            listening = self._store.select(Webhook, "event = :event AND active", {"event": event})
            for webhook in listening:
                delivery = _Delivery(
                    id=self._store.next_id("delivery"),
                    webhook_id=webhook.id,
                    event=event,
                    ticket_id=ticket_id,
                    body=body,
                )
                self._spawn(self._deliver(delivery))

    async def cancel_all(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def aclose(self) -> None:
        await self.cancel_all()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task: asyncio.Task[None] = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _http(self) -> httpx.AsyncClient:
        # Created on first use: a mounted app gets no lifespan events to create it in.
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout, follow_redirects=False)
        return self._client

    async def _deliver(self, delivery: _Delivery) -> None:
        for attempt in range(1, self.max_attempts + 1):
            webhook = self._store.get(Webhook, delivery.webhook_id)
            if webhook is None or not webhook.active:
                return
            outcome = await self._post(webhook, delivery.body)
            with self._store.write():
                # A webhook deleted meanwhile (or a reset by another process) takes its
                # deliveries with it: the attempt is not recorded.
                if self._store.get(Webhook, delivery.webhook_id) is None:
                    return
                self._store.put(
                    delivery.attempt(attempt, url=webhook.url, outcome=outcome, store=self._store)
                )
            if outcome.status_code == 200:
                return
            if attempt < self.max_attempts:
                await asyncio.sleep(self._delays[attempt - 1])
        self._disable(delivery.webhook_id)

    async def _post(self, webhook: Webhook, body: bytes) -> _Outcome:
        started = time.perf_counter()
        try:
            response = await self._http().post(
                webhook.url, content=body, headers=request_headers(webhook)
            )
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}".rstrip(": ")
            return _Outcome(None, error, time.perf_counter() - started)
        return _Outcome(response.status_code, None, time.perf_counter() - started)

    def _disable(self, webhook_id: str) -> None:
        with self._store.write():
            webhook = self._store.get(Webhook, webhook_id)
            if webhook is not None and webhook.active:
                webhook.active = False
                webhook.disabled_reason = (
                    f"Disabled after {self.max_attempts} failed delivery attempts."
                )
                self._store.put(webhook)
