"""The dashboard over HTTP: the stats service's figures, over a chosen period, in the caller's
scope."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from commercy.auth import service as auth_service
from commercy.core.database import WriteSession
from commercy.stats import queries
from commercy.stats.endpoints import figures_out
from commercy.stats.schemas import GroupBy
from tests.factories import Shop, make_order
from tests.web.conftest import sign_in


def _figure(page: httpx.Response, name: str) -> str:
    found = re.search(rf'data-testid="{name}">([^<]*)<', page.text)
    assert found, page.text
    return found.group(1)


@pytest.fixture
async def orders(session: WriteSession, shop: Shop) -> None:
    for status, city in (
        (None, "Tunis"),
        ("confirmed", "Tunis"),
        ("confirmed", "Sfax"),
        ("canceled", None),
    ):
        await make_order(
            session, world=shop.world, products=[shop.product], status=status, customerCity=city
        )


async def test_the_dashboard_shows_the_stats_services_figures(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop, orders: None
) -> None:
    await sign_in(client, shop.world.reseller_user)
    today = datetime.now(UTC).date()
    actor = await auth_service.get_active_actor(session, shop.world.reseller_user.id)
    assert actor is not None
    totals, _ = await queries.order_figures(
        session,
        actor=actor,
        date_from=today - timedelta(days=29),
        date_to=today,
        group_by=GroupBy.DAY,
    )
    expected = figures_out(totals)

    page = await client.get("/app/dashboard")

    assert page.status_code == 200
    assert _figure(page, "total-orders") == str(expected.orders) == "4"
    assert _figure(page, "confirmation-rate") == "50,0\u00a0%"  # 2 of 4
    assert _figure(page, "cash-collected") == "0,000\u00a0DT"
    by_city = page.text.split('data-testid="by-city"', 1)[1].split("</section>", 1)[0]
    assert "Tunis" in by_city and "Sfax" in by_city
    assert page.text.count("<rect ") >= 30  # a bar per day of the default 30 days


async def test_the_period_narrows_the_figures(
    client: httpx.AsyncClient, shop: Shop, orders: None
) -> None:
    await sign_in(client, shop.world.reseller_user)

    page = await client.get("/app/dashboard?from=2020-01-01&to=2020-01-31")

    assert page.status_code == 200
    assert _figure(page, "total-orders") == "0"
    assert _figure(page, "confirmation-rate") == "—"


async def test_an_admin_sees_the_whole_network(
    client: httpx.AsyncClient, shop: Shop, orders: None
) -> None:
    await sign_in(client, shop.world.admin)

    page = await client.get("/app/dashboard")

    assert page.status_code == 200 and int(_figure(page, "total-orders")) >= 4


async def test_an_agent_cannot_open_the_dashboard(client: httpx.AsyncClient, shop: Shop) -> None:
    await sign_in(client, shop.world.agent)

    assert (await client.get("/app/dashboard")).status_code == 403


async def test_resellers_and_admins_have_the_dashboard_in_their_bar(
    client: httpx.AsyncClient, shop: Shop
) -> None:
    await sign_in(client, shop.world.reseller_user)

    page = await client.get("/app/orders")

    assert 'href="/app/dashboard"' in page.text and 'href="/app/shipping"' not in page.text


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-13-45", "from"),
        ("to=yesterday", "to"),
        ("from=2026-02-01&to=2026-01-01", "to"),
        ("from=2020-01-01&to=2026-01-01", "to"),
        ("from=2026%0001-01", "from"),
        ("from=" + "9" * 5000, "from"),
    ],
)
async def test_bad_dates_get_a_400_page(
    client: httpx.AsyncClient, shop: Shop, query: str, field: str
) -> None:
    await sign_in(client, shop.world.reseller_user)

    page = await client.get(f"/app/dashboard?{query}")

    assert page.status_code == 400
    assert f"<strong>{field}</strong>" in page.text


async def _order_at(session: WriteSession, shop: Shop, moment: datetime) -> None:
    order = await make_order(session, world=shop.world, products=[shop.product])
    order.created_at = moment
    await session.commit()


async def test_orders_per_day_are_the_users_days(
    client: httpx.AsyncClient, session: WriteSession, shop: Shop
) -> None:
    # 23:30 UTC is 00:30 the next day in Tunis (UTC+1), the session's default time zone.
    await _order_at(session, shop, datetime(2026, 11, 9, 23, 30, tzinfo=UTC))
    await sign_in(client, shop.world.reseller_user)

    page = await client.get("/app/dashboard?from=2026-11-09&to=2026-11-10")

    assert "<title>2026-11-09: 0</title>" in page.text
    assert "<title>2026-11-10: 1</title>" in page.text
    assert _figure(page, "total-orders") == "1"


async def test_day_groups_follow_a_summer_time_change(session: WriteSession, shop: Shop) -> None:
    paris = ZoneInfo("Europe/Paris")  # UTC+1, then UTC+2 from 2026-03-29 01:00 UTC
    moments = [
        datetime(2026, 3, 27, 23, 30, tzinfo=UTC),  # the 28th in Paris
        datetime(2026, 3, 28, 22, 30, tzinfo=UTC),  # 23:30 on the 28th
        datetime(2026, 3, 29, 22, 30, tzinfo=UTC),  # 00:30 on the 30th (summer time)
        datetime(2026, 3, 30, 21, 59, tzinfo=UTC),  # 23:59 on the 30th
    ]
    for moment in moments:
        await _order_at(session, shop, moment)
    actor = await auth_service.get_active_actor(session, shop.world.reseller_user.id)
    assert actor is not None

    _, days = await queries.order_figures(
        session,
        actor=actor,
        date_from=date(2026, 3, 27),
        date_to=date(2026, 3, 31),
        group_by=GroupBy.DAY,
        zone=paris,
    )

    assert {day.key: day.orders for day in days} == {"2026-03-28": 2, "2026-03-30": 2}
