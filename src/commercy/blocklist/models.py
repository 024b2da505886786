"""Blocked phone numbers: a reseller's own, or everyone's (``reseller_id`` null)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from commercy.core.database import Base, utcnow


class BlockedPhone(Base):
    __tablename__ = "blocked_phones"
    __table_args__ = (
        # Phone first: an order's creation looks a number up in its reseller's list and the
        # global one at once.
        Index("uq_blocked_phones_phone_reseller_id", "phone", "reseller_id", unique=True),
        # NULLs are distinct in a unique index: the global list needs its own.
        Index(
            "uq_blocked_phones_phone_global",
            "phone",
            unique=True,
            sqlite_where=text("reseller_id IS NULL"),
            postgresql_where=text("reseller_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reseller_id: Mapped[int | None] = mapped_column(
        ForeignKey("resellers.id", ondelete="CASCADE"), index=True
    )
    phone: Mapped[str] = mapped_column(String(20))  # E.164, normalised like order phones
    reason: Mapped[str] = mapped_column(String(500))
    created_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_by: Mapped[str] = mapped_column(String(400))  # the actor's label, as in histories
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
