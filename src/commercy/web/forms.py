"""Reading what a browser sends (query strings and forms) with the API's rules, so a page
answers a clear message for bad input rather than an error page or a 500; and the pages of the
orders lists that read them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData, QueryParams
from starlette.requests import Request

from commercy.auth.actor import Actor
from commercy.core.errors import CommercyError, ValidationFailed, describe_validation_errors
from commercy.core.pagination import Page
from commercy.core.text import control_character_error
from commercy.orders import queries
from commercy.orders.filters import order_filters
from commercy.web import messages
from commercy.web.dependencies import LANGUAGE_COOKIE
from commercy.web.i18n import language_of

PAGE_SIZE = 25
#: The orders and shipping pages count their orders only this far past the start of the page:
#: counting every match of a broad search or an admin's whole table costs more than the page.
COUNTED_AHEAD = 1_000
MAX_PAGE = 1_000_000  # as the API's lists
FILTER_NAMES = ("status", "source", "search", "dateFrom", "dateTo", "duplicate", "blocked")
Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Refusal:
    """A refusal as a page shows it: a message next to each field it names, else one message
    for the whole form."""

    status_code: int
    errors: dict[str, str] = field(default_factory=dict)
    message: str | None = None

    def shown(self) -> dict[str, Any]:
        """The ``errors`` and ``message`` a form template reads."""
        return {"errors": self.errors, "message": self.message}


def refusal(request: Request, exc: CommercyError) -> Refusal:
    """A service's (or a form's) refusal in the page's language, each field's message apart."""
    language = language_of(request.cookies.get(LANGUAGE_COOKIE))
    details = exc.details if isinstance(exc.details, dict) else {}
    listed = details.get("errors") or ([details] if details.get("field") else [])
    errors: dict[str, str] = {}
    for error in listed:
        name = error.get("field")
        if isinstance(name, str) and name and name != "body" and name not in errors:
            error = {"message": exc.message, **error}
            errors[name] = messages.field_message(error, code=exc.code, language=language)
    if errors:
        return Refusal(exc.status_code, errors=errors)
    text = str(details.get("message") or exc.message)
    return Refusal(
        exc.status_code, message=messages.whole_message(text, code=exc.code, language=language)
    )


def validated(model: type[Model], data: dict[str, Any]) -> Model:
    """``data`` read by the API's own request model; every refusal named by its field, as the
    API's validation error says it."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raw = exc.errors()
        details = describe_validation_errors([dict(error) for error in raw])
        for described, error in zip(details["errors"], raw, strict=True):
            # The limits a page's own words name ("at least 8 characters").
            described["ctx"] = {
                key: value
                for key, value in (error.get("ctx") or {}).items()
                if isinstance(value, int | str)
            }
        failure = ValidationFailed(details["field"], details["message"])
        failure.details = details
        raise failure from None


def check_text(name: str, value: str, *, max_length: int, multi_line: bool = False) -> str:
    problem = control_character_error(value, multi_line=multi_line)
    if problem is not None:
        raise ValidationFailed(name, problem)
    if len(value) > max_length:
        raise ValidationFailed(name, f"at most {max_length} characters")
    return value


def form_text(form: FormData, name: str, *, max_length: int, multi_line: bool = False) -> str:
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    return check_text(name, value, max_length=max_length, multi_line=multi_line)


def _flag(name: str, raw: str | None) -> bool | None:
    if raw in (None, ""):
        return None
    if raw in ("true", "false"):
        return raw == "true"
    raise ValidationFailed(name, "true or false")


def _local_day(name: str, raw: str | None, zone: ZoneInfo, *, end: bool) -> str | None:
    """A day of the user's calendar (``YYYY-MM-DD``) as the instant it starts, or for ``dateTo``
    the last instant of it (the API's filter includes its end)."""
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise ValidationFailed(name, "a date, YYYY-MM-DD")
    try:
        if end:
            start = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
            return (start - timedelta(microseconds=1)).isoformat()
        return datetime.combine(day, time(), tzinfo=zone).isoformat()
    except OverflowError:
        raise ValidationFailed(name, "a date between years 1 and 9999") from None


async def order_list_filters(query: QueryParams, zone: ZoneInfo) -> queries.OrderFilters:
    """The orders table's filters, checked by the API's own filter dependency."""
    for name, value in query.multi_items():
        check_text(name, value, max_length=100)
    return await order_filters(
        status_=[value for value in query.getlist("status") if value] or None,
        source=[value for value in query.getlist("source") if value] or None,
        search=query.get("search") or None,
        date_from=_local_day("dateFrom", query.get("dateFrom"), zone, end=False),
        date_to=_local_day("dateTo", query.get("dateTo"), zone, end=True),
        duplicate=_flag("duplicate", query.get("duplicate")),
        blocked=_flag("blocked", query.get("blocked")),
        sort=query.get("sort") or "-createdAt",
    )


def search_of(query: QueryParams) -> str | None:
    """A list's search box (a part of a name or an identifier), checked as the orders' one."""
    return check_text("search", query.get("search") or "", max_length=100).strip() or None


@dataclass(frozen=True, slots=True)
class OrdersPage:
    orders: list[dict[str, Any]]
    total: int
    more: bool  # more orders than ``total`` (counted no further)
    pages: int


async def orders_page(
    session: AsyncSession, *, actor: Actor, filters: queries.OrderFilters, page: Page
) -> OrdersPage:
    """A page of the orders list, counted no further than :data:`COUNTED_AHEAD` past it."""
    counted_to = page.offset + COUNTED_AHEAD
    orders, counted = await queries.list_orders(
        session, actor=actor, filters=filters, page=page, count_up_to=counted_to + 1
    )
    total = min(counted, counted_to)
    return OrdersPage(orders, total, counted > counted_to, page_count(total, page.limit))


def page_count(total: int, size: int = PAGE_SIZE) -> int:
    """How many pages of ``size`` rows ``total`` rows fill; an empty list is still one page."""
    return max(1, -(-total // size))


def page_of(query: QueryParams, name: str = "page") -> Page:
    raw = query.get(name) or "1"
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 7 and 1 <= int(raw) <= MAX_PAGE):
        raise ValidationFailed(name, f"a page number from 1 to {MAX_PAGE:,}")
    return Page(page=int(raw), limit=PAGE_SIZE)


CALLBACK_CHOICES = ("in1h", "tomorrow10", "at")


def callback_at(choice: str, local: str, *, zone: ZoneInfo, now: datetime) -> datetime:
    """When to call back, as an aware time: a quick choice ("in 1 h", "tomorrow 10:00" on the
    user's calendar) or a ``datetime-local`` field read in the user's time zone."""
    if choice == "in1h":
        return now + timedelta(hours=1)
    if choice == "tomorrow10":
        tomorrow = now.astimezone(zone).date() + timedelta(days=1)
        return datetime.combine(tomorrow, time(10), tzinfo=zone)
    if choice != "at":
        raise ValidationFailed("callbackAt", "choose when to call back")
    try:
        moment = datetime.fromisoformat(local) if 16 <= len(local) <= 19 else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is not None:
        raise ValidationFailed("callbackAt", "a date and time, YYYY-MM-DDTHH:MM")
    return moment.replace(tzinfo=zone)
