from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest

from commercy.auth.models import Role
from commercy.core.database import WriteSession
from commercy.core.security import InvalidToken, decode_token
from commercy.core.settings import Settings
from tests.factories import PASSWORD, login, make_user, make_world


async def test_login_answers_token_user_and_expiry_at_top_level(
    client: httpx.AsyncClient, session: WriteSession
) -> None:
    world = await make_world(session)

    response = await client.post(
        "/api/v1/auth/login",
        json={"identifier": world.reseller_user.identifier, "password": PASSWORD},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert body["token"].count(".") == 2
    assert body["tokenType"] == "Bearer"
    assert body["user"]["role"] == "reseller"
    assert body["user"]["resellerId"] == world.reseller.id
    assert "passwordHash" not in body["user"] and "password" not in response.text
    expires = datetime.fromisoformat(body["expiresAt"].replace("Z", "+00:00"))
    assert expires > datetime.now(UTC)


async def test_login_identifier_is_case_insensitive(
    client: httpx.AsyncClient, session: WriteSession
) -> None:
    user = await make_user(session, role=Role.ADMIN, identifier="boss@example.com")
    await session.commit()

    response = await client.post(
        "/api/v1/auth/login", json={"identifier": "  Boss@Example.COM ", "password": PASSWORD}
    )

    assert response.status_code == 200
    assert response.json()["user"]["id"] == user.id


async def test_wrong_password_and_unknown_identifier_get_the_same_401(
    client: httpx.AsyncClient, session: WriteSession
) -> None:
    world = await make_world(session)

    wrong_password = await client.post(
        "/api/v1/auth/login", json={"identifier": world.admin.identifier, "password": "nope-nope"}
    )
    unknown_user = await client.post(
        "/api/v1/auth/login", json={"identifier": "ghost@example.com", "password": PASSWORD}
    )

    assert wrong_password.status_code == unknown_user.status_code == 401
    assert wrong_password.json()["message"] == unknown_user.json()["message"]
    assert wrong_password.json()["error"] == "Unauthorized"


async def test_me_returns_the_token_owner(client: httpx.AsyncClient, session: WriteSession) -> None:
    world = await make_world(session)
    headers = await login(client, world.agent)

    response = await client.get("/api/v1/auth/me", headers=headers)

    assert response.status_code == 200
    assert response.json()["data"]["identifier"] == world.agent.identifier
    assert response.json()["data"]["role"] == "agent"


async def test_disabled_user_cannot_log_in_and_its_token_stops_working(
    client: httpx.AsyncClient, session: WriteSession
) -> None:
    world = await make_world(session)
    agent_headers = await login(client, world.agent)
    admin_headers = await login(client, world.admin)

    disabled = await client.patch(
        f"/api/v1/users/{world.agent.id}", json={"isActive": False}, headers=admin_headers
    )
    after = await client.get("/api/v1/auth/me", headers=agent_headers)
    relogin = await client.post(
        "/api/v1/auth/login", json={"identifier": world.agent.identifier, "password": PASSWORD}
    )

    assert disabled.status_code == 200
    assert after.status_code == 401
    assert relogin.status_code == 401


@pytest.mark.parametrize(
    "changes",
    [[{"password": "a-brand-new-password-42"}], [{"isActive": False}, {"isActive": True}]],
    ids=["password changed", "disabled then enabled again"],
)
async def test_tokens_issued_before_a_password_change_or_a_disable_end(
    client: httpx.AsyncClient, session: WriteSession, changes: list[dict[str, object]]
) -> None:
    world = await make_world(session)
    agent_headers = await login(client, world.agent)
    admin_headers = await login(client, world.admin)

    for change in changes:
        answer = await client.patch(
            f"/api/v1/users/{world.agent.id}", json=change, headers=admin_headers
        )
        assert answer.status_code == 200, answer.text
    old_token = await client.get("/api/v1/auth/me", headers=agent_headers)
    password = str(changes[0].get("password", PASSWORD))
    fresh = await login(client, world.agent, password=password)

    assert old_token.status_code == 401
    assert (await client.get("/api/v1/auth/me", headers=fresh)).status_code == 200


async def test_a_change_of_name_keeps_the_tokens(
    client: httpx.AsyncClient, session: WriteSession
) -> None:
    world = await make_world(session)
    agent_headers = await login(client, world.agent)
    admin_headers = await login(client, world.admin)

    renamed = await client.patch(
        f"/api/v1/users/{world.agent.id}", json={"name": "Nour"}, headers=admin_headers
    )

    assert renamed.status_code == 200
    assert (await client.get("/api/v1/auth/me", headers=agent_headers)).status_code == 200


def _forge(settings: Settings, user_id: int, **overrides: object) -> str:
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "sub": str(user_id),
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    key = str(overrides.pop("key", settings.signing_key))
    algorithm = str(overrides.pop("algorithm", "HS256"))
    claims.update(overrides)
    return jwt.encode(claims, key, algorithm=algorithm)


async def test_forged_and_stale_tokens_are_refused(
    client: httpx.AsyncClient, session: WriteSession, settings: Settings
) -> None:
    world = await make_world(session)
    good = _forge(settings, world.admin.id)
    header, payload, signature = good.split(".")
    unsigned = jwt.encode({"sub": str(world.admin.id)}, key="", algorithm="none")
    tokens = {
        "alg none": unsigned,
        "wrong key": _forge(settings, world.admin.id, key="another-key-" + "x" * 32),
        "wrong audience": _forge(settings, world.admin.id, aud="someone-else"),
        "wrong issuer": _forge(settings, world.admin.id, iss="evil"),
        "expired": _forge(settings, world.admin.id, exp=datetime.now(UTC) - timedelta(minutes=10)),
        "tampered": f"{header}.{payload[:-2]}AA.{signature}",
        "HS512 with our key": _forge(settings, world.admin.id, algorithm="HS512"),
        "garbage": "not-a-token",
    }

    assert (
        await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {good}"})
    ).status_code == 200
    for name, token in tokens.items():
        response = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, name
        assert response.json()["error"] == "Unauthorized", name


async def test_missing_token_is_401_with_bearer_challenge(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/auth/me")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_remembered_token_is_still_refused_once_it_expires(settings: Settings) -> None:
    token = _forge(settings, 1, exp=datetime.now(UTC) + timedelta(minutes=1))
    assert decode_token(token, settings=settings)["sub"] == "1"
    # The second decode finds the token verified already; the clock alone must refuse it.
    in_two_minutes = (datetime.now(UTC) + timedelta(minutes=2)).timestamp()
    with pytest.raises(InvalidToken, match="expired"):
        decode_token(token, settings=settings, now=in_two_minutes)
