"""The supplier's screens: orders to ship (labels, then shipped, delivered or returned, many at
once) and the stock of its products. They call the order and catalogue services the API calls."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from commercy.auth.models import Role
from commercy.catalog import service as catalog
from commercy.catalog.schemas import ProductUpdate
from commercy.core.database import ReadSessionDep, UnitOfWorkRoute, WriteSessionDep
from commercy.core.errors import Forbidden, ValidationFailed
from commercy.core.ids import PathId, parse_id
from commercy.core.pagination import Page
from commercy.orders import documents, service
from commercy.orders.filters import order_filters
from commercy.orders.models import OrderStatus
from commercy.orders.schemas import BulkStatusIn
from commercy.web import forms
from commercy.web.dependencies import CheckedUser, SignedInUser
from commercy.web.pages import render
from commercy.web.sessions import SignedIn

router = APIRouter(route_class=UnitOfWorkRoute)

#: A product with this many left or fewer is highlighted on the stock screen.
LOW_STOCK = 5
#: The bulk status service's limit, so one page can be shipped in one action.
SHIPPING_PAGE_SIZE = 100
STOCK_PAGE_SIZE = 50
#: Each tab: the status its orders are in, and the statuses they can be moved to from it.
TABS = {
    "confirmed": (OrderStatus.CONFIRMED, (OrderStatus.SHIPPED,)),
    "shipped": (OrderStatus.SHIPPED, (OrderStatus.DELIVERED, OrderStatus.RETURNED)),
}


def _supplier(user: SignedIn) -> SignedIn:
    if user.actor.role is not Role.SUPPLIER:
        raise Forbidden("These screens are the suppliers'")
    return user


def _tab(raw: str | None) -> str:
    if raw in (None, ""):
        return "confirmed"
    if raw not in TABS:
        raise ValidationFailed("tab", f"one of: {', '.join(TABS)}")
    return raw


def _selection(form: FormData, status: OrderStatus) -> BulkStatusIn:
    """The ticked orders, read with the bulk status API's own rules (1 to 100 ids)."""
    raw_ids = [value for value in form.getlist("ids") if isinstance(value, str)]
    ids = [parse_id(value) for value in raw_ids[: SHIPPING_PAGE_SIZE + 1]]
    if any(order_id is None for order_id in ids):
        raise ValidationFailed("ids", "order ids")
    if not ids:
        raise ValidationFailed("ids", "select at least one order")
    return forms.validated(BulkStatusIn, {"ids": ids, "status": status})


@router.get("/shipping")
async def shipping_page(request: Request, user: SignedInUser, session: ReadSessionDep) -> Response:
    _supplier(user)
    query = request.query_params
    tab = _tab(query.get("tab"))
    page = forms.page_of(query)
    filters = await order_filters(status_=[TABS[tab][0].value], sort="createdAt")
    found = await forms.orders_page(
        session,
        actor=user.actor,
        filters=filters,
        page=Page(page=page.page, limit=SHIPPING_PAGE_SIZE),
    )
    return render(
        request,
        "shipping.html",
        user=user,
        tab=tab,
        moves=TABS[tab][1],
        orders=found.orders,
        total=found.total,
        more=found.more,
        page=page.page,
        pages=found.pages,
        updated=_count(query.get("updated")),
        refused=_count(query.get("refused")),
    )


def _count(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isascii() and raw.isdigit() and len(raw) <= 4 else None


@router.post("/shipping/labels")
async def shipping_labels(
    request: Request, user: CheckedUser, session: WriteSessionDep
) -> Response:
    """A read, but a POST: the selection and the CSRF token stay out of URLs and logs."""
    _supplier(user)
    selection = _selection(await request.form(), OrderStatus.SHIPPED)
    orders = await service.get_orders(
        session, actor=user.actor, order_ids=selection.ids, with_parties=True
    )
    content = await run_in_threadpool(documents.labels_pdf, orders)
    return Response(
        content=content,
        media_type="application/pdf",
        headers={"Content-Disposition": 'inline; filename="labels.pdf"'},
    )


@router.post("/shipping/status")
async def shipping_status(
    request: Request, user: CheckedUser, session: WriteSessionDep
) -> Response:
    _supplier(user)
    form = await request.form()
    tab = _tab(forms.form_text(form, "tab", max_length=16))
    raw_status = forms.form_text(form, "status", max_length=16)
    status = next((s for s in TABS[tab][1] if s.value == raw_status), None)
    if status is None:
        raise ValidationFailed("status", "choose one of the buttons")
    selection = _selection(form, status)
    # The whole selection in the supplier's scope first: one foreign id ships nothing.
    await service.get_orders(session, actor=user.actor, order_ids=selection.ids)
    results = await service.bulk_set_status(
        session, actor=user.actor, order_ids=selection.ids, status=status, note=None
    )
    updated = sum(result.success for result in results)
    return RedirectResponse(
        f"/app/shipping?tab={tab}&updated={updated}&refused={len(results) - updated}",
        status_code=303,
    )


# --- stock --------------------------------------------------------------------------------------


@router.get("/stock")
async def stock_page(request: Request, user: SignedInUser, session: ReadSessionDep) -> Response:
    _supplier(user)
    return await _stock_page(request, user, session)


async def _stock_page(
    request: Request,
    user: SignedIn,
    session: AsyncSession,
    *,
    status_code: int = 200,
    errors: dict[int, dict[str, Any]] | None = None,
) -> Response:
    page = forms.page_of(request.query_params)
    products, total = await catalog.list_products(
        session, actor=user.actor, page=Page(page=page.page, limit=STOCK_PAGE_SIZE)
    )
    return render(
        request,
        "stock.html",
        user=user,
        status_code=status_code,
        products=products,
        total=total,
        page=page.page,
        pages=forms.page_count(total, STOCK_PAGE_SIZE),
        low_stock=LOW_STOCK,
        errors=errors or {},
    )


def _stock_change(form: FormData) -> ProductUpdate:
    raw = forms.form_text(form, "stockQuantity", max_length=20).strip()
    if not (raw.isascii() and raw.isdigit()):
        raise ValidationFailed("stockQuantity", "a whole number, 0 or more")
    return forms.validated(ProductUpdate, {"stockQuantity": int(raw)})


@router.post("/stock/{product_id}")
async def edit_stock(
    request: Request, product_id: PathId, user: CheckedUser, session: WriteSessionDep
) -> Response:
    _supplier(user)
    partial = bool(request.headers.get("HX-Request"))
    try:
        change = _stock_change(await request.form())
    except ValidationFailed as exc:
        problem = exc.details or {}
        if not partial:
            return await _stock_page(
                request, user, session, status_code=400, errors={product_id: problem}
            )
        product = await catalog.get_product(session, actor=user.actor, product_id=product_id)
        return _stock_row(request, user, product, status_code=400, error=problem)
    product = await catalog.update_product(
        session, actor=user.actor, product_id=product_id, data=change
    )
    if not partial:
        return RedirectResponse("/app/stock", status_code=303)
    return _stock_row(request, user, product, saved=True)


def _stock_row(
    request: Request, user: SignedIn, product: Any, *, status_code: int = 200, **context: Any
) -> Response:
    return render(
        request,
        "_stock_row.html",
        user=user,
        status_code=status_code,
        product=product,
        low_stock=LOW_STOCK,
        **context,
    )
