"""Ids on the wire: what an INTEGER primary key can hold, wherever a client writes one.

Every id column is an INTEGER (1 to 2,147,483,647 on PostgreSQL). A number past that range
names no row; sent to PostgreSQL it is a driver error, not an empty answer. So every id is
bounded where it comes in: in a body (400 naming the field), a query string (400 naming the
parameter) or a path (404, since such a path names nothing).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import Field

ID_MAX = 2_147_483_647

# A body's id is a JSON integer: ``true`` and ``"12"`` are not ids.
Id = Annotated[int, Field(strict=True, ge=1, le=ID_MAX)]

# A path's id arrives as text; one that is not an id in range answers 404.
PathId = Annotated[int, Path(ge=1, le=ID_MAX)]


def id_query(*, alias: str, description: str) -> Any:
    """A query parameter holding an id (``?resellerId=12``)."""
    return Query(alias=alias, ge=1, le=ID_MAX, description=description)


def parse_id(text: str) -> int | None:
    """``text`` as an id when it is one (ASCII digits, in range), else None."""
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 1 <= value <= ID_MAX else None
