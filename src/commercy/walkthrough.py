"""`commercy demo`: the whole Digishare story, played in the terminal against a fresh
embedded instance (its own SQLite file, the sandbox mounted, the worker inside)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import typer
import uvicorn

from commercy.core import migrations
from commercy.core.database import Database
from commercy.core.settings import Settings
from commercy.demo import DemoLogin, load_demo_data
from commercy.main import create_app

_T = TypeVar("_T")


def _step(number: int, text: str) -> None:
    typer.secho(f"\n{number}. {text}", fg=typer.colors.CYAN, bold=True)


def _show(label: str, value: object) -> None:
    typer.echo(f"   {label:<18} {value}")


async def play(*, pause: float = 0.6) -> None:
    with tempfile.TemporaryDirectory(prefix="commercy-demo-") as data_dir:
        async with _embedded_instance(Path(data_dir)) as (settings, logins):
            await _story(settings, logins, pause=pause)


@contextlib.asynccontextmanager
async def _embedded_instance(data_dir: Path) -> AsyncIterator[tuple[Settings, list[DemoLogin]]]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(
        _env_file=None,
        data_dir=data_dir,
        public_base_url=base,
        worker_poll_seconds=0.1,
    )
    database = Database(settings)
    await migrations.upgrade(database)
    async with database.sessionmaker() as session, session.begin():
        logins = await load_demo_data(session, settings=settings)
    await database.dispose()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110  (uvicorn exposes a flag, not an event)
        await asyncio.sleep(0.05)
    try:
        yield settings, logins
    finally:
        server.should_exit = True
        await task


async def _story(settings: Settings, logins: list[DemoLogin], *, pause: float) -> None:
    by_role = {login.role: login for login in logins}
    sandbox_auth = {"Authorization": f"Bearer {settings.sandbox_token}"}
    async with httpx.AsyncClient(base_url=settings.public_base_url, timeout=10) as http:
        reseller = by_role["reseller"]
        _step(1, f"The reseller logs in ({reseller.identifier})")
        token = (
            await http.post(
                "/api/v1/auth/login",
                json={"identifier": reseller.identifier, "password": reseller.password},
            )
        ).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        products = (await http.get("/api/v1/products", headers=headers)).json()["data"]

        _step(2, "A customer orders on the reseller's Facebook page")
        order = await _create_order(http, headers, products)
        _show("order", order["orderNumber"])
        _show("status", order["status"])
        _show("total", f"{order['total']} TND")
        await asyncio.sleep(pause)

        _step(3, "The worker opens a Digishare ticket with the invoice PDF")
        ticket = await _wait_for(lambda: _ticket(http, order["orderNumber"], sandbox_auth))
        _show("ticket", ticket["id"])
        _show("third (WhatsApp)", ticket["information"]["third"]["wa_id"])
        await asyncio.sleep(pause)

        _step(4, "The customer receives this WhatsApp message")
        message = await _wait_for(lambda: _message(http, ticket["id"], sandbox_auth))
        for line in str(message.get("text", message)).splitlines():
            typer.secho(f"   │ {line}", fg=typer.colors.GREEN)
        await asyncio.sleep(pause)

        _step(5, "The customer presses « Confirmer »")
        await http.post(
            f"/sandbox/digishare/_sandbox/tickets/{ticket['id']}/reply",
            json={"action": "confirm"},
            headers=sandbox_auth,
        )

        _step(6, "Digishare calls Commercy's webhook (ticket.updated); the order moves")
        confirmed = await _wait_for(lambda: _order_if(http, headers, order["id"], "confirmed"))
        _show("status", confirmed["status"])
        history = (await http.get(f"/api/v1/orders/{order['id']}/history", headers=headers)).json()[
            "data"
        ]
        typer.echo("   history:")
        for change in history:
            typer.echo(
                f"     {change['createdAt']}  {change['fromStatus'] or '—':>10} → "
                f"{change['toStatus']:<10} by {change['actor']}"
            )
    typer.secho("\nThat is the whole flow. `make run` serves it for you to try.", bold=True)


async def _create_order(
    http: httpx.AsyncClient, headers: dict[str, str], products: list[dict[str, Any]]
) -> dict[str, Any]:
    product = products[0]
    response = await http.post(
        "/api/v1/orders",
        headers=headers,
        json={
            "customerName": "Amira Ben Salah",
            "customerPhone": "+216 20 123 456",
            "customerAddress": "12 rue de Marseille",
            "customerCity": "Tunis",
            "customerGovernorate": "Tunis",
            "source": "facebook_page",
            "products": [
                {
                    "productId": product["id"],
                    "quantity": 1,
                    "price": product["price"],
                    "notes": "Couleur : rouge",
                }
            ],
        },
    )
    response.raise_for_status()
    order: dict[str, Any] = response.json()["order"]
    return order


async def _ticket(
    http: httpx.AsyncClient, order_number: str, sandbox_auth: dict[str, str]
) -> dict[str, Any] | None:
    """The order's ticket. Digishare's list has no ``external_id`` filter and the account holds
    other people's tickets: search for the number (the subject carries it), then compare."""
    response = await http.get(
        "/sandbox/digishare/v1/tickets", params={"search": order_number}, headers=sandbox_auth
    )
    tickets = response.json().get("data") or []
    return next((dict(t) for t in tickets if t.get("external_id") == order_number), None)


async def _message(
    http: httpx.AsyncClient, ticket_id: str, sandbox_auth: dict[str, str]
) -> dict[str, Any] | None:
    response = await http.get(
        "/sandbox/digishare/_sandbox/messages",
        params={"ticket_id": ticket_id},
        headers=sandbox_auth,
    )
    messages = response.json().get("data") or []
    return dict(messages[0]) if messages else None


async def _order_if(
    http: httpx.AsyncClient, headers: dict[str, str], order_id: int, status: str
) -> dict[str, Any] | None:
    order: dict[str, Any] = (await http.get(f"/api/v1/orders/{order_id}", headers=headers)).json()[
        "data"
    ]
    return order if order["status"] == status else None


async def _wait_for(probe: Callable[[], Awaitable[_T | None]], *, timeout: float = 20.0) -> _T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = await probe()
        if found is not None:
            return found
        await asyncio.sleep(0.1)
    raise typer.Exit(code=1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
