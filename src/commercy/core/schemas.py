"""Wire conventions: camelCase on the wire, snake_case in Python."""

from __future__ import annotations

import difflib
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    PlainSerializer,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError

from commercy.core.responses import iso_timestamp
from commercy.core.text import CONTROL_CHARACTER, control_character_error, texts

# The seed's date format on the wire: milliseconds and a Z (``2024-01-15T10:30:00.000Z``).
Timestamp = Annotated[datetime, PlainSerializer(iso_timestamp, return_type=str, when_used="json")]

# Amounts are exact decimals in Python and plain JSON numbers on the wire (``249.97``).
Money = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
# The largest amount the NUMERIC(12, 3) money columns hold.
MONEY_MAX = Decimal("999999999.999")


class WireModel(BaseModel):
    """A response body, and the base of request bodies: camelCase on the wire."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)


class StrictWireModel(WireModel):
    """A request body. An unknown field is refused and named, with the nearest known name when
    there is one: a typo (``shippingAmount``) must not quietly lose what it carried. Text holds
    no control characters (see :mod:`commercy.core.text`); the fields named in
    ``multi_line_fields`` may hold tabs and line breaks."""

    model_config = ConfigDict(extra="forbid")
    multi_line_fields: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*")
    @classmethod
    def _no_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        multi_line = info.field_name in cls.multi_line_fields
        for text in texts(value):
            error = control_character_error(text, multi_line=multi_line)
            if error is not None:
                raise PydanticCustomError(CONTROL_CHARACTER, error)
        return value

    @model_validator(mode="wrap")
    @classmethod
    def _name_unknown_fields(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(data)
        except ValidationError as exc:
            errors = exc.errors()
            if not any(_unknown_here(error) for error in errors):
                raise
            raise ValidationError.from_exception_data(
                cls.__name__,
                [
                    cls._suggest(error) if _unknown_here(error) else reraisable(error)
                    for error in errors
                ],
            ) from None

    @classmethod
    def _suggest(cls, error: ErrorDetails) -> InitErrorDetails:
        known = [field.alias or name for name, field in cls.model_fields.items()]
        nearest = difflib.get_close_matches(str(error["loc"][0]), known, n=1)
        message = f"Unknown field; did you mean {nearest[0]}?" if nearest else "Unknown field"
        return InitErrorDetails(
            type=PydanticCustomError("extra_forbidden", message),
            loc=error["loc"],
            input=error["input"],
        )


def _unknown_here(error: ErrorDetails) -> bool:
    """An unknown field of this very model (a nested model names its own)."""
    return error["type"] == "extra_forbidden" and len(error["loc"]) == 1


def reraisable(error: ErrorDetails) -> InitErrorDetails:
    """A validation error as it can be raised again, keeping its own message."""
    return InitErrorDetails(
        type=PydanticCustomError(error["type"], error["msg"]),
        loc=error["loc"],
        input=error["input"],
    )
