"""Order bodies, with the API's field names, their legacy aliases and the validation rules.

Every rule that concerns the body alone is checked here, and all failures are reported at
once (a client sending only a name and products learns about every missing field in one 400).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import (
    Field,
    StringConstraints,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from commercy.core.envelopes import Answer
from commercy.core.ids import Id
from commercy.core.phones import check_shape
from commercy.core.schemas import Money, StrictWireModel, Timestamp, WireModel, reraisable
from commercy.orders import lifecycle
from commercy.orders.models import OrderSource, OrderStatus, PaymentStatus

Text32 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)]
Text100 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
Text200 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Text500 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Text1000 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]
Text2000 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
# The seed takes a number too (``1000``): kept as text.
ZipCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=20),
    WithJsonSchema({"anyOf": [{"type": "string", "maxLength": 20}, {"type": "integer"}]}),
]


Amount = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=3)]
ShippingAmount = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=3)]
PhoneIn = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]


class OrderItemIn(StrictWireModel):
    multi_line_fields = frozenset({"notes"})

    product_id: Id = Field(description="Supplier product id (`/products`)")
    quantity: int = Field(strict=True, ge=1, le=100_000)
    price: Amount | None = Field(default=None, description="Unit price (new name)")
    unit_price: Amount | None = Field(default=None, description="Unit price (legacy name)")
    notes: Text500 | None = Field(
        default=None, description="Variant/option; required unless `source` is `converty`"
    )
    product_image: Text1000 | None = Field(
        default=None,
        description="Accepted and ignored: each item gets its Converty "
        "mapping's image, else the product's",
    )

    @property
    def effective_price(self) -> Decimal:
        price = self.price if self.price is not None else self.unit_price
        assert price is not None  # guaranteed by OrderCreate's rules
        return price


class OrderCreate(StrictWireModel):
    multi_line_fields = frozenset({"notes", "customer_address", "address"})

    customer_phone: PhoneIn | None = Field(default=None, description="Required (new name)")
    customer_phone1: PhoneIn | None = Field(
        default=None, description="Legacy name of customerPhone"
    )
    customer_phone2: PhoneIn | None = None
    customer_name: Text200 | None = None
    customer_address: Text500 | None = None
    address: Text500 | None = Field(default=None, description="Legacy name of customerAddress")
    customer_city: Text100 | None = None
    ville: Text100 | None = Field(default=None, description="Legacy name of customerCity")
    customer_governorate: Text100 | None = None
    gouvernaurat: Text100 | None = Field(
        default=None, description="Legacy name of customerGovernorate"
    )
    customer_zip_code: ZipCode | None = Field(default=None, description="String or number")
    notes: Text2000 | None = None
    source: OrderSource = Field(
        default=OrderSource.MANUAL, description='`"site web"` is accepted for `site_web`'
    )
    status: OrderStatus | None = Field(default=None, description="Initial status (default pending)")
    reseller_id: Id | None = Field(default=None, description="Admins only, then required")
    supplier_id: Id | None = Field(default=None, description="Admins only, then required")
    shipping_option: Text32 | None = Field(
        default=None, description="`paid` adds shippingCost to the total"
    )
    shipping_cost: ShippingAmount | None = None
    shipping: ShippingAmount | None = Field(default=None, description="Legacy name of shippingCost")
    products: list[OrderItemIn] = Field(min_length=1, description="1 to 2 items")

    @field_validator("source", mode="before")
    @classmethod
    def _site_web(cls, value: Any) -> Any:
        return OrderSource.SITE_WEB.value if value == "site web" else value

    @field_validator("status")
    @classmethod
    def _creatable(cls, value: OrderStatus | None) -> OrderStatus | None:
        if value is not None and value not in lifecycle.CREATABLE:
            allowed = ", ".join(s.value for s in OrderStatus if s in lifecycle.CREATABLE)
            raise ValueError(f"an order is created in one of: {allowed}")
        return value

    @field_validator("customer_phone", "customer_phone1", "customer_phone2")
    @classmethod
    def _phone_shape(cls, value: str | None) -> str | None:
        if value:
            check_shape(value)
        return value or None

    @field_validator("customer_zip_code", mode="before")
    @classmethod
    def _zip_number_as_text(cls, value: Any) -> Any:
        """``true`` is not a number here."""
        return str(value) if type(value) is int else value

    @model_validator(mode="wrap")
    @classmethod
    def _rules(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        """Field errors and the cross-field rules, reported together."""
        rule_errors = _rule_errors(data) if isinstance(data, dict) else []
        try:
            model = handler(data)
        except ValidationError as exc:
            field_errors = [reraisable(error) for error in exc.errors()]
            raise ValidationError.from_exception_data(
                cls.__name__, rule_errors + field_errors
            ) from None
        if rule_errors:
            raise ValidationError.from_exception_data(cls.__name__, rule_errors)
        return model

    # The new name wins when a client sends both.
    @property
    def phone(self) -> str:
        phone = self.customer_phone or self.customer_phone1
        assert phone is not None  # guaranteed by _rules
        return phone

    @property
    def address_text(self) -> str | None:
        return self.customer_address or self.address

    @property
    def city(self) -> str | None:
        return self.customer_city or self.ville

    @property
    def governorate(self) -> str | None:
        return self.customer_governorate or self.gouvernaurat

    @property
    def shipping_amount(self) -> Decimal:
        amount = self.shipping_cost if self.shipping_cost is not None else self.shipping
        return amount or Decimal(0)


def _missing(loc: tuple[str | int, ...], message: str, data: Any) -> InitErrorDetails:
    return InitErrorDetails(type=PydanticCustomError("required", message), loc=loc, input=data)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _rule_errors(data: dict[str, Any]) -> list[InitErrorDetails]:
    errors: list[InitErrorDetails] = []
    if _blank(data.get("customerPhone")) and _blank(data.get("customerPhone1")):
        errors.append(
            _missing(
                ("customerPhone",), "customerPhone (or legacy customerPhone1) is required", data
            )
        )
    items = data.get("products")
    if not isinstance(items, list):
        return errors
    converty = data.get("source") == OrderSource.CONVERTY.value
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        if _blank(item.get("price")) and _blank(item.get("unitPrice")):
            errors.append(
                _missing(
                    ("products", index, "price"), "price (or legacy unitPrice) is required", item
                )
            )
        if not converty and _blank(item.get("notes")):
            errors.append(
                _missing(
                    ("products", index, "notes"),
                    "notes (variant/option) is required unless source is converty",
                    item,
                )
            )
    return errors


class OrderItemEdit(StrictWireModel):
    """A line of the new basket: `id` names a line of the order to keep (its omitted or null
    fields keep their value); a line without `id` is added, with the fields a create needs."""

    multi_line_fields = frozenset({"notes"})

    id: Id | None = Field(default=None, description="A line of this order (`items[].id`)")
    product_id: Id | None = Field(default=None, description="Required for a new line")
    quantity: int | None = Field(default=None, strict=True, ge=1, le=100_000)
    price: Amount | None = Field(default=None, description="Unit price")
    notes: Text500 | None = Field(
        default=None,
        description="Variant/option; required on a new line unless the order's "
        "`source` is `converty`",
    )


class OrderEdit(StrictWireModel):
    """The customer's corrections: only the fields sent change; `null` clears an optional one."""

    multi_line_fields = frozenset({"notes", "customer_address"})

    customer_name: Text200 | None = None
    customer_phone: PhoneIn | None = Field(default=None, description="Cannot be cleared")
    customer_phone2: PhoneIn | None = None
    customer_address: Text500 | None = None
    customer_city: Text100 | None = None
    customer_governorate: Text100 | None = None
    customer_zip_code: ZipCode | None = Field(default=None, description="String or number")
    notes: Text2000 | None = None
    shipping_option: Text32 | None = Field(
        default=None, description="`paid` adds shippingCost to the total"
    )
    shipping_cost: ShippingAmount | None = None
    items: list[OrderItemEdit] | None = Field(
        default=None,
        min_length=1,
        description="The whole new basket, 1 to 2 lines; lines of the order left out are removed",
    )

    @field_validator("customer_phone", "items", mode="before")
    @classmethod
    def _not_cleared(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ValueError("cannot be cleared; send a new value or leave the field out")
        return value

    @field_validator("customer_phone", "customer_phone2")
    @classmethod
    def _phone_shape(cls, value: str | None) -> str | None:
        if value:
            check_shape(value)
        return value or None

    @field_validator("customer_zip_code", mode="before")
    @classmethod
    def _zip_number_as_text(cls, value: Any) -> Any:
        return str(value) if type(value) is int else value

    @model_validator(mode="after")
    def _something_to_change(self) -> OrderEdit:
        if not self.model_fields_set:
            raise ValueError("send at least one field to change")
        return self


class StatusChangeIn(StrictWireModel):
    multi_line_fields = frozenset({"note"})

    status: OrderStatus
    note: Text1000 | None = None


class BulkStatusIn(StrictWireModel):
    multi_line_fields = frozenset({"note"})

    ids: list[Id] = Field(min_length=1, max_length=100, description="Order ids, at most 100")
    status: OrderStatus
    note: Text1000 | None = None


class OrderItemOut(WireModel):
    id: int
    product_id: int
    product_name: str
    product_code: str | None
    quantity: int
    price: Money = Field(validation_alias="unit_price", description="Unit price")
    line_total: Money
    notes: str | None
    product_image: str | None


class FieldChange(WireModel):
    """One field an edit changed: `items` lists the lines before and after."""

    field: str
    from_: Any = Field(alias="from")
    to: Any


class StatusChangeOut(WireModel):
    id: int
    from_status: OrderStatus | None
    to_status: OrderStatus
    actor: str = Field(validation_alias="actor_label")
    actor_user_id: int | None
    note: str | None
    changes: list[FieldChange] | None = Field(
        default=None, description="An edit's changed fields (the status stays the same)"
    )
    created_at: Timestamp


class OrderOut(WireModel):
    id: int
    order_number: str
    barcode: str
    status: OrderStatus
    payment_status: PaymentStatus
    source: OrderSource
    reseller_id: int
    supplier_id: int
    customer_name: str | None
    customer_phone: str
    customer_phone2: str | None
    wa_id: str
    customer_address: str | None
    customer_city: str | None
    customer_governorate: str | None
    customer_zip_code: str | None
    notes: str | None
    shipping_option: str | None
    shipping_cost: Money
    subtotal: Money
    total: Money
    possible_duplicate_of: str | None = Field(
        description="Number of the open order of the same reseller and phone this one may "
        "repeat (created within the duplicate window before it); null when none"
    )
    blocked: bool = Field(description="From a blocked number: no WhatsApp ticket, not called")
    blocked_reason: str | None = Field(description="The blocked number's reason")
    version: int = Field(description="Bumped by every change; the `ETag` is built from it")
    created_at: Timestamp
    updated_at: Timestamp
    # The call center (commercy.calls): calls made, when the next is due, who is calling now.
    call_attempts: int = 0
    next_call_at: Timestamp | None = None
    claimed_by: int | None = Field(
        default=None, validation_alias="claimed_by_user_id", description="Who is calling it now"
    )
    claimed_until: Timestamp | None = Field(default=None, validation_alias="claim_expires_at")

    @model_validator(mode="after")
    def _claim_still_held(self) -> Self:
        """A claim that has run out is no claim: the order is back in the queue."""
        if self.claimed_until is not None and self.claimed_until <= datetime.now(UTC):
            self.claimed_by = self.claimed_until = None
        return self


class ConfirmationState(StrEnum):
    PENDING = "pending"  # the ticket is being opened (or waits for a retry)
    SENT = "sent"  # the ticket exists: Digishare has messaged the customer
    FAILED = "failed"  # gave up: see `lastError`, retry from the jobs list


class ConfirmationOut(WireModel):
    """Where an order's confirmation by message (a WhatsApp ticket) stands, as an agent needs
    it on the order."""

    provider: str
    state: ConfirmationState
    ticket_id: str | None
    job_id: int
    attempts: int
    last_error: str | None
    last_event_at: Timestamp | None


class OrderDetailOut(OrderOut):
    items: list[OrderItemOut]
    history: list[StatusChangeOut]
    # The confirmation by message (a Digishare ticket); null for orders that get none.
    confirmation: ConfirmationOut | None = None


class OrderCreatedOut(OrderOut):
    items: list[OrderItemOut]


class OrderCreatedAnswer(Answer):
    """The creation's answer: `orderNumber` and `orderStatus` at the top level, then `order`."""

    order_number: str
    order_status: OrderStatus
    order: OrderCreatedOut


class BulkStatusResult(WireModel):
    """One order's outcome in a bulk status change: the new `status`, or `error` and
    `message`."""

    id: int
    success: bool
    status: OrderStatus | None
    error: str | None
    message: str | None
