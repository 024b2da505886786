"""Wire bodies for a reseller's Digishare settings, its jobs and its received events."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import Field, StrictBool, StringConstraints, model_validator

from commercy.core.schemas import StrictWireModel, Timestamp, WireModel
from commercy.integrations.digishare.models import EventOutcome, WebhookAuthType
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
    """A reseller's Digishare settings. `token` and the webhook secrets are write-only: send them
    when creating or changing them, omit them to keep the stored ones."""

    base_url: BaseUrl = "https://api.digishare.ma"
    token: Secret | None = None
    ticket_type_id: DigishareId = DIGISHARE_ORDER_TICKET_TYPE
    initial_status_id: DigishareId = DIGISHARE_NEW_STATUS
    status_map: dict[DigishareId, OrderStatus] = Field(
        default_factory=lambda: {DIGISHARE_CONFIRMED_STATUS: OrderStatus.CONFIRMED},
        description="Digishare ticket status id → order status",
    )
    webhook_auth: WebhookAuthIn | None = None
    lang: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")] = "fr"
    enabled: StrictBool = True


class WebhookAuthOut(WireModel):
    type: WebhookAuthType
    username: str | None = None
    header_name: str | None = None


class IntegrationOut(WireModel):
    id: int
    reseller_id: int
    base_url: str
    token_set: bool
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


class ConfirmationState(StrEnum):
    PENDING = "pending"  # the ticket is being opened (or waits for a retry)
    SENT = "sent"  # the ticket exists: Digishare has messaged the customer
    FAILED = "failed"  # gave up: see `lastError`, retry from the jobs list


class ConfirmationOut(WireModel):
    """Where an order's WhatsApp confirmation stands, as an agent needs it on the order."""

    provider: str = "digishare"
    state: ConfirmationState
    ticket_id: str | None
    job_id: int
    attempts: int
    last_error: str | None
    last_event_at: Timestamp | None


class EventOut(WireModel):
    id: int
    event: str | None
    ticket_id: str | None
    order_id: int | None
    outcome: EventOutcome
    detail: str | None
    received_at: Timestamp
