"""A searched list answers exactly what the plain filter answers (orders.queries' searched
lists): the same rows in the same order on pages 1 and 2, and the same counts, whether the
term is common, rare, absent, short, a wildcard, digits of a phone or part of an order number,
for a reseller, a supplier and an admin."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import ColumnElement, Select, func, insert, or_, select

from commercy.auth import service as auth_service
from commercy.auth.actor import Actor
from commercy.core.database import WriteSession, utcnow
from commercy.core.pagination import Page
from commercy.core.text import folded
from commercy.orders import queries
from commercy.orders.models import Order
from tests.factories import Shop, make_order, make_reseller

ORDERS = Order.__table__.c
GENERATED = {"id", "order_number", "barcode", "call_rank", "call_due_at"}
PAGE_SIZE = 3  # so a page's walk (its rows times queries.WALK_PER_MATCH) is short here
RARE = "Rania Zaouali"

TERMS = {
    "common": "amira",
    "rare, deep in the history": "zaouali",
    "absent": "zzqx",
    "common in another reseller's orders only": "youssef",
    "short": "am",
    "short and rare": "zq",
    "wildcard %": "a%a",
    "wildcard _": "_mira",
    "only a wildcard": "%",
    "phone digits": "2000011",
    "order number part": "SRCH-1",
}
SORTS = ("-createdAt", "customerName", "-total")


async def copies(
    session: WriteSession, shop: Shop, *, reseller_id: int, names: list[str], tag: str
) -> None:
    """One order per name, copies of an order made by the service; newest last, every pair
    of them created at the same instant (so the id decides their order)."""
    made = await make_order(session, world=shop.world, products=[shop.product])
    template = (await session.execute(select(Order.__table__).where(ORDERS.id == made.id))).one()
    values = {k: v for k, v in template._mapping.items() if k not in GENERATED}
    start = utcnow() - timedelta(days=30)
    rows = [
        {
            **values,
            "order_number": f"{tag}-{i}",
            "barcode": f"{tag}-{i}",
            "reseller_id": reseller_id,
            "customer_name": name,
            "customer_name_folded": folded(name),
            "customer_phone": f"+2162{i:07d}",
            "total": i % 7,
            "created_at": start + timedelta(minutes=i // 2),
        }
        for i, name in enumerate(names)
    ]
    await session.execute(insert(Order), rows)
    await session.commit()


@pytest.fixture
async def searched(session: WriteSession, shop: Shop) -> Shop:
    """120 orders of the shop's reseller (every other one an Amira, three old ones a rare
    name), and 40 of another reseller of the same supplier, all named Youssef."""
    names = ["Amira Ben Salah" if i % 2 else "Salma Gharbi" for i in range(120)]
    for i in (3, 10, 20):
        names[i] = RARE
    await copies(session, shop, reseller_id=shop.world.reseller.id, names=names, tag="SRCH")
    other = await make_reseller(session, supplier=shop.world.supplier)
    await session.commit()
    await copies(session, shop, reseller_id=other.id, names=["Youssef Trabelsi"] * 40, tag="OTH")
    return shop


async def actors(session: WriteSession, shop: Shop) -> dict[str, Actor]:
    """The reseller, the supplier and the admin as the API sees them once signed in."""
    world = shop.world
    users = {"reseller": world.reseller_user, "supplier": world.supplier_user, "admin": world.admin}
    found = {}
    for who, user in users.items():
        actor = await auth_service.get_active_actor(session, user.id)
        assert actor is not None, who
        found[who] = actor
    return found


def plain_filter(term: str) -> ColumnElement[bool]:
    """The search as the SPEC states it: the folded name or the order number contains the
    term (``%`` and ``_`` are wildcards), or with 4 digits or more either phone has them."""
    pattern = f"%{folded(term)}%"
    conditions: list[ColumnElement[bool]] = [
        ORDERS.customer_name_folded.like(pattern),
        ORDERS.order_number.ilike(pattern),
    ]
    digits = "".join(ch for ch in term if ch.isdigit())
    if len(digits) >= 4:
        conditions += [ORDERS.customer_phone.contains(digits)]
        conditions += [ORDERS.customer_phone2.contains(digits)]
    return or_(*conditions)


def plain_statement(actor: Actor, term: str, sort: str) -> Select[Any]:
    column = queries.SORTS[sort.lstrip("-")]
    order = (column.desc(), ORDERS.id.desc()) if sort[0] == "-" else (column, ORDERS.id)
    scope = [ORDERS[name.removeprefix("scope_")] == v for name, v in queries.scope(actor).items()]
    return select(ORDERS.id).where(*scope, plain_filter(term)).order_by(*order)


async def plain_answer(
    session: WriteSession, actor: Actor, term: str, sort: str, page: Page
) -> tuple[list[int], int]:
    statement = plain_statement(actor, term, sort)
    ids = (await session.scalars(statement.limit(page.limit).offset(page.offset))).all()
    total = await session.scalar(select(func.count()).select_from(statement.subquery()))
    return list(ids), total or 0


async def searched_answer(
    session: WriteSession, actor: Actor, term: str, sort: str, page: Page, up_to: int | None
) -> tuple[list[int], int]:
    filters = queries.OrderFilters(search=term, sort=sort)
    rows, total = await queries.list_orders(
        session, actor=actor, filters=filters, page=page, count_up_to=up_to
    )
    return [row["id"] for row in rows], total


@pytest.mark.parametrize("term", TERMS.values(), ids=TERMS.keys())
async def test_a_search_answers_the_plain_filters_rows_and_counts(
    session: WriteSession, searched: Shop, term: str
) -> None:
    for who, actor in (await actors(session, searched)).items():
        for sort in SORTS:
            for number in (1, 2):
                page = Page(number, PAGE_SIZE)
                ids, total = await plain_answer(session, actor, term, sort, page)
                for up_to in (None, 4, 1000):
                    found = await searched_answer(session, actor, term, sort, page, up_to)
                    expected = total if up_to is None else min(total, up_to)
                    assert found == (ids, expected), (who, sort, number, up_to)


async def test_the_terms_cover_the_walk_and_every_match(
    session: WriteSession, searched: Shop
) -> None:
    """The common term's first page is in the walk's rows, the rare one's is not; the absent
    term and the other reseller's name find nothing in the reseller's list, page 1 or past it."""
    reseller = (await actors(session, searched))["reseller"]
    first = Page(1, PAGE_SIZE)
    walk = PAGE_SIZE * queries.WALK_PER_MATCH
    newest = (await plain_answer(session, reseller, "", "-createdAt", Page(1, walk)))[0]
    common = (await plain_answer(session, reseller, "amira", "-createdAt", first))[0]
    rare = (await plain_answer(session, reseller, "zaouali", "-createdAt", first))[0]
    assert set(common) <= set(newest) and not set(rare) & set(newest)
    assert len(rare) == 3
    for term in ("zzqx", "youssef"):
        for page in (first, Page(5, PAGE_SIZE)):
            assert await searched_answer(session, reseller, term, "-createdAt", page, 10) == ([], 0)


async def test_the_deepest_page_of_a_search_is_empty_not_an_error(
    session: WriteSession, searched: Shop
) -> None:
    """The walk's length grows with the page: at the API's last page it still fits the
    database's integers."""
    page = Page(1_000_000, 100)
    for actor in (await actors(session, searched)).values():
        total = (await plain_answer(session, actor, "amira", "-createdAt", page))[1]
        assert total >= 59
        for up_to in (None, page.offset + 1001):
            found = await searched_answer(session, actor, "amira", "-createdAt", page, up_to)
            assert found == ([], total)
