"""Every success answer is published in the OpenAPI, so clients and schemathesis can rely on it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from commercy.main import API_PREFIX

METHODS = ("get", "put", "post", "patch", "delete")


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in schema["paths"].items()
        if path.startswith(API_PREFIX)
        for method, operation in item.items()
        if method in METHODS
    ]


def _resolve(schema: dict[str, Any], openapi: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = openapi["components"]["schemas"][name]
    return schema


def _describes_a_body(content: dict[str, Any], openapi: dict[str, Any]) -> bool:
    """A JSON body with its fields (or a choice of such bodies), or a file."""
    for media_type, entry in content.items():
        schema = _resolve(entry.get("schema", {}), openapi)
        if media_type == "application/json":
            choices = [_resolve(choice, openapi) for choice in schema.get("anyOf", [schema])]
            if not all(choice.get("properties") for choice in choices):
                return False
        elif schema != {"type": "string", "format": "binary"}:
            return False
    return bool(content)


@pytest.fixture(scope="module")
def openapi(app: FastAPI) -> dict[str, Any]:
    return app.openapi()


def test_every_operation_publishes_its_success_answer(openapi: dict[str, Any]) -> None:
    undocumented = []
    for method, path, operation in _operations(openapi):
        successes = {
            status: response
            for status, response in operation["responses"].items()
            if status.startswith("2")
        }
        documented = bool(successes) and all(
            ("content" not in response)
            if status == "204"
            else _describes_a_body(response.get("content", {}), openapi)
            for status, response in successes.items()
        )
        if not documented:
            undocumented.append(f"{method} {path}")

    assert _operations(openapi)
    assert undocumented == []


def test_every_list_answers_a_page_with_its_pagination_block(openapi: dict[str, Any]) -> None:
    lists = [
        (method, path, operation)
        for method, path, operation in _operations(openapi)
        if any(parameter["name"] == "page" for parameter in operation.get("parameters", []))
    ]
    pagination = _resolve({"$ref": "#/components/schemas/Pagination"}, openapi)

    assert lists
    for method, path, operation in lists:
        content = operation["responses"]["200"]["content"]["application/json"]
        page = _resolve(content["schema"], openapi)
        assert page["properties"]["pagination"] == {"$ref": "#/components/schemas/Pagination"}, (
            f"{method} {path}"
        )
    assert set(pagination["required"]) == {
        "page",
        "limit",
        "total",
        "totalPages",
        "hasNext",
        "hasPrev",
    }


def test_success_answers_declare_success_true_and_a_timestamp(openapi: dict[str, Any]) -> None:
    envelope = _resolve({"$ref": "#/components/schemas/Envelope_UserOut_"}, openapi)

    assert envelope["properties"]["success"]["const"] is True
    assert envelope["properties"]["timestamp"]["examples"] == ["2024-01-15T10:30:00.000Z"]
    assert set(envelope["required"]) == {"success", "data", "timestamp"}
