"""The OpenAPI schema tells the truth about errors: the API's error format, with the codes we send.

FastAPI documents a 422 with its own validation body; Commercy answers 400 in its own error
format instead, and may also answer 401, 403, 404, 413, 429 or 503. Every operation documents those
(the ones that can apply to it) and a ``default`` error, so generated clients and the
schemathesis suite check every error body against one schema.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI

ERROR_SCHEMA_NAME = "ErrorResponse"
ERROR_SCHEMA: dict[str, Any] = {
    "title": ERROR_SCHEMA_NAME,
    "type": "object",
    "required": ["success", "error", "message", "timestamp"],
    "properties": {
        "success": {"type": "boolean", "enum": [False]},
        "error": {"type": "string", "examples": ["Validation error"]},
        "message": {"type": "string", "examples": ["Invalid input data"]},
        "timestamp": {"type": "string", "examples": ["2024-01-15T10:30:00.000Z"]},
        "details": {
            "type": "object",
            "description": "What went wrong; validation errors give `field`, `message` and "
            "`errors` (all of them).",
        },
    },
    "additionalProperties": False,
}
_ERROR_CONTENT = {
    "application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA_NAME}"}}
}
_RATE_LIMIT_HEADERS = {
    name: {"description": description, "schema": {"type": "integer"}}
    for name, description in (
        ("Retry-After", "Seconds to wait before trying again"),
        ("X-RateLimit-Limit", "Requests allowed in the window"),
        ("X-RateLimit-Remaining", "Requests left in the window"),
        ("X-RateLimit-Reset", "When the window resets, in epoch seconds"),
    )
}
_RETRY_AFTER_HEADERS = {"Retry-After": _RATE_LIMIT_HEADERS["Retry-After"]}
_FASTAPI_VALIDATION_REF = "#/components/schemas/HTTPValidationError"


def document_errors(app: FastAPI) -> None:
    """Make ``app.openapi()`` document the errors every operation really answers."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _with_errors(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _with_errors(schema: dict[str, Any]) -> dict[str, Any]:
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            if isinstance(operation, dict) and "responses" in operation:
                _document_operation(operation)
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    schemas[ERROR_SCHEMA_NAME] = ERROR_SCHEMA
    if _FASTAPI_VALIDATION_REF not in json.dumps(schema["paths"]):
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
    return schema


def _document_operation(operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation["responses"]
    fastapi_422 = responses.get("422", {})
    if _FASTAPI_VALIDATION_REF in json.dumps(fastapi_422):
        del responses["422"]
    parameters = operation.get("parameters", [])
    has_body = "requestBody" in operation
    errors: dict[str, str] = {}
    if parameters or has_body:
        errors["400"] = "Invalid input: `details` names the first bad field and lists them all"
    if operation.get("security"):
        errors["401"] = "Missing, invalid or expired token"
        errors["403"] = "Your role may not do this"
    if any(parameter.get("in") == "path" for parameter in parameters):
        errors["404"] = "Not found, or outside your scope"
    if has_body:
        errors["413"] = "Request body too large"
    errors["429"] = "Too many requests: wait `Retry-After` seconds"
    errors["503"] = "Busy (every database connection stayed taken): retry after `Retry-After`"
    for status, description in errors.items():
        response = responses.setdefault(status, {"description": description})
        response.setdefault("content", _ERROR_CONTENT)
        if status == "429":
            response.setdefault("headers", _RATE_LIMIT_HEADERS)
        if status == "503":
            response.setdefault("headers", _RETRY_AFTER_HEADERS)
    responses.setdefault("default", {"description": "Any other error", "content": _ERROR_CONTENT})
