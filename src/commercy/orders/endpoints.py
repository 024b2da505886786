from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, status
from fastapi.responses import Response
from pydantic import TypeAdapter
from starlette.concurrency import run_in_threadpool

from commercy.auth.dependencies import CurrentActor
from commercy.core.database import ReadSessionDep, UnitOfWorkRoute, WriteSessionDep
from commercy.core.dependencies import SettingsDep
from commercy.core.envelopes import Envelope, Page, binary_answer
from commercy.core.pagination import PageDep
from commercy.core.responses import (
    envelope,
    envelope_response,
    json_response,
    paginated_response,
)
from commercy.orders import (
    documents,
    edits,
    export,
    idempotency,
    queries,
    service,
    versions,
)
from commercy.orders.filters import FiltersDep
from commercy.orders.schemas import (
    BulkStatusIn,
    BulkStatusResult,
    OrderCreate,
    OrderCreatedAnswer,
    OrderCreatedOut,
    OrderDetailOut,
    OrderEdit,
    OrderOut,
    StatusChangeIn,
    StatusChangeOut,
)

router = APIRouter(prefix="/orders", tags=["orders"], route_class=UnitOfWorkRoute)

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description='The `ETag` of your last read (`W/"<id>-<version>"`): the change is refused '
        "with 412 when the order changed since. Without it, the change applies to the current "
        "version",
    ),
]
# Every answer that carries an order carries its version as an ETag.
_WITH_ETAG: dict[int | str, dict[str, Any]] = {
    200: {
        "headers": {
            "ETag": {
                "description": 'The order\'s version, `W/"<id>-<version>"`: send it back as '
                "`If-Match` on a change",
                "schema": {"type": "string"},
            }
        }
    }
}


# --- create ---------------------------------------------------------------------------------


def _created_body(order: OrderCreatedOut) -> dict[str, Any]:
    """The seed's answer: ``orderNumber`` and ``orderStatus`` at the top, then ``order``."""
    return envelope(
        message="Order created successfully",
        orderNumber=order.order_number,
        orderStatus=order.status.value,
        order=order,
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=OrderCreatedAnswer)
async def create_order(
    body: OrderCreate,
    request: Request,
    actor: CurrentActor,
    session: WriteSessionDep,
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

    **Flags**: `possibleDuplicateOf` names the most recent open order of the same reseller and
    phone created within the duplicate window (72 h by default), else null; `blocked` and
    `blockedReason` say the number is on the reseller's or the global blocklist
    (`/blocked-phones`): such an order is stored but gets no WhatsApp ticket.

    **Answer**: 201 with `orderNumber` (`ORD-<epoch ms>-<id>`, also the `barcode`),
    `orderStatus` and `order`. A 400 names every bad field in `details.errors`.

    **Retries**: send an `Idempotency-Key` header. The same key and body within 24 hours
    replays the first answer (header `Idempotent-Replayed: true`) and never creates a second
    order; the same key with another body gets 422; while the first request still runs, 409.
    """
    raw = await request.json() if idempotency_key is not None else None
    under_key = await idempotency.guard(
        session, user_id=actor.user_id, key=idempotency_key, request_body=raw
    )
    if under_key.replay is not None:
        replay = under_key.replay
        headers = {"Idempotent-Replayed": "true"}
        return json_response(replay.body, status_code=replay.status_code, headers=headers)
    order = await service.create_order_answer(session, actor=actor, data=body, settings=settings)
    answer = _created_body(order)
    await under_key.keep(status_code=status.HTTP_201_CREATED, body=answer)
    return json_response(answer, status_code=status.HTTP_201_CREATED)


# --- read -----------------------------------------------------------------------------------


_ORDER_LIST = TypeAdapter(list[OrderOut])


@router.get("", response_model=Page[OrderOut])
async def list_orders(
    actor: CurrentActor, session: ReadSessionDep, page: PageDep, filters: FiltersDep
) -> Response:
    """Orders in your scope, newest first, with the `pagination` block.

    Admins see all orders, suppliers the orders of their products, resellers and agents their
    reseller's. Filter with `status` (one or several), `source`, `search` (customer name,
    phone digits or order number), `dateFrom` / `dateTo` (`YYYY-MM-DD`, inclusive, or ISO
    datetimes), `duplicate` (`true`: orders marked `possibleDuplicateOf` another) and `blocked`
    (`true`: orders from blocked numbers), and order with `sort` (`-total`, `createdAt`, ...).
    """
    items, total = await queries.list_orders(session, actor=actor, filters=filters, page=page)
    # One validation and one serialisation for the whole page, both inside pydantic-core.
    orders = _ORDER_LIST.validate_python(items)
    return paginated_response(orders, page=page.page, limit=page.limit, total=total)


@router.get(
    "/export.csv",
    response_class=Response,
    responses=binary_answer("text/csv", "The orders as CSV (UTF-8 with a byte-order mark)"),
)
async def export_orders(
    actor: CurrentActor, session: ReadSessionDep, filters: FiltersDep
) -> Response:
    """The orders of the list (same filters and sort, no paging; at most 50,000) as CSV, UTF-8
    with a byte-order mark so spreadsheets read accents and Arabic correctly."""
    orders = await queries.export_orders(session, actor=actor, filters=filters)
    return Response(
        content=export.csv_text(orders),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="orders.csv"'},
    )


@router.post("/bulk-status", response_model=Envelope[list[BulkStatusResult]])
async def bulk_status(
    body: BulkStatusIn, actor: CurrentActor, session: WriteSessionDep
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


@router.get("/{reference}", response_model=Envelope[OrderDetailOut], responses=_WITH_ETAG)
async def get_order(reference: str, actor: CurrentActor, session: ReadSessionDep) -> Response:
    """One order by id or order number (`ORD-...`, what a barcode scanner reads), with its
    items, status history and WhatsApp `confirmation` (Digishare ticket id, `pending`, `sent` or
    `failed` with the last error; null when the order gets none); 404 outside your scope. The
    `ETag` header carries the order's version, for `If-Match` on a change."""
    return _detail_response(await service.order_detail(session, actor=actor, reference=reference))


@router.get("/{reference}/history", response_model=Envelope[list[StatusChangeOut]])
async def get_history(
    reference: str, actor: CurrentActor, session: ReadSessionDep
) -> dict[str, Any]:
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
async def get_invoice(reference: str, actor: CurrentActor, session: ReadSessionDep) -> Response:
    """The order's invoice as a PDF (what Digishare sends the customer on WhatsApp)."""
    order = await service.get_order(session, actor=actor, reference=reference, with_parties=True)
    content = await run_in_threadpool(documents.invoice_pdf, order)
    return _pdf(content, f"invoice-{order.order_number}.pdf")


@router.get(
    "/{reference}/label.pdf",
    response_class=Response,
    responses=binary_answer("application/pdf", "The shipping label, a PDF"),
)
async def get_label(reference: str, actor: CurrentActor, session: ReadSessionDep) -> Response:
    """A 100 x 150 mm shipping label: the customer's address, the cash to collect, and the
    order number as a Code 39 barcode."""
    order = await service.get_order(session, actor=actor, reference=reference, with_parties=True)
    content = await run_in_threadpool(documents.label_pdf, order)
    return _pdf(content, f"label-{order.order_number}.pdf")


# --- status ---------------------------------------------------------------------------------


@router.patch("/{reference}", response_model=Envelope[OrderDetailOut], responses=_WITH_ETAG)
async def edit_order(
    reference: str,
    body: OrderEdit,
    actor: CurrentActor,
    session: WriteSessionDep,
    settings: SettingsDep,
    if_match: IfMatch = None,
) -> Response:
    """Correct an order during the call (admins, resellers and agents; suppliers get 403).

    Only the fields sent change; `null` clears an optional one. Fields: `customerName`,
    `customerPhone` (cannot be cleared) and `customerPhone2`, stored in E.164 like on create,
    `customerAddress`, `customerCity`, `customerGovernorate`, `customerZipCode`, `notes`,
    `shippingOption`, `shippingCost`, and `items`: the whole new basket, 1 to 2 lines. A line
    with `id` (from the order's `items`) keeps that line, changing the `quantity`, `price`,
    `notes` or `productId` it sends; a line without `id` is added and needs `productId` (a
    product of the order's supplier), `quantity`, `price` and `notes` (unless `source` is
    `converty`); lines left out are removed. Totals follow create's rules; a confirmed order's
    stock follows its new quantities (409 when there is not enough). Unknown fields and an
    empty body are refused (400).

    Editable while the order is in a confirmation status or `confirmed`; a shipped, delivered
    or returned order, or a closed one (`canceled`, `abandoned`, `not_interested`: reopen it
    to `pending` first), answers 409 naming its status. Send the `ETag` of your read as
    `If-Match`: another change in between answers 412 and nothing is written.

    The edit is one history line whose `changes` list each field's old and new value; an edit
    that changes nothing writes nothing. A phone or basket change of an order whose WhatsApp
    ticket exists is noted on the Digishare ticket, so the customer is not asked to confirm
    the old basket.
    """
    await edits.edit_order(
        session, actor=actor, reference=reference, data=body, if_match=if_match, settings=settings
    )
    detail = await service.order_detail(session, actor=actor, reference=reference)
    return _detail_response(detail, message="Order updated")


@router.patch("/{reference}/status", response_model=Envelope[OrderDetailOut], responses=_WITH_ETAG)
async def change_status(
    reference: str,
    body: StatusChangeIn,
    actor: CurrentActor,
    session: WriteSessionDep,
    if_match: IfMatch = None,
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
    Suppliers set only `shipped`, `delivered` and `returned`. With `If-Match` (the `ETag` of
    your read), a change made by someone else in between answers 412.
    """
    await service.set_status(
        session,
        actor=actor,
        reference=reference,
        status=body.status,
        note=body.note,
        if_match=if_match,
    )
    detail = await service.order_detail(session, actor=actor, reference=reference)
    return _detail_response(detail, message="Order status updated")


def _detail_response(detail: OrderDetailOut, *, message: str | None = None) -> Response:
    response = envelope_response(detail, message=message)
    response.headers["ETag"] = versions.etag(detail)
    return response
