"""The queue's rules (README, "Call center"): why an order waits, in which order orders are
called, how long after an unreached call the next one is due, and when to give up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from commercy.calls.models import CallOutcome, CallSettings
from commercy.core.settings import Settings
from commercy.orders import lifecycle
from commercy.orders.models import OrderStatus

#: Orders in these statuses are in the queue; any other status takes an order out of it.
CALLING = lifecycle.CONFIRMATION
#: Outcomes where nobody answered: the next call follows the back-off, and enough of them in
#: a row abandon the order.
UNREACHED = frozenset(
    {CallOutcome.NOT_REACHED, CallOutcome.PHONE_CLOSED, CallOutcome.NOT_AVAILABLE}
)
#: Outcomes that end the conversation: no next call, and no ``callbackAt``.
FINAL = frozenset(
    {CallOutcome.CONFIRMED, CallOutcome.CANCELED, CallOutcome.ABANDONED, CallOutcome.NOT_INTERESTED}
)
#: The customer asked to be called again (a callback), at ``callbackAt``.
CALLBACK_STATUSES = frozenset({OrderStatus.RAPPORTED, OrderStatus.MORE_INFORMATION})


class QueueReason(StrEnum):
    """Why an order is in the queue, in the order the queue serves them."""

    CALLBACK = "callback"  # the customer asked to be called back: due first, oldest due first
    NEW = "new"  # pending, never reached: oldest first
    RETRY = "retry"  # unreached before: not before its retry time
    SCHEDULED = "scheduled"  # not due yet (a callback, a retry, or the WhatsApp grace)
    CLAIMED = "claimed"  # an agent is calling it now


#: The rank of each due reason (what ``calls/next`` serves first).
RANKS = {QueueReason.CALLBACK: 0, QueueReason.NEW: 1, QueueReason.RETRY: 2}


def reason_of(status: OrderStatus) -> QueueReason:
    if status in CALLBACK_STATUSES:
        return QueueReason.CALLBACK
    if status is OrderStatus.PENDING:
        return QueueReason.NEW
    return QueueReason.RETRY


@dataclass(frozen=True, slots=True)
class QueueRules:
    """A reseller's rules: its own settings row, else the installation's defaults."""

    retry_delays: tuple[timedelta, ...]
    max_unreached_attempts: int
    whatsapp_grace: timedelta

    @classmethod
    def of(cls, settings: Settings, own: CallSettings | None = None) -> QueueRules:
        delays = (own.retry_delays_minutes if own else None) or settings.call_retry_delays_minutes
        max_unreached = (own.max_unreached_attempts if own else None) or (
            settings.call_max_unreached_attempts
        )
        grace = own.whatsapp_grace_minutes if own is not None else None
        if grace is None:
            grace = settings.call_whatsapp_grace_minutes
        return cls(
            retry_delays=tuple(timedelta(minutes=minutes) for minutes in delays),
            max_unreached_attempts=max_unreached,
            whatsapp_grace=timedelta(minutes=grace),
        )

    def retry_delay(self, unreached_calls: int) -> timedelta:
        """The wait after the ``unreached_calls``-th unreached call (the last delay repeats)."""
        return self.retry_delays[min(unreached_calls, len(self.retry_delays)) - 1]

    def gives_up_after(self, unreached_calls: int) -> bool:
        return unreached_calls >= self.max_unreached_attempts


def next_call_at(
    *,
    outcome: CallOutcome,
    callback_at: datetime | None,
    unreached_calls: int,
    rules: QueueRules,
    now: datetime,
) -> datetime | None:
    """When the order is due again after a call that ended with ``outcome``; None when the
    conversation is over."""
    if outcome in FINAL:
        return None
    if callback_at is not None:
        return callback_at
    if outcome in UNREACHED:
        return now + rules.retry_delay(unreached_calls)
    return now + rules.retry_delays[0]  # more information, no time agreed
