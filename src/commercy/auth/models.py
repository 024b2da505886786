"""Who may sign in: users, their role, their password and their tokens' version."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commercy.core.database import Base, TimestampMixin

if TYPE_CHECKING:  # accounts sits above auth: the relationship names its model by string
    from commercy.accounts.models import Reseller


class Role(StrEnum):
    ADMIN = "admin"
    SUPPLIER = "supplier"
    RESELLER = "reseller"
    AGENT = "agent"


class User(TimestampMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])
    )
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"), index=True)
    reseller_id: Mapped[int | None] = mapped_column(ForeignKey("resellers.id"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None]
    # Carried by each token; moved on by a password change or a disable/enable, which ends
    # every token issued before it.
    token_version: Mapped[int] = mapped_column(default=0)

    reseller: Mapped[Reseller | None] = relationship("Reseller", lazy="raise")
