"""Request bodies of Digishare's API, validated into its 422 shape by ``errors``."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from commercy.sandbox.phones import to_e164, to_wa_id

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_HEADER_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")
_URL = re.compile(r"https?://[^\s/$.?#][^\s]*", re.IGNORECASE)

WebhookEvent = Literal["ticket.created", "ticket.updated"]


def _email(value: str | None) -> str | None:
    if value is not None and not _EMAIL.fullmatch(value):
        raise ValueError("must be a valid email address")
    return value


def _optional_e164(value: str | None) -> str | None:
    return to_e164(value) if value is not None else None


def _optional_wa_id(value: str | None) -> str | None:
    return to_wa_id(value) if value is not None else None


def _header_value(value: str) -> str:
    if "\r" in value or "\n" in value:
        raise ValueError("must not contain line breaks")
    return value


class MediaFile(BaseModel):
    base64: str = Field(description="A data URI: data:<mime type>;base64,<data>")
    file_name: str = Field(min_length=1, max_length=255)
    mime_type: str
    extension: str | None = Field(default=None, max_length=10)


class MediaUpload(BaseModel):
    type: Literal["file"]
    category: Literal["document", "image"]
    file: MediaFile


class ThirdData(BaseModel):
    """The customer as a ticket carries it in ``information.third``."""

    model_config = ConfigDict(extra="allow")

    ext_ref: str | None = Field(default=None, max_length=191)
    name: str | None = Field(default=None, max_length=255)
    wa_id: str | None = None
    email: str | None = None
    phone: str | None = None

    check_email = field_validator("email")(_email)
    check_phone = field_validator("phone")(_optional_e164)
    check_wa_id = field_validator("wa_id")(_optional_wa_id)


class TicketInformation(BaseModel):
    model_config = ConfigDict(extra="allow")

    third: ThirdData | None = None
    campaign_data: dict[str, Any] = Field(default_factory=dict)


class TicketCreate(BaseModel):
    external_id: str | None = Field(default=None, max_length=191)
    type_ticket_id: str
    ticket_status_id: str | None = None
    create_third_data: bool = False
    third_id: str | None = None
    information: TicketInformation = Field(default_factory=TicketInformation)
    subject: str | None = Field(default=None, max_length=255)
    lang: str = Field(default="fr", max_length=5)
    priority_id: str | None = Field(default=None, max_length=191)
    channel_id: str | None = Field(default=None, max_length=191)
    comment: str | None = Field(default=None, max_length=5000)
    demand_date: str | None = Field(default=None, max_length=32)
    tags: list[Annotated[str, Field(max_length=191)]] = Field(default_factory=list, max_length=50)


class TicketUpdate(BaseModel):
    ticket_status_id: str | None = None
    handler_id: str | None = Field(default=None, max_length=191)
    note: str | None = Field(default=None, max_length=5000)


class ThirdCreate(BaseModel):
    name: str | None = Field(default=None, max_length=255)
    email: str | None = None
    phone: str | None = None
    wa_id: str | None = None
    ext_ref: str | None = Field(default=None, max_length=191)

    check_email = field_validator("email")(_email)
    check_phone = field_validator("phone")(_optional_e164)
    check_wa_id = field_validator("wa_id")(_optional_wa_id)


class ThirdUpdate(ThirdCreate):
    pass


class BasicAuth(BaseModel):
    type: Literal["basic"]
    username: str = Field(min_length=1)
    password: str

    no_breaks = field_validator("username", "password")(_header_value)


class BearerAuth(BaseModel):
    type: Literal["bearer"]
    token: str = Field(min_length=1)

    no_breaks = field_validator("token")(_header_value)


class HeaderAuth(BaseModel):
    type: Literal["header"]
    name: str = Field(min_length=1, max_length=100, pattern=_HEADER_NAME.pattern)
    value: str = Field(min_length=1)

    no_breaks = field_validator("value")(_header_value)


WebhookAuthBody = Annotated[BasicAuth | BearerAuth | HeaderAuth, Field(discriminator="type")]


def _headers(headers: dict[str, str] | None) -> dict[str, str] | None:
    for name, value in (headers or {}).items():
        if not _HEADER_NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not a valid header name")
        _header_value(value)
    return headers


def _url(url: str | None) -> str | None:
    if url is not None and not _URL.fullmatch(url):
        raise ValueError("must be an http or https URL")
    return url


class WebhookCreate(BaseModel):
    url: str = Field(max_length=2048)
    event: WebhookEvent
    active: bool = True
    headers: dict[str, str] = Field(default_factory=dict)
    auth: WebhookAuthBody | None = None

    check_url = field_validator("url")(_url)
    check_headers = field_validator("headers")(_headers)


class WebhookUpdate(BaseModel):
    """Only the fields sent change; ``"auth": null`` removes the auth."""

    url: str | None = Field(default=None, max_length=2048)
    event: WebhookEvent | None = None
    active: bool | None = None
    headers: dict[str, str] | None = None
    auth: WebhookAuthBody | None = None

    check_url = field_validator("url")(_url)
    check_headers = field_validator("headers")(_headers)


class CustomerReply(BaseModel):
    action: Literal["confirm", "cancel", "no_answer"]


class ForeignTickets(BaseModel):
    model_config = ConfigDict(extra="forbid")

    count: int = Field(default=1, ge=1, le=500)
    subject: str | None = Field(default=None, max_length=255)
    external_id: str | None = Field(default=None, max_length=191)
