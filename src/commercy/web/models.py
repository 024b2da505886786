"""Signed-in browsers: one row per web session, found by the hash of its cookie."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from commercy.core.database import Base


class WebSession(Base):
    __tablename__ = "web_sessions"

    # SHA-256 of the cookie's value: a copy of the table signs nobody in.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The user's token version at sign-in: a password change or a disable moves it on, which
    # ends this session as it ends the API's tokens.
    token_version: Mapped[int]
    csrf_token: Mapped[str] = mapped_column(String(64))
    time_zone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
