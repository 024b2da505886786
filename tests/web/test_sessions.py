"""Signing in and out of the web app: the session cookie, and everything that ends it."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select, update
from starlette.routing import Mount

from commercy.core.database import WriteSession, utcnow
from commercy.core.settings import Settings
from commercy.web.models import WebSession
from tests.factories import PASSWORD, Shop
from tests.web.conftest import csrf_of, sign_in

SESSION = "commercy_session"


def _current(client: httpx.AsyncClient) -> str | None:
    return next((c.value for c in client.cookies.jar if c.name == SESSION), None)


def _plant(client: httpx.AsyncClient, value: str | None) -> None:
    """Send ``value`` as the session cookie from now on, as a stolen or planted one would be."""
    client.cookies.clear()
    client.cookies.set(SESSION, value or "", domain="testserver.local", path="/app")


def _session_cookie(answer: httpx.Response) -> str:
    return next(c for c in answer.headers.get_list("set-cookie") if c.startswith(SESSION))


async def _post_login(client: httpx.AsyncClient, identifier: str, password: str) -> httpx.Response:
    form = await client.get("/app/login")
    return await client.post(
        "/app/login",
        data={"identifier": identifier, "password": password, "csrf_token": csrf_of(form)},
    )


async def test_signing_in_sets_an_httponly_lax_session_cookie_and_lands_on_the_orders(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    answer = await _post_login(client, shop.world.reseller_user.identifier, PASSWORD)

    assert answer.status_code == 303
    assert answer.headers["location"] == "/app/orders"
    cookie = _session_cookie(answer)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/app" in cookie
    assert "Secure" not in cookie  # plain http


async def test_the_session_cookie_is_secure_over_https(app: FastAPI, shop: Shop) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        answer = await _post_login(client, shop.world.reseller_user.identifier, PASSWORD)

    assert "Secure" in _session_cookie(answer)


async def test_a_wrong_password_is_refused_and_opens_no_session(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    answer = await _post_login(client, shop.world.reseller_user.identifier, "not the password")

    assert answer.status_code == 401
    assert "Identifiant ou mot de passe incorrect" in answer.text
    assert not any(c.startswith(SESSION) for c in answer.headers.get_list("set-cookie"))
    assert (await client.get("/app/orders")).status_code == 303


async def test_a_session_id_planted_before_sign_in_is_replaced(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    planted = "attacker-chosen-session-id"
    _plant(client, planted)

    await sign_in(client, shop.world.reseller_user)

    assert _current(client) not in (None, planted)
    _plant(client, planted)
    assert (await client.get("/app/orders")).status_code == 303


async def test_signing_in_again_ends_the_previous_session(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    await sign_in(client, shop.world.reseller_user)
    first = _current(client)

    await sign_in(client, shop.world.reseller_user)

    assert _current(client) != first
    _plant(client, first)
    assert (await client.get("/app/orders")).status_code == 303


async def test_a_session_is_refused_after_sign_out(client: httpx.AsyncClient, shop: Shop) -> None:
    csrf = await sign_in(client, shop.world.reseller_user)
    token = _current(client)

    answer = await client.post("/app/logout", data={"csrf_token": csrf})

    assert answer.status_code == 303
    _plant(client, token)
    assert (await client.get("/app/orders")).status_code == 303


async def test_a_session_is_refused_after_a_password_change(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    await sign_in(client, shop.world.reseller_user)

    changed = await client.patch(
        f"/api/v1/users/{shop.world.reseller_user.id}",
        json={"password": "another long passphrase"},
        headers=shop.admin,
    )

    assert changed.status_code == 200, changed.text
    answer = await client.get("/app/orders")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/app/login")


async def test_a_session_is_refused_once_its_user_is_disabled(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    await sign_in(client, shop.world.reseller_user)

    disabled = await client.patch(
        f"/api/v1/users/{shop.world.reseller_user.id}",
        json={"isActive": False},
        headers=shop.admin,
    )

    assert disabled.status_code == 200, disabled.text
    assert (await client.get("/app/orders")).status_code == 303


async def test_signing_in_is_throttled_like_the_api(
    client: httpx.AsyncClient, shop: Shop, app: FastAPI
) -> None:
    from commercy.core.ratelimit import RateLimits

    tight = app.state.settings.model_copy(update={"rate_limit_login_failures": "2/minute"})
    web = next(
        route.app for route in app.routes if isinstance(route, Mount) and route.path == "/app"
    )
    assert isinstance(web, FastAPI)
    saved = web.state.rate_limits
    web.state.rate_limits = RateLimits(tight)
    try:
        for _ in range(2):
            await _post_login(client, shop.world.agent.identifier, "wrong")
        answer = await _post_login(client, shop.world.agent.identifier, PASSWORD)
    finally:
        web.state.rate_limits = saved

    assert answer.status_code == 429
    assert "Retry-After" in answer.headers


async def _age_sessions(session: WriteSession, **moved: timedelta) -> None:
    now = utcnow()
    await session.execute(
        update(WebSession).values({name: now - delta for name, delta in moved.items()})
    )
    await session.commit()


async def test_a_session_unused_for_the_idle_time_is_over(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop, settings: Settings
) -> None:
    await sign_in(client, shop.world.reseller_user)
    idle = timedelta(minutes=settings.web_session_idle_minutes)

    await _age_sessions(session, last_seen_at=idle - timedelta(minutes=1))
    assert (await client.get("/app/orders")).status_code == 200

    await _age_sessions(session, last_seen_at=idle + timedelta(minutes=1))
    assert (await client.get("/app/orders")).status_code == 303


async def test_a_session_ends_at_its_lifetime_however_busy(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop, settings: Settings
) -> None:
    await sign_in(client, shop.world.reseller_user)

    await _age_sessions(
        session, created_at=timedelta(hours=settings.web_session_max_hours, minutes=1)
    )

    assert (await client.get("/app/orders")).status_code == 303


async def test_the_database_keeps_only_a_hash_of_the_cookie(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    await sign_in(client, shop.world.reseller_user)

    stored = (await session.scalars(select(WebSession.id))).all()

    assert len(stored) == 1 and stored[0] != _current(client)


async def test_expired_sessions_are_swept_at_the_next_sign_in(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop, settings: Settings
) -> None:
    await sign_in(client, shop.world.agent)
    await _age_sessions(session, created_at=timedelta(hours=settings.web_session_max_hours + 1))
    client.cookies.clear()

    await sign_in(client, shop.world.reseller_user)

    assert (await session.scalar(select(func.count()).select_from(WebSession))) == 1
