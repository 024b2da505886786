"""The live-server helper the integration tests reuse."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from tests.support.live_server import live_server


async def _hello(_: object) -> PlainTextResponse:
    return PlainTextResponse("hello")


def test_an_app_is_served_until_the_block_ends() -> None:
    app = Starlette(routes=[Route("/", _hello)])

    with live_server(app) as base_url:
        assert httpx.get(base_url).text == "hello"

    with pytest.raises(httpx.ConnectError):
        httpx.get(base_url)
