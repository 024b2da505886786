"""What the sandbox remembers: plain records, rendered to Digishare's JSON by ``to_json``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from commercy.sandbox.clock import now, stamp

AuthKind = Literal["basic", "bearer", "header"]


@dataclass(slots=True)
class Media:
    id: str
    file_name: str
    mime_type: str
    extension: str
    category: str
    content: bytes
    created_at: datetime = field(default_factory=now)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": "file",
            "category": self.category,
            "file_name": self.file_name,
            "mime_type": self.mime_type,
            "extension": self.extension,
            "size": len(self.content),
            "created_at": stamp(self.created_at),
        }


@dataclass(slots=True)
class Third:
    id: str
    wa_id: str | None
    phone: str | None
    name: str | None = None
    email: str | None = None
    ext_ref: str | None = None
    created_at: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "wa_id": self.wa_id,
            "ext_ref": self.ext_ref,
            "created_at": stamp(self.created_at),
            "updated_at": stamp(self.updated_at),
        }


@dataclass(slots=True)
class Ticket:
    id: str
    ticket_number: str
    type_ticket_id: str
    ticket_status_id: str
    external_id: str | None
    subject: str | None
    lang: str
    third_id: str | None
    information: dict[str, Any]
    priority_id: str | None = None
    channel_id: str | None = None
    handler_id: str | None = None
    note: str | None = None
    comment: str | None = None
    demand_date: str | None = None
    tags: list[str] = field(default_factory=list)
    # Not Commercy's: opened by someone else in the same account (see ``foreign``).
    foreign: bool = False
    created_at: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)
    date_status: datetime = field(default_factory=now)

    def to_json(self) -> dict[str, Any]:
        """The ticket as Digishare shows it: whether it is foreign is the sandbox's secret."""
        return {
            "id": self.id,
            "ticket_number": self.ticket_number,
            "subject": self.subject,
            "external_id": self.external_id,
            "ticket_status_id": self.ticket_status_id,
            "type_ticket_id": self.type_ticket_id,
            "third_id": self.third_id,
            "priority_id": self.priority_id,
            "channel_id": self.channel_id,
            "handler_id": self.handler_id,
            "note": self.note,
            "comment": self.comment,
            "information": self.information,
            "tags": self.tags,
            "lang": self.lang,
            "demand_date": self.demand_date,
            "date_status": stamp(self.date_status),
            "created_at": stamp(self.created_at),
            "updated_at": stamp(self.updated_at),
            "data": {},
        }


@dataclass(slots=True)
class WebhookAuth:
    type: AuthKind
    username: str | None = None
    password: str | None = None
    token: str | None = None
    name: str | None = None
    value: str | None = None

    def to_json(self) -> dict[str, Any]:
        fields = {
            "basic": ("username", "password"),
            "bearer": ("token",),
            "header": ("name", "value"),
        }[self.type]
        return {"type": self.type, **{key: getattr(self, key) for key in fields}}


@dataclass(slots=True)
class Webhook:
    id: str
    url: str
    event: str
    active: bool
    headers: dict[str, str]
    auth: WebhookAuth | None
    disabled_reason: str | None = None
    created_at: datetime = field(default_factory=now)
    updated_at: datetime = field(default_factory=now)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "event": self.event,
            "active": self.active,
            "headers": self.headers,
            "auth": self.auth.to_json() if self.auth else None,
            "disabled_reason": self.disabled_reason,
            "created_at": stamp(self.created_at),
            "updated_at": stamp(self.updated_at),
        }


@dataclass(slots=True)
class DeliveryAttempt:
    id: str
    delivery_id: str
    webhook_id: str
    url: str
    event: str
    ticket_id: str
    attempt: int
    status_code: int | None
    error: str | None
    duration_ms: float
    created_at: datetime = field(default_factory=now)

    @property
    def succeeded(self) -> bool:
        return self.status_code == 200

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "delivery_id": self.delivery_id,
            "webhook_id": self.webhook_id,
            "url": self.url,
            "event": self.event,
            "ticket_id": self.ticket_id,
            "attempt": self.attempt,
            "status_code": self.status_code,
            "error": self.error,
            "succeeded": self.succeeded,
            "duration_ms": round(self.duration_ms, 1),
            "created_at": stamp(self.created_at),
        }


Direction = Literal["outbound", "inbound", "system"]


@dataclass(slots=True)
class Message:
    id: str
    ticket_id: str
    wa_id: str | None
    direction: Direction
    text: str
    document: dict[str, Any] | None = None
    buttons: list[dict[str, str]] = field(default_factory=list)
    created_at: datetime = field(default_factory=now)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "ticket_id": self.ticket_id,
            "wa_id": self.wa_id,
            "direction": self.direction,
            "text": self.text,
            "document": self.document,
            "buttons": self.buttons,
            "created_at": stamp(self.created_at),
        }
