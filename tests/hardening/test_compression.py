"""JSON and CSV answers are compressed when the client accepts it and the body is worth it."""

from __future__ import annotations

import gzip
import json

import brotli
import httpx
import pytest
import zstandard
from fastapi import FastAPI
from fastapi.responses import Response

from commercy.auth.models import Role
from commercy.core.database import WriteSession
from tests.factories import login, make_user, make_world
from tests.hardening.conftest import AppFactory, client_for

DECODERS = {
    "gzip": gzip.decompress,
    "br": brotli.decompress,
    "zstd": lambda data: zstandard.ZstdDecompressor().decompressobj().decompress(data),
}


async def _raw_get(client: httpx.AsyncClient, url: str, **headers: str) -> httpx.Response:
    """The bytes as sent on the wire: httpx would otherwise decode them for us."""
    request = client.build_request("GET", url, headers=headers)
    response = await client.send(request, stream=True)
    response._content = b"".join([chunk async for chunk in response.aiter_raw()])
    await response.aclose()
    return response


@pytest.mark.parametrize("encoding", ["gzip", "br", "zstd"])
async def test_a_list_page_of_50_shrinks_by_80_percent_or_more(
    client: httpx.AsyncClient, session: WriteSession, encoding: str
) -> None:
    world = await make_world(session)
    for _ in range(46):
        await make_user(session, role=Role.AGENT, reseller=world.reseller)
    await session.commit()
    token = await login(client, world.admin)

    plain = await _raw_get(
        client, "/api/v1/users?limit=50", **token, **{"Accept-Encoding": "identity"}
    )
    packed = await _raw_get(
        client, "/api/v1/users?limit=50", **token, **{"Accept-Encoding": encoding}
    )

    assert len(plain.json()["data"]) == 50
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == encoding
    assert "accept-encoding" in packed.headers["Vary"].lower()
    body = DECODERS[encoding](packed.content)
    assert json.loads(body)["data"] == plain.json()["data"]
    saved = 1 - len(packed.content) / len(plain.content)
    print(f"{encoding}: {len(plain.content)} -> {len(packed.content)} bytes, {saved:.1%} saved")
    assert saved >= 0.80, f"{encoding} saved only {saved:.0%}"


async def test_the_strongest_accepted_encoding_is_chosen(client: httpx.AsyncClient) -> None:
    answer = await _raw_get(
        client, "/api/v1/openapi.json", **{"Accept-Encoding": "gzip, deflate, br, zstd"}
    )

    assert answer.headers["Content-Encoding"] == "zstd"


async def test_small_answers_are_not_compressed(client: httpx.AsyncClient) -> None:
    answer = await _raw_get(client, "/api/v1/status", **{"Accept-Encoding": "gzip"})

    assert answer.status_code == 200
    assert len(answer.content) < 500
    assert "Content-Encoding" not in answer.headers


async def test_nothing_is_compressed_for_a_client_that_does_not_ask(
    client: httpx.AsyncClient,
) -> None:
    answer = await _raw_get(client, "/api/v1/openapi.json", **{"Accept-Encoding": "identity"})

    assert "Content-Encoding" not in answer.headers
    assert answer.json()["openapi"]


async def test_csv_exports_are_compressed(hardened_app: AppFactory) -> None:
    csv = "orderNumber,customerName,status\r\n" + "".join(
        f"ORD-1755436083209-{n},Client {n},pending\r\n" for n in range(500)
    )
    async with hardened_app() as app:
        _add_csv_route(app, csv)
        async with client_for(app) as client:
            answer = await _raw_get(
                client, "/api/v1/_test/export.csv", **{"Accept-Encoding": "gzip"}
            )

    assert answer.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(answer.content).decode() == csv
    assert len(answer.content) < len(csv) * 0.2


async def test_the_threshold_is_a_setting(hardened_app: AppFactory) -> None:
    async with hardened_app(compression_minimum_bytes=50) as app, client_for(app) as client:
        answer = await _raw_get(client, "/api/v1/status", **{"Accept-Encoding": "gzip"})

    assert answer.headers["Content-Encoding"] == "gzip"


def _add_csv_route(app: FastAPI, csv: str) -> None:
    async def export() -> Response:
        return Response(csv, media_type="text/csv")

    app.add_api_route("/api/v1/_test/export.csv", export)
