"""Media upload: a base64 data URI of an allowed type and size, downloadable again."""

from __future__ import annotations

import re

import httpx

from tests.sandbox.helpers import MAX_MEDIA_BYTES, PDF, media_body

HASHED_ID = re.compile(r"[a-z0-9]{16}")


async def test_an_uploaded_pdf_gets_a_hashed_id_at_data_id(api: httpx.AsyncClient) -> None:
    response = await api.post("/v1/messagesTemplates", json=media_body())

    assert response.status_code == 201
    data = response.json()["data"]
    assert HASHED_ID.fullmatch(data["id"])
    assert data["mime_type"] == "application/pdf"
    assert data["size"] == len(PDF)


async def test_an_uploaded_file_is_served_back_with_its_mime_type(
    api: httpx.AsyncClient, controls: httpx.AsyncClient
) -> None:
    media_id = (await api.post("/v1/messagesTemplates", json=media_body())).json()["data"]["id"]

    response = await controls.get(f"/_sandbox/media/{media_id}")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content == PDF


async def test_a_body_that_is_not_a_data_uri_is_refused(api: httpx.AsyncClient) -> None:
    response = await api.post("/v1/messagesTemplates", json=media_body(uri="JVBERi0xLjQK"))

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["file.base64"]


async def test_a_data_uri_with_invalid_base64_is_refused(api: httpx.AsyncClient) -> None:
    body = media_body(uri="data:application/pdf;base64,not*base64!")

    response = await api.post("/v1/messagesTemplates", json=body)

    assert response.status_code == 422
    assert "file.base64" in response.json()["errors"]


async def test_a_mime_type_outside_the_allowlist_is_refused(api: httpx.AsyncClient) -> None:
    body = media_body(b"MZ\x90\x00", mime_type="application/x-msdownload")

    response = await api.post("/v1/messagesTemplates", json=body)

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["file.mime_type"]


async def test_images_of_allowed_types_are_accepted(api: httpx.AsyncClient) -> None:
    for mime_type in ("image/png", "image/jpeg", "image/webp"):
        body = media_body(b"\x89PNG....", mime_type=mime_type)
        body["category"] = "image"

        response = await api.post("/v1/messagesTemplates", json=body)

        assert response.status_code == 201, mime_type


async def test_a_file_over_the_size_limit_is_refused(api: httpx.AsyncClient) -> None:
    at_limit = await api.post("/v1/messagesTemplates", json=media_body(b"x" * MAX_MEDIA_BYTES))
    over = await api.post("/v1/messagesTemplates", json=media_body(b"x" * (MAX_MEDIA_BYTES + 1)))

    assert at_limit.status_code == 201
    assert over.status_code == 422
    assert "greater than" in over.json()["errors"]["file.base64"][0]


async def test_a_missing_field_answers_digishares_422_shape(api: httpx.AsyncClient) -> None:
    body = media_body()
    del body["file"]["file_name"]

    response = await api.post("/v1/messagesTemplates", json=body)

    assert response.status_code == 422
    assert response.json() == {
        "message": "The file.file_name field is required.",
        "errors": {"file.file_name": ["The file.file_name field is required."]},
    }
