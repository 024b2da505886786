"""Digishare's error shapes (Laravel's): ``{"message": ...}`` and, for 422, ``errors``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger("commercy.sandbox")

UNAUTHENTICATED = "Unauthenticated."
TOO_MANY_ATTEMPTS = "Too Many Attempts."

_HTTP_MESSAGES = {
    404: "Not Found",
    405: "Method Not Allowed",
    500: "Server Error",
    503: "Service Unavailable",
}


class SandboxError(Exception):
    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        errors: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.errors = errors
        self.headers = headers


def not_found(model: str) -> SandboxError:
    return SandboxError(404, f"{model} not found.")


def invalid(field: str, message: str) -> SandboxError:
    return SandboxError(422, message, errors={field: [message]})


def error_body(message: str, errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"message": message} if errors is None else {"message": message, "errors": errors}


def validation_message(errors: dict[str, list[str]]) -> str:
    """Laravel's summary: the first message, and how many more there are."""
    messages = [message for field_messages in errors.values() for message in field_messages]
    extra = len(messages) - 1
    if extra <= 0:
        return messages[0]
    return f"{messages[0]} (and {extra} more error{'s' if extra > 1 else ''})"


def _field_name(location: tuple[int | str, ...]) -> str:
    parts = [str(part) for part in location]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


def _describe(field: str, error: dict[str, Any]) -> str:
    if error["type"] == "missing":
        return f"The {field} field is required."
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"The {field} field is invalid: {message}."


def _validation_errors(exc: RequestValidationError) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for error in exc.errors():
        field = _field_name(tuple(error["loc"]))
        errors.setdefault(field, []).append(_describe(field, error))
    return errors


async def _sandbox_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SandboxError)
    return JSONResponse(
        error_body(exc.message, exc.errors), status_code=exc.status_code, headers=exc.headers
    )


async def _request_validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _validation_errors(exc)
    return JSONResponse(error_body(validation_message(errors), errors), status_code=422)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = _HTTP_MESSAGES.get(exc.status_code, str(exc.detail))
    return JSONResponse(
        error_body(message), status_code=exc.status_code, headers=getattr(exc, "headers", None)
    )


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    logger.error("unexpected error", exc_info=exc)
    return JSONResponse(error_body(_HTTP_MESSAGES[500]), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(Exception, _unexpected)
    app.add_exception_handler(SandboxError, _sandbox_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_error)
