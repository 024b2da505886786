"""Domain errors carry their status; one set of handlers renders every error the same way."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from commercy.core.responses import iso_timestamp

logger = logging.getLogger("commercy.errors")

#: What a caller refused for a full pool is told to wait: a request holds its connection for
#: milliseconds, so the queue it met is usually gone within a second.
BUSY_RETRY_AFTER_SECONDS = 1
#: What a caller is told to wait when the database refuses connections (restarting, full).
UNAVAILABLE_RETRY_AFTER_SECONDS = 5

_REASONS = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Unprocessable entity",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


class CommercyError(Exception):
    status_code = 400
    error = "Bad request"

    def __init__(
        self,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers = headers
        # A stable name of this refusal, for a caller that says it in its own words (the web
        # app, in the user's language). Not sent on the wire: the message is the API's.
        self.code = code


def field_details(field: str, message: str) -> dict[str, Any]:
    """``details`` naming one field, in the shape of a validation error's."""
    error = {"field": field, "message": message}
    return {**error, "errors": [error]}


class ValidationFailed(CommercyError):
    status_code = 400
    error = "Validation error"

    def __init__(self, field: str, message: str, *, code: str | None = None) -> None:
        super().__init__("Invalid input data", details=field_details(field, message), code=code)


class Unauthorized(CommercyError):
    status_code = 401
    error = "Unauthorized"

    def __init__(self, message: str = "Authentication required") -> None:
        super().__init__(message, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(CommercyError):
    status_code = 403
    error = "Forbidden"


class NotFound(CommercyError):
    status_code = 404
    error = "Not found"


class Conflict(CommercyError):
    status_code = 409
    error = "Conflict"


class PreconditionFailed(CommercyError):
    """A conditional request (``If-Match``) whose condition no longer holds."""

    status_code = 412
    error = "Precondition failed"


class Unprocessable(CommercyError):
    status_code = 422
    error = "Unprocessable entity"


class ServiceUnavailable(CommercyError):
    status_code = 503
    error = "Service unavailable"


def error_body(
    *, error: str, message: str, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "success": False,
        "error": error,
        "message": message,
        "timestamp": iso_timestamp(),
    }
    if details is not None:
        body["details"] = details
    return body


def error_response(
    status_code: int,
    *,
    error: str | None = None,
    message: str,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = error_body(
        error=error or _REASONS.get(status_code, "Error"), message=message, details=details
    )
    return JSONResponse(body, status_code=status_code, headers=headers)


def describe_validation_errors(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """FastAPI's error list as the API's ``details``: the first error, then all of them."""
    described = [
        {"field": _field_path(err), "message": _message(err), "type": err["type"]} for err in errors
    ]
    first = described[0] if described else {"field": None, "message": "Invalid input"}
    return {"field": first["field"], "message": first["message"], "errors": described}


def _field_path(err: dict[str, Any]) -> str:
    if err["type"] == "json_invalid":
        return "body"
    locations = ("body", "query", "path", "header")
    parts = [str(part) for part in err.get("loc", ()) if part not in locations]
    return ".".join(parts) or "body"


def _message(err: dict[str, Any]) -> str:
    if err["type"] == "json_invalid":
        return "Request body is not valid JSON"
    if err["type"] == "missing":
        return "Field required"
    message = str(err.get("msg", "Invalid value"))
    return message.removeprefix("Value error, ")


async def _commercy_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CommercyError)
    return error_response(
        exc.status_code,
        error=exc.error,
        message=exc.message,
        details=exc.details,
        headers=exc.headers,
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(err.get("loc", ())[:1] == ("path",) for err in errors):
        # `/products/abc` or an id past its column's range: a path that names nothing.
        return error_response(404, message=f"Nothing at {request.url.path}")
    return error_response(
        400,
        error="Validation error",
        message="Invalid input data",
        details=describe_validation_errors(errors),
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    if status == 400 and isinstance(exc.__cause__, RecursionError | ValueError):
        # FastAPI could not read the body: JSON nested past the interpreter's recursion limit,
        # or bytes that are not UTF-8. Said like any other bad input.
        nested = isinstance(exc.__cause__, RecursionError)
        reason = "nested too deeply" if nested else "not valid JSON"
        failure = ValidationFailed("body", f"Request body is {reason}")
        return error_response(
            400, error=failure.error, message=failure.message, details=failure.details
        )
    headers = getattr(exc, "headers", None)
    if status == 405:
        # Each method of a path is a route of its own, and the one that refused this request
        # only knows its own method: ask the router which methods it routes on this path.
        headers = {"Allow": _allowed_methods(request)}
        if request.method == "OPTIONS":  # asking what the path allows
            return Response(status_code=204, headers=headers)
    default_messages = {
        404: f"No route for {request.method} {request.url.path}",
        405: f"{request.method} is not allowed on {request.url.path}",
    }
    message = default_messages.get(status) or str(exc.detail)
    return error_response(status, message=message, headers=headers)


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _allowed_methods(request: Request) -> str:
    """The ``Allow`` header of the request's path: each method some route answers there."""
    routes = request.app.router.routes
    scope = {
        "type": "http",
        "path": request.scope["path"],
        "root_path": request.scope.get("root_path", ""),
    }
    allowed = [
        method
        for method in _METHODS
        if any(route.matches({**scope, "method": method})[0] is Match.FULL for route in routes)
    ]
    return ", ".join([*allowed, "OPTIONS"])


async def _pool_timeout(request: Request, exc: Exception) -> JSONResponse:
    """Every database connection stayed busy for the whole bounded wait: the load is beyond
    what the pool serves, so the caller is asked to come back rather than told we broke."""
    logger.warning("database pool exhausted on %s %s: %s", request.method, request.url.path, exc)
    return _retry_later("The service is busy; retry shortly", BUSY_RETRY_AFTER_SECONDS)


def retry_after_seconds(exc: Exception) -> int | None:
    """How long a caller refused for ``exc`` should wait: a full pool or an unavailable
    database; None for any other error."""
    if isinstance(exc, PoolTimeout) or transaction_conflicted(exc):
        return BUSY_RETRY_AFTER_SECONDS
    return UNAVAILABLE_RETRY_AFTER_SECONDS if database_unavailable(exc) else None


def _retry_later(message: str, seconds: int) -> JSONResponse:
    return error_response(
        503, message=message, details={"retryAfter": seconds}, headers={"Retry-After": str(seconds)}
    )


#: PostgreSQL's SQLSTATE classes for a server that cannot serve us now: the connection failed
#: (08), it is out of connections or memory (53), it is shutting down or starting (57P).
_UNAVAILABLE_SQLSTATES = ("08", "53", "57P")
#: PostgreSQL rolled the transaction back for another's sake (class 40: a serialization failure
#: or a deadlock, e.g. two commits adding to the same order figures in opposite orders).
_CONFLICT_SQLSTATE_CLASS = "40"


def _sqlstate(exc: DBAPIError) -> str:
    return str(getattr(exc.orig, "sqlstate", None) or "")


def transaction_conflicted(exc: Exception) -> bool:
    """Whether ``exc`` says the database rolled our transaction back because of another one
    running at the same moment: nothing was kept, and the same request a moment later works."""
    return isinstance(exc, DBAPIError) and _sqlstate(exc).startswith(_CONFLICT_SQLSTATE_CLASS)


def database_unavailable(exc: Exception) -> bool:
    """Whether ``exc`` says the database refused or dropped our connection (a moment to wait
    out, not a bug)."""
    if isinstance(exc, ConnectionError):  # refused or reset before the driver could wrap it
        return True
    if not isinstance(exc, DBAPIError):
        return False
    return exc.connection_invalidated or _sqlstate(exc).startswith(_UNAVAILABLE_SQLSTATES)


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """A database that refuses or drops our connections is a bad moment, not a bug: the caller
    is asked to come back (nothing was written: the transaction never committed). Any other
    driver error is unexpected."""
    if transaction_conflicted(exc):
        logger.warning("transaction conflict on %s %s: %s", request.method, request.url.path, exc)
        return _retry_later("The service is busy; retry shortly", BUSY_RETRY_AFTER_SECONDS)
    if not database_unavailable(exc):
        return await _unexpected_error(request, exc)
    logger.error("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    return _retry_later(
        "The database is unavailable; retry shortly", UNAVAILABLE_RETRY_AFTER_SECONDS
    )


async def _stale_write(request: Request, exc: Exception) -> JSONResponse:
    """A versioned row (an order) changed between its read and this request's write: the write
    was refused by its ``WHERE version = :read`` and nothing was kept."""
    logger.info("stale write on %s %s: %s", request.method, request.url.path, exc)
    return error_response(
        409, message="Someone else changed this object at the same moment: read it and retry"
    )


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    request_id = getattr(request.state, "request_id", None)
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    response = error_response(
        500,
        message="An unexpected error occurred; quote the request id to support",
        details={"requestId": request_id},
    )
    if request_id:
        response.headers["X-Request-ID"] = request_id
    return response


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(CommercyError, _commercy_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(PoolTimeout, _pool_timeout)
    app.add_exception_handler(StaleDataError, _stale_write)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(ConnectionError, _database_error)
    app.add_exception_handler(Exception, _unexpected_error)
