"""Thirds: CRUD, phones in E.164, one third per wa_id."""

from __future__ import annotations

import httpx


async def test_a_third_is_created_with_its_phone_in_e164(api: httpx.AsyncClient) -> None:
    response = await api.post("/v1/thirds", json={"name": "Sami", "phone": "00216 50 123 456"})

    assert response.status_code == 201
    third = response.json()["data"]
    assert (third["phone"], third["wa_id"]) == ("+21650123456", "21650123456")
    assert len(third["id"]) == 16


async def test_a_second_third_with_the_same_wa_id_is_refused(api: httpx.AsyncClient) -> None:
    await api.post("/v1/thirds", json={"wa_id": "212600000000"})

    response = await api.post("/v1/thirds", json={"wa_id": "+212 6 00 00 00 00"})

    assert response.status_code == 422
    assert response.json()["errors"] == {"wa_id": ["The wa id has already been taken."]}


async def test_a_third_needs_a_phone_or_a_wa_id(api: httpx.AsyncClient) -> None:
    response = await api.post("/v1/thirds", json={"name": "Nobody"})

    assert response.status_code == 422
    assert "wa_id" in response.json()["errors"]


async def test_a_number_that_is_not_a_phone_is_refused(api: httpx.AsyncClient) -> None:
    response = await api.post("/v1/thirds", json={"phone": "12ab"})

    assert response.status_code == 422
    assert "phone" in response.json()["errors"]


async def test_thirds_are_listed_newest_first_and_filtered_by_wa_id(
    api: httpx.AsyncClient,
) -> None:
    await api.post("/v1/thirds", json={"wa_id": "212600000000"})
    await api.post("/v1/thirds", json={"wa_id": "21650123456"})

    everyone = (await api.get("/v1/thirds")).json()
    one = (await api.get("/v1/thirds", params={"wa_id": "+216 50 123 456"})).json()

    assert [third["wa_id"] for third in everyone["data"][:2]] == ["21650123456", "212600000000"]
    assert [third["wa_id"] for third in one["data"]] == ["21650123456"]
    assert one["meta"]["total"] == 1


async def test_patch_changes_only_the_fields_sent(api: httpx.AsyncClient) -> None:
    created = (await api.post("/v1/thirds", json={"name": "A", "wa_id": "212600000000"})).json()

    response = await api.patch(f"/v1/thirds/{created['data']['id']}", json={"email": "a@b.ma"})

    assert response.status_code == 200
    third = response.json()["data"]
    assert (third["name"], third["email"], third["wa_id"]) == ("A", "a@b.ma", "212600000000")


async def test_patch_cannot_take_another_thirds_wa_id(api: httpx.AsyncClient) -> None:
    await api.post("/v1/thirds", json={"wa_id": "212600000000"})
    other = (await api.post("/v1/thirds", json={"wa_id": "21650123456"})).json()["data"]

    response = await api.patch(f"/v1/thirds/{other['id']}", json={"wa_id": "212600000000"})

    assert response.status_code == 422


async def test_a_deleted_third_is_gone(api: httpx.AsyncClient) -> None:
    third = (await api.post("/v1/thirds", json={"wa_id": "212600000000"})).json()["data"]

    deleted = await api.delete(f"/v1/thirds/{third['id']}")

    assert deleted.status_code == 204
    assert (await api.get(f"/v1/thirds/{third['id']}")).status_code == 404
