"""Playing the customer: the WhatsApp message sent, the replies, the status, the webhook."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from commercy.sandbox import catalog
from tests.sandbox.helpers import PDF, Receiver, create_order_ticket, wait_until

SEED_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


async def messages(controls: httpx.AsyncClient, **filters: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (await controls.get("/_sandbox/messages", params=filters)).json()[
        "data"
    ]
    return found


async def test_each_ticket_sends_the_french_template_to_the_thirds_wa_id(
    api: httpx.AsyncClient, controls: httpx.AsyncClient
) -> None:
    ticket = await create_order_ticket(api)

    [message] = await messages(controls, ticket_id=ticket["id"])

    assert message["wa_id"] == "212600000000"
    assert message["direction"] == "outbound"
    for text in ("Bonjour Ahmed Alami", "12345", "Articles : 5", "Total : 500.00"):
        assert text in message["text"]
    assert "Adresse de livraison : Casablanca, Bd Zerktouni" in message["text"]
    assert [button["id"] for button in message["buttons"]] == ["confirm", "cancel"]


async def test_the_message_links_the_uploaded_invoice(
    api: httpx.AsyncClient, controls: httpx.AsyncClient, sandbox_url: str
) -> None:
    ticket = await create_order_ticket(api)
    media_id = ticket["information"]["campaign_data"]["invoice_document"]["id"]

    [message] = await messages(controls, ticket_id=ticket["id"])
    document = message["document"]

    assert document["id"] == media_id
    assert document["file_name"] == "facture.pdf"
    assert document["url"] == f"{sandbox_url}/_sandbox/media/{media_id}"
    assert (await controls.get(document["path"])).content == PDF


async def test_messages_are_listed_newest_first(
    api: httpx.AsyncClient, controls: httpx.AsyncClient
) -> None:
    first = await create_order_ticket(api, external_id="ORD-1")
    second = await create_order_ticket(api, external_id="ORD-2")

    listed = await messages(controls)

    assert [message["ticket_id"] for message in listed] == [second["id"], first["id"]]


@pytest.mark.parametrize(
    ("action", "status_id"),
    [
        ("confirm", catalog.STATUS_CONFIRMED),
        ("cancel", catalog.STATUS_CANCELED),
        ("no_answer", catalog.STATUS_UNREACHABLE),
    ],
)
async def test_a_reply_moves_the_ticket_and_fires_ticket_updated_in_the_seeds_shape(
    api: httpx.AsyncClient,
    controls: httpx.AsyncClient,
    receiver: Receiver,
    action: str,
    status_id: str,
) -> None:
    await api.post("/v1/webhooks", json={"url": receiver.url(), "event": "ticket.updated"})
    ticket = await create_order_ticket(api)

    response = await controls.post(
        f"/_sandbox/tickets/{ticket['id']}/reply", json={"action": action}
    )

    assert response.status_code == 200
    assert (await api.get(f"/v1/tickets/{ticket['id']}")).json()["data"]["ticket_status_id"] == (
        status_id
    )
    await wait_until(lambda: len(receiver.received()) == 1, message="ticket.updated")
    event = receiver.received()[0].json
    assert event.keys() == {"event", "data"}
    assert event["event"] == "ticket.updated"
    assert event["data"].keys() == {"id", "data", "wasRecentlyCreated", "changes"}
    assert event["data"]["id"] == ticket["id"]
    assert event["data"]["wasRecentlyCreated"] is False
    assert event["data"]["data"]["ticket_status_id"] == status_id
    assert event["data"]["data"]["external_id"] == "COMMANDE-12345"
    assert event["data"]["data"]["information"] == ticket["information"]
    changes = event["data"]["changes"]
    assert changes["ticket_status_id"] == status_id
    assert SEED_TIMESTAMP.fullmatch(changes["date_status"])
    assert SEED_TIMESTAMP.fullmatch(changes["updated_at"])


async def test_the_customers_reply_shows_in_the_conversation(
    api: httpx.AsyncClient, controls: httpx.AsyncClient
) -> None:
    ticket = await create_order_ticket(api)

    await controls.post(f"/_sandbox/tickets/{ticket['id']}/reply", json={"action": "cancel"})

    reply, sent = await messages(controls, ticket_id=ticket["id"])
    assert (reply["direction"], reply["text"]) == ("inbound", "Annuler")
    assert sent["direction"] == "outbound"


async def test_the_conversation_carries_the_current_status(
    api: httpx.AsyncClient, controls: httpx.AsyncClient
) -> None:
    ticket = await create_order_ticket(api)
    await controls.post(f"/_sandbox/tickets/{ticket['id']}/reply", json={"action": "confirm"})

    conversations = await controls.get("/_sandbox/conversations", params={"foreign": False})
    [conversation] = conversations.json()["data"]

    assert conversation["status"]["id"] == catalog.STATUS_CONFIRMED
    assert [m["direction"] for m in conversation["messages"]] == ["outbound", "inbound"]


async def test_an_unknown_action_is_a_422(
    api: httpx.AsyncClient, controls: httpx.AsyncClient
) -> None:
    ticket = await create_order_ticket(api)

    response = await controls.post(
        f"/_sandbox/tickets/{ticket['id']}/reply", json={"action": "maybe"}
    )

    assert response.status_code == 422
    assert "action" in response.json()["errors"]


async def test_a_reply_to_an_unknown_ticket_is_a_404(controls: httpx.AsyncClient) -> None:
    response = await controls.post(
        "/_sandbox/tickets/aaaaaaaaaaaaaaaa/reply", json={"action": "confirm"}
    )

    assert response.status_code == 404
