"""Two real API processes spend one budget kept in the machine's Redis."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from coredis import Redis

from commercy.core.database import Database
from commercy.core.settings import Settings
from tests.hardening.processes import api_process, settings_env

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
async def key_prefix() -> AsyncIterator[str]:
    """A key prefix of this test run alone; its keys are deleted afterwards."""
    prefix = f"commercy-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    redis: Redis[bytes] = Redis.from_url(REDIS_URL)
    keys: list[str | bytes] = [key async for key in redis.scan_iter(match=f"{prefix}*")]
    if keys:
        await redis.delete(keys)


async def test_two_api_processes_share_one_redis_budget(
    settings: Settings, database: Database, key_prefix: str, tmp_path: Path
) -> None:
    env = settings_env(
        settings,
        redis_url=REDIS_URL,
        rate_limit_key_prefix=key_prefix,
        rate_limit_address="10/minute",
        rate_limit_login_identifier="2/minute",
    )
    with api_process(env, log_dir=tmp_path) as first, api_process(env, log_dir=tmp_path) as second:
        async with httpx.AsyncClient(timeout=10) as http:
            login_statuses = [
                (
                    await http.post(
                        f"{base_url}/api/v1/auth/login",
                        json={"identifier": "victim@example.com", "password": "guess"},
                    )
                ).status_code
                for base_url in (first, second, first)
            ]
            answers: list[tuple[str, httpx.Response]] = []
            for base_url in itertools.islice(itertools.cycle([first, second]), 12):
                answer = await http.get(f"{base_url}/api/v1/status")
                answers.append((base_url, answer))
                if answer.status_code == 429:
                    break

    served = [(url, a) for url, a in answers if a.status_code == 200]
    remaining = [int(a.headers["X-RateLimit-Remaining"]) for _, a in served]
    # Each answer, from either process, saw the one shared counter go down by one...
    assert remaining == list(range(remaining[0], remaining[0] - len(remaining), -1))
    assert remaining[-1] == 0
    assert {url for url, _ in served} == {first, second}
    # ...and once it was spent, the next process refused too.
    assert answers[-1][1].status_code == 429
    assert answers[-1][1].json()["details"]["scope"] == "address"
    # The login budget per identifier is shared too.
    assert login_statuses == [401, 401, 429]


async def test_redis_keys_carry_the_configured_prefix(
    settings: Settings, database: Database, key_prefix: str, tmp_path: Path
) -> None:
    env = settings_env(settings, redis_url=REDIS_URL, rate_limit_key_prefix=key_prefix)
    with api_process(env, log_dir=tmp_path) as base_url:
        async with httpx.AsyncClient(timeout=10) as http:
            await http.get(f"{base_url}/api/v1/status")
    redis: Redis[bytes] = Redis.from_url(REDIS_URL)
    keys = [key async for key in redis.scan_iter(match=f"{key_prefix}*")]
    assert keys
