"""Blocklist bodies."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from commercy.core.ids import Id
from commercy.core.phones import check_shape
from commercy.core.schemas import StrictWireModel, Timestamp, WireModel

PhoneIn = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class BlockedPhoneCreate(StrictWireModel):
    phone: PhoneIn = Field(description="Stored in E.164 like order phones (`20 123 456`)")
    reason: Reason = Field(description="Why, shown on the orders from this number")
    reseller_id: Id | None = Field(
        default=None,
        description="Admins only: the reseller whose list this is; left out, the global list",
    )

    @field_validator("phone")
    @classmethod
    def _phone_shape(cls, value: str) -> str:
        check_shape(value)
        return value


class BlockedPhoneOut(WireModel):
    id: int
    reseller_id: int | None = Field(description="Null: blocked for every reseller")
    phone: str
    reason: str
    created_by: str = Field(description="Who added it, `role:identifier`")
    created_by_user_id: int | None
    created_at: Timestamp
