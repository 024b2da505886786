"""The dashboard: the stats service's figures over a period, drawn as SVG on the server (no
chart library to ship) with the same numbers in tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

from babel.numbers import format_percent
from fastapi import APIRouter, Request
from fastapi.responses import Response

from commercy.auth.models import Role
from commercy.core import periods
from commercy.core.database import ReadSessionDep, UnitOfWorkRoute
from commercy.core.errors import Forbidden
from commercy.stats import queries
from commercy.stats.endpoints import figures_out
from commercy.stats.schemas import GroupBy, OrderFigures
from commercy.web.dependencies import LANGUAGE_COOKIE, SignedInUser
from commercy.web.i18n import language_of
from commercy.web.pages import render

router = APIRouter(route_class=UnitOfWorkRoute)

ROLES = frozenset({Role.ADMIN, Role.RESELLER, Role.SUPPLIER})
GROUPINGS = (GroupBy.PRODUCT, GroupBy.CITY, GroupBy.SOURCE)
#: The largest groups drawn and listed per grouping.
TOP_GROUPS = 10
CHART_WIDTH = 720
CHART_HEIGHT = 180


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


def day_bars(days: list[OrderFigures]) -> tuple[list[Bar], int]:
    """Vertical bars of orders per day, scaled to the busiest day; and that day's count."""
    peak = max((day.orders for day in days), default=0)
    slot = CHART_WIDTH / max(1, len(days))
    bars = []
    for index, day in enumerate(days):
        height = CHART_HEIGHT * day.orders / peak if peak else 0
        bars.append(
            Bar(
                label=day.key or "",
                value=day.orders,
                x=round(index * slot + slot * 0.1, 2),
                y=round(CHART_HEIGHT - height, 2),
                width=round(slot * 0.8, 2),
                height=round(height, 2),
            )
        )
    return bars, peak


def share(value: int, groups: list[OrderFigures]) -> float:
    """A group's bar length, as a percentage of the largest group's."""
    peak = max((group.orders for group in groups), default=0)
    return round(100 * value / peak, 1) if peak else 0.0


@router.get("/dashboard")
async def dashboard(request: Request, user: SignedInUser, session: ReadSessionDep) -> Response:
    if user.actor.role not in ROLES:
        raise Forbidden("The dashboard is for resellers, suppliers and admins")
    query = request.query_params
    raw_from, raw_to = query.get("from") or None, query.get("to") or None
    zone = ZoneInfo(user.time_zone)
    today = datetime.now(zone).date()
    first, last = periods.report_period(
        periods.parse_day("from", raw_from), periods.parse_day("to", raw_to), today=today
    )
    totals, days = await queries.order_figures(
        session, actor=user.actor, date_from=first, date_to=last, group_by=GroupBy.DAY, zone=zone
    )
    per_day = [
        figures_out(figures) for figures in queries.every_day(days, date_from=first, date_to=last)
    ]
    groups_of = partial(
        queries.group_figures, session, actor=user.actor, date_from=first, date_to=last, zone=zone
    )
    groupings = {}
    for grouping in GROUPINGS:
        groups = await groups_of(group_by=grouping)
        groupings[grouping.value] = [figures_out(figures) for figures in groups[:TOP_GROUPS]]
    bars, peak = day_bars(per_day)
    return render(
        request,
        "dashboard.html",
        user=user,
        date_from=first,
        date_to=last,
        default_days=periods.DEFAULT_DAYS,
        totals=figures_out(totals),
        per_day=per_day,
        bars=bars,
        peak=peak,
        chart_width=CHART_WIDTH,
        chart_height=CHART_HEIGHT,
        groupings=groupings,
        share=share,
        percent=partial(_percent, language=language_of(request.cookies.get(LANGUAGE_COOKIE))),
    )


def _percent(rate: float | None, *, language: str) -> str:
    """A rate as the user's language writes it (``50,0 %`` in French); a dash without one."""
    return "—" if rate is None else format_percent(rate, "#,##0.0\u00a0%", locale=language)
