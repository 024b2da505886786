"""The call center's rows: each call attempt, and a reseller's own queue settings.

The queue itself lives on ``orders`` (``call_attempts``, ``next_call_at``, the claim): taking
the next order to call is then one indexed query on one table.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from commercy.core.database import Base, str_enum, utcnow


class CallOutcome(StrEnum):
    """How a call ended; each names the order status it sets."""

    CONFIRMED = "confirmed"
    CANCELED = "canceled"
    NOT_REACHED = "not_reached"
    PHONE_CLOSED = "phone_closed"
    RAPPORTED = "rapported"
    MORE_INFORMATION = "more_information"
    NOT_AVAILABLE = "not_available"
    ABANDONED = "abandoned"
    NOT_INTERESTED = "not_interested"


class CallAttempt(Base):
    """One call to the customer of an order: who, when, how it ended, and what was said."""

    __tablename__ = "call_attempts"
    __table_args__ = (
        # A reseller's call figures over a period (GET /stats/calls) read its attempts alone.
        Index("ix_call_attempts_reseller_id_created_at", "reseller_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    # The order's reseller (an order never changes reseller), so that a reseller's attempts
    # are found without joining every attempt of the period to its order.
    reseller_id: Mapped[int] = mapped_column(ForeignKey("resellers.id"))
    agent_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    agent_label: Mapped[str] = mapped_column(String(400))
    outcome: Mapped[CallOutcome] = mapped_column(str_enum(CallOutcome))
    note: Mapped[str | None] = mapped_column(Text)
    callback_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class CallSettings(Base):
    """A reseller's own queue rules; a null column takes the installation's default
    (``COMMERCY_CALL_*`` settings)."""

    __tablename__ = "call_settings"

    reseller_id: Mapped[int] = mapped_column(
        ForeignKey("resellers.id", ondelete="CASCADE"), primary_key=True
    )
    retry_delays_minutes: Mapped[list[int] | None] = mapped_column(JSON)
    max_unreached_attempts: Mapped[int | None] = mapped_column(Integer)
    whatsapp_grace_minutes: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
