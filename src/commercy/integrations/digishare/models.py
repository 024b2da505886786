"""A reseller's Digishare connection, the ticket of each order, and every webhook received."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from commercy.core.database import Base, TimestampMixin, str_enum, utcnow


class WebhookAuthType(StrEnum):
    BASIC = "basic"
    BEARER = "bearer"
    HEADER = "header"


class AuthMethod(StrEnum):
    TOKEN = "token"  # noqa: S105  (a personal access token made in Digishare's dashboard)
    OAUTH = "oauth"  # OAuth2 client credentials, exchanged for short-lived access tokens


class EventOutcome(StrEnum):
    APPLIED = "applied"
    UNCHANGED = "unchanged"
    REFUSED = "refused"
    STALE = "stale"
    FUTURE_TIMESTAMP = "future_timestamp"
    UNMAPPED = "unmapped_status"
    UNKNOWN_TICKET = "unknown_ticket"
    IGNORED = "ignored_event"
    MALFORMED = "malformed"
    ERROR = "error"


class EventTimeSource(StrEnum):
    """Where an event's time was read, by precedence; the last is the fallback."""

    TICKET_UPDATED_AT = "data.data.updated_at"
    CHANGES_UPDATED_AT = "data.changes.updated_at"
    CHANGES_DATE_STATUS = "data.changes.date_status"
    TICKET_DATE_STATUS = "data.data.date_status"
    RECEIVED_AT = "received_at"


class DigishareIntegration(TimestampMixin, Base):
    __tablename__ = "digishare_integrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    reseller_id: Mapped[int] = mapped_column(ForeignKey("resellers.id"), unique=True)
    base_url: Mapped[str] = mapped_column(String(500))
    auth_method: Mapped[AuthMethod] = mapped_column(str_enum(AuthMethod), default=AuthMethod.TOKEN)
    # The personal access token, sealed (auth method `token`).
    token_sealed: Mapped[str | None] = mapped_column(Text)
    # OAuth2 client credentials (auth method `oauth`); the secret sealed.
    client_id: Mapped[str | None] = mapped_column(String(200))
    client_secret_sealed: Mapped[str | None] = mapped_column(Text)
    ticket_type_id: Mapped[str] = mapped_column(String(64))
    initial_status_id: Mapped[str] = mapped_column(String(64))
    status_map: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    webhook_auth_type: Mapped[WebhookAuthType] = mapped_column(str_enum(WebhookAuthType))
    # Basic auth's username or the custom header's name; never secret.
    webhook_auth_name: Mapped[str | None] = mapped_column(String(200))
    # Basic auth's password, the bearer token or the custom header's value, sealed.
    webhook_secret_sealed: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(8), default="fr")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class DigishareTicket(Base):
    """The Digishare ticket that confirms an order: one order, one ticket."""

    __tablename__ = "digishare_tickets"

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("digishare_integrations.id"), index=True)
    ticket_id: Mapped[str] = mapped_column(String(64), unique=True)
    media_id: Mapped[str | None] = mapped_column(String(64))
    last_event_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DigishareEvent(Base):
    """The inbox: every webhook call as received, and what it did."""

    __tablename__ = "digishare_events"
    __table_args__ = (UniqueConstraint("integration_id", "dedup_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("digishare_integrations.id"), index=True)
    dedup_key: Mapped[str] = mapped_column(String(64))
    event: Mapped[str | None] = mapped_column(String(64))
    ticket_id: Mapped[str | None] = mapped_column(String(64), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    raw_body: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    outcome: Mapped[EventOutcome] = mapped_column(str_enum(EventOutcome))
    detail: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The time a ticket.updated is ordered by against the ticket's other events, and its field.
    event_at: Mapped[datetime | None]
    event_time_source: Mapped[EventTimeSource | None] = mapped_column(
        str_enum(EventTimeSource, length=32)
    )
