"""Query plans of the list queries at scale: the very statements Commercy runs (from
``orders.queries.list_query``, with their values), explained with
``EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)`` and checked for index use on ``orders``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

import asyncpg
from sqlalchemy import ClauseElement
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg

from bench.dataset import RARE_NAME
from commercy.auth.actor import Actor
from commercy.auth.models import Role
from commercy.calls import queries as calls_queries
from commercy.core.pagination import Page
from commercy.orders import queries as orders_queries
from commercy.orders.models import OrderStatus
from commercy.orders.queries import OrderFilters
from commercy.stats import queries as stats_queries
from commercy.stats.schemas import GroupBy

_POSTGRESQL = PGDialect_asyncpg()  # type: ignore[no-untyped-call]  # SQLAlchemy leaves it bare


#: A sequential scan of one of these at scale is a plan that grows with the whole network.
LARGE_TABLES = {"orders", "order_items", "order_status_changes", "call_attempts"}


@dataclass
class Plan:
    query: str
    statement: str  # "page" or "count"
    execution_ms: float
    indexes: list[str]
    seq_scans: list[str]
    rows_removed_by_filter: int
    uses_index: bool
    sql: str = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def reseller_actor(reseller_id: int, supplier_id: int) -> Actor:
    """An actor of the reseller (only its role and scope matter to the query)."""
    return Actor(
        user_id=0,
        identifier="bench",
        role=Role.RESELLER,
        supplier_id=supplier_id,
        reseller_id=reseller_id,
    )


def admin_actor() -> Actor:
    return Actor(user_id=0, identifier="bench", role=Role.ADMIN, supplier_id=None, reseller_id=None)


def supplier_actor(supplier_id: int) -> Actor:
    return Actor(
        user_id=0, identifier="bench", role=Role.SUPPLIER, supplier_id=supplier_id, reseller_id=None
    )


# The admin's and the supplier's lists sorted by another column than the date, deep in.
SORTED_PAGES = {"page 100 by -total": OrderFilters(sort="-total")}


def scale_queries(phone_digits: str) -> dict[str, tuple[OrderFilters, int, int]]:
    """name → (filters, page, limit), as the API builds them from the query string."""
    return {
        "page 1": (OrderFilters(), 1, 50),
        "page 100": (OrderFilters(), 100, 50),
        "filtered": (OrderFilters(statuses=[OrderStatus.CONFIRMED, OrderStatus.SHIPPED]), 1, 50),
        "search phone": (OrderFilters(search=phone_digits), 1, 50),
        # A name in every order of the bench reseller's; one in many orders, none of them its
        # (the plain plan walked its whole history for it); one in three of its orders.
        "search common": (OrderFilters(search="Amira"), 1, 50),
        "search elsewhere": (OrderFilters(search="Youssef"), 1, 50),
        "search rare": (OrderFilters(search=RARE_NAME.split()[-1]), 1, 50),
    }


def _sql(statement: ClauseElement) -> str:
    return str(statement.compile(dialect=_POSTGRESQL, compile_kwargs={"literal_binds": True}))


def statements(actor: Actor, filters: OrderFilters, page: int, limit: int) -> dict[str, str]:
    """The count and the page, exactly as the orders list runs them."""
    query, params = orders_queries.list_query(actor, filters)
    offset = Page(page, limit).offset
    return {
        "count": _sql(query.count.statement.params(params)),
        "page": _sql(query.rows.statement.params(params, page_limit=limit, page_offset=offset)),
    }


def other_statements(actor: Actor, *, phone: str) -> dict[str, str]:
    """The order creation's duplicate check, GET /stats/orders over 30 and 366 days, and
    GET /stats/calls over 30 days."""
    now = datetime.now(UTC)
    since = now - timedelta(hours=72)
    duplicate = orders_queries.possible_duplicate(
        reseller_id=actor.reseller_id or 0, phone=phone, since=since
    )
    found = {"duplicate check": _sql(duplicate)}
    today = now.date()
    for days, group_by in ((30, GroupBy.DAY), (366, GroupBy.DAY), (30, GroupBy.PRODUCT)):
        built = stats_queries.statements(
            actor,
            date_from=today - timedelta(days=days - 1),
            date_to=today,
            group_by=group_by,
            dialect="postgresql",
        )
        name = f"stats {days}d by {group_by.value}"
        found[name] = _sql(built.groups.params(built.params))
        if group_by is GroupBy.DAY:
            found[f"stats {days}d totals"] = _sql(built.totals.params(built.params))
    calls = calls_queries.call_stats_statement(
        actor,
        since=datetime.combine(today - timedelta(days=29), time(), UTC),
        until=datetime.combine(today + timedelta(days=1), time(), UTC),
        agent_id=None,
        dialect="postgresql",
    )
    found["stats calls 30d"] = _sql(calls)
    return found


def _walk(node: dict[str, Any], found: dict[str, Any]) -> None:
    kind = node.get("Node Type", "")
    if "Index" in kind and node.get("Index Name"):
        found["indexes"].append(f"{kind} {node['Index Name']}")
    if kind == "Seq Scan":
        found["seq_scans"].append(node.get("Relation Name", "?"))
    found["removed"] += int(node.get("Rows Removed by Filter", 0))
    for child in node.get("Plans", []):
        _walk(child, found)


async def explain(conn: asyncpg.Connection, *, name: str, kind: str, sql: str) -> Plan:
    raw = await conn.fetchval(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}")
    document = raw if isinstance(raw, list) else __import__("json").loads(raw)
    found: dict[str, Any] = {"indexes": [], "seq_scans": [], "removed": 0}
    _walk(document[0]["Plan"], found)
    return Plan(
        query=name,
        statement=kind,
        execution_ms=float(document[0]["Execution Time"]),
        indexes=found["indexes"],
        seq_scans=found["seq_scans"],
        rows_removed_by_filter=found["removed"],
        uses_index=bool(found["indexes"]) and not LARGE_TABLES & set(found["seq_scans"]),
        sql=sql,
    )


async def check(dsn: str, *, reseller_id: int, supplier_id: int, phone_digits: str) -> list[Plan]:
    actor = reseller_actor(reseller_id, supplier_id)
    conn = await asyncpg.connect(dsn)
    try:
        plans = []
        for name, (filters, page, limit) in scale_queries(phone_digits).items():
            for kind, sql in statements(actor, filters, page, limit).items():
                await conn.fetchval(f"EXPLAIN (ANALYZE) {sql}")  # warm the cache once
                plans.append(await explain(conn, name=name, kind=kind, sql=sql))
        for who, other in (("admin", admin_actor()), ("supplier", supplier_actor(supplier_id))):
            for name, filters in SORTED_PAGES.items():
                sql = statements(other, filters, 100, 50)["page"]
                await conn.fetchval(f"EXPLAIN (ANALYZE) {sql}")
                plans.append(await explain(conn, name=f"{who} {name}", kind="page", sql=sql))
        for name, sql in other_statements(actor, phone=f"+216{phone_digits}").items():
            await conn.fetchval(f"EXPLAIN (ANALYZE) {sql}")
            plans.append(await explain(conn, name=name, kind="query", sql=sql))
        return plans
    finally:
        await conn.close()
