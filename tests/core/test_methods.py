"""A path's `Allow` header, on a 405 and on OPTIONS, lists every method the path answers."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI

from tests.factories import Shop

ALL = ("GET", "POST", "PUT", "PATCH", "DELETE")


def paths(app: FastAPI) -> dict[str, set[str]]:
    """Each path of the schema, made concrete (ids of 1), with the methods it declares."""
    return {
        re.sub(r"\{[^}]+\}", "1", path): {method.upper() for method in item}
        for path, item in app.openapi()["paths"].items()
    }


async def test_options_lists_every_method_of_every_path(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    for path, methods in paths(app).items():
        response = await client.options(path)

        assert response.status_code == 204, (path, response.text)
        allowed = set(response.headers["Allow"].split(", "))
        assert allowed >= methods | {"OPTIONS"}, path


async def test_a_405_lists_every_method_the_path_answers_and_only_those(
    app: FastAPI, client: httpx.AsyncClient, shop: Shop
) -> None:
    for path in paths(app):
        allowed = set((await client.options(path)).headers["Allow"].split(", "))
        for method in ALL:
            response = await client.request(method, path, headers=shop.admin)

            if method in allowed:
                assert response.status_code != 405, (method, path)
            else:
                assert response.status_code == 405, (method, path, response.status_code)
                assert set(response.headers["Allow"].split(", ")) == allowed


@pytest.mark.parametrize(
    ("path", "allow"),
    [
        ("/api/v1/orders", "GET, POST, OPTIONS"),
        ("/api/v1/products/1", "GET, PATCH, OPTIONS"),
        ("/api/v1/integrations/digishare", "GET, PUT, OPTIONS"),
    ],
)
async def test_the_allow_header_of_a_path_with_several_methods(
    client: httpx.AsyncClient, path: str, allow: str
) -> None:
    refused = await client.request("DELETE", path)
    options = await client.options(path)

    assert (refused.status_code, refused.headers["Allow"]) == (405, allow)
    assert refused.json()["error"] == "Method not allowed"
    assert (options.status_code, options.headers["Allow"]) == (204, allow)
