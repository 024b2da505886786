"""The order figures kept up to date by the database itself (triggers of the migration
``2026_12_04_1300_order_figures``): the counts and sums of the orders per UTC hour of creation,
so a period's figures read a few thousand rows instead of every order.

Each order counts in two rows of each table: its reseller's (``reseller_id``) and its
supplier's over every reseller (``reseller_id`` 0, which no reseller has), so a supplier's or
an admin's period reads as few rows as a reseller's. The application never writes them.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Index, Integer, Numeric, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column

from commercy.core.database import Base

#: The ``reseller_id`` of a supplier's rows over all its resellers.
EVERY_RESELLER = 0
SUM = Numeric(18, 3)
#: Rows come and go with every change (the changes table: several per order): 64-bit ids on
#: PostgreSQL; SQLite's INTEGER primary key is 64-bit already.
ID = BigInteger().with_variant(Integer(), "sqlite")
#: On PostgreSQL the keys' indexes carry the counts, so a period's rows come from the index
#: alone (the rows of one scope are spread over the table's pages).
COUNTS = ["orders", "amount"]


class OrderFigures(Base):
    """Orders and the sum of their totals, per hour, scope, status, source and city."""

    __tablename__ = "order_figures"
    __table_args__ = (
        Index(
            "uq_order_figures_key",
            "reseller_id",
            "bucket",
            "supplier_id",
            "status",
            "source",
            "city",
            unique=True,
            postgresql_include=COUNTS,
        ),
        # A unique index holds several NULLs: the rows without a city have their own.
        Index(
            "uq_order_figures_key_without_city",
            "reseller_id",
            "bucket",
            "supplier_id",
            "status",
            "source",
            unique=True,
            postgresql_include=COUNTS,
            sqlite_where=text("city IS NULL"),
            postgresql_where=text("city IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    bucket: Mapped[datetime]  # the orders' creation, truncated to the UTC hour
    supplier_id: Mapped[int] = mapped_column(Integer)
    reseller_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(24))
    source: Mapped[str] = mapped_column(String(24))
    city: Mapped[str | None] = mapped_column(String(100))
    orders: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(SUM)  # their totals


class OrderProductFigures(Base):
    """Per hour, scope, product and status: the orders with a line of the product, their lines,
    the lines' amounts, and the greatest product name of those lines with how many lines carry
    it (a NULL name, rare, is found again from the lines)."""

    __tablename__ = "order_product_figures"
    __table_args__ = (
        Index(
            "uq_order_product_figures_key",
            "reseller_id",
            "bucket",
            "supplier_id",
            "product_id",
            "status",
            unique=True,
            postgresql_include=[*COUNTS, "name"],
        ),
    )

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    bucket: Mapped[datetime]
    supplier_id: Mapped[int] = mapped_column(Integer)
    reseller_id: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(24))
    orders: Mapped[int] = mapped_column(Integer)
    lines: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(SUM)
    name: Mapped[str | None] = mapped_column(String(200))
    named: Mapped[int] = mapped_column(Integer)


class OrderProductFigureChange(Base):
    """A change to :class:`OrderProductFigures` (``sign`` 1 adds, -1 removes), written by the
    triggers of the orders and their lines as it happens and applied (then deleted) by the
    trigger of this table: on PostgreSQL at commit, so a busy row is locked only then."""

    __tablename__ = "order_product_figure_changes"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    sign: Mapped[int] = mapped_column(SmallInteger)
    bucket: Mapped[datetime]
    supplier_id: Mapped[int] = mapped_column(Integer)
    reseller_id: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(24))
    orders: Mapped[int] = mapped_column(Integer)
    lines: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(SUM)
    name: Mapped[str] = mapped_column(String(200))
    named: Mapped[int] = mapped_column(Integer)
