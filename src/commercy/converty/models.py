"""A reseller's Converty catalogue, and which supplier product each Converty product is."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commercy.catalog.models import Product
from commercy.core.database import Base, TimestampMixin, utcnow


class ConvertyProduct(TimestampMixin, Base):
    """A product of a reseller's Converty store, keyed by the id Converty gave it."""

    __tablename__ = "converty_products"
    __table_args__ = (UniqueConstraint("reseller_id", "converty_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reseller_id: Mapped[int] = mapped_column(ForeignKey("resellers.id"))
    converty_id: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    sku: Mapped[str | None] = mapped_column(String(100))
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 3))
    image: Mapped[str | None] = mapped_column(String(1000))


class ProductMapping(Base):
    """One Converty product of a reseller is one supplier product."""

    __tablename__ = "product_mappings"
    __table_args__ = (
        UniqueConstraint("converty_product_id"),
        Index("ix_product_mappings_reseller_id_product_id", "reseller_id", "product_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reseller_id: Mapped[int] = mapped_column(ForeignKey("resellers.id"))
    converty_product_id: Mapped[int] = mapped_column(
        ForeignKey("converty_products.id", ondelete="CASCADE")
    )
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    converty_product: Mapped[ConvertyProduct] = relationship(lazy="raise")
    product: Mapped[Product] = relationship(lazy="raise")
