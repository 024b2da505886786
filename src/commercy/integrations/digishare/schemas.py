"""Wire bodies for a reseller's Digishare settings, its jobs and its received events."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import Field, StrictBool, StringConstraints, model_validator

from commercy.core.envelopes import Envelope
from commercy.core.schemas import StrictWireModel, Timestamp, WireModel
from commercy.integrations.digishare.models import (
    AuthMethod,
    EventOutcome,
    EventTimeSource,
    WebhookAuthType,
)
from commercy.orders.models import OrderStatus
from commercy.outbox.models import JobState

DIGISHARE_ORDER_TICKET_TYPE = "npvrxamq9l94y8dz"
DIGISHARE_NEW_STATUS = "x9q3wrlv0m7vzea8"
DIGISHARE_CONFIRMED_STATUS = "yqdwrbka7kz69v8e"

Secret = Annotated[str, StringConstraints(min_length=1, max_length=500)]
DigishareId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
BaseUrl = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=500, pattern=r"^https?://[^\s/$.?#].\S*$"),
]
HeaderName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{1,100}$")]


class WebhookAuthIn(StrictWireModel):
    """How Digishare proves it is Digishare when it calls our webhook (set the same in its
    dashboard): Basic (`username`, `password`), Bearer (`token`) or a custom header
    (`headerName`, `headerValue`)."""

    type: WebhookAuthType
    username: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    password: Secret | None = None
    token: Secret | None = None
    header_name: HeaderName | None = None
    header_value: Secret | None = None

    @model_validator(mode="after")
    def _fields_for_type(self) -> Self:
        needed = {
            WebhookAuthType.BASIC: ("username", "password"),
            WebhookAuthType.BEARER: ("token",),
            WebhookAuthType.HEADER: ("header_name", "header_value"),
        }[self.type]
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            raise ValueError(f"{self.type.value} webhook auth needs {', '.join(missing)}")
        return self

    @property
    def name(self) -> str | None:
        return self.username if self.type is WebhookAuthType.BASIC else self.header_name

    @property
    def secret(self) -> str:
        value = {
            WebhookAuthType.BASIC: self.password,
            WebhookAuthType.BEARER: self.token,
            WebhookAuthType.HEADER: self.header_value,
        }[self.type]
        assert value is not None  # checked by the validator
        return value


class IntegrationUpdate(StrictWireModel):
    """A reseller's Digishare settings. Authenticate with a personal access token (`token`) or
    with OAuth2 client credentials (`clientId` and `clientSecret`), which Digishare recommends
    in production. `token`, `clientSecret` and the webhook secrets are write-only: send them
    when creating or changing them, omit them to keep the stored ones."""

    base_url: BaseUrl = Field(
        default="https://api.digishare.ma",
        description="Digishare's API address, with or without its `/v1`",
    )
    token: Secret | None = Field(default=None, description="A personal access token")
    client_id: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = Field(
        default=None, description="OAuth2 client id (with `clientSecret`)"
    )
    client_secret: Secret | None = Field(default=None, description="OAuth2 client secret")
    ticket_type_id: DigishareId = DIGISHARE_ORDER_TICKET_TYPE
    initial_status_id: DigishareId = DIGISHARE_NEW_STATUS
    status_map: dict[DigishareId, OrderStatus] = Field(
        default_factory=lambda: {DIGISHARE_CONFIRMED_STATUS: OrderStatus.CONFIRMED},
        description="Digishare ticket status id → order status",
    )
    webhook_auth: WebhookAuthIn | None = None
    lang: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")] = "fr"
    enabled: StrictBool = True

    @model_validator(mode="after")
    def _one_way_to_authenticate(self) -> Self:
        if self.token is not None and (self.client_id or self.client_secret) is not None:
            raise ValueError("send either token or clientId and clientSecret, not both")
        if self.client_secret is not None and self.client_id is None:
            raise ValueError("clientSecret needs its clientId")
        return self


class WebhookAuthOut(WireModel):
    type: WebhookAuthType
    username: str | None = None
    header_name: str | None = None


class IntegrationOut(WireModel):
    id: int
    reseller_id: int
    base_url: str
    auth_method: AuthMethod
    token_set: bool
    client_id: str | None
    client_secret_set: bool
    ticket_type_id: str
    initial_status_id: str
    status_map: dict[str, str]
    webhook_auth: WebhookAuthOut
    webhook_url: str
    lang: str
    enabled: bool
    created_at: Timestamp
    updated_at: Timestamp


class JobOut(WireModel):
    id: int
    kind: str
    order_id: int | None
    state: JobState
    attempts: int
    max_attempts: int
    run_after: Timestamp
    last_error: str | None
    progress: dict[str, Any]
    created_at: Timestamp
    updated_at: Timestamp
    finished_at: Timestamp | None


class ConnectionState(StrEnum):
    OK = "ok"  # the credentials work
    UNAUTHORIZED = "unauthorized"  # Digishare refused them
    UNREACHABLE = "unreachable"  # no Digishare API answered at the base URL


class ConnectionTestOut(WireModel):
    """What `POST /integrations/digishare/test` found, with the account the credentials belong
    to when they work."""

    status: ConnectionState
    reason: str | None
    account: dict[str, str | None] | None
    base_url: str
    auth_method: AuthMethod


class EventOut(WireModel):
    id: int
    event: str | None
    ticket_id: str | None
    order_id: int | None
    outcome: EventOutcome
    detail: str | None
    received_at: Timestamp
    event_at: Timestamp | None = Field(
        description="The time this ticket.updated is ordered by against the ticket's others"
    )
    event_time_source: EventTimeSource | None = Field(
        description="Where `eventAt` was read: the ticket's `updated_at`, else the change's "
        "`updated_at`, else `date_status`, else the time we received the event"
    )


class DuplicateEvent(WireModel):
    duplicate: Literal[True]


# The webhook's answer: the recorded event, or a duplicate acknowledged without effect.
WebhookAnswer = Envelope[EventOut] | Envelope[DuplicateEvent]
