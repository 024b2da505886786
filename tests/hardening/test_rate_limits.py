"""Budgets per user, per address, and the strict one on login (in memory; Redis elsewhere)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import jwt
import pytest

from commercy.auth.models import Role
from commercy.core.database import Database, WriteSession
from commercy.core.settings import Settings
from tests.factories import PASSWORD, login, make_user, make_world
from tests.hardening.conftest import AppFactory, client_for
from tests.hardening.processes import api_process, settings_env

ERROR_KEYS = {"success", "error", "message", "timestamp", "details"}


async def test_over_budget_answers_429_in_the_error_format_with_retry_after(
    hardened_app: AppFactory,
) -> None:
    async with hardened_app(rate_limit_address="3/minute") as app, client_for(app) as client:
        answers = [await client.get("/api/v1/status") for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert all(a.headers["X-RateLimit-Limit"] == "3" for a in answers)
    refused = answers[-1]
    body = refused.json()
    assert set(body) == ERROR_KEYS
    assert body["success"] is False
    assert body["error"] == "Too many requests"
    assert body["details"]["scope"] == "address"
    assert body["details"]["limit"] == 3
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert body["details"]["retryAfter"] == int(refused.headers["Retry-After"])
    reset = int(refused.headers["X-RateLimit-Reset"])
    assert time.time() < reset <= time.time() + 61
    assert refused.headers["X-Request-ID"]


async def test_authenticated_calls_are_counted_per_user(
    hardened_app: AppFactory, session: WriteSession
) -> None:
    world = await make_world(session)
    async with (
        hardened_app(rate_limit_user="2/minute", rate_limit_address="50/minute") as app,
        client_for(app) as client,
    ):
        admin = await login(client, world.admin)
        agent = await login(client, world.agent)
        admin_answers = [await client.get("/api/v1/auth/me", headers=admin) for _ in range(3)]
        agent_answer = await client.get("/api/v1/auth/me", headers=agent)
        anonymous = await client.get("/api/v1/status")

    assert [a.status_code for a in admin_answers] == [200, 200, 429]
    assert admin_answers[-1].json()["details"]["scope"] == "user"
    # Same address, another user: a budget of its own; and the address budget is untouched.
    assert agent_answer.status_code == 200
    assert agent_answer.headers["X-RateLimit-Limit"] == "2"
    assert anonymous.status_code == 200
    assert anonymous.headers["X-RateLimit-Limit"] == "50"


async def test_anonymous_calls_are_counted_per_client_address(hardened_app: AppFactory) -> None:
    async with hardened_app(rate_limit_address="2/minute") as app:
        async with client_for(app, address="203.0.113.7") as first:
            spent = [(await first.get("/api/v1/status")).status_code for _ in range(3)]
        async with client_for(app, address="203.0.113.8") as second:
            other = await second.get("/api/v1/status")

    assert spent == [200, 200, 429]
    assert other.status_code == 200


async def test_ipv6_callers_share_the_budget_of_their_slash_64(hardened_app: AppFactory) -> None:
    async with hardened_app(rate_limit_address="2/minute") as app:
        for host in ("2001:db8::1", "2001:db8::2"):
            async with client_for(app, address=host) as client:
                assert (await client.get("/api/v1/status")).status_code == 200
        async with client_for(app, address="2001:db8::ffff") as client:
            refused = await client.get("/api/v1/status")

    assert refused.status_code == 429


async def test_a_forged_token_buys_no_fresh_budget(hardened_app: AppFactory) -> None:
    async with hardened_app(rate_limit_address="2/minute") as app, client_for(app) as client:
        answers = []
        for user_id in range(3):
            forged = jwt.encode({"sub": str(user_id)}, "not-our-key-" * 4, algorithm="HS256")
            answers.append(
                await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {forged}"})
            )

    assert [a.status_code for a in answers] == [401, 401, 429]


async def test_webhooks_are_outside_the_budget(hardened_app: AppFactory) -> None:
    async with hardened_app(rate_limit_address="1/minute") as app, client_for(app) as client:
        answers = [await client.post("/api/v1/webhooks/digishare/1", json={}) for _ in range(3)]

    assert all(a.status_code != 429 for a in answers)
    assert all("X-RateLimit-Limit" not in a.headers for a in answers)


async def test_login_is_throttled_per_identifier_even_from_many_addresses(
    hardened_app: AppFactory, session: WriteSession
) -> None:
    user = await make_user(session, role=Role.ADMIN, identifier="target@example.com")
    await session.commit()
    async with hardened_app(
        rate_limit_login_identifier="3/minute", rate_limit_login_address="100/minute"
    ) as app:
        statuses = []
        for number, spelling in enumerate(
            ["target@example.com", "TARGET@example.com", " Target@Example.com"]
        ):
            async with client_for(app, address=f"198.51.100.{number}") as client:
                answer = await client.post(
                    "/api/v1/auth/login", json={"identifier": spelling, "password": "guess"}
                )
                statuses.append(answer.status_code)
        async with client_for(app, address="198.51.100.99") as client:
            # Even the right password: the budget is checked before the password is.
            refused = await client.post(
                "/api/v1/auth/login", json={"identifier": user.identifier, "password": PASSWORD}
            )

    assert statuses == [401, 401, 401]
    assert refused.status_code == 429
    body = refused.json()
    assert set(body) == ERROR_KEYS
    assert body["details"]["scope"] == "login-identifier"
    assert "token" not in refused.text
    assert refused.headers["X-RateLimit-Limit"] == "3"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert int(refused.headers["Retry-After"]) >= 1


async def test_login_is_throttled_per_address_across_identifiers(
    hardened_app: AppFactory, session: WriteSession
) -> None:
    world = await make_world(session)
    async with hardened_app(
        rate_limit_login_identifier="100/minute", rate_limit_login_address="3/minute"
    ) as app:
        async with client_for(app, address="192.0.2.10") as guesser:
            statuses = [
                (
                    await guesser.post(
                        "/api/v1/auth/login",
                        json={"identifier": f"user{n}@example.com", "password": "guess"},
                    )
                ).status_code
                for n in range(3)
            ]
            refused = await guesser.post(
                "/api/v1/auth/login",
                json={"identifier": world.admin.identifier, "password": PASSWORD},
            )
        async with client_for(app, address="192.0.2.11") as neighbour:
            other = await neighbour.post(
                "/api/v1/auth/login",
                json={"identifier": world.admin.identifier, "password": PASSWORD},
            )

    assert statuses == [401, 401, 401]
    assert refused.status_code == 429
    assert refused.json()["details"]["scope"] == "login-address"
    assert other.status_code == 200


async def test_when_redis_is_unreachable_each_process_still_counts_in_memory(
    hardened_app: AppFactory,
) -> None:
    async with (
        hardened_app(
            redis_url="redis://127.0.0.1:1/0",
            redis_timeout_seconds=0.2,
            rate_limit_address="2/minute",
        ) as app,
        client_for(app) as client,
    ):
        started = time.monotonic()
        answers = [await client.get("/api/v1/status") for _ in range(3)]
        elapsed = time.monotonic() - started

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert elapsed < 2  # one failed attempt to reach Redis, not one per request


async def test_rate_limits_can_be_switched_off(hardened_app: AppFactory) -> None:
    async with (
        hardened_app(rate_limit_enabled=False, rate_limit_address="1/minute") as app,
        client_for(app) as client,
    ):
        answers = [await client.get("/api/v1/status") for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert "X-RateLimit-Limit" not in answers[0].headers


async def test_every_strategy_enforces_the_budget(hardened_app: AppFactory) -> None:
    for strategy in ("moving-window", "fixed-window", "sliding-window"):
        async with (
            hardened_app(rate_limit_strategy=strategy, rate_limit_address="2/minute") as app,
            client_for(app) as client,
        ):
            statuses = [(await client.get("/api/v1/status")).status_code for _ in range(3)]
        assert statuses == [200, 200, 429], strategy


async def test_a_guesser_cannot_lock_the_owner_out(
    hardened_app: AppFactory, session: WriteSession
) -> None:
    user = await make_user(session, role=Role.ADMIN, identifier="owner@example.com")
    await session.commit()
    async with hardened_app(rate_limit_login_failures="3/minute") as app:
        async with client_for(app, address="203.0.113.66") as guesser:
            guesses = [
                (
                    await guesser.post(
                        "/api/v1/auth/login",
                        json={"identifier": user.identifier, "password": f"guess{n}"},
                    )
                ).status_code
                for n in range(5)
            ]
        async with client_for(app, address="198.51.100.7") as owner:
            owners = await owner.post(
                "/api/v1/auth/login", json={"identifier": user.identifier, "password": PASSWORD}
            )

    assert guesses == [401, 401, 401, 429, 429]
    assert owners.status_code == 200


async def test_a_successful_login_clears_its_addresss_failures(
    hardened_app: AppFactory, session: WriteSession
) -> None:
    user = await make_user(session, role=Role.ADMIN, identifier="typo@example.com")
    await session.commit()

    async def attempt(client: httpx.AsyncClient, password: str) -> int:
        answer = await client.post(
            "/api/v1/auth/login", json={"identifier": user.identifier, "password": password}
        )
        return answer.status_code

    async with (
        hardened_app(rate_limit_login_failures="3/minute") as app,
        client_for(app, address="198.51.100.8") as owner,
    ):
        statuses = [await attempt(owner, "typo") for _ in range(2)]
        statuses.append(await attempt(owner, PASSWORD))
        statuses += [await attempt(owner, "typo") for _ in range(4)]

    assert statuses == [401, 401, 200, 401, 401, 401, 429]


async def test_the_ceiling_per_identifier_counts_failures_from_every_address(
    hardened_app: AppFactory, session: WriteSession
) -> None:
    user = await make_user(session, role=Role.ADMIN, identifier="popular@example.com")
    await session.commit()
    async with hardened_app(
        rate_limit_login_failures="3/minute", rate_limit_login_identifier="4/minute"
    ) as app:
        statuses = []
        for number in range(5):
            async with client_for(app, address=f"203.0.113.{number}") as client:
                answer = await client.post(
                    "/api/v1/auth/login", json={"identifier": user.identifier, "password": "x"}
                )
                statuses.append(answer.status_code)

    assert statuses == [401, 401, 401, 401, 429]


@pytest.mark.parametrize(("trusted", "throttled"), [("", True), ("127.0.0.1", False)])
async def test_forwarded_for_is_believed_only_from_trusted_proxies(
    settings: Settings, database: Database, tmp_path: Path, trusted: str, throttled: bool
) -> None:
    env = settings_env(settings, rate_limit_address="3/minute", trusted_proxies=trusted)
    with api_process(env, log_dir=tmp_path, serve=True) as base_url:
        async with httpx.AsyncClient(timeout=10) as http:
            statuses = [
                (
                    await http.get(
                        f"{base_url}/api/v1/status",
                        headers={"X-Forwarded-For": f"203.0.113.{number}"},
                    )
                ).status_code
                for number in range(5)
            ]

    assert (429 in statuses) is throttled
