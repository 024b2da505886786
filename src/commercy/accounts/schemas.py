"""Request and response bodies for suppliers, resellers and users."""

from __future__ import annotations

from typing import Annotated

from pydantic import StrictBool, StringConstraints, field_validator

from commercy.auth.models import Role
from commercy.core.ids import Id
from commercy.core.schemas import StrictWireModel, Timestamp, WireModel

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=32)]
Identifier = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=3, max_length=320)
]
Password = Annotated[str, StringConstraints(min_length=8, max_length=256)]


class SupplierCreate(StrictWireModel):
    name: Name
    email: Email | None = None
    phone: Phone | None = None


class _ContactUpdate(StrictWireModel):
    """A partial change of a supplier or reseller: a field sent is changed (``email`` and
    ``phone`` cleared by ``null``); ``name`` cannot be cleared."""

    name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None

    @field_validator("name")
    @classmethod
    def _name_not_null(cls, value: str | None) -> str | None:
        if value is None:
            raise ValueError("name cannot be null")
        return value


class SupplierUpdate(_ContactUpdate):
    pass


class ResellerUpdate(_ContactUpdate):
    pass


class SupplierOut(WireModel):
    id: int
    name: str
    email: str | None
    phone: str | None
    created_at: Timestamp


class ResellerCreate(StrictWireModel):
    name: Name
    supplier_id: Id
    email: Email | None = None
    phone: Phone | None = None


class ResellerOut(WireModel):
    id: int
    name: str
    supplier_id: int
    email: str | None
    phone: str | None
    created_at: Timestamp


class UserCreate(StrictWireModel):
    identifier: Identifier
    password: Password
    role: Role
    name: Name | None = None
    supplier_id: Id | None = None
    reseller_id: Id | None = None


class UserUpdate(StrictWireModel):
    name: Name | None = None
    password: Password | None = None
    is_active: StrictBool | None = None

    @field_validator("is_active")
    @classmethod
    def _not_null(cls, value: bool | None) -> bool | None:
        if value is None:
            raise ValueError("isActive must be true or false")
        return value
