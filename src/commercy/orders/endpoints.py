from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Header, Query, Request, status
from fastapi.responses import Response
from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.concurrency import run_in_threadpool

from commercy.auth.dependencies import CurrentActor
from commercy.core.database import SessionDep
from commercy.core.dependencies import SettingsDep
from commercy.core.envelopes import Envelope, Page, binary_answer
from commercy.core.errors import ValidationFailed
from commercy.core.ids import id_query
from commercy.core.pagination import PageDep
from commercy.core.responses import (
    envelope,
    envelope_response,
    iso_timestamp,
    json_response,
    paginated_response,
)
from commercy.orders import documents, events, idempotency, service
from commercy.orders.models import Order, OrderSource, OrderStatus
from commercy.orders.schemas import (
    BulkStatusIn,
    BulkStatusResult,
    OrderCreate,
    OrderCreatedAnswer,
    OrderCreatedOut,
    OrderDetailOut,
    OrderOut,
    StatusChangeIn,
    StatusChangeOut,
)

router = APIRouter(prefix="/orders", tags=["orders"])


# --- list filters ---------------------------------------------------------------------------


def _values(raw: list[str] | None) -> list[str]:
    """``status=a&status=b`` and ``status=a,b`` both mean a or b."""
    return [part.strip() for value in raw or [] for part in value.split(",") if part.strip()]


_E = TypeVar("_E", OrderStatus, OrderSource)


def _enum_values(name: str, raw: list[str] | None, enum: type[_E]) -> list[_E]:
    values: list[_E] = []
    for value in _values(raw):
        value = "site_web" if value == "site web" else value
        try:
            values.append(enum(value))
        except ValueError:
            allowed = ", ".join(member.value for member in enum)
            raise ValidationFailed(name, f"{value!r} is not one of: {allowed}") from None
    return values


def _moment(name: str, raw: str | None, *, end: bool) -> datetime | None:
    """A date (the whole day, in UTC) or an ISO datetime; ``dateTo`` includes its day."""
    if raw is None:
        return None
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return moment + timedelta(days=1) if end else moment
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        # In UTC, as the database compares it; the first and last days of year 1 and 9999
        # fall off the calendar there.
        moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
        return moment + timedelta(microseconds=1) if end else moment
    except ValueError:
        raise ValidationFailed(name, "use YYYY-MM-DD or YYYY-MM-DDTHH:mm:ss.sssZ") from None
    except OverflowError:
        raise ValidationFailed(name, "a date between years 1 and 9999") from None


# async: a sync dependency would hop to the thread pool on every call.
async def order_filters(
    status_: Annotated[
        list[str] | None,
        Query(alias="status", description="One or several: `status=a&status=b` or `status=a,b`"),
    ] = None,
    source: Annotated[list[str] | None, Query(description="One or several sources")] = None,
    search: Annotated[
        str | None, Query(max_length=100, description="Customer name, phone or order number")
    ] = None,
    date_from: Annotated[
        str | None, Query(alias="dateFrom", description="Created at or after (date or datetime)")
    ] = None,
    date_to: Annotated[
        str | None, Query(alias="dateTo", description="Created on or before (date or datetime)")
    ] = None,
    reseller_id: Annotated[
        int | None, id_query(alias="resellerId", description="One reseller's orders")
    ] = None,
    supplier_id: Annotated[
        int | None, id_query(alias="supplierId", description="One supplier's orders")
    ] = None,
    sort: Annotated[
        str,
        Query(
            description="createdAt, updatedAt, total, status, customerName or orderNumber; "
            "prefix `-` for descending"
        ),
    ] = "-createdAt",
) -> service.OrderFilters:
    if sort.lstrip("-") not in service.SORTS:
        raise ValidationFailed("sort", f"sort by one of: {', '.join(service.SORTS)}")
    return service.OrderFilters(
        statuses=_enum_values("status", status_, OrderStatus),
        sources=_enum_values("source", source, OrderSource),
        search=search.strip() or None if search else None,
        date_from=_moment("dateFrom", date_from, end=False),
        date_to=_moment("dateTo", date_to, end=True),
        reseller_id=reseller_id,
        supplier_id=supplier_id,
        sort=sort,
    )


FiltersDep = Annotated[service.OrderFilters, Depends(order_filters)]


# --- create ---------------------------------------------------------------------------------


def _created_body(order: Order) -> dict[str, Any]:
    """The seed's answer: ``orderNumber`` and ``orderStatus`` at the top, then ``order``."""
    return envelope(
        message="Order created successfully",
        orderNumber=order.order_number,
        orderStatus=order.status.value,
        order=OrderCreatedOut.model_validate(order),
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=OrderCreatedAnswer)
async def create_order(
    body: OrderCreate,
    request: Request,
    actor: CurrentActor,
    session: SessionDep,
    settings: SettingsDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="Any unique string (a UUID): a retry with the same key and body gets "
            "the first answer instead of a second order",
        ),
    ] = None,
) -> Any:
    """Create an order (admins, resellers, agents).

    **Required**: `customerPhone` (or legacy `customerPhone1`) and `products`, 1 to 2 items,
    each with `productId` (a product of the order's supplier, see `GET /products`), `quantity`
    (≥ 1), `price` (or legacy `unitPrice`, > 0) and `notes` (the variant or option; not needed
    when `source` is `converty`). Every other field is optional; the legacy names `address`,
    `ville`, `gouvernaurat` and `shipping` are accepted too, and the new name wins when both
    are sent. An item's `productImage` is accepted and ignored (the server sets it). Any other
    field is refused (400 naming it, with the nearest known name): a typo never drops a charge.

    **Who**: resellers and agents create for their own reseller and its supplier: they may
    leave `resellerId` and `supplierId` out or send their own, another is a 403 naming the
    field. Admins must send both. Suppliers cannot create orders.

    **Rules**: `source` is one of the documented values (`"site web"` is stored as `site_web`),
    default `manual`. `source: "converty"` needs a Converty mapping for every product
    (`POST /converty/product-mappings`), whose image the item gets. `sur_place` (a walk-in
    sale) is created `delivered` and paid, with city and governorate `"Sur place"` when
    missing. Phones are stored in E.164 (`20 123 456` becomes `+21620123456`) and the customer's
    WhatsApp id is derived from them. `total` = `subtotal` + `shippingCost` when
    `shippingOption` is `"paid"`, else `subtotal` (and `shippingCost` is 0). An order created
    `confirmed` takes its quantities out of stock (409 when there are not enough).

    **Answer**: 201 with `orderNumber` (`ORD-<epoch ms>-<id>`, also the `barcode`),
    `orderStatus` and `order`. A 400 names every bad field in `details.errors`.

    **Retries**: send an `Idempotency-Key` header. The same key and body within 24 hours
    replays the first answer (header `Idempotent-Replayed: true`) and never creates a second
    order; the same key with another body gets 422; while the first request still runs, 409.
    """
    if idempotency_key is None:
        order = await service.create_order(session, actor=actor, data=body, settings=settings)
        return json_response(_created_body(order), status_code=status.HTTP_201_CREATED)

    claimed = await idempotency.claim(
        session,
        user_id=actor.user_id,
        key=idempotency.check_key(idempotency_key),
        request_hash=idempotency.fingerprint(await request.json()),
    )
    if isinstance(claimed, idempotency.Replay):
        return json_response(
            claimed.body, status_code=claimed.status_code, headers={"Idempotent-Replayed": "true"}
        )
    try:
        order = await service.create_order(session, actor=actor, data=body, settings=settings)
        answer = _created_body(order)
        await idempotency.complete(
            session, claimed=claimed, status_code=status.HTTP_201_CREATED, body=answer
        )
    except BaseException:
        await idempotency.release(session, claimed=claimed)
        raise
    return json_response(answer, status_code=status.HTTP_201_CREATED)


# --- read -----------------------------------------------------------------------------------


_ORDER_LIST = TypeAdapter(list[OrderOut])


@router.get("", response_model=Page[OrderOut])
async def list_orders(
    actor: CurrentActor, session: SessionDep, page: PageDep, filters: FiltersDep
) -> Response:
    """Orders in your scope, newest first, with the `pagination` block.

    Admins see all orders, suppliers the orders of their products, resellers and agents their
    reseller's. Filter with `status` (one or several), `source`, `search` (customer name,
    phone digits or order number), `dateFrom` / `dateTo` (`YYYY-MM-DD`, inclusive, or ISO
    datetimes) and order with `sort` (`-total`, `createdAt`, ...).
    """
    items, total = await service.list_orders(session, actor=actor, filters=filters, page=page)
    # One validation and one serialisation for the whole page, both inside pydantic-core.
    orders = _ORDER_LIST.validate_python(items)
    return paginated_response(orders, page=page.page, limit=page.limit, total=total)


_CSV_COLUMNS = (
    "orderNumber",
    "createdAt",
    "status",
    "paymentStatus",
    "source",
    "customerName",
    "customerPhone",
    "customerPhone2",
    "customerAddress",
    "customerCity",
    "customerGovernorate",
    "customerZipCode",
    "items",
    "subtotal",
    "shippingCost",
    "total",
    "notes",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str | None) -> str:
    """Free text that a spreadsheet would run as a formula is defused with a leading quote."""
    text = value or ""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_row(order: Order) -> list[str]:
    items = "; ".join(
        f"{item.quantity} x {item.product_name}" + (f" ({item.notes})" if item.notes else "")
        for item in order.items
    )
    return [
        order.order_number,
        iso_timestamp(order.created_at),
        order.status.value,
        order.payment_status.value,
        order.source.value,
        _cell(order.customer_name),
        order.customer_phone,
        order.customer_phone2 or "",
        _cell(order.customer_address),
        _cell(order.customer_city),
        _cell(order.customer_governorate),
        _cell(order.customer_zip_code),
        _cell(items),
        f"{order.subtotal:.3f}",
        f"{order.shipping_cost:.3f}",
        f"{order.total:.3f}",
        _cell(order.notes),
    ]


@router.get(
    "/export.csv",
    response_class=Response,
    responses=binary_answer("text/csv", "The orders as CSV (UTF-8 with a byte-order mark)"),
)
async def export_orders(actor: CurrentActor, session: SessionDep, filters: FiltersDep) -> Response:
    """The orders of the list (same filters and sort, no paging; at most 50,000) as CSV, UTF-8
    with a byte-order mark so spreadsheets read accents and Arabic correctly."""
    orders = await service.export_orders(session, actor=actor, filters=filters)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_CSV_COLUMNS)
    writer.writerows(_csv_row(order) for order in orders)
    return Response(
        content="\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="orders.csv"'},
    )


@router.post("/bulk-status", response_model=Envelope[list[BulkStatusResult]])
async def bulk_status(
    body: BulkStatusIn, actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    """Move up to 100 orders to one status. Each order is handled on its own, with the same
    rules as `PATCH /orders/{id}/status`; `data` has a result per id (`success`, the new
    `status`, or `error` and `message`), and one refusal does not undo the others."""
    results = await service.bulk_set_status(
        session, actor=actor, order_ids=body.ids, status=body.status, note=body.note
    )
    succeeded = sum(result.success for result in results)
    return envelope(
        [
            {
                "id": r.id,
                "success": r.success,
                "status": r.status,
                "error": r.error,
                "message": r.message,
            }
            for r in results
        ],
        message=f"{succeeded} of {len(results)} orders updated",
    )


@router.get("/{reference}", response_model=Envelope[OrderDetailOut])
async def get_order(reference: str, actor: CurrentActor, session: SessionDep) -> Response:
    """One order by id or order number (`ORD-...`, what a barcode scanner reads), with its
    items, status history and WhatsApp `confirmation` (Digishare ticket id, `pending`, `sent` or
    `failed` with the last error; null when the order gets none); 404 outside your scope."""
    order = await service.get_order(session, actor=actor, reference=reference)
    return envelope_response(await _detail(session, order))


@router.get("/{reference}/history", response_model=Envelope[list[StatusChangeOut]])
async def get_history(reference: str, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    """Every status the order went through, oldest first: from, to, who (`role:identifier` or
    `digishare`), when, and the note. The first line is the creation (`fromStatus` null)."""
    changes = await service.history(session, actor=actor, reference=reference)
    return envelope([StatusChangeOut.model_validate(c) for c in changes])


def _pdf(content: bytes, filename: str) -> Response:
    return Response(
        content=content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


@router.get(
    "/{reference}/invoice.pdf",
    response_class=Response,
    responses=binary_answer("application/pdf", "The invoice, a PDF"),
)
async def get_invoice(reference: str, actor: CurrentActor, session: SessionDep) -> Response:
    """The order's invoice as a PDF (what Digishare sends the customer on WhatsApp)."""
    order = await service.get_order(session, actor=actor, reference=reference, with_parties=True)
    content = await run_in_threadpool(documents.invoice_pdf, order)
    return _pdf(content, f"invoice-{order.order_number}.pdf")


@router.get(
    "/{reference}/label.pdf",
    response_class=Response,
    responses=binary_answer("application/pdf", "The shipping label, a PDF"),
)
async def get_label(reference: str, actor: CurrentActor, session: SessionDep) -> Response:
    """A 100 x 150 mm shipping label: the customer's address, the cash to collect, and the
    order number as a Code 39 barcode."""
    order = await service.get_order(session, actor=actor, reference=reference, with_parties=True)
    content = await run_in_threadpool(documents.label_pdf, order)
    return _pdf(content, f"label-{order.order_number}.pdf")


# --- status ---------------------------------------------------------------------------------


@router.patch("/{reference}/status", response_model=Envelope[OrderDetailOut])
async def change_status(
    reference: str, body: StatusChangeIn, actor: CurrentActor, session: SessionDep
) -> Response:
    """Move an order to another status, with an optional `note` kept in its history.

    Confirmation statuses (`pending`, `not_reached`, `phone_closed`, `rapported`,
    `more_information`, `not_available`) move freely among themselves and to an outcome
    (`confirmed`, `canceled`, `abandoned`, `not_interested`); an outcome other than
    `confirmed` may be reopened to `pending`; then `confirmed → shipped → delivered | returned`,
    and `confirmed → canceled` before shipping. Confirming takes the quantities out of stock
    (409 when there are not enough); canceling a confirmed order or a return puts them back;
    `delivered` marks the order paid. A refused move answers 409 with `currentStatus` and
    `allowedStatuses` in `details`; setting the current status again changes nothing.
    Suppliers set only `shipped`, `delivered` and `returned`.
    """
    await service.set_status(
        session, actor=actor, reference=reference, status=body.status, note=body.note
    )
    order = await service.get_order(session, actor=actor, reference=reference)
    return envelope_response(await _detail(session, order), message="Order status updated")


async def _detail(session: AsyncSession, order: Order) -> OrderDetailOut:
    detail = OrderDetailOut.model_validate(order)
    detail.confirmation = await events.confirmation(session, order.id)
    return detail
