"""Tickets: the seed's create body, reading, listing with filters, and updating."""

from __future__ import annotations

import httpx

from commercy.sandbox.catalog import STATUS_CONFIRMED, STATUS_NEW, TICKET_TYPE_ORDER
from tests.sandbox.helpers import create_order_ticket, media_body, ticket_body

PAGINATION_KEYS = {"total", "count", "per_page", "current_page", "total_pages"}


async def test_the_seeds_body_creates_a_ticket_shaped_like_the_seeds(
    api: httpx.AsyncClient,
) -> None:
    ticket = await create_order_ticket(api)

    assert len(ticket["id"]) == 16
    assert ticket["external_id"] == "COMMANDE-12345"
    assert ticket["subject"] == "Confirmation de Commande"
    assert ticket["type_ticket_id"] == TICKET_TYPE_ORDER
    assert ticket["ticket_status_id"] == STATUS_NEW
    assert ticket["ticket_number"].isdigit()
    assert ticket["lang"] == "fr"
    assert ticket["information"]["third"] == {
        "ext_ref": "CLIENT-67890",
        "name": "Ahmed Alami",
        "wa_id": "212600000000",
        "email": "ahmed.alami@example.com",
    }
    assert ticket["information"]["campaign_data"]["order_total"] == "500.00"
    assert {"created_at", "updated_at", "third_id"} <= ticket.keys()


async def test_create_third_data_creates_the_third_in_e164(api: httpx.AsyncClient) -> None:
    ticket = await create_order_ticket(api, wa_id="+216 50-123-456")

    third = (await api.get(f"/v1/thirds/{ticket['third_id']}")).json()["data"]
    assert third["wa_id"] == "21650123456"
    assert third["phone"] == "+21650123456"
    assert third["name"] == "Ahmed Alami"
    assert third["ext_ref"] == "CLIENT-67890"


async def test_create_third_data_reuses_the_third_with_the_same_wa_id(
    api: httpx.AsyncClient,
) -> None:
    first = await create_order_ticket(api, external_id="A-1", wa_id="212600000000")
    second = await create_order_ticket(api, external_id="A-2", wa_id="+212 600 000 000")

    assert second["third_id"] == first["third_id"]
    thirds = (await api.get("/v1/thirds")).json()
    assert thirds["meta"]["pagination"]["total"] == 1


async def test_a_ticket_is_read_by_its_id(api: httpx.AsyncClient) -> None:
    ticket = await create_order_ticket(api)

    response = await api.get(f"/v1/tickets/{ticket['id']}")

    assert response.status_code == 200
    assert response.json()["data"] == ticket


async def test_an_unknown_ticket_is_a_404_with_a_message(api: httpx.AsyncClient) -> None:
    response = await api.get("/v1/tickets/aaaaaaaaaaaaaaaa")

    assert response.status_code == 404
    assert list(response.json()) == ["message"]


async def test_tickets_are_listed_by_external_id_with_the_pagination_block(
    api: httpx.AsyncClient,
) -> None:
    await create_order_ticket(api, external_id="ORD-1")
    wanted = await create_order_ticket(api, external_id="ORD-2")

    response = await api.get("/v1/tickets", params={"external_id": "ORD-2"})

    assert response.status_code == 200
    body = response.json()
    assert [ticket["id"] for ticket in body["data"]] == [wanted["id"]]
    assert body["meta"]["pagination"] == {
        "total": 1,
        "count": 1,
        "per_page": 15,
        "current_page": 1,
        "total_pages": 1,
    }


async def test_an_unknown_external_id_lists_nothing(api: httpx.AsyncClient) -> None:
    await create_order_ticket(api, external_id="ORD-1")

    body = (await api.get("/v1/tickets", params={"external_id": "ORD-404"})).json()

    assert body["data"] == []
    assert body["meta"]["pagination"]["total"] == 0


async def test_tickets_are_listed_by_status(api: httpx.AsyncClient) -> None:
    confirmed = await create_order_ticket(api, external_id="ORD-1")
    await create_order_ticket(api, external_id="ORD-2")
    await api.put(f"/v1/tickets/{confirmed['id']}", json={"ticket_status_id": STATUS_CONFIRMED})

    body = (await api.get("/v1/tickets", params={"ticket_status_id": STATUS_CONFIRMED})).json()

    assert [ticket["external_id"] for ticket in body["data"]] == ["ORD-1"]


async def test_tickets_are_paginated_newest_first(api: httpx.AsyncClient) -> None:
    for number in range(3):
        await create_order_ticket(api, external_id=f"ORD-{number}")

    body = (await api.get("/v1/tickets", params={"per_page": 2, "page": 2})).json()

    assert [ticket["external_id"] for ticket in body["data"]] == ["ORD-0"]
    assert body["meta"]["pagination"] == {
        "total": 3,
        "count": 1,
        "per_page": 2,
        "current_page": 2,
        "total_pages": 2,
    }


async def test_an_unknown_ticket_type_is_a_422(api: httpx.AsyncClient) -> None:
    media_id = (await api.post("/v1/messagesTemplates", json=media_body())).json()["data"]["id"]
    body = ticket_body(media_id)
    body["type_ticket_id"] = "zzzzzzzzzzzzzzzz"

    response = await api.post("/v1/tickets", json=body)

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "type_ticket_id": ["The selected type ticket id is invalid."]
    }


async def test_an_invoice_that_was_never_uploaded_is_a_422(api: httpx.AsyncClient) -> None:
    response = await api.post("/v1/tickets", json=ticket_body("nosuchmedia00000"))

    assert response.status_code == 422
    assert "information.campaign_data.invoice_document.id" in response.json()["errors"]


async def test_create_third_data_without_a_wa_id_is_a_422(api: httpx.AsyncClient) -> None:
    media_id = (await api.post("/v1/messagesTemplates", json=media_body())).json()["data"]["id"]
    body = ticket_body(media_id)
    del body["information"]["third"]["wa_id"]

    response = await api.post("/v1/tickets", json=body)

    assert response.status_code == 422
    assert "information.third.wa_id" in response.json()["errors"]


async def test_a_body_that_is_not_json_gets_a_422_not_fastapis_shape(
    api: httpx.AsyncClient,
) -> None:
    response = await api.post(
        "/v1/tickets", content=b"{not json", headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 422
    assert set(response.json()) == {"message", "errors"}


async def test_put_changes_status_handler_and_note(api: httpx.AsyncClient) -> None:
    ticket = await create_order_ticket(api)

    response = await api.put(
        f"/v1/tickets/{ticket['id']}",
        json={"ticket_status_id": STATUS_CONFIRMED, "handler_id": "agent-7", "note": "OK tél."},
    )

    assert response.status_code == 200
    updated = response.json()["data"]
    assert (updated["ticket_status_id"], updated["handler_id"], updated["note"]) == (
        STATUS_CONFIRMED,
        "agent-7",
        "OK tél.",
    )
    assert (await api.get(f"/v1/tickets/{ticket['id']}")).json()["data"] == updated


async def test_put_with_an_unknown_status_is_a_422(api: httpx.AsyncClient) -> None:
    ticket = await create_order_ticket(api)

    response = await api.put(
        f"/v1/tickets/{ticket['id']}", json={"ticket_status_id": "zzzzzzzzzzzzzzzz"}
    )

    assert response.status_code == 422
    assert "ticket_status_id" in response.json()["errors"]
