"""Other people's tickets: the account holds tickets that are not Commercy's."""

from __future__ import annotations

from typing import Any

import httpx

from tests.sandbox.helpers import Receiver, create_order_ticket, wait_until


async def listed(api: httpx.AsyncClient, **params: str | int) -> list[dict[str, Any]]:
    tickets: list[dict[str, Any]] = (await api.get("/v1/tickets", params=params)).json()["data"]
    return tickets


async def test_a_reset_account_already_holds_other_peoples_tickets(
    api: httpx.AsyncClient, controls: httpx.AsyncClient
) -> None:
    tickets = await listed(api)

    assert len(tickets) >= 5
    assert len({ticket["third_id"] for ticket in tickets}) >= 5
    assert any(str(ticket["external_id"]).startswith("ORD-") for ticket in tickets)
    assert any("ORD-" in ticket["subject"] and ticket["external_id"] for ticket in tickets)
    assert (await controls.get("/_sandbox/messages")).json()["data"] == []


async def test_the_first_ticket_of_a_list_is_not_the_one_you_asked_for(
    api: httpx.AsyncClient,
) -> None:
    [first] = await listed(api, external_id="ORD-404", per_page=1, limit=1)

    assert first["external_id"] != "ORD-404"


async def test_a_search_for_an_order_number_also_finds_a_stranger_quoting_a_longer_one(
    api: httpx.AsyncClient,
) -> None:
    number = "ORD-1700000123456-1"
    ours = await create_order_ticket(
        api, external_id=number, subject=f"Confirmation de commande {number}"
    )

    found = await listed(api, search=number)

    assert ours["id"] in [ticket["id"] for ticket in found]
    assert len(found) > 1
    assert [t["id"] for t in found if t["external_id"] == number] == [ours["id"]]


async def test_more_foreign_tickets_are_added_on_demand(
    api: httpx.AsyncClient, controls: httpx.AsyncClient, receiver: Receiver
) -> None:
    await api.post("/v1/webhooks", json={"url": receiver.url(), "event": "ticket.created"})

    response = await controls.post(
        "/_sandbox/foreign-tickets",
        json={"count": 3, "subject": "Commande ORD-42", "external_id": "ORD-42"},
    )

    assert response.status_code == 201
    created = response.json()["data"]
    assert [ticket["external_id"] for ticket in created] == ["ORD-42"] * 3
    assert [t["id"] for t in await listed(api, search="ord-42")] == [
        ticket["id"] for ticket in created[::-1]
    ]
    await wait_until(lambda: len(receiver.received()) == 3, message="three ticket.created")


async def test_foreign_tickets_come_in_bounded_batches(controls: httpx.AsyncClient) -> None:
    too_many = await controls.post("/_sandbox/foreign-tickets", json={"count": 501})
    default = await controls.post("/_sandbox/foreign-tickets", json={})

    assert too_many.status_code == 422
    assert "count" in too_many.json()["errors"]
    assert len(default.json()["data"]) == 1


async def test_foreign_conversations_are_marked_and_can_be_left_out(
    api: httpx.AsyncClient, controls: httpx.AsyncClient
) -> None:
    ours = await create_order_ticket(api)

    everything = (await controls.get("/_sandbox/conversations")).json()
    only_ours = (await controls.get("/_sandbox/conversations", params={"foreign": False})).json()

    foreign = [c for c in everything["data"] if c["foreign"]]
    assert len(foreign) == everything["meta"]["foreign"] >= 5
    assert all(c["messages"] == [] for c in foreign)
    assert [c["ticket"]["id"] for c in only_ours["data"]] == [ours["id"]]
    assert only_ours["meta"]["foreign"] == everything["meta"]["foreign"]
