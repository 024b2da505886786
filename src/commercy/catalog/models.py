"""Products: what a supplier sells, at what price, and how many are in stock."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from commercy.core.database import Base, TimestampMixin

MONEY = Numeric(12, 3)


class Product(TimestampMixin, Base):
    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("supplier_id", "code"),
        # The last guard of "stock never goes below zero", whatever the code above it does.
        CheckConstraint("stock_quantity >= 0", name="stock_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str | None] = mapped_column(String(64))
    price: Mapped[Decimal] = mapped_column(MONEY)
    # Private to admins and the owning supplier: never serialised for anyone else.
    cost_price: Mapped[Decimal | None] = mapped_column(MONEY)
    stock_quantity: Mapped[int] = mapped_column(default=0)
    image: Mapped[str | None] = mapped_column(String(1000))
