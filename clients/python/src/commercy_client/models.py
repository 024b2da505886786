"""The API's answers, typed: plain dicts with the API's camelCase keys, as it sends them.

Amounts are JSON numbers (floats); times are ISO 8601 strings (``2024-01-15T10:30:00.000Z``).
Answers whose shape is the integration's own business (Digishare settings, jobs, events) are
typed as ``dict[str, Any]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypedDict, TypeVar

T = TypeVar("T")

OrderStatusName = Literal[
    "pending",
    "not_reached",
    "phone_closed",
    "rapported",
    "more_information",
    "not_available",
    "confirmed",
    "canceled",
    "abandoned",
    "not_interested",
    "shipped",
    "delivered",
    "returned",
]


class Pagination(TypedDict):
    page: int
    limit: int
    total: int
    totalPages: int
    hasNext: bool
    hasPrev: bool


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its ``items`` and the API's ``pagination`` block."""

    items: list[T]
    pagination: Pagination = field(repr=False)

    @property
    def has_next(self) -> bool:
        return self.pagination["hasNext"]

    @property
    def total(self) -> int:
        return self.pagination["total"]


class OrderItem(TypedDict):
    id: int
    productId: int
    productName: str
    productCode: str | None
    quantity: int
    price: float
    lineTotal: float
    notes: str | None
    productImage: str | None


# "from" is a keyword: the functional form names it.
FieldChange = TypedDict("FieldChange", {"field": str, "from": Any, "to": Any})


class StatusChange(TypedDict):
    """A status change, or an edit (same status, with the fields it ``changes``)."""

    id: int
    fromStatus: str | None
    toStatus: str
    actor: str
    actorUserId: int | None
    note: str | None
    changes: list[FieldChange] | None
    createdAt: str


class Confirmation(TypedDict):
    provider: str
    state: Literal["pending", "sent", "failed"]
    ticketId: str | None
    jobId: int
    attempts: int
    lastError: str | None
    lastEventAt: str | None


class Order(TypedDict):
    """An order as lists show it (no items nor history)."""

    id: int
    orderNumber: str
    barcode: str
    status: str
    paymentStatus: str
    source: str
    resellerId: int
    supplierId: int
    customerName: str | None
    customerPhone: str
    customerPhone2: str | None
    waId: str
    customerAddress: str | None
    customerCity: str | None
    customerGovernorate: str | None
    customerZipCode: str | None
    notes: str | None
    shippingOption: str | None
    shippingCost: float
    subtotal: float
    total: float
    possibleDuplicateOf: str | None
    blocked: bool
    blockedReason: str | None
    version: int
    createdAt: str
    updatedAt: str
    callAttempts: int
    nextCallAt: str | None
    claimedBy: int | None
    claimedUntil: str | None


class CreatedOrder(Order):
    items: list[OrderItem]


class OrderDetail(CreatedOrder):
    """One order with its items, status history and WhatsApp confirmation (or None)."""

    history: list[StatusChange]
    confirmation: Confirmation | None


class OrderCreated(TypedDict):
    """The answer of ``POST /orders``, plus ``replayed`` (added by the client: True when the
    API replayed the first answer of this ``Idempotency-Key`` instead of creating an order)."""

    success: bool
    message: str
    orderNumber: str
    orderStatus: str
    order: CreatedOrder
    timestamp: str
    replayed: bool


class BulkStatusResult(TypedDict):
    id: int
    success: bool
    status: str | None
    error: str | None
    message: str | None


class Product(TypedDict, total=False):
    """``costPrice`` is present only for admins and the owning supplier."""

    id: int
    supplierId: int
    name: str
    code: str | None
    price: float
    stockQuantity: int
    image: str | None
    createdAt: str
    updatedAt: str
    costPrice: float | None


class Supplier(TypedDict):
    id: int
    name: str
    email: str | None
    phone: str | None
    createdAt: str


class Reseller(Supplier):
    supplierId: int


class User(TypedDict):
    id: int
    identifier: str
    name: str | None
    role: Literal["admin", "supplier", "reseller", "agent"]
    supplierId: int | None
    resellerId: int | None
    isActive: bool
    lastLoginAt: str | None
    createdAt: str


class LoginResult(TypedDict):
    token: str
    tokenType: str
    expiresAt: str
    user: User


class ConvertyProduct(TypedDict):
    id: int
    resellerId: int
    name: str
    sku: str | None
    price: float | None
    image: str | None
    updatedAt: str


class ConvertyUpsert(TypedDict):
    products: list[ConvertyProduct]
    created: int
    updated: int


class MappingCheck(TypedDict):
    resellerId: int
    hasMappings: bool
    mappingsCount: int
    convertyProductsCount: int
    unmappedProducts: list[dict[str, Any]]


class BlockedPhone(TypedDict):
    """A blocked number; ``resellerId`` None: blocked for every reseller."""

    id: int
    resellerId: int | None
    phone: str
    reason: str
    createdBy: str
    createdByUserId: int | None
    createdAt: str


class OrderFigures(TypedDict):
    """The figures of one group of ``stats.orders`` (or of the period, in ``totals``)."""

    key: str | None
    name: str | None
    orders: int
    confirmed: int
    delivered: int
    returned: int
    canceled: int
    confirmationRate: float | None
    deliveryRate: float | None
    returnRate: float | None
    cashCollected: float


# "from" is a Python keyword: the functional form keeps the API's key.
OrderStats = TypedDict(
    "OrderStats",
    {
        "from": str,
        "to": str,
        "groupBy": str,
        "totals": OrderFigures,
        "groups": list[OrderFigures],
    },
)


class ApiStatus(TypedDict):
    status: str
    version: str
    uptimeSeconds: float
    database: dict[str, Any]


# Shapes owned by the integrations; read them as the API documents them.
ProductMapping = dict[str, Any]
DigishareSettings = dict[str, Any]
ConnectionCheck = dict[str, Any]
Job = dict[str, Any]
WebhookEvent = dict[str, Any]


# --- the call center ------------------------------------------------------------------------

CallOutcome = Literal[
    "confirmed",
    "canceled",
    "not_reached",
    "phone_closed",
    "rapported",
    "more_information",
    "not_available",
    "abandoned",
    "not_interested",
]


class CallAttempt(TypedDict):
    id: int
    orderId: int
    agentUserId: int | None
    agent: str
    outcome: CallOutcome
    note: str | None
    callbackAt: str | None
    createdAt: str


class CallRecorded(TypedDict):
    """A recorded call, and where its order stands after it."""

    attempt: CallAttempt
    orderStatus: str
    callAttempts: int
    nextCallAt: str | None


class Claim(TypedDict):
    orderId: int
    orderNumber: str
    claimedBy: int
    claimedUntil: str


class QueueCounts(TypedDict):
    callback: int
    new: int
    retry: int
    scheduled: int
    claimed: int
    total: int


class QueueEntry(TypedDict):
    id: int
    orderNumber: str
    resellerId: int
    status: str
    reason: Literal["callback", "new", "retry", "scheduled", "claimed"]
    dueAt: str
    callAttempts: int
    claimedBy: int | None
    claimedUntil: str | None
    customerName: str | None
    customerPhone: str
    customerCity: str | None
    total: float
    possibleDuplicateOf: str | None
    createdAt: str


class CallStats(TypedDict):
    """One agent's calls on one day (UTC)."""

    date: str
    agentUserId: int | None
    agent: str
    attempts: int
    reached: int
    confirmed: int
    canceled: int
    confirmationRate: float | None
    averageAttemptsPerConfirmed: float | None


class QueueRules(TypedDict):
    retryDelaysMinutes: list[int]
    maxUnreachedAttempts: int
    whatsappGraceMinutes: int


class QueueOverrides(TypedDict):
    retryDelaysMinutes: list[int] | None
    maxUnreachedAttempts: int | None
    whatsappGraceMinutes: int | None


class QueueSettings(QueueRules):
    """The rules a reseller's queue follows, its own overrides, and the defaults."""

    resellerId: int
    overrides: QueueOverrides
    defaults: QueueRules


@dataclass(frozen=True)
class CallQueue(Page[QueueEntry]):
    """A page of the call queue, and its ``counts`` by reason."""

    counts: QueueCounts = field(
        default_factory=lambda: QueueCounts(
            callback=0, new=0, retry=0, scheduled=0, claimed=0, total=0
        )
    )
