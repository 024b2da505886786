"""A JSON body nested absurdly deep, or holding what text cannot store (NUL, a lone surrogate),
is a 400 in the error format on every operation that takes one, Digishare's webhook included;
never a 500."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from commercy.integrations.digishare.models import DigishareEvent
from tests.core.conftest import WEBHOOK_TOKEN
from tests.factories import Shop, order_body


def nested(depth: int, *, shape: str) -> bytes:
    if shape == "array":
        return b"[" * depth + b"]" * depth
    return b'{"a":' * depth + b"1" + b"}" * depth


def operations_with_a_body(app: FastAPI) -> list[tuple[str, str]]:
    return [
        (method.upper(), re.sub(r"\{[^}]+\}", "1", path))
        for path, item in app.openapi()["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "requestBody" in operation
    ]


SHAPES = ["array", "object"]


@pytest.mark.parametrize("shape", SHAPES)
async def test_a_body_nested_5000_deep_is_400_naming_the_body_everywhere(
    app: FastAPI, client: httpx.AsyncClient, shop: Shop, shape: str
) -> None:
    operations = operations_with_a_body(app)
    assert ("POST", "/api/v1/orders") in operations

    for method, path in operations:
        response = await client.request(
            method,
            path,
            content=nested(5000, shape=shape),
            headers=shop.admin | {"content-type": "application/json"},
        )

        assert response.status_code == 400, (method, path, response.text)
        assert response.json()["details"]["field"] == "body", (method, path)
        assert response.json()["details"]["message"] == "Request body is nested too deeply"


@pytest.mark.parametrize("depth", [100, 900])
async def test_a_body_nested_deep_but_parseable_is_400_everywhere(
    app: FastAPI, client: httpx.AsyncClient, shop: Shop, depth: int
) -> None:
    for method, path in operations_with_a_body(app):
        for shape in SHAPES:
            response = await client.request(
                method,
                path,
                content=nested(depth, shape=shape),
                headers=shop.admin | {"content-type": "application/json"},
            )

            assert response.status_code == 400, (method, path, shape, response.text)


async def test_a_body_that_is_not_utf8_is_400_naming_the_body(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    response = await client.post(
        "/api/v1/orders",
        content=b'{"customerName": "\xff"}',
        headers=shop.reseller | {"content-type": "application/json"},
    )

    assert response.status_code == 400
    assert response.json()["details"]["field"] == "body"


async def test_a_lone_surrogate_in_a_body_field_is_400_naming_it(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    response = await client.post(
        "/api/v1/auth/login",
        content=b'{"identifier": "a\\ud800@b.tn", "password": "x"}',
        headers={"content-type": "application/json"},
    )

    assert response.status_code == 400
    assert response.json()["details"]["field"] == "identifier"


async def deliver(client: httpx.AsyncClient, webhook: str, body: bytes) -> httpx.Response:
    return await client.post(
        webhook,
        content=body,
        headers={"Authorization": f"Bearer {WEBHOOK_TOKEN}", "Content-Type": "application/json"},
    )


async def stored_events(session: AsyncSession) -> list[tuple[str, str, str | None]]:
    events = (await session.scalars(select(DigishareEvent))).all()
    return [(event.outcome.value, event.raw_body, event.detail) for event in events]


EVENT = b'{"event": "ticket.updated", "data": {"id": "t1", "data": {"id": "t1"}}}'


@pytest.mark.parametrize(
    ("body", "stored_body", "detail"),
    [
        (nested(5000, shape="array"), None, "Body is nested deeper than 64 levels"),
        (nested(900, shape="object"), None, "Body is nested deeper than 64 levels"),
        (EVENT + b"\x00", EVENT.decode() + "\ufffd", "Body is not JSON"),
        (b'{"event": "ticket.updated\\u0000"}', None, "Body holds a NUL character"),
        (b'{"event": "x", "data": {"\\u0000": 1}}', None, "Body holds a NUL character"),
        (
            b'{"event": "ticket.updated", "data": {"id": "t\\ud800"}}',
            None,
            "Body holds a lone surrogate (U+D800), which is not text",
        ),
        (
            b'{"event": "x", "n": NaN}',
            None,
            "Body holds a number JSON cannot carry (NaN or infinite)",
        ),
        (
            b'{"event": "x", "data": {"id": 1e999}}',
            None,
            "Body holds a number JSON cannot carry (NaN or infinite)",
        ),
    ],
    ids=[
        "5000 deep",
        "900 deep",
        "raw NUL",
        "escaped NUL",
        "NUL in a key",
        "lone surrogate",
        "NaN",
        "1e999",
    ],
)
async def test_a_webhook_body_we_cannot_keep_as_json_is_400_and_recorded_as_malformed(
    client: httpx.AsyncClient,
    webhook: str,
    session: AsyncSession,
    body: bytes,
    stored_body: str | None,
    detail: str,
) -> None:
    response = await deliver(client, webhook, body)

    assert response.status_code == 400, response.text
    assert response.json()["error"] == "Validation error"
    assert response.json()["details"]["field"] == "body"
    assert await stored_events(session) == [
        ("malformed", stored_body if stored_body is not None else body.decode(), detail)
    ]


async def test_a_webhook_event_with_a_control_character_other_than_nul_is_recorded(
    client: httpx.AsyncClient, webhook: str, session: AsyncSession
) -> None:
    """Digishare's own data (a customer's name) is kept as sent: only NUL cannot be stored."""
    body: dict[str, Any] = {
        "event": "ticket.created",
        "data": {"id": "t1", "data": {"id": "t1", "subject": "Bell\u0007"}},
    }

    response = await client.post(
        webhook, json=body, headers={"Authorization": f"Bearer {WEBHOOK_TOKEN}"}
    )

    assert response.status_code == 200, response.text
    assert [outcome for outcome, _, _ in await stored_events(session)] == ["ignored_event"]


async def test_a_webhook_event_time_off_the_calendar_is_ignored_and_the_event_applied(
    client: httpx.AsyncClient, shop: Shop, webhook: str
) -> None:
    order = await client.post(
        "/api/v1/orders", json=order_body(shop.product), headers=shop.reseller
    )
    event = {
        "event": "ticket.updated",
        "data": {
            "id": "t1",
            "data": {"id": "t1", "external_id": order.json()["orderNumber"]},
            "changes": {
                "ticket_status_id": "yqdwrbka7kz69v8e",
                "updated_at": "9999-12-31T23:59:59-14:00",
            },
        },
    }

    response = await client.post(
        webhook, json=event, headers={"Authorization": f"Bearer {WEBHOOK_TOKEN}"}
    )

    assert response.status_code == 200, response.text
    assert response.json()["data"]["outcome"] == "applied"
