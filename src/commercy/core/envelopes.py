"""The success answers as models, so that every operation publishes its body in the OpenAPI.

Endpoints build their answers with :mod:`commercy.core.responses`; these models say what those
answers hold, and FastAPI checks each answer against its route's ``response_model``. The routes
that answer an already-serialised ``Response`` (the fast paths) publish the model without that
check: schemathesis checks them against it.
"""

from __future__ import annotations

from typing import Annotated, Generic, Literal, TypeVar

from pydantic import Field

from commercy.core.schemas import WireModel

T = TypeVar("T")

AnswerTime = Annotated[
    str,
    Field(
        pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$",
        examples=["2024-01-15T10:30:00.000Z"],
        description="When the answer was made, in UTC",
    ),
]


def _absent(value: object) -> bool:
    return value is None


# A key the answer leaves out when it has no value (rather than sending `null`).
OPTIONAL_KEY = Field(default=None, exclude_if=_absent)


class Answer(WireModel):
    """A success answer with no `data`: its own fields sit at the top level."""

    success: Literal[True]
    message: str | None = OPTIONAL_KEY
    timestamp: AnswerTime


class Envelope(WireModel, Generic[T]):
    """One object (or a list) in `data`."""

    success: Literal[True]
    data: T
    message: str | None = OPTIONAL_KEY
    timestamp: AnswerTime


class Pagination(WireModel):
    page: int
    limit: int
    total: int
    total_pages: int
    has_next: bool
    has_prev: bool


class Page(WireModel, Generic[T]):
    """One page of a list in `data`, and where it sits in `pagination`."""

    success: Literal[True]
    data: list[T]
    pagination: Pagination
    timestamp: AnswerTime


BINARY = {"schema": {"type": "string", "format": "binary"}}


def binary_answer(media_type: str, description: str) -> dict[int | str, dict[str, object]]:
    """``responses=`` for an answer that is a file, not JSON."""
    return {200: {"description": description, "content": {media_type: BINARY}}}
