"""Bearer tokens: the static token, OAuth2 client credentials, and Digishare's 401."""

from __future__ import annotations

import re

import httpx
import pytest

from commercy.sandbox import SandboxSettings, create_app
from commercy.sandbox.app import banner
from tests.sandbox.helpers import CLIENT_ID, CLIENT_SECRET, TOKEN


async def test_a_call_without_a_token_is_unauthenticated(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/v1/tickets")

    assert response.status_code == 401
    assert response.json() == {"message": "Unauthenticated."}


@pytest.mark.parametrize(
    "header", ["Bearer wrong-token", f"Basic {TOKEN}", f"Token {TOKEN}", "Bearer"]
)
async def test_a_bad_token_is_unauthenticated(anonymous: httpx.AsyncClient, header: str) -> None:
    response = await anonymous.get("/v1/ticket-statuses", headers={"Authorization": header})

    assert response.status_code == 401
    assert response.json() == {"message": "Unauthenticated."}


async def test_the_static_token_is_accepted(api: httpx.AsyncClient) -> None:
    response = await api.get("/v1/tickets")

    assert response.status_code == 200


async def test_client_credentials_give_a_working_bearer_token(
    anonymous: httpx.AsyncClient,
) -> None:
    response = await anonymous.post(
        "/v1/oauth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] > 0
    authorization = {"Authorization": f"Bearer {body['access_token']}"}
    assert (await anonymous.get("/v1/tickets", headers=authorization)).status_code == 200


async def test_client_credentials_are_also_accepted_as_a_form(
    anonymous: httpx.AsyncClient,
) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    response = await anonymous.post("/v1/oauth/token", data=form)

    assert response.status_code == 200
    assert response.json()["access_token"]


async def test_a_wrong_client_secret_gets_no_token(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.post(
        "/v1/oauth/token",
        json={"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": "x"},
    )

    assert response.status_code == 401
    assert "access_token" not in response.json()


async def test_a_random_token_is_generated_when_none_is_set() -> None:
    first = create_app(SandboxSettings()).state.sandbox.token
    second = create_app(SandboxSettings()).state.sandbox.token

    assert len(first) >= 32
    assert first != second


def test_the_standalone_banner_links_the_page_with_the_token_in_the_fragment() -> None:
    app = create_app(SandboxSettings(token="shown/token"))

    text = banner(app.state.sandbox, "http://127.0.0.1:8100")

    assert "http://127.0.0.1:8100/#token=shown%2Ftoken" in text
    assert "Bearer token:  shown/token" in text


# Every control, with a body it would accept: only the token is missing.
CONTROLS = [
    ("GET", "/_sandbox/messages", None),
    ("GET", "/_sandbox/conversations", None),
    ("POST", "/_sandbox/tickets/aaaaaaaaaaaaaaaa/reply", {"action": "confirm"}),
    ("GET", "/_sandbox/faults", None),
    ("PUT", "/_sandbox/faults", {}),
    ("GET", "/_sandbox/deliveries", None),
    ("POST", "/_sandbox/reset", None),
    ("GET", "/_sandbox/media/aaaaaaaaaaaaaaaa", None),
    ("POST", "/_sandbox/foreign-tickets", {"count": 1}),
]


def test_the_list_of_controls_is_complete() -> None:
    paths = create_app(SandboxSettings()).openapi()["paths"]
    documented = {
        (method.upper(), re.sub(r"\{\w+\}", "{id}", path))
        for path, operations in paths.items()
        if path.startswith("/_sandbox")
        for method in operations
    }

    listed = {(method, path.replace("aaaaaaaaaaaaaaaa", "{id}")) for method, path, _ in CONTROLS}
    assert listed == documented


@pytest.mark.parametrize(("method", "path", "body"), CONTROLS)
@pytest.mark.parametrize("header", [None, "Bearer wrong-token"])
async def test_every_control_needs_the_token(
    anonymous: httpx.AsyncClient,
    method: str,
    path: str,
    body: dict[str, object] | None,
    header: str | None,
) -> None:
    headers = {"Authorization": header} if header else {}

    response = await anonymous.request(method, path, json=body, headers=headers)

    assert response.status_code == 401
    assert response.json() == {"message": "Unauthenticated."}


@pytest.mark.parametrize(("method", "path", "body"), CONTROLS)
async def test_every_control_takes_an_oauth_access_token_too(
    anonymous: httpx.AsyncClient, method: str, path: str, body: dict[str, object] | None
) -> None:
    headers = {"Authorization": f"Bearer {await oauth_token(anonymous)}"}

    response = await anonymous.request(method, path, json=body, headers=headers)

    assert response.status_code != 401
    assert response.status_code in {200, 201, 204, 404}


async def test_the_page_is_open_and_holds_no_data(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/")

    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert "Ahmed" not in response.text


async def test_the_user_profile_answers_for_a_valid_token(api: httpx.AsyncClient) -> None:
    response = await api.get("/v1/user/profile")

    assert response.status_code == 200
    user = response.json()["data"]
    assert user.keys() == {"id", "name", "email", "status"}
    assert len(user["id"]) == 16


async def oauth_token(client: httpx.AsyncClient) -> str:
    response = await client.post(
        "/v1/oauth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
    )
    token: str = response.json()["access_token"]
    return token


async def test_the_user_profile_answers_for_an_oauth_token_too(
    anonymous: httpx.AsyncClient,
) -> None:
    token = await oauth_token(anonymous)

    response = await anonymous.get("/v1/user/profile", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200
    assert response.json()["data"]["status"] == "active"


@pytest.mark.parametrize("header", [None, "Bearer wrong-token"])
async def test_the_user_profile_refuses_a_missing_or_wrong_token(
    anonymous: httpx.AsyncClient, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}

    response = await anonymous.get("/v1/user/profile", headers=headers)

    assert response.status_code == 401
    assert response.json() == {"message": "Unauthenticated."}
