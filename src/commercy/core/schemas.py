"""Wire conventions: camelCase on the wire, snake_case in Python."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, PlainSerializer
from pydantic.alias_generators import to_camel

from commercy.core.responses import iso_timestamp

# The seed's date format on the wire: milliseconds and a Z (``2024-01-15T10:30:00.000Z``).
Timestamp = Annotated[datetime, PlainSerializer(iso_timestamp, return_type=str, when_used="json")]

# Amounts are exact decimals in Python and plain JSON numbers on the wire (``249.97``).
Money = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
# The largest amount the NUMERIC(12, 3) money columns hold.
MONEY_MAX = Decimal("999999999.999")


class WireModel(BaseModel):
    """A request or response body: camelCase aliases, unknown fields ignored."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)


class StrictWireModel(WireModel):
    """A body where an unknown field is a mistake worth reporting."""

    model_config = ConfigDict(extra="forbid")
