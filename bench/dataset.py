"""Bulk orders made inside the database: PostgreSQL ``INSERT ... SELECT generate_series`` (one
statement per table, foreign-key triggers off while loading, then ``VACUUM ANALYZE``), and a
plain ``executemany`` for the small SQLite pass.

The scale set is 1,000,000 orders across 1,000 resellers, skewed like real sellers: the bench
reseller has every tenth order (100,000; its page 100 exists), the 999 others share the rest.
Every order has one item and its creation line in the history, like one made by the API; every
order past ``pending`` had a call ending in its status (``confirmed`` for those confirmed and
beyond), and one in three a first call that did not reach the customer. The order figures
(commercy.stats.models), whose triggers are off while loading, are rebuilt.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

import asyncpg

from commercy.core.text import folded
from commercy.stats import summary

STATUSES = (
    "pending", "pending", "pending", "not_reached", "rapported", "confirmed", "confirmed",
    "shipped", "delivered", "delivered", "canceled", "returned",
)  # fmt: skip
SOURCES = ("facebook_page", "site_web", "api", "whatsapp", "instagram", "manual")
NAMES = ("Amira Ben Salah", "Youssef Trabelsi", "Salma Gharbi", "Mehdi Jaziri", "Ines Mansour")
# What the orders' search reads of each name (the API writes it with the name).
FOLDED_NAMES = tuple(folded(name) or "" for name in NAMES)
# The name of three of the big reseller's orders (a quarter, half and three quarters back):
# a search for a handful of orders. Every other order of the big reseller is Amira's (g is a
# multiple of 10, so of 5), and the other names are common in the other resellers' only.
RARE_NAME = "Rania Zaouali"
CITIES = ("Tunis", "Sfax", "Sousse", "Nabeul", "Bizerte", "Gabès")


@dataclass(frozen=True)
class Product:
    id: int
    name: str
    code: str
    price: str


@dataclass(frozen=True)
class Loaded:
    first_order_id: int
    last_order_id: int
    seconds: float


def phone_of(g: int) -> str:
    """The phone of the g-th generated order (the same formula as the SQL)."""
    return f"+2162{(g * 7919) % 10_000_000:07d}"


def _sql_array(values: tuple[str, ...]) -> str:
    return "ARRAY[" + ",".join(f"'{v}'" for v in values) + "]"


async def add_resellers(conn: asyncpg.Connection, *, supplier_id: int, count: int) -> list[int]:
    rows = await conn.fetch(
        """INSERT INTO resellers (name, supplier_id, created_at, updated_at)
           SELECT 'Bench reseller ' || g, $1, now(), now() FROM generate_series(1, $2) g
           RETURNING id""",
        supplier_id,
        count,
    )
    return [int(row["id"]) for row in rows]


async def add_orders(
    conn: asyncpg.Connection,
    *,
    count: int,
    supplier_id: int,
    user_id: int,
    big_reseller_id: int,
    other_reseller_ids: list[int],
    big_every: int,
    products: list[Product],
    actor_label: str,
) -> Loaded:
    """``count`` orders; order g goes to the big reseller when ``g % big_every == 0``, else to
    one of the others. Newest last, 20 s apart, ending now."""
    started = time.perf_counter()
    base = int(await conn.fetchval("SELECT coalesce(max(id), 0) FROM orders"))
    others = other_reseller_ids or [big_reseller_id]
    async with conn.transaction():
        await conn.execute("SET LOCAL session_replication_role = replica")  # no FK triggers
        await conn.execute(
            f"""
            INSERT INTO orders (id, order_number, barcode, reseller_id, supplier_id,
                created_by_user_id, status, payment_status, source, customer_name, customer_phone,
                wa_id, customer_address, customer_city, customer_governorate, customer_zip_code,
                notes, shipping_option, shipping_cost, subtotal, total, created_at, updated_at,
                customer_name_folded)
            SELECT $1 + g, 'ORD-' || (extract(epoch FROM t) * 1000)::bigint || '-' || ($1 + g),
                'ORD-' || (extract(epoch FROM t) * 1000)::bigint || '-' || ($1 + g),
                CASE WHEN g % $4 = 0 THEN $5 ELSE ($6::int[])[1 + g % cardinality($6::int[])] END,
                $2, $3, st, CASE WHEN st = 'delivered' THEN 'paid' ELSE 'unpaid' END,
                ({_sql_array(SOURCES)})[1 + g % {len(SOURCES)}],
                ({_sql_array(NAMES)})[1 + g % {len(NAMES)}],
                '+2162' || lpad(((g::bigint * 7919) % 10000000)::text, 7, '0'),
                '2162' || lpad(((g::bigint * 7919) % 10000000)::text, 7, '0'),
                g || ' rue de Marseille', c, c, '1000', NULL, 'free', 0, 120.5, 120.5, t, t,
                ({_sql_array(FOLDED_NAMES)})[1 + g % {len(NAMES)}]
            FROM generate_series(1, $7) g,
                LATERAL (SELECT now() - ($7 - g) * interval '20 seconds' AS t,
                    ({_sql_array(STATUSES)})[1 + (g * 7) % {len(STATUSES)}] AS st,
                    ({_sql_array(CITIES)})[1 + g % {len(CITIES)}] AS c) x
            """,
            base, supplier_id, user_id, big_every, big_reseller_id, others, count,
        )  # fmt: skip
        rare = [base + big_every * (count * k // (4 * big_every)) for k in (1, 2, 3)]
        await conn.execute(
            "UPDATE orders SET customer_name = $2, customer_name_folded = $3 WHERE id = ANY($1)",
            rare, RARE_NAME, folded(RARE_NAME),
        )  # fmt: skip
        item_base = int(await conn.fetchval("SELECT coalesce(max(id), 0) FROM order_items"))
        ids = [p.id for p in products]
        await conn.execute(
            """
            INSERT INTO order_items (id, order_id, product_id, product_name, product_code,
                quantity, unit_price, notes, product_image)
            SELECT $2 + g, $1 + g, ($3::int[])[1 + g % cardinality($3::int[])],
                ($4::text[])[1 + g % cardinality($3::int[])],
                ($5::text[])[1 + g % cardinality($3::int[])], 1, 120.5, 'Rouge',
                'https://img.example/bench.jpg'
            FROM generate_series(1, $6) g
            """,
            base, item_base, ids, [p.name for p in products], [p.code for p in products], count,
        )  # fmt: skip
        history_base = int(
            await conn.fetchval("SELECT coalesce(max(id), 0) FROM order_status_changes")
        )
        await conn.execute(
            """
            INSERT INTO order_status_changes (id, order_id, from_status, to_status, actor_label,
                actor_user_id, note, created_at)
            SELECT $2 + o.id - $1, o.id, NULL, o.status, $3, $4, 'Order created (bench)',
                o.created_at
            FROM orders o WHERE o.id > $1
            """,
            base, history_base, actor_label, user_id,
        )  # fmt: skip
        await conn.execute(
            """
            INSERT INTO call_attempts (order_id, reseller_id, agent_user_id, agent_label,
                outcome, created_at)
            SELECT id, reseller_id, $2, $3, outcome, called_at FROM (
                SELECT o.id, o.reseller_id, CASE WHEN o.status IN
                        ('not_reached', 'rapported', 'canceled') THEN o.status
                    ELSE 'confirmed' END AS outcome,
                    o.created_at + interval '10 minutes' AS called_at
                FROM orders o WHERE o.id > $1 AND o.status <> 'pending'
                UNION ALL
                SELECT o.id, o.reseller_id, 'not_reached', o.created_at + interval '5 minutes'
                FROM orders o WHERE o.id > $1 AND o.status <> 'pending' AND o.id % 3 = 0
            ) attempts ORDER BY called_at
            """,
            base, user_id, actor_label,
        )  # fmt: skip
        # The replica role kept the order figures' triggers off too: count them again.
        for statement in summary.rebuild_statements("postgresql"):
            await conn.execute(statement)
    for table in ("orders", "order_items", "order_status_changes"):
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )
    tables = (
        "orders", "order_items", "order_status_changes", "call_attempts", "resellers",
        *summary.TABLES,
    )  # fmt: skip
    for table in tables:
        await conn.execute(f"VACUUM ANALYZE {table}")
    return Loaded(base + 1, base + count, time.perf_counter() - started)


async def link_tickets(
    conn: asyncpg.Connection, *, integration_id: int, first: int, last: int
) -> None:
    """A Digishare ticket per order (``bt`` + the zero-padded order id), as the worker leaves."""
    await conn.execute(
        """INSERT INTO digishare_tickets (order_id, integration_id, ticket_id, created_at)
           SELECT g, $1, 'bt' || lpad(g::text, 14, '0'), now()
           FROM generate_series($2::int, $3::int) g""",
        integration_id,
        first,
        last,
    )


async def reopen(conn: asyncpg.Connection, *, first: int, last: int) -> None:
    """Put orders back to pending, so the status and webhook scenarios only make allowed moves
    (confirmation statuses move freely among themselves)."""
    await conn.execute(
        "UPDATE orders SET status = 'pending' WHERE id BETWEEN $1 AND $2", first, last
    )
    await conn.execute("VACUUM ANALYZE orders")


def add_orders_sqlite(
    path: str,
    *,
    count: int,
    supplier_id: int,
    user_id: int,
    reseller_id: int,
    products: list[Product],
    actor_label: str,
) -> Loaded:
    """The small SQLite data set: the same rows as the SQL above, for one reseller."""
    started = time.perf_counter()
    now = time.time()
    with sqlite3.connect(path) as db:
        base = int(db.execute("SELECT coalesce(max(id), 0) FROM orders").fetchone()[0])
        orders, items, history = [], [], []
        for g in range(1, count + 1):
            moment = now - (count - g) * 20
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(moment)) + ".000000"
            number = f"ORD-{int(moment * 1000)}-{base + g}"
            status = STATUSES[(g * 7) % len(STATUSES)]
            phone = phone_of(g)
            city = CITIES[g % len(CITIES)]
            orders.append((
                base + g, number, number, reseller_id, supplier_id, user_id, status,
                "paid" if status == "delivered" else "unpaid", SOURCES[g % len(SOURCES)],
                NAMES[g % len(NAMES)], phone, phone[1:], f"{g} rue de Marseille", city, city,
                "1000", "free", 0, 120.5, 120.5, stamp, stamp, FOLDED_NAMES[g % len(NAMES)],
            ))  # fmt: skip
            product = products[g % len(products)]
            items.append((base + g, product.id, product.name, product.code, 1, 120.5, "Rouge"))
            history.append((base + g, status, actor_label, user_id, stamp))
        db.executemany(
            "INSERT INTO orders (id, order_number, barcode, reseller_id, supplier_id, "
            "created_by_user_id, status, payment_status, source, customer_name, customer_phone, "
            "wa_id, customer_address, customer_city, customer_governorate, customer_zip_code, "
            "shipping_option, shipping_cost, subtotal, total, created_at, updated_at, "
            "customer_name_folded) VALUES (" + ",".join("?" * 23) + ")",
            orders,
        )
        db.executemany(
            "INSERT INTO order_items (order_id, product_id, product_name, product_code, "
            "quantity, unit_price, notes) VALUES (?,?,?,?,?,?,?)",
            items,
        )
        db.executemany(
            "INSERT INTO order_status_changes (order_id, to_status, actor_label, actor_user_id, "
            "note, created_at) VALUES (?,?,?,?,'Order created (bench)',?)",
            history,
        )
        db.execute("ANALYZE")
    return Loaded(base + 1, base + count, time.perf_counter() - started)
