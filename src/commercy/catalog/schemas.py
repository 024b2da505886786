"""Product bodies. Two response models, so the cost price cannot leak by accident."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from commercy.core.envelopes import Envelope, Page
from commercy.core.ids import Id
from commercy.core.schemas import Money, StrictWireModel, Timestamp, WireModel

ProductName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ProductCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
ImageUrl = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=1000, pattern=r"^https?://\S+$")
]
Price = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=3)]
CostPrice = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=3)]
Stock = Annotated[int, Field(strict=True, ge=0, le=10_000_000)]


class ProductCreate(StrictWireModel):
    name: ProductName
    price: Price
    code: ProductCode | None = None
    cost_price: CostPrice | None = None
    stock_quantity: Stock = 0
    image: ImageUrl | None = None
    supplier_id: Id | None = Field(
        default=None, description="Admins only: the supplier that owns the product."
    )


class ProductUpdate(StrictWireModel):
    name: ProductName | None = None
    price: Price | None = None
    code: ProductCode | None = None
    cost_price: CostPrice | None = None
    stock_quantity: Stock | None = None
    image: ImageUrl | None = None

    @field_validator("name", "price", "stock_quantity")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("cannot be null")
        return value


class ProductOut(WireModel):
    """A product as resellers and agents see it: no cost price."""

    id: int
    supplier_id: int
    name: str
    code: str | None
    price: Money
    stock_quantity: int
    image: str | None
    created_at: Timestamp
    updated_at: Timestamp


class ProductPrivateOut(ProductOut):
    """A product as its owner (or an admin) sees it, cost price included."""

    cost_price: Money | None


class ProductAnswer(Envelope[ProductPrivateOut | ProductOut]):
    """One product: with `costPrice` for its supplier and admins, without for the others."""


class ProductPage(Page[ProductPrivateOut | ProductOut]):
    """A page of products: with `costPrice` for their supplier and admins, without for the
    others."""
