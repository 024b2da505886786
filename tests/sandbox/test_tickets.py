"""Tickets: the seed's create body, reading, listing with filters, and updating."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

from commercy.sandbox.catalog import STATUS_CONFIRMED, STATUS_NEW, TICKET_TYPE_ORDER
from tests.sandbox.helpers import create_order_ticket, media_body, ticket_body


async def test_creating_a_ticket_answers_201_with_the_bare_ticket(
    api: httpx.AsyncClient,
) -> None:
    media_id = (await api.post("/v1/messagesTemplates", json=media_body())).json()["data"]["id"]

    response = await api.post("/v1/tickets", json=ticket_body(media_id))

    assert response.status_code == 201
    ticket = response.json()
    assert len(ticket["id"]) == 16
    assert ticket["data"] == {}
    assert ticket["tags"] == []
    assert {"ticket_number", "created_at", "updated_at", "date_status", "lang"} <= ticket.keys()
    assert (await api.get(f"/v1/tickets/{ticket['id']}")).json() == {"data": ticket}


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
    thirds = (await api.get("/v1/thirds", params={"wa_id": "212600000000"})).json()
    assert thirds["meta"]["total"] == 1


async def test_a_ticket_is_read_by_its_id(api: httpx.AsyncClient) -> None:
    ticket = await create_order_ticket(api)

    response = await api.get(f"/v1/tickets/{ticket['id']}")

    assert response.status_code == 200
    assert response.json()["data"] == ticket


async def test_an_unknown_ticket_is_a_404_with_a_message(api: httpx.AsyncClient) -> None:
    response = await api.get("/v1/tickets/aaaaaaaaaaaaaaaa")

    assert response.status_code == 404
    assert list(response.json()) == ["message"]


async def ids(api: httpx.AsyncClient, **params: str | int) -> list[str]:
    listed = (await api.get("/v1/tickets", params=params)).json()["data"]
    return [ticket["id"] for ticket in listed]


async def test_the_list_ignores_parameters_it_does_not_take(api: httpx.AsyncClient) -> None:
    first = await create_order_ticket(api, external_id="ORD-1")
    second = await create_order_ticket(api, external_id="ORD-2")
    everything = (await api.get("/v1/tickets")).json()

    response = await api.get("/v1/tickets", params={"external_id": "ORD-2", "per_page": 1})

    assert response.status_code == 200
    body = response.json()
    assert body == everything
    assert {first["id"], second["id"]} <= {ticket["id"] for ticket in body["data"]}
    assert body["meta"]["per_page"] == 25


async def test_search_finds_the_order_number_in_the_subject_in_any_case(
    api: httpx.AsyncClient,
) -> None:
    await create_order_ticket(api, subject="Confirmation de commande ORD-17-1")
    wanted = await create_order_ticket(api, subject="Confirmation de commande ORD-17-2")

    assert await ids(api, search="ord-17-2") == [wanted["id"]]


async def test_search_finds_the_ticket_number(api: httpx.AsyncClient) -> None:
    await create_order_ticket(api)
    wanted = await create_order_ticket(api)

    assert await ids(api, search=wanted["ticket_number"]) == [wanted["id"]]


async def test_search_finds_the_customers_name_and_email(api: httpx.AsyncClient) -> None:
    await create_order_ticket(api)
    wanted = await create_order_ticket(
        api, wa_id="21650123456", name="Zoé Lefèvre", email="zoe@exemple.tn"
    )

    by_name = await ids(api, search="ZOÉ LEF")
    by_email = await ids(api, search="@Exemple.TN")

    assert by_name == by_email == [wanted["id"]]


async def test_limit_and_page_cut_the_list_and_meta_tells_where_you_are(
    api: httpx.AsyncClient,
) -> None:
    created = [await create_order_ticket(api, subject=f"Commande PAGE-TEST-{n}") for n in range(3)]

    response = await api.get("/v1/tickets", params={"search": "page-test", "limit": 2, "page": 2})

    body = response.json()
    assert [ticket["id"] for ticket in body["data"]] == [created[0]["id"]]
    assert body["meta"] == {
        "total": 3,
        "count": 1,
        "per_page": 2,
        "current_page": 2,
        "total_pages": 2,
    }


async def test_tickets_are_newest_first_unless_asked_otherwise(api: httpx.AsyncClient) -> None:
    created = [
        (await create_order_ticket(api, subject=f"Commande SORT-TEST-{n}"))["id"] for n in range(3)
    ]

    newest_first = await ids(api, search="sort-test")
    oldest_first = await ids(api, search="sort-test", sort_direction="asc")
    by_number = await ids(api, search="sort-test", sort_by="ticket_number", sort_direction="asc")

    assert newest_first == created[::-1]
    assert oldest_first == by_number == created


async def test_sort_by_updated_at_puts_the_last_changed_first(api: httpx.AsyncClient) -> None:
    first = await create_order_ticket(api, subject="Commande UPDATED-TEST-1")
    second = await create_order_ticket(api, subject="Commande UPDATED-TEST-2")
    await api.put(f"/v1/tickets/{first['id']}", json={"note": "rappeler"})

    listed = await ids(api, search="updated-test", sort_by="updated_at")

    assert listed == [first["id"], second["id"]]


async def test_created_from_and_created_to_are_inclusive_dates(api: httpx.AsyncClient) -> None:
    ticket = await create_order_ticket(api)
    today = datetime.strptime(ticket["created_at"], "%Y-%m-%d %H:%M:%S").date()

    same_day = await ids(api, created_from=str(today), created_to=str(today))
    before = await ids(api, created_to=str(today - timedelta(days=1)))
    after = await ids(api, created_from=str(today + timedelta(days=1)))

    assert ticket["id"] in same_day
    assert ticket["id"] not in before
    assert after == []


async def test_tickets_are_listed_by_status(api: httpx.AsyncClient) -> None:
    confirmed = await create_order_ticket(api, external_id="ORD-1")
    other = await create_order_ticket(api, external_id="ORD-2")
    await api.put(f"/v1/tickets/{confirmed['id']}", json={"ticket_status_id": STATUS_CONFIRMED})

    listed = await ids(api, ticket_status_id=STATUS_CONFIRMED)

    assert confirmed["id"] in listed
    assert other["id"] not in listed


async def test_tickets_are_listed_by_third(api: httpx.AsyncClient) -> None:
    mine = await create_order_ticket(api, wa_id="21650123456")
    await create_order_ticket(api, wa_id="212600000000")

    assert await ids(api, third_id=mine["third_id"]) == [mine["id"]]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 101},
        {"limit": 0},
        {"page": 0},
        {"sort_direction": "sideways"},
        {"sort_by": "subject; DROP TABLE tickets"},
        {"created_from": "13/01/2026"},
    ],
)
async def test_a_bad_list_parameter_is_a_422_in_digishares_shape(
    api: httpx.AsyncClient, params: dict[str, str | int]
) -> None:
    response = await api.get("/v1/tickets", params=params)

    assert response.status_code == 422
    assert list(response.json()["errors"]) == list(params)


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
