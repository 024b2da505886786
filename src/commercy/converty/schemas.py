"""Converty bodies. The mapping list keeps its published snake_case key names (``stock_quantity``,
``converty_image``), so it is built as plain data rather than camelCase models."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field, StringConstraints, field_validator

from commercy.catalog.schemas import ImageUrl
from commercy.converty.models import ConvertyProduct, ProductMapping
from commercy.core.envelopes import Answer, Envelope
from commercy.core.ids import Id
from commercy.core.responses import iso_timestamp
from commercy.core.schemas import Money, StrictWireModel, Timestamp, WireModel

MAX_UPSERT = 500


class ConvertyProductIn(StrictWireModel):
    id: Id = Field(description="The product's id in Converty")
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    sku: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    price: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=3)] | None = None
    image: ImageUrl | None = None


class ConvertyCatalogUpsert(StrictWireModel):
    products: list[ConvertyProductIn] = Field(min_length=1, max_length=MAX_UPSERT)
    reseller_id: Id | None = Field(default=None, description="Admins only")

    @field_validator("products")
    @classmethod
    def _unique_ids(cls, products: list[ConvertyProductIn]) -> list[ConvertyProductIn]:
        ids = [product.id for product in products]
        if len(ids) != len(set(ids)):
            raise ValueError("each Converty product id may appear only once")
        return products


class ConvertyProductOut(WireModel):
    id: int = Field(validation_alias="converty_id", description="The product's id in Converty")
    reseller_id: int
    name: str
    sku: str | None
    price: Money | None
    image: str | None
    updated_at: Timestamp


class MappingCreate(StrictWireModel):
    converty_product_id: Id = Field(description="The product's id in Converty")
    supplier_product_id: Id = Field(description="The supplier product (`/products` id)")
    reseller_id: Id | None = Field(default=None, description="Admins only")


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def mapping_out(mapping: ProductMapping) -> dict[str, Any]:
    """The seed's mapping shape; the supplier product carries no cost price."""
    converty: ConvertyProduct = mapping.converty_product
    product = mapping.product
    return {
        "id": mapping.id,
        "convertyProduct": {
            "id": converty.converty_id,
            "name": converty.name,
            "sku": converty.sku,
            "price": _number(converty.price),
        },
        "supplierProduct": {
            "id": product.id,
            "name": product.name,
            "code": product.code,
            "price": _number(product.price),
            "stock_quantity": product.stock_quantity,
        },
        "converty_image": converty.image,
        "createdAt": iso_timestamp(mapping.created_at),
    }


class MappedConvertyProduct(WireModel):
    id: int = Field(description="The product's id in Converty")
    name: str
    sku: str | None
    price: float | None


class MappedSupplierProduct(WireModel):
    id: int
    name: str
    code: str | None
    price: float
    stock_quantity: int = Field(alias="stock_quantity")


class MappingOut(WireModel):
    """A mapping as :func:`mapping_out` writes it."""

    id: int
    converty_product: MappedConvertyProduct
    supplier_product: MappedSupplierProduct
    converty_image: str | None = Field(alias="converty_image")
    created_at: Timestamp


class CatalogSaved(Envelope[list[ConvertyProductOut]]):
    created: int
    updated: int


class MappingList(Answer):
    mappings: list[MappingOut]


class MappingCreated(Answer):
    mapping: MappingOut


class UnmappedProduct(WireModel):
    id: int = Field(description="The product's id in Converty")
    name: str
    sku: str | None


class MappingCheck(Answer):
    reseller_id: int
    has_mappings: bool
    mappings_count: int
    converty_products_count: int
    unmapped_products: list[UnmappedProduct]
