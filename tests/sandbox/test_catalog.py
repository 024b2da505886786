"""Ticket types and statuses, seeded with the seed's ids."""

from __future__ import annotations

import httpx

from commercy.sandbox import catalog


async def test_the_order_ticket_type_has_the_seeds_id(api: httpx.AsyncClient) -> None:
    body = (await api.get("/v1/ticket-types")).json()

    assert [ticket_type["id"] for ticket_type in body["data"]] == ["npvrxamq9l94y8dz"]
    assert body["meta"]["total"] == 1


async def test_statuses_have_the_seeds_ids_and_the_outcomes(api: httpx.AsyncClient) -> None:
    body = (await api.get("/v1/ticket-statuses")).json()

    ids = {status["id"] for status in body["data"]}
    assert ids == {
        "x9q3wrlv0m7vzea8",
        "yqdwrbka7kz69v8e",
        catalog.STATUS_CANCELED,
        catalog.STATUS_UNREACHABLE,
        catalog.STATUS_CALL_BACK_LATER,
    }
    assert all(len(status_id) == 16 and status_id.islower() for status_id in ids)
