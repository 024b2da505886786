"""The deployment at scale, as the README describes it: two API processes and two outbox
workers on PostgreSQL and Redis. Budgets are shared, every job runs once, and both kinds of
process log JSON lines and count into the metrics one scrape reads."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from commercy.core.database import Database, WriteSession
from commercy.core.settings import Settings
from commercy.outbox.models import JobState, OutboxJob
from tests.factories import PASSWORD, make_world
from tests.hardening.processes import api_process, settings_env
from tests.support.live_server import live_server
from tests.support.strict_digishare import StrictDigishare

pytestmark = pytest.mark.postgres_only
REDIS_URL = "redis://127.0.0.1:6379/0"
ORDERS = 12


@contextmanager
def worker_process(env: dict[str, str], *, log_path: Path) -> Iterator[None]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("COMMERCY_")}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "commercy", "worker"],
            env={**inherited, **env},
            cwd=log_path.parent,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield
        finally:
            process.terminate()
            process.wait(timeout=20)


def json_lines(path: Path) -> list[dict[str, Any]]:
    lines = []
    for raw in path.read_text().splitlines():
        if raw.startswith("{"):
            lines.append(json.loads(raw))
    return lines


def logs_of(directory: Path, pattern: str) -> list[list[dict[str, Any]]]:
    return [json_lines(path) for path in sorted(directory.glob(pattern))]


async def wait_until_done(database: Database, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with database.sessionmaker() as session:
            done = await session.scalar(
                select(func.count()).select_from(OutboxJob).where(OutboxJob.state == JobState.DONE)
            )
        if done == count:
            return
        await asyncio.sleep(0.2)
    raise AssertionError("the workers did not run every job in time")


async def test_two_api_processes_and_two_workers_share_the_work(
    settings: Settings, database: Database, session: WriteSession, tmp_path: Path
) -> None:
    world = await make_world(session)
    await session.commit()
    digishare = StrictDigishare()
    env = settings_env(
        settings,
        data_dir=str(tmp_path),
        encryption_key=Fernet.generate_key().decode(),
        redis_url=REDIS_URL,
        rate_limit_key_prefix=f"commercy-test-{uuid.uuid4().hex[:12]}",
        log_format="json",
        sandbox_mounted="false",
        worker_in_process="false",
        worker_poll_seconds="0.1",
    )
    with ExitStack() as stack:
        strict_url = stack.enter_context(live_server(digishare.app()))
        apis = [stack.enter_context(api_process(env, log_dir=tmp_path, serve=True)) for _ in "ab"]
        for name in "ab":
            stack.enter_context(worker_process(env, log_path=tmp_path / f"worker-{name}.log"))
        async with httpx.AsyncClient(timeout=20) as http:
            token = (
                await http.post(
                    f"{apis[0]}/api/v1/auth/login",
                    json={"identifier": world.reseller_user.identifier, "password": PASSWORD},
                )
            ).json()["token"]
            headers = {"Authorization": f"Bearer {token}"}
            supplier_token = (
                await http.post(
                    f"{apis[1]}/api/v1/auth/login",
                    json={"identifier": world.supplier_user.identifier, "password": PASSWORD},
                )
            ).json()["token"]
            product = await http.post(
                f"{apis[1]}/api/v1/products",
                json={"name": "Tapis", "price": "120.500", "costPrice": "20", "stockQuantity": 50},
                headers={"Authorization": f"Bearer {supplier_token}"},
            )
            products = [product.json()["data"]["id"]]
            connected = await http.put(
                f"{apis[0]}/api/v1/integrations/digishare",
                json={
                    "baseUrl": strict_url,
                    "token": digishare.personal_token,
                    "webhookAuth": {"type": "bearer", "token": "hook-secret-of-the-test"},
                },
                headers=headers,
            )
            assert connected.status_code == 200, connected.text
            remaining = []
            for number in range(ORDERS):
                answer = await http.post(
                    f"{apis[number % 2]}/api/v1/orders",
                    json={
                        "customerName": "Amira",
                        "customerPhone": f"+2162055{number:04d}",
                        "products": [
                            {"productId": products[0], "quantity": 1, "price": 120.5, "notes": "x"}
                        ],
                    },
                    headers=headers,
                )
                assert answer.status_code == 201, answer.text
                remaining.append(int(answer.headers["X-RateLimit-Remaining"]))
            await wait_until_done(database, ORDERS)
            scrape = (await http.get(f"{apis[1]}/metrics")).text

    # One budget for the user, whichever process answered.
    assert remaining == sorted(remaining, reverse=True)
    assert len(set(remaining)) == ORDERS
    # Every job ran once: one ticket per order, never a second POST.
    assert digishare.posts("/v1/tickets") == ORDERS
    numbers = {t["external_id"] for t in digishare.tickets if t["external_id"].startswith("ORD-")}
    assert len(numbers) == ORDERS
    # Both API processes and both workers log JSON lines.
    api_logs = logs_of(tmp_path, "api-*.log")
    assert len(api_logs) == 2
    for lines in api_logs:
        requests = [line for line in lines if line.get("event") == "request"]
        assert requests and all(line["request_id"] for line in requests)
    for worker_log in ("worker-a.log", "worker-b.log"):
        assert any("started" in line["event"] for line in json_lines(tmp_path / worker_log))
    # One scrape adds up every process of the machine.
    assert (
        f'commercy_outbox_job_runs_total{{kind="digishare.notify_order",outcome="done"}} {ORDERS}.0'
        in scrape
    )
    orders_created = [
        line
        for line in scrape.splitlines()
        if line.startswith("commercy_http_requests_total")
        and 'route="/api/v1/orders"' in line
        and 'method="POST"' in line
    ]
    assert orders_created and orders_created[0].endswith(f" {ORDERS}.0"), scrape
