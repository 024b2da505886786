"""Orders, their items, the history of their statuses, and idempotency keys for creating them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Computed,
    Enum,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from commercy.accounts.models import Reseller, Supplier
from commercy.core.database import Base, TimestampMixin, utcnow
from commercy.core.text import folded

MONEY = Numeric(12, 3)


class OrderStatus(StrEnum):
    PENDING = "pending"
    NOT_REACHED = "not_reached"
    PHONE_CLOSED = "phone_closed"
    RAPPORTED = "rapported"
    MORE_INFORMATION = "more_information"
    NOT_AVAILABLE = "not_available"
    CONFIRMED = "confirmed"
    CANCELED = "canceled"
    ABANDONED = "abandoned"
    NOT_INTERESTED = "not_interested"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    RETURNED = "returned"


class OrderSource(StrEnum):
    MANUAL = "manual"
    SCRAPED = "scraped"
    API = "api"
    CONVERTY = "converty"
    PHONE_CALL = "phone_call"
    WHATSAPP = "whatsapp"
    FACEBOOK_PAGE = "facebook_page"
    INSTAGRAM = "instagram"
    SUR_PLACE = "sur_place"
    TIKTOK = "tiktok"
    SITE_WEB = "site_web"
    AUTRE = "autre"


class PaymentStatus(StrEnum):
    UNPAID = "unpaid"
    PAID = "paid"


def _quoted(*statuses: OrderStatus) -> str:
    return ", ".join(f"'{status.value}'" for status in statuses)


#: The call queue's rank of an order (commercy.calls.rules.RANKS): callbacks (0), new orders
#: (1), retries (2); none for an order out of the confirmation or from a blocked number.
CALL_RANK = (
    "CASE WHEN blocked THEN NULL"
    f" WHEN status IN ({_quoted(OrderStatus.RAPPORTED, OrderStatus.MORE_INFORMATION)}) THEN 0"
    f" WHEN status = {_quoted(OrderStatus.PENDING)} THEN 1"
    " WHEN status IN"
    f" ({_quoted(OrderStatus.NOT_REACHED, OrderStatus.PHONE_CLOSED, OrderStatus.NOT_AVAILABLE)})"
    " THEN 2 END"
)


def _enum(enum: type[StrEnum]) -> Enum:
    return Enum(enum, native_enum=False, length=24, values_callable=lambda e: [m.value for m in e])


# The columns a list may be sorted by besides created_at and order_number (see
# orders.queries.SORTS), each with the id as tie-break: indexed per reseller, per supplier and
# across all orders (the admin's list).
SORTED_BY = ("total", "updated_at", "customer_name", "status")


class Order(TimestampMixin, Base):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_reseller_id_created_at", "reseller_id", "created_at"),
        # The stats of a reseller's period (commercy.stats): on PostgreSQL with the columns
        # they read, so they come from the index alone; the lean one above stays for counts.
        Index(
            "ix_orders_reseller_id_created_at_figures",
            "reseller_id",
            "created_at",
            postgresql_include=["id", "status", "total", "customer_city", "source"],
        ),
        Index("ix_orders_reseller_id_status_created_at", "reseller_id", "status", "created_at"),
        Index("ix_orders_supplier_id_created_at", "supplier_id", "created_at"),
        # A reseller's list sorted by another column than created_at (see orders.queries.SORTS;
        # order_number has its unique index): its pages are read in order instead of sorting
        # every order of the reseller for each one.
        *(
            Index(f"ix_orders_reseller_id_{column}_id", "reseller_id", column, "id")
            for column in SORTED_BY
        ),
        # An admin's list: every reseller's orders, newest first, or sorted by another column
        # ((status, id) also serves the lookups by status).
        Index("ix_orders_created_at_id", "created_at", "id"),
        *(Index(f"ix_orders_{column}_id", column, "id") for column in SORTED_BY),
        # A supplier's list sorted by another column than created_at, as the reseller's.
        *(
            Index(f"ix_orders_supplier_id_{column}_id", "supplier_id", column, "id")
            for column in SORTED_BY
        ),
        # The duplicate check on create: the reseller's recent orders from one number.
        Index(
            "ix_orders_reseller_id_customer_phone_created_at",
            "reseller_id",
            "customer_phone",
            "created_at",
        ),
        # The lists' duplicate=true and blocked=true: few rows, so partial indexes.
        Index(
            "ix_orders_possible_duplicate_reseller_id_created_at",
            "reseller_id",
            "created_at",
            sqlite_where=text("possible_duplicate_of IS NOT NULL"),
            postgresql_where=text("possible_duplicate_of IS NOT NULL"),
        ),
        Index(
            "ix_orders_blocked_reseller_id_created_at",
            "reseller_id",
            "created_at",
            sqlite_where=text("blocked = 1"),
            postgresql_where=text("blocked"),
        ),
        # The call queue (commercy.calls) in the order it is served: a reseller's orders
        # waiting to be called, by rank then due time, so taking the next one reads a few rows.
        Index(
            "ix_orders_call_queue_order",
            "reseller_id",
            "call_rank",
            "call_due_at",
            "id",
            sqlite_where=text("call_rank IS NOT NULL"),
            postgresql_where=text("call_rank IS NOT NULL"),
        ),
        # The order an agent holds a claim on (the agent's screen): few rows, so partial.
        Index(
            "ix_orders_claimed_by_user_id_claim_expires_at",
            "claimed_by_user_id",
            "claim_expires_at",
            sqlite_where=text("claimed_by_user_id IS NOT NULL"),
            postgresql_where=text("claimed_by_user_id IS NOT NULL"),
        ),
        # PostgreSQL also gets ix_orders_search_trgm (a GIN over the scope columns, btree_gin,
        # and the searched ones, pg_trgm, the folded name among them) from its migrations;
        # SQLite has no such index, so it is not declared here.
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_number: Mapped[str] = mapped_column(String(48), unique=True)
    barcode: Mapped[str] = mapped_column(String(48))
    reseller_id: Mapped[int] = mapped_column(ForeignKey("resellers.id"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"))
    created_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    status: Mapped[OrderStatus] = mapped_column(_enum(OrderStatus))
    payment_status: Mapped[PaymentStatus] = mapped_column(
        _enum(PaymentStatus), default=PaymentStatus.UNPAID
    )
    source: Mapped[OrderSource] = mapped_column(_enum(OrderSource))

    customer_name: Mapped[str | None] = mapped_column(String(200))
    # What the search reads of the name (commercy.core.text.folded): kept with the name by
    # every write of it, so ``helene`` finds ``Hélène`` through the search's trigram index.
    customer_name_folded: Mapped[str | None] = mapped_column(Text)
    customer_phone: Mapped[str] = mapped_column(String(20), index=True)  # E.164
    customer_phone2: Mapped[str | None] = mapped_column(String(20))
    wa_id: Mapped[str] = mapped_column(String(20))  # WhatsApp id: the E.164 digits, no "+"
    customer_address: Mapped[str | None] = mapped_column(String(500))
    customer_city: Mapped[str | None] = mapped_column(String(100))
    customer_governorate: Mapped[str | None] = mapped_column(String(100))
    customer_zip_code: Mapped[str | None] = mapped_column(String(20))
    notes: Mapped[str | None] = mapped_column(Text)

    shipping_option: Mapped[str | None] = mapped_column(String(32))
    shipping_cost: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    subtotal: Mapped[Decimal] = mapped_column(MONEY)
    total: Mapped[Decimal] = mapped_column(MONEY)

    # The number of the most recent open order of the same reseller and phone, when this one
    # was created within the duplicate window of it.
    possible_duplicate_of: Mapped[str | None] = mapped_column(String(48))
    # From a blocked number: stored, but kept out of the call queue and of Digishare.
    # A server default too: bulk loads (bench/dataset.py) insert orders without it.
    blocked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    blocked_reason: Mapped[str | None] = mapped_column(String(500))
    # The call center's state (commercy.calls): attempts made, when the next one is due (None:
    # as soon as possible), and the agent whose claim on the order runs until claim_expires_at.
    call_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_call_at: Mapped[datetime | None]
    claimed_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    claim_expires_at: Mapped[datetime | None]
    # Where the order stands in the call queue, computed by the database from the columns above
    # so that no write can leave them behind: its rank (None when not waiting to be called)
    # and when it is due.
    call_rank: Mapped[int | None] = mapped_column(Integer, Computed(CALL_RANK, persisted=True))
    call_due_at: Mapped[datetime | None] = mapped_column(
        Computed("coalesce(next_call_at, created_at)", persisted=True)
    )
    # Bumped by every write of the row (SQLAlchemy's version counter: each UPDATE is
    # ``... WHERE version = :read``), so an edit can refuse to overwrite a newer one (ETag).
    # The server default serves rows inserted in plain SQL (the bench's data sets).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    items: Mapped[list[OrderItem]] = relationship(
        lazy="raise", order_by="OrderItem.id", cascade="all, delete-orphan"
    )
    history: Mapped[list[OrderStatusChange]] = relationship(
        lazy="raise", order_by="OrderStatusChange.id", cascade="all, delete-orphan"
    )
    reseller: Mapped[Reseller] = relationship(lazy="raise")
    supplier: Mapped[Supplier] = relationship(lazy="raise")

    __mapper_args__ = {"version_id_col": version}

    @validates("customer_name")
    def _fold_customer_name(self, _key: str, name: str | None) -> str | None:
        self.customer_name_folded = folded(name)
        return name


class OrderItem(Base):
    __tablename__ = "order_items"
    __table_args__ = (
        # An order's lines; on PostgreSQL with what the stats by product read of them, so
        # they join a period's orders from the index alone (see its migration).
        Index(
            "ix_order_items_order_id_figures",
            "order_id",
            postgresql_include=["product_id", "quantity", "unit_price", "product_name"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    product_name: Mapped[str] = mapped_column(String(200))  # as it was when ordered
    product_code: Mapped[str | None] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(MONEY)
    notes: Mapped[str | None] = mapped_column(Text)
    product_image: Mapped[str | None] = mapped_column(String(1000))

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity


class OrderStatusChange(Base):
    """One line of an order's history; ``from_status`` is None for the creation. An edit is a
    line whose status stays the same and whose ``changes`` list each field's old and new value."""

    __tablename__ = "order_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[OrderStatus | None] = mapped_column(_enum(OrderStatus))
    to_status: Mapped[OrderStatus] = mapped_column(_enum(OrderStatus))
    actor_label: Mapped[str] = mapped_column(String(400))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
    # An edit's ``[{"field", "from", "to"}, ...]``; None for a status change.
    changes: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IdempotencyKey(Base):
    """A create request's key, claimed before the work and completed with its response."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (Index("uq_idempotency_keys_user_id_key", "user_id", "key", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    # None while the first request runs; then the response every retry replays.
    response_status: Mapped[int | None]
    response_body: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
