"""The seed's response envelope: ``success``, ``data``, ``message``, ``timestamp``."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_json
from starlette.responses import Response


def iso_timestamp(moment: datetime | None = None) -> str:
    """``2024-01-15T10:30:00.000Z``: the format the API asks clients to send and read."""
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    # isoformat (in C) truncates to milliseconds like the format asks; "+00:00" becomes "Z".
    return moment.isoformat(timespec="milliseconds")[:-6] + "Z"


def envelope(data: Any = None, *, message: str | None = None, **extra: Any) -> dict[str, Any]:
    """The envelope as plain JSON values (for FastAPI to serialise, or to store)."""
    return _envelope_body(_plain, data, message=message, extra=extra)


def envelope_response(
    data: Any = None, *, message: str | None = None, status_code: int = 200, **extra: Any
) -> Response:
    """:func:`envelope` serialised in one pass, models included (see :func:`json_response`)."""
    body = _envelope_body(_as_is, data, message=message, extra=extra)
    return json_response(body, status_code=status_code)


def _envelope_body(
    convert: Callable[[Any], Any], data: Any, *, message: str | None, extra: dict[str, Any]
) -> dict[str, Any]:
    body: dict[str, Any] = {"success": True}
    if data is not None:
        body["data"] = convert(data)
    if message is not None:
        body["message"] = message
    body.update({key: convert(value) for key, value in extra.items()})
    body["timestamp"] = iso_timestamp()
    return body


def pagination_block(*, page: int, limit: int, total: int) -> dict[str, Any]:
    total_pages = math.ceil(total / limit) if limit else 0
    return {
        "page": page,
        "limit": limit,
        "total": total,
        "totalPages": total_pages,
        "hasNext": page < total_pages,
        "hasPrev": page > 1,
    }


def paginated(items: Sequence[Any], *, page: int, limit: int, total: int) -> dict[str, Any]:
    return _page_body([_plain(item) for item in items], page=page, limit=limit, total=total)


def paginated_response(items: Sequence[Any], *, page: int, limit: int, total: int) -> Response:
    """:func:`paginated` serialised in one pass, models included (see :func:`json_response`)."""
    return json_response(_page_body(items, page=page, limit=limit, total=total))


def _page_body(items: Sequence[Any], *, page: int, limit: int, total: int) -> dict[str, Any]:
    return {
        "success": True,
        "data": items,
        "pagination": pagination_block(page=page, limit=limit, total=total),
        "timestamp": iso_timestamp(),
    }


def json_response(
    body: Any, *, status_code: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """``body`` as JSON, written by pydantic in one pass: the models in it by their wire names
    (aliases and JSON serialisers), without FastAPI validating and serialising it again."""
    return Response(
        to_json(body, by_alias=True),
        status_code=status_code,
        headers=headers,
        media_type="application/json",
    )


def _as_is(value: Any) -> Any:
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value
