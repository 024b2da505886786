"""The embedded default (`make run`): sandbox mounted, worker inside, demo reseller connected."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx

from commercy.core.database import WriteSession
from commercy.core.settings import Settings
from commercy.demo import load_demo_data
from commercy.main import create_app
from tests.support.live_server import live_server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(probe: object, timeout: float = 30.0) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()  # type: ignore[operator]
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("timed out")


async def test_demo_order_is_confirmed_through_the_mounted_sandbox(
    session: WriteSession, settings: Settings, tmp_path: Path
) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    embedded = settings.model_copy(
        update={
            "public_base_url": base,
            "sandbox_mounted": True,
            "worker_in_process": True,
            "worker_poll_seconds": 0.05,
        }
    )
    logins = await load_demo_data(session, settings=embedded)
    await session.commit()
    reseller = next(login for login in logins if login.role == "reseller")

    with live_server(create_app(embedded), port=port) as url, httpx.Client(base_url=url) as http:
        token = http.post(
            "/api/v1/auth/login",
            json={"identifier": reseller.identifier, "password": reseller.password},
        ).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        product = http.get("/api/v1/products", headers=auth).json()["data"][0]
        order = http.post(
            "/api/v1/orders",
            headers=auth,
            json={
                "customerPhone": "+216 22 333 444",
                "products": [
                    {
                        "productId": product["id"],
                        "quantity": 1,
                        "price": product["price"],
                        "notes": "Bleu",
                    }
                ],
            },
        ).json()["order"]

        def conversation() -> dict[str, object] | None:
            messages = http.get(
                "/sandbox/digishare/_sandbox/messages",
                headers={"Authorization": f"Bearer {embedded.sandbox_token}"},
            ).json()["data"]
            return next((m for m in messages if order["orderNumber"] in str(m)), None)

        message = _wait(conversation)
        assert isinstance(message, dict)
        reply = http.post(
            f"/sandbox/digishare/_sandbox/tickets/{message['ticket_id']}/reply",
            json={"action": "confirm"},
            headers={"Authorization": f"Bearer {embedded.sandbox_token}"},
        )
        assert reply.status_code == 200

        def confirmed() -> bool:
            current = http.get(f"/api/v1/orders/{order['id']}", headers=auth).json()["data"]
            return bool(current["status"] == "confirmed")

        assert _wait(confirmed)
        page = http.get("/sandbox/digishare/")
        assert page.status_code == 200


async def test_demo_data_opens_with_orders_whose_customers_were_messaged(
    session: WriteSession, settings: Settings
) -> None:
    port = _free_port()
    embedded = settings.model_copy(
        update={
            "public_base_url": f"http://127.0.0.1:{port}",
            "sandbox_mounted": True,
            "worker_in_process": True,
            "worker_poll_seconds": 0.05,
        }
    )
    logins = await load_demo_data(session, settings=embedded)
    await load_demo_data(session, settings=embedded)  # every start loads it: orders only once
    await session.commit()
    agent = next(login for login in logins if login.role == "agent")

    with live_server(create_app(embedded), port=port) as url, httpx.Client(base_url=url) as http:
        token = http.post(
            "/api/v1/auth/login", json={"identifier": agent.identifier, "password": agent.password}
        ).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        orders = http.get("/api/v1/orders", headers=auth).json()["data"]

        def messaged() -> set[str] | None:
            messages = http.get(
                "/sandbox/digishare/_sandbox/messages",
                headers={"Authorization": f"Bearer {embedded.sandbox_token}"},
            ).json()["data"]
            numbers = {o["orderNumber"] for o in orders if o["orderNumber"] in str(messages)}
            return numbers if len(numbers) == 2 else None

        asked = _wait(messaged)
        by_source = {o["source"]: o for o in orders}
        assert len(orders) == 3
        assert asked == {
            by_source["facebook_page"]["orderNumber"],
            by_source["whatsapp"]["orderNumber"],
        }
        assert by_source["sur_place"]["status"] == "delivered"
