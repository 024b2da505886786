"""Call center bodies: a call attempt in and out, the claim, the queue's page."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, Field, StringConstraints

from commercy.calls.models import CallOutcome
from commercy.calls.rules import QueueReason
from commercy.core.envelopes import Page
from commercy.core.schemas import Money, StrictWireModel, Timestamp, WireModel
from commercy.orders.models import OrderStatus

Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class CallIn(StrictWireModel):
    """One call, as the agent tells it once the phone is down."""

    multi_line_fields = frozenset({"note"})

    outcome: CallOutcome = Field(description="How the call ended; sets the order's status")
    note: Note | None = Field(default=None, description="What the customer said")
    callback_at: AwareDatetime | None = Field(
        default=None,
        description="When to call back, with its time zone, in the future: required for "
        "`rapported`; for other unfinished outcomes it replaces the back-off",
    )


class CallAttemptOut(WireModel):
    id: int
    order_id: int
    agent_user_id: int | None
    agent: str = Field(validation_alias="agent_label", description="`role:identifier`")
    outcome: CallOutcome
    note: str | None
    callback_at: Timestamp | None
    created_at: Timestamp


class CallRecordedOut(WireModel):
    """The attempt, and where the order stands after it."""

    attempt: CallAttemptOut
    order_status: OrderStatus
    call_attempts: int
    next_call_at: Timestamp | None


class ClaimOut(WireModel):
    """Who holds an order's claim, until when."""

    order_id: int
    order_number: str
    claimed_by: int
    claimed_until: Timestamp


class QueueCounts(WireModel):
    callback: int = Field(description="Callbacks due now")
    new: int = Field(description="New pending orders due now")
    retry: int = Field(description="Retries after no answer, due now")
    scheduled: int = Field(description="Waiting for their time (callback, retry, WhatsApp grace)")
    claimed: int = Field(description="Being called now")
    total: int


class QueueEntryOut(WireModel):
    id: int
    order_number: str
    reseller_id: int
    status: OrderStatus
    reason: QueueReason
    due_at: Timestamp = Field(description="When it may be called")
    call_attempts: int
    claimed_by: int | None
    claimed_until: Timestamp | None
    customer_name: str | None
    customer_phone: str
    customer_city: str | None
    total: Money
    possible_duplicate_of: str | None = Field(
        description="The open order of the same customer this one may repeat: cancel it with "
        'the note "duplicate" in one call'
    )
    created_at: Timestamp


class QueuePage(Page[QueueEntryOut]):
    """The orders of the queue, in the order they will be called (due ones first), with the
    counts by reason."""

    counts: QueueCounts


class CallStatsOut(WireModel):
    """One agent's calls on one day (UTC)."""

    date: str = Field(description="The day, `YYYY-MM-DD` (UTC)")
    agent_user_id: int | None
    agent: str = Field(description="`role:identifier`")
    attempts: int
    reached: int = Field(description="Calls that reached the customer")
    confirmed: int
    canceled: int
    confirmation_rate: float | None = Field(description="confirmed / reached; null when none")
    average_attempts_per_confirmed: float | None = Field(
        description="Calls each order confirmed that day took, confirming call included"
    )


Minutes = Annotated[int, Field(strict=True, ge=0, le=7 * 24 * 60)]


class CallSettingsIn(StrictWireModel):
    """A reseller's own queue rules; a null (or missing) field takes the installation's
    default."""

    retry_delays_minutes: list[Minutes] | None = Field(
        default=None,
        min_length=1,
        max_length=10,
        description="Wait after the 1st, 2nd... unreached call, in minutes (the last repeats)",
    )
    max_unreached_attempts: int | None = Field(
        default=None, strict=True, ge=1, le=100, description="Unreached calls before `abandoned`"
    )
    whatsapp_grace_minutes: Minutes | None = Field(
        default=None, description="Wait after the WhatsApp message before calling; 0: at once"
    )


class CallRulesOut(WireModel):
    retry_delays_minutes: list[int]
    max_unreached_attempts: int
    whatsapp_grace_minutes: int


class CallSettingsOut(CallRulesOut):
    """The rules the reseller's queue follows, its own overrides, and the defaults."""

    reseller_id: int
    overrides: CallSettingsIn = Field(description="The reseller's own values (null: default)")
    defaults: CallRulesOut
