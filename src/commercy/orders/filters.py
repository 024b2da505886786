"""The list's filters as the query string gives them, checked and read into
:class:`~commercy.orders.queries.OrderFilters` (the list and the CSV export share them)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, TypeVar

from fastapi import Depends, Query

from commercy.core.errors import ValidationFailed
from commercy.core.ids import id_query
from commercy.orders import queries
from commercy.orders.models import OrderSource, OrderStatus


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
    duplicate: Annotated[
        bool | None,
        Query(description="`true`: only possible duplicates; `false`: none of them"),
    ] = None,
    blocked: Annotated[
        bool | None,
        Query(description="`true`: only orders from blocked numbers; `false`: none of them"),
    ] = None,
    sort: Annotated[
        str,
        Query(
            description="createdAt, updatedAt, total, status, customerName or orderNumber; "
            "prefix `-` for descending"
        ),
    ] = "-createdAt",
) -> queries.OrderFilters:
    if sort.lstrip("-") not in queries.SORTS:
        raise ValidationFailed("sort", f"sort by one of: {', '.join(queries.SORTS)}")
    return queries.OrderFilters(
        statuses=_enum_values("status", status_, OrderStatus),
        sources=_enum_values("source", source, OrderSource),
        search=search.strip() or None if search else None,
        date_from=_moment("dateFrom", date_from, end=False),
        date_to=_moment("dateTo", date_to, end=True),
        reseller_id=reseller_id,
        supplier_id=supplier_id,
        duplicate=duplicate,
        blocked=blocked,
        sort=sort,
    )


FiltersDep = Annotated[queries.OrderFilters, Depends(order_filters)]
