"""On a database file the sandbox remembers across restarts, and several servers on the same
file are one sandbox."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from commercy.sandbox import SandboxSettings, create_app
from commercy.sandbox.catalog import STATUS_CONFIRMED
from tests.sandbox.conftest import sandbox_settings
from tests.sandbox.helpers import (
    CLIENT_ID,
    CLIENT_SECRET,
    TOKEN,
    Receiver,
    create_order_ticket,
    wait_until,
)
from tests.support.live_server import live_server


@asynccontextmanager
async def sandbox_on(database: Path) -> AsyncIterator[httpx.AsyncClient]:
    """A sandbox served on ``database`` until the block ends, and a client of it."""
    with live_server(create_app(sandbox_settings(database_path=database))) as url:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=10) as client:
            yield client


async def conversation(client: httpx.AsyncClient, ticket_id: str) -> dict[str, Any]:
    conversations = (await client.get("/_sandbox/conversations")).json()["data"]
    found: dict[str, Any] = next(c for c in conversations if c["ticket"]["id"] == ticket_id)
    return found


async def access_token(client: httpx.AsyncClient) -> str:
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


async def test_a_restarted_sandbox_remembers_everything(
    tmp_path: Path, session_receiver: Receiver
) -> None:
    database = tmp_path / "sandbox.db"
    async with sandbox_on(database) as before:
        webhook = (
            await before.post(
                "/v1/webhooks",
                json={"url": session_receiver.url("/restart"), "event": "ticket.updated"},
            )
        ).json()["data"]
        ticket = await create_order_ticket(before)
        await before.post(f"/_sandbox/tickets/{ticket['id']}/reply", json={"action": "confirm"})
        oauth_token = await access_token(before)

    async with sandbox_on(database) as after:
        stored = (await after.get(f"/v1/tickets/{ticket['id']}")).json()["data"]
        chat = await conversation(after, ticket["id"])
        webhooks = (await after.get("/v1/webhooks")).json()["data"]
        newer = await create_order_ticket(after, external_id="COMMANDE-2")
        oauth_call = await after.get(
            "/v1/tickets", headers={"Authorization": f"Bearer {oauth_token}"}
        )
        invoice = await after.get(chat["messages"][0]["document"]["path"])

    assert stored["ticket_status_id"] == STATUS_CONFIRMED
    assert [m["direction"] for m in chat["messages"]] == ["outbound", "inbound"]
    assert [hook["id"] for hook in webhooks] == [webhook["id"]]
    assert newer["id"] != ticket["id"]
    assert int(newer["ticket_number"]) > int(ticket["ticket_number"])
    assert oauth_call.status_code == 200
    assert invoice.status_code == 200


async def test_a_generated_token_is_kept_in_the_database_file(tmp_path: Path) -> None:
    settings = SandboxSettings(database_path=tmp_path / "sandbox.db")

    first = create_app(settings).state.sandbox
    second = create_app(settings).state.sandbox

    assert (second.token, second.client_secret) == (first.token, first.client_secret)


@asynccontextmanager
async def two_sandboxes(database: Path) -> AsyncIterator[tuple[httpx.AsyncClient, ...]]:
    """Two servers, each with its own app and connection, on the same file."""
    with ExitStack() as servers:
        urls = [
            servers.enter_context(live_server(create_app(sandbox_settings(database_path=database))))
            for _ in range(2)
        ]
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with (
            httpx.AsyncClient(base_url=urls[0], headers=headers, timeout=10) as one,
            httpx.AsyncClient(base_url=urls[1], headers=headers, timeout=10) as other,
        ):
            yield one, other


async def test_two_servers_on_one_file_are_one_sandbox(
    tmp_path: Path, session_receiver: Receiver
) -> None:
    session_receiver.reset()
    async with two_sandboxes(tmp_path / "sandbox.db") as (one, other):
        await one.post(
            "/v1/webhooks", json={"url": session_receiver.url("/shared"), "event": "ticket.updated"}
        )
        ticket = await create_order_ticket(one)

        seen = await other.get(f"/v1/tickets/{ticket['id']}")
        reply = await other.post(
            f"/_sandbox/tickets/{ticket['id']}/reply", json={"action": "confirm"}
        )
        chat = await conversation(one, ticket["id"])
        await wait_until(lambda: len(session_receiver.received("/shared")) == 1, message="event")

    assert seen.status_code == 200
    assert reply.status_code == 200
    assert chat["status"]["id"] == STATUS_CONFIRMED
    assert [m["direction"] for m in chat["messages"]] == ["outbound", "inbound"]
    event = session_receiver.received("/shared")[0].json
    assert event["data"]["changes"]["ticket_status_id"] == STATUS_CONFIRMED


async def test_ids_and_ticket_numbers_stay_unique_across_servers(tmp_path: Path) -> None:
    async with two_sandboxes(tmp_path / "sandbox.db") as (one, other):
        created = await asyncio.gather(
            *(
                create_order_ticket(client, external_id=f"ORD-{n}", wa_id=f"2126000000{n:02d}")
                for n, client in enumerate([one, other] * 5)
            )
        )

    assert len({ticket["id"] for ticket in created}) == 10
    assert len({ticket["ticket_number"] for ticket in created}) == 10
    assert len({ticket["third_id"] for ticket in created}) == 10


async def test_faults_set_through_one_server_apply_to_the_other(tmp_path: Path) -> None:
    async with two_sandboxes(tmp_path / "sandbox.db") as (one, other):
        await one.put("/_sandbox/faults", json={"outage": True})
        during = (await other.get("/v1/tickets")).status_code
        await other.put("/_sandbox/faults", json={})
        after = (await one.get("/v1/tickets")).status_code

    assert (during, after) == (503, 200)
