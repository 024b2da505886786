"""The pages. Each calls the services and queries the API's endpoints call, with the same
scoping, lifecycle and errors; none holds a rule of its own."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, QueryParams

from commercy.auth import service as auth_service
from commercy.auth.models import Role
from commercy.core.database import ReadSessionDep, UnitOfWorkRoute, WriteSessionDep
from commercy.core.errors import CommercyError, Conflict, Forbidden, Unauthorized, ValidationFailed
from commercy.core.ratelimit import RateLimits, client_address
from commercy.core.settings import Settings
from commercy.core.text import control_character_error
from commercy.orders import documents, events, export, lifecycle, queries, service
from commercy.orders.models import Order, OrderSource, OrderStatus
from commercy.web import forms, sessions
from commercy.web.dependencies import (
    LANGUAGE_COOKIE,
    SESSION_COOKIE,
    CheckedUser,
    OptionalUser,
    SignedInUser,
    check_anonymous_csrf,
    checked_user,
    forget_cookie,
    session_token,
    set_cookie,
)
from commercy.web.i18n import LANGUAGES, time_zones
from commercy.web.pages import landing, render
from commercy.web.sessions import SignedIn

router = APIRouter(route_class=UnitOfWorkRoute)

ONE_YEAR = 365 * 24 * 3600


def _see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _safe_next(raw: str | None) -> str | None:
    """Only a path of this app: never another site (an open redirect)."""
    if (
        raw
        and len(raw) <= 500
        and raw.startswith("/app/")
        and not raw.startswith("/app//")
        and "\\" not in raw
        and control_character_error(raw) is None
    ):
        return raw
    return None


def _field(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) else None


# --- signing in and out ----------------------------------------------------------------------


@router.get("/")
async def home(user: OptionalUser) -> Response:
    return _see_other(landing(user.actor.role) if user else "/app/login")


@router.get("/login")
async def login_page(request: Request, user: OptionalUser) -> Response:
    if user is not None:
        return _see_other(landing(user.actor.role))
    return render(
        request, "login.html", user=None, next=_safe_next(request.query_params.get("next"))
    )


@router.post("/login")
async def login(request: Request, session: WriteSessionDep) -> Response:
    await check_anonymous_csrf(request)
    form = await request.form()
    next_path = _safe_next(_field(form, "next"))
    identifier = forms.form_text(form, "identifier", max_length=320).strip()
    password = form.get("password")
    password = password if isinstance(password, str) and len(password) <= 256 else ""

    def refused(message: str, status_code: int, headers: dict[str, str] | None = None) -> Response:
        return render(
            request,
            "login.html",
            user=None,
            status_code=status_code,
            headers=headers,
            error=message,
            identifier=identifier,
            next=next_path,
        )

    if not identifier or not password:
        return refused("missing", 400)
    rate_limits: RateLimits = request.app.state.rate_limits
    attempt = {"identifier": identifier, "address": client_address(request.scope)}
    try:
        await rate_limits.check_login(**attempt)
        user = await auth_service.authenticate(session, identifier=identifier, password=password)
    except Unauthorized:
        await rate_limits.login_failed(**attempt)
        return refused("invalid", 401)
    except CommercyError as exc:  # too many attempts: 429 with Retry-After
        return refused("throttled", exc.status_code, exc.headers)
    await rate_limits.login_succeeded(**attempt)
    old = session_token(request)
    if old is not None:
        await sessions.end(session, token=old)
    settings: Settings = request.app.state.settings
    token = await sessions.start(
        session, user=user, time_zone=settings.web_time_zone, settings=settings
    )
    response = _see_other(next_path or landing(user.role))
    set_cookie(response, request, SESSION_COOKIE, token)
    return response


@router.post("/logout")
async def logout(request: Request, user: CheckedUser, session: WriteSessionDep) -> Response:
    await sessions.end(session, token=session_token(request) or "")
    response = _see_other("/app/login")
    forget_cookie(response, request, SESSION_COOKIE)
    return response


@router.post("/preferences")
async def preferences(request: Request, user: OptionalUser, session: WriteSessionDep) -> Response:
    """The language (a cookie, so the sign-in page has it too) and the time zone (the
    session's)."""
    if user is None:
        await check_anonymous_csrf(request)
    else:
        await checked_user(request, user)
    form = await request.form()
    back = _safe_next(_field(form, "next")) or "/app/"
    response = _see_other(back)
    language = forms.form_text(form, "language", max_length=8)
    if language in LANGUAGES:
        set_cookie(response, request, LANGUAGE_COOKIE, language, max_age=ONE_YEAR)
    time_zone = forms.form_text(form, "time_zone", max_length=64)
    if user is not None and time_zone in time_zones():
        await sessions.set_time_zone(session, session_hash=user.session_hash, time_zone=time_zone)
    return response


# --- orders -------------------------------------------------------------------------------------


def _query_without(query: QueryParams, *names: str) -> list[tuple[str, str]]:
    return [(key, value) for key, value in query.multi_items() if key not in names and value]


def _list_links(query: QueryParams) -> dict[str, Any]:
    """What the table's links keep of the URL: every filter, and the sort."""
    filters = _query_without(query, "page", "sort")
    return {
        "filters_query": urlencode(filters),
        "sort_query": urlencode(_query_without(query, "page")),
        "export_query": urlencode(_query_without(query, "page")),
    }


@router.get("/orders")
async def orders_page(request: Request, user: SignedInUser, session: ReadSessionDep) -> Response:
    query = request.query_params
    partial = request.headers.get("HX-Target") == "results"
    template = "_orders_table.html" if partial else "orders.html"
    context: dict[str, Any] = {
        "query": query,
        "statuses": list(OrderStatus),
        "sources": list(OrderSource),
        "sort": query.get("sort") or "-createdAt",
        **_list_links(query),
    }
    try:
        filters = await forms.order_list_filters(query, ZoneInfo(user.time_zone))
        page = forms.page_of(query)
    except ValidationFailed as exc:
        problem = exc.details or {}
        return render(
            request,
            template,
            user=user,
            status_code=400,
            problem=problem,
            orders=[],
            total=0,
            more=False,
            page=1,
            pages=1,
            **context,
        )
    found = await forms.orders_page(session, actor=user.actor, filters=filters, page=page)
    return render(
        request,
        template,
        user=user,
        orders=found.orders,
        total=found.total,
        more=found.more,
        page=page.page,
        pages=found.pages,
        **context,
    )


@router.get("/orders/export.csv")
async def export_orders(request: Request, user: SignedInUser, session: ReadSessionDep) -> Response:
    try:
        filters = await forms.order_list_filters(request.query_params, ZoneInfo(user.time_zone))
    except ValidationFailed as exc:
        return render(request, "error.html", user=user, status_code=400, problem=exc.details)
    orders = await queries.export_orders(session, actor=user.actor, filters=filters)
    return Response(
        content=export.csv_text(orders),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="orders.csv"'},
    )


def _reference(raw: str) -> str:
    forms.check_text("reference", raw, max_length=64)
    return raw


def _settable(user: SignedIn, order: Order) -> list[OrderStatus]:
    """The statuses the user may move the order to: the lifecycle's, and for a supplier only
    the fulfilment ones (the service refuses the others anyway)."""
    moves = lifecycle.allowed_moves(order.status)
    if user.actor.role is Role.SUPPLIER:
        return [status for status in moves if status in lifecycle.FULFILMENT]
    return moves


async def _order_page(
    request: Request,
    user: SignedIn,
    session: AsyncSession,
    reference: str,
    *,
    status_code: int = 200,
    **context: Any,
) -> Response:
    order = await service.get_order(session, actor=user.actor, reference=_reference(reference))
    confirmation = await events.confirmation(session, order.id)
    return render(
        request,
        "order.html",
        user=user,
        status_code=status_code,
        order=order,
        confirmation=confirmation,
        settable=_settable(user, order),
        **context,
    )


@router.get("/orders/{reference}")
async def order_page(
    request: Request, reference: str, user: SignedInUser, session: ReadSessionDep
) -> Response:
    changed = request.query_params.get("changed") == "status"
    return await _order_page(request, user, session, reference, changed=changed)


@router.post("/orders/{reference}/status")
async def change_status(
    request: Request, reference: str, user: CheckedUser, session: WriteSessionDep
) -> Response:
    form = await request.form()
    try:
        raw_status = forms.form_text(form, "status", max_length=32)
        note = forms.form_text(form, "note", max_length=1000, multi_line=True).strip() or None
        try:
            status = OrderStatus(raw_status)
        except ValueError:
            raise ValidationFailed("status", "choose a status from the list") from None
        order = await service.set_status(
            session, actor=user.actor, reference=_reference(reference), status=status, note=note
        )
    except (ValidationFailed, Conflict, Forbidden) as exc:
        return await _order_page(
            request,
            user,
            session,
            reference,
            status_code=exc.status_code,
            refusal=exc,
            shown=forms.refusal(request, exc),
            attempted=raw_status if isinstance(exc, Conflict) else None,
        )
    return _see_other(f"/app/orders/{order.order_number}?changed=status")


async def _document(
    user: SignedIn, session: AsyncSession, reference: str, *, kind: str
) -> Response:
    order = await service.get_order(
        session, actor=user.actor, reference=_reference(reference), with_parties=True
    )
    render_pdf = documents.invoice_pdf if kind == "invoice" else documents.label_pdf
    content = await run_in_threadpool(render_pdf, order)
    return Response(
        content=content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{kind}-{order.order_number}.pdf"'},
    )


@router.get("/orders/{reference}/invoice.pdf")
async def invoice(reference: str, user: SignedInUser, session: ReadSessionDep) -> Response:
    return await _document(user, session, reference, kind="invoice")


@router.get("/orders/{reference}/label.pdf")
async def label(reference: str, user: SignedInUser, session: ReadSessionDep) -> Response:
    return await _document(user, session, reference, kind="label")
