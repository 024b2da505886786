from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from commercy.auth.dependencies import CurrentActor
from commercy.core import periods
from commercy.core.database import ReadSessionDep, UnitOfWorkRoute
from commercy.core.envelopes import Envelope
from commercy.core.errors import ValidationFailed
from commercy.core.responses import envelope
from commercy.stats import queries
from commercy.stats.schemas import GroupBy, OrderFigures, OrderStats

router = APIRouter(prefix="/stats", tags=["stats"], route_class=UnitOfWorkRoute)


def read_period(raw_from: str | None, raw_to: str | None) -> tuple[date, date]:
    """Both ends included; by default the last 30 days up to today (UTC)."""
    return periods.report_period(
        periods.parse_day("from", raw_from),
        periods.parse_day("to", raw_to),
        today=periods.utc_today(),
    )


def _group_by(raw: str) -> GroupBy:
    try:
        return GroupBy(raw)
    except ValueError:
        allowed = ", ".join(member.value for member in GroupBy)
        raise ValidationFailed("groupBy", f"{raw[:50]!r} is not one of: {allowed}") from None


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def figures_out(figures: queries.Figures) -> OrderFigures:
    return OrderFigures(
        key=figures.key,
        name=figures.name,
        orders=figures.orders,
        confirmed=figures.confirmed,
        delivered=figures.delivered,
        returned=figures.returned,
        canceled=figures.canceled,
        confirmation_rate=_rate(figures.confirmed, figures.orders),
        delivery_rate=_rate(figures.delivered, figures.confirmed),
        return_rate=_rate(figures.returned, figures.delivered + figures.returned),
        cash_collected=figures.cash_collected,
    )


@router.get("/orders", response_model=Envelope[OrderStats])
async def order_stats(
    actor: CurrentActor,
    session: ReadSessionDep,
    date_from: Annotated[
        str | None, Query(alias="from", max_length=10, description="First day, YYYY-MM-DD")
    ] = None,
    date_to: Annotated[
        str | None, Query(alias="to", max_length=10, description="Last day, YYYY-MM-DD")
    ] = None,
    group_by: Annotated[
        str,
        Query(alias="groupBy", max_length=20, description="day, product, city, source, reseller"),
    ] = "day",
) -> dict[str, Any]:
    """Order figures for the orders created in a period, in your scope (as the order list:
    admins all orders, suppliers the orders of their products, resellers and agents their
    reseller's), in `totals` and per group in `groups`.

    **Period**: `from` and `to` are UTC days, both included; default the last 30 days to
    today; at most 366 days; `to` before `from` is a 400.

    **Figures**, from each order's current status: `orders` (all of them), `confirmed`
    (confirmed, shipped, delivered or returned), `delivered`, `returned`, `canceled`;
    `confirmationRate` = confirmed / orders, `deliveryRate` = delivered / confirmed,
    `returnRate` = returned / (delivered + returned), each a fraction rounded to 4 places, null
    when its denominator is 0; `cashCollected` = the sum of the delivered orders' totals
    (shipping included). Orders from blocked numbers and possible duplicates are counted.

    **Groups** (`groupBy`): `day` (every day of the period, zeros included, oldest first),
    `product` (an order with two products counts once for each; its cash is the product's line
    totals, without shipping, so the groups do not add up to `totals`), `city` (as typed;
    `key` null for no city), `source`, `reseller` (with its `name`). Other groups come the
    largest first, at most 500.
    """
    first, last = read_period(date_from, date_to)
    grouping = _group_by(group_by)
    totals, groups = await queries.order_figures(
        session, actor=actor, date_from=first, date_to=last, group_by=grouping
    )
    if grouping is GroupBy.DAY:
        groups = queries.every_day(groups, date_from=first, date_to=last)
    stats = OrderStats(
        date_from=first,
        date_to=last,
        group_by=grouping,
        totals=figures_out(totals),
        groups=[figures_out(figures) for figures in groups],
    )
    return envelope(stats)
