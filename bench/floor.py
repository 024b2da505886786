"""The floor: a bare ASGI app doing the same database work as Commercy with the driver directly
(asyncpg, or aiosqlite for the SQLite pass), with no framework and no product logic (no auth,
validation, rules, envelope or middleware). Same paths as the API, so the same wrk scripts
drive both. Run with ``uvicorn bench.floor:create_app --factory``; settings from the
environment: BENCH_FLOOR_DATABASE (a postgresql:// DSN or a SQLite file path),
BENCH_FLOOR_RESELLER_ID, BENCH_FLOOR_SUPPLIER_ID, BENCH_FLOOR_INTEGRATION_ID.

Create: the order and its items in one transaction. List: the page's rows and their count.
Get: the order, its items and its history. Status: lock, update, history line. Webhook: the
raw event once (ON CONFLICT DO NOTHING), then the status change of its order. Calls next (the
agent's user id in an ``X-Bench-Agent`` header, the floor having no auth): the work of
``commercy.calls.service.next_order_detail`` as issue 18 sets it, one statement each: the first
order due and unclaimed in the reseller's queue locked ``FOR UPDATE SKIP LOCKED``, its items,
its history, the claim, and the end of the agent's other claims (Commercy claims and releases
in one statement, ``commercy.calls.queries.claim_next``, and reads the items and history in
one). Keep the queue's conditions in step with ``claim_next``'s.

With BENCH_FLOOR_WORK=product, create runs instead every statement Commercy's create runs,
hand-written, in one transaction (the caller's account; the products with their Converty
images, the possible duplicate and the blocked reason in one read; the order with its number;
its items; its first history line; the Digishare job and its NOTIFY): the floor of the
product's own database work, with the driver alone. Keep it in step with
``commercy.orders.repository`` and the create's listeners.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import os
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import parse_qs

from commercy.core.text import folded

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

COLUMNS = (
    "id, order_number, barcode, status, payment_status, source, reseller_id, supplier_id, "
    "customer_name, customer_phone, customer_phone2, wa_id, customer_address, customer_city, "
    "customer_governorate, customer_zip_code, notes, shipping_option, shipping_cost, subtotal, "
    "total, created_at, updated_at"
)
# The claim's length, and the call queue's next order: a walk of the reseller's waiting orders
# in the queue's order (orders.call_rank, call_due_at: columns the database computes).
CLAIM = dt.timedelta(minutes=5)
NEXT_CALL = (
    f"SELECT {COLUMNS}, created_by_user_id, possible_duplicate_of, blocked, blocked_reason, "
    "call_attempts, next_call_at, claimed_by_user_id, claim_expires_at, version FROM orders "
    "WHERE reseller_id = $1 AND call_rank IS NOT NULL AND call_due_at <= $2 "
    "AND (claim_expires_at IS NULL OR claim_expires_at <= $2) "
    "ORDER BY call_rank, call_due_at, id LIMIT 1 FOR UPDATE SKIP LOCKED"
)
STATUS_OF_TICKET = {"u5hj8cd3pq6ya0lw": "not_reached", "r4tn7vy2gk9me1sx": "rapported"}


def _default(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def dumps(data: object) -> bytes:
    return json.dumps(data, default=_default, separators=(",", ":")).encode()


class Store(Protocol):
    async def create(self, body: dict[str, Any]) -> dict[str, Any]: ...
    async def list(self, query: dict[str, list[str]]) -> dict[str, Any]: ...
    async def get(self, order_id: int) -> dict[str, Any] | None: ...
    async def set_status(self, order_id: int, status: str) -> dict[str, Any] | None: ...
    async def webhook(self, raw: bytes) -> dict[str, Any]: ...
    async def next_call(self, agent_id: int) -> dict[str, Any] | None: ...
    async def close(self) -> None: ...


def _filters(query: dict[str, list[str]]) -> tuple[list[str], list[str], int, int]:
    statuses = [s for v in query.get("status", []) for s in v.split(",") if s]
    sources = [s for v in query.get("source", []) for s in v.split(",") if s]
    page = int(query.get("page", ["1"])[0])
    limit = min(int(query.get("limit", ["10"])[0]), 100)
    return statuses, sources, page, limit


class PostgresStore:
    def __init__(self, dsn: str, *, reseller_id: int, supplier_id: int, integration_id: int):
        self.dsn = dsn
        self.reseller_id = reseller_id
        self.supplier_id = supplier_id
        self.integration_id = integration_id

    async def open(self) -> None:
        import asyncpg

        # Commercy's pool: pool_size 10 plus 10 overflow.
        self.pool = await asyncpg.create_pool(self.dsn, min_size=10, max_size=20)
        rows = await self.pool.fetch("SELECT id, name, code FROM products")
        self.products = {row["id"]: (row["name"], row["code"]) for row in rows}

    async def close(self) -> None:
        await self.pool.close()

    async def create(self, body: dict[str, Any]) -> dict[str, Any]:
        now = dt.datetime.now(dt.UTC)
        items = body["products"]
        subtotal = sum(Decimal(str(i["price"])) * i["quantity"] for i in items)
        number = f"ORD-{uuid.uuid4().hex[:24]}"
        async with self.pool.acquire() as conn, conn.transaction():
            order = await conn.fetchrow(
                "INSERT INTO orders (order_number, barcode, reseller_id, supplier_id, status, "
                "payment_status, source, customer_name, customer_phone, wa_id, "
                "customer_address, customer_city, customer_governorate, shipping_cost, "
                "subtotal, total, created_at, updated_at) VALUES ($1, $1, $2, $3, 'pending', "
                "'unpaid', $4, $5, $6, $7, $8, $9, $10, 0, $11, $11, $12, $12) "
                f"RETURNING {COLUMNS}",
                number, self.reseller_id, self.supplier_id, body.get("source", "manual"),
                body.get("customerName"), body["customerPhone"], body["customerPhone"][1:],
                body.get("customerAddress"), body.get("customerCity"),
                body.get("customerGovernorate"), subtotal, now,
            )  # fmt: skip
            await conn.executemany(
                "INSERT INTO order_items (order_id, product_id, product_name, product_code, "
                "quantity, unit_price, notes) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                [
                    (order["id"], i["productId"], *self.products[i["productId"]], i["quantity"],
                     Decimal(str(i["price"])), i.get("notes"))
                    for i in items
                ],
            )  # fmt: skip
        return {"orderNumber": number, "order": dict(order)}

    async def list(self, query: dict[str, list[str]]) -> dict[str, Any]:
        statuses, sources, page, limit = _filters(query)
        where = "reseller_id = $1 AND ($2::text[] = '{}' OR status = ANY($2)) AND "
        where += "($3::text[] = '{}' OR source = ANY($3))"
        args = (self.reseller_id, statuses, sources)
        async with self.pool.acquire() as conn:
            total = await conn.fetchval(f"SELECT count(*) FROM orders WHERE {where}", *args)
            rows = await conn.fetch(
                f"SELECT {COLUMNS} FROM orders WHERE {where} "
                "ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5",
                *args, limit, (page - 1) * limit,
            )  # fmt: skip
        return {"data": [dict(r) for r in rows], "pagination": {"page": page, "total": total}}

    async def get(self, order_id: int) -> dict[str, Any] | None:
        async with self.pool.acquire() as conn:
            order = await conn.fetchrow(f"SELECT {COLUMNS} FROM orders WHERE id = $1", order_id)
            if order is None:
                return None
            items = await conn.fetch("SELECT * FROM order_items WHERE order_id = $1", order_id)
            history = await conn.fetch(
                "SELECT * FROM order_status_changes WHERE order_id = $1 ORDER BY id", order_id
            )
        return {**dict(order), "items": [dict(i) for i in items],
                "history": [dict(h) for h in history]}  # fmt: skip

    async def set_status(self, order_id: int, status: str) -> dict[str, Any] | None:
        async with self.pool.acquire() as conn, conn.transaction():
            return await self._move(conn, order_id, status, "floor")

    async def _move(
        self, conn: Any, order_id: int, status: str, actor: str
    ) -> dict[str, Any] | None:
        current = await conn.fetchval(
            "SELECT status FROM orders WHERE id = $1 FOR UPDATE", order_id
        )
        if current is None:
            return None
        if current != status:
            now = dt.datetime.now(dt.UTC)
            await conn.execute(
                "UPDATE orders SET status = $2, updated_at = $3 WHERE id = $1",
                order_id, status, now,
            )  # fmt: skip
            await conn.execute(
                "INSERT INTO order_status_changes (order_id, from_status, to_status, "
                "actor_label, note, created_at) VALUES ($1, $2, $3, $4, 'bench', $5)",
                order_id, current, status, actor, now,
            )  # fmt: skip
        return {"id": order_id, "status": status}

    async def webhook(self, raw: bytes) -> dict[str, Any]:
        payload = json.loads(raw)
        ticket = payload["data"]["data"]
        key = hashlib.sha256(raw).hexdigest()
        async with self.pool.acquire() as conn, conn.transaction():
            event_id = await conn.fetchval(
                "INSERT INTO digishare_events (integration_id, dedup_key, event, ticket_id, "
                "raw_body, payload, outcome, received_at) VALUES ($1, $2, $3, $4, $5, $6, "
                "'applied', now()) ON CONFLICT DO NOTHING RETURNING id",
                self.integration_id, key, payload["event"], ticket["id"], raw.decode(),
                raw.decode(),
            )  # fmt: skip
            if event_id is None:
                return {"duplicate": True}
            order_id = await conn.fetchval(
                "SELECT order_id FROM digishare_tickets WHERE ticket_id = $1", ticket["id"]
            )
            status = STATUS_OF_TICKET.get(ticket["ticket_status_id"])
            if order_id is not None and status is not None:
                await self._move(conn, order_id, status, "digishare")
                await conn.execute(
                    "UPDATE digishare_events SET order_id = $2 WHERE id = $1", event_id, order_id
                )
        return {"id": event_id, "outcome": "applied"}

    async def next_call(self, agent_id: int) -> dict[str, Any] | None:
        now = dt.datetime.now(dt.UTC)
        async with self.pool.acquire() as conn, conn.transaction():
            order = await conn.fetchrow(NEXT_CALL, self.reseller_id, now)
            if order is None:
                return None
            items = await conn.fetch("SELECT * FROM order_items WHERE order_id = $1", order["id"])
            history = await conn.fetch(
                "SELECT * FROM order_status_changes WHERE order_id = $1", order["id"]
            )
            await conn.execute(
                "UPDATE orders SET claimed_by_user_id = $2, claim_expires_at = $3, "
                "updated_at = $4 WHERE id = $1",
                order["id"], agent_id, now + CLAIM, now,
            )  # fmt: skip
            await conn.execute(
                "UPDATE orders SET claimed_by_user_id = NULL, claim_expires_at = NULL, "
                "updated_at = $3 WHERE id IN (SELECT id FROM orders WHERE claimed_by_user_id = $1 "
                "AND id != $2 FOR UPDATE SKIP LOCKED)",
                agent_id, order["id"], now,
            )  # fmt: skip
        return {**dict(order), "items": [dict(i) for i in items],
                "history": [dict(h) for h in history]}  # fmt: skip


class ProductWorkStore(PostgresStore):
    """The floor's create with every statement Commercy's create runs (BENCH_FLOOR_WORK=product)."""

    async def open(self) -> None:
        await super().open()
        self.user_id = await self.pool.fetchval(
            "SELECT id FROM users WHERE reseller_id = $1 ORDER BY id LIMIT 1", self.reseller_id
        )

    async def create(self, body: dict[str, Any]) -> dict[str, Any]:
        now = dt.datetime.now(dt.UTC)
        items = body["products"]
        ids = [i["productId"] for i in items]
        subtotal = sum(Decimal(str(i["price"])) * i["quantity"] for i in items)
        phone = body["customerPhone"]
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.fetchrow(
                "SELECT u.id, u.role, u.reseller_id, r.supplier_id FROM users u "
                "LEFT JOIN resellers r ON r.id = u.reseller_id WHERE u.id = $1 AND u.is_active",
                self.user_id,
            )
            # The products with their Converty image, the possible duplicate and the blocked
            # reason: one statement, as orders.repository.creation_facts.
            products = await conn.fetch(
                "SELECT p.id, p.name, p.code, p.image, EXISTS (SELECT 1 FROM product_mappings m "
                "WHERE m.reseller_id = $1 AND m.product_id = p.id) AS mapped, "
                "(SELECT c.image FROM product_mappings m JOIN converty_products c "
                "ON c.id = m.converty_product_id WHERE m.reseller_id = $1 AND m.product_id = p.id "
                "AND c.image IS NOT NULL AND c.image != '' ORDER BY m.id DESC LIMIT 1) "
                "AS mapped_image, "
                "(SELECT o.order_number FROM orders o WHERE o.reseller_id = $1 "
                "AND o.customer_phone = $4 AND o.created_at >= $5 AND o.status IN ('pending', "
                "'not_reached', 'phone_closed', 'rapported', 'more_information', "
                "'not_available') AND NOT o.blocked ORDER BY o.created_at DESC, o.id DESC "
                "LIMIT 1) AS possible_duplicate_of, "
                "(SELECT b.reason FROM blocked_phones b WHERE b.phone = ANY($6::text[]) "
                "AND (b.reseller_id = $1 OR b.reseller_id IS NULL) "
                "ORDER BY b.reseller_id IS NULL, b.id LIMIT 1) AS blocked_reason "
                "FROM products p WHERE p.supplier_id = $2 AND p.id = ANY($3::int[])",
                self.reseller_id, self.supplier_id, ids, phone,
                now - dt.timedelta(hours=72), [phone],
            )  # fmt: skip
            flags = products[0]
            # The order with its number from the id's sequence, in the insert itself.
            order_id, number = await conn.fetchrow(
                "INSERT INTO orders (id, order_number, barcode, reseller_id, supplier_id, "
                "created_by_user_id, status, payment_status, source, customer_name, "
                "customer_phone, wa_id, customer_address, customer_city, customer_governorate, "
                "shipping_cost, subtotal, total, possible_duplicate_of, blocked, blocked_reason, "
                "call_attempts, version, created_at, updated_at, customer_name_folded) "
                "SELECT n.id, $1 || n.id, "
                "$1 || n.id, $2, $3, $4, 'pending', 'unpaid', $5, $6, $7, $8, $9, $10, $11, 0, "
                "$12, $12, $13, $14, $15, 0, 1, $16, $16, $17 "
                "FROM (SELECT nextval('orders_id_seq') AS id) n RETURNING id, order_number",
                f"ORD-{int(now.timestamp() * 1000)}-", self.reseller_id, self.supplier_id,
                self.user_id, body.get("source", "manual"), body.get("customerName"), phone,
                phone[1:], body.get("customerAddress"), body.get("customerCity"),
                body.get("customerGovernorate"), subtotal, flags["possible_duplicate_of"],
                flags["blocked_reason"] is not None, flags["blocked_reason"], now,
                folded(body.get("customerName")),
            )  # fmt: skip
            named = {row["id"]: row for row in products}
            await conn.fetch(
                "INSERT INTO order_items (order_id, product_id, product_name, product_code, "
                "quantity, unit_price, notes, product_image) SELECT $1, i.p, i.na, i.c, i.q, "
                "i.pr, i.no, i.im FROM unnest($2::int[], $3::text[], $4::text[], $5::int[], "
                "$6::numeric[], $7::text[], $8::text[]) WITH ORDINALITY "
                "AS i(p, na, c, q, pr, no, im, n) ORDER BY i.n RETURNING id",
                order_id, ids, [named[i]["name"] for i in ids], [named[i]["code"] for i in ids],
                [i["quantity"] for i in items], [Decimal(str(i["price"])) for i in items],
                [i.get("notes") for i in items],
                [named[i]["mapped_image"] or named[i]["image"] for i in ids],
            )  # fmt: skip
            await conn.fetchval(
                "INSERT INTO order_status_changes (order_id, from_status, to_status, "
                "actor_label, actor_user_id, note, created_at) VALUES ($1, NULL, 'pending', "
                "'reseller:bench', $2, 'Order created', $3) RETURNING id",
                order_id, self.user_id, now,
            )  # fmt: skip
            # The Digishare job, written only when the integration is enabled.
            job_id = await conn.fetchval(
                "INSERT INTO outbox_jobs (kind, payload, progress, state, attempts, reseller_id, "
                "order_id, run_after, created_at, updated_at) SELECT 'digishare.notify_order', "
                "$2, '{}', 'pending', 0, $1, $3, $4, $4, $4 WHERE EXISTS (SELECT 1 FROM "
                "digishare_integrations WHERE reseller_id = $1 AND enabled) RETURNING id",
                self.reseller_id, json.dumps({"order_id": order_id}), order_id, now,
            )  # fmt: skip
            if job_id is not None:
                await conn.execute("NOTIFY commercy_outbox")
        return {"orderNumber": number, "id": order_id}


class SqliteStore:
    """The same work on SQLite through aiosqlite: a small pool of connections, WAL, and
    BEGIN IMMEDIATE for writes (reads run in autocommit)."""

    def __init__(self, path: str, *, reseller_id: int, supplier_id: int, size: int = 4):
        self.path = path
        self.reseller_id = reseller_id
        self.supplier_id = supplier_id
        self.size = size

    async def open(self) -> None:
        import aiosqlite

        self.connections: asyncio.Queue[Any] = asyncio.Queue()
        for _ in range(self.size):
            conn = await aiosqlite.connect(self.path, isolation_level=None, timeout=30)
            conn.row_factory = aiosqlite.Row
            for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=30000",
                           "synchronous=NORMAL"):  # fmt: skip
                await conn.execute(f"PRAGMA {pragma}")
            self.connections.put_nowait(conn)
        conn = await self.connections.get()
        rows = await conn.execute_fetchall("SELECT id, name, code FROM products")
        self.products = {row["id"]: (row["name"], row["code"]) for row in rows}
        self.connections.put_nowait(conn)

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Any]:
        conn = await self.connections.get()
        try:
            yield conn
        finally:
            self.connections.put_nowait(conn)

    async def close(self) -> None:
        while not self.connections.empty():
            await (await self.connections.get()).close()

    async def create(self, body: dict[str, Any]) -> dict[str, Any]:
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        items = body["products"]
        subtotal = float(sum(Decimal(str(i["price"])) * i["quantity"] for i in items))
        number = f"ORD-{uuid.uuid4().hex[:24]}"
        async with self.connection() as conn:
            await conn.execute("BEGIN IMMEDIATE")
            try:
                cursor = await conn.execute(
                    "INSERT INTO orders (order_number, barcode, reseller_id, supplier_id, status,"
                    " payment_status, source, customer_name, customer_phone, wa_id, "
                    "customer_address, customer_city, customer_governorate, shipping_cost, "
                    "subtotal, total, created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', "
                    f"'unpaid', ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?) RETURNING {COLUMNS}",
                    (number, number, self.reseller_id, self.supplier_id,
                     body.get("source", "manual"), body.get("customerName"),
                     body["customerPhone"], body["customerPhone"][1:],
                     body.get("customerAddress"), body.get("customerCity"),
                     body.get("customerGovernorate"), subtotal, subtotal, now, now),
                )  # fmt: skip
                order = dict(await cursor.fetchone())
                await conn.executemany(
                    "INSERT INTO order_items (order_id, product_id, product_name, product_code, "
                    "quantity, unit_price, notes) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (order["id"], i["productId"], *self.products[i["productId"]],
                         i["quantity"], float(i["price"]), i.get("notes"))
                        for i in items
                    ],
                )  # fmt: skip
                await conn.execute("COMMIT")
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
        return {"orderNumber": number, "order": order}

    async def list(self, query: dict[str, list[str]]) -> dict[str, Any]:
        statuses, sources, page, limit = _filters(query)
        where, args = "reseller_id = ?", list[Any]([self.reseller_id])
        for column, values in (("status", statuses), ("source", sources)):
            if values:
                where += f" AND {column} IN ({','.join('?' * len(values))})"
                args += values
        async with self.connection() as conn:
            total = (await conn.execute_fetchall(f"SELECT count(*) FROM orders WHERE {where}",
                                                 args))[0][0]  # fmt: skip
            rows = await conn.execute_fetchall(
                f"SELECT {COLUMNS} FROM orders WHERE {where} "
                "ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
                [*args, limit, (page - 1) * limit],
            )
        return {"data": [dict(r) for r in rows], "pagination": {"page": page, "total": total}}

    async def get(self, order_id: int) -> dict[str, Any] | None:
        async with self.connection() as conn:
            order = await conn.execute_fetchall(
                f"SELECT {COLUMNS} FROM orders WHERE id = ?", (order_id,)
            )
            if not order:
                return None
            items = await conn.execute_fetchall(
                "SELECT * FROM order_items WHERE order_id = ?", (order_id,)
            )
            history = await conn.execute_fetchall(
                "SELECT * FROM order_status_changes WHERE order_id = ? ORDER BY id", (order_id,)
            )
        return {**dict(order[0]), "items": [dict(i) for i in items],
                "history": [dict(h) for h in history]}  # fmt: skip

    async def set_status(self, order_id: int, status: str) -> dict[str, Any] | None:
        raise NotImplementedError("the SQLite pass covers create, list and get")

    async def webhook(self, raw: bytes) -> dict[str, Any]:
        raise NotImplementedError("the SQLite pass covers create, list and get")

    async def next_call(self, agent_id: int) -> dict[str, Any] | None:
        raise NotImplementedError("the SQLite pass covers create, list and get")


_ORDER = re.compile(r"^/api/v1/orders/(\d+)$")
_STATUS = re.compile(r"^/api/v1/orders/(\d+)/status$")
_NEXT_CALL = "/api/v1/calls/next"
_WEBHOOK = re.compile(r"^/api/v1/webhooks/digishare/\d+$")


class FloorApp:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        method, path = scope["method"], scope["path"]
        body = await _body(receive) if method in ("POST", "PATCH") else b""
        data: Any
        status, data = 404, {"error": "not found"}
        if path == "/api/v1/orders" and method == "POST":
            status, data = 201, await self.store.create(json.loads(body))
        elif path == "/api/v1/orders" and method == "GET":
            query = parse_qs(scope["query_string"].decode())
            status, data = 200, await self.store.list(query)
        elif (match := _ORDER.match(path)) and method == "GET":
            found = await self.store.get(int(match[1]))
            status, data = (200, found) if found else (404, {"error": "not found"})
        elif (match := _STATUS.match(path)) and method == "PATCH":
            moved = await self.store.set_status(int(match[1]), json.loads(body)["status"])
            status, data = (200, moved) if moved else (404, {"error": "not found"})
        elif _WEBHOOK.match(path) and method == "POST":
            status, data = 200, await self.store.webhook(body)
        elif path == _NEXT_CALL and method == "POST":
            claimed = await self.store.next_call(_agent(scope))
            status, data = (200, claimed) if claimed else (204, None)
        elif path == "/":
            status, data = 200, {"floor": True}
        payload = b"" if status == 204 else dumps({"success": status < 400, "data": data})
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.store.open()  # type: ignore[attr-defined]
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.store.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


def _agent(scope: Scope) -> int:
    """The calling agent's user id, from the bench's ``X-Bench-Agent`` header."""
    return int(dict(scope["headers"])[b"x-bench-agent"])


async def _body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def create_app() -> FloorApp:
    database = os.environ["BENCH_FLOOR_DATABASE"]
    reseller_id = int(os.environ["BENCH_FLOOR_RESELLER_ID"])
    supplier_id = int(os.environ["BENCH_FLOOR_SUPPLIER_ID"])
    if database.startswith("postgresql://"):
        work = os.environ.get("BENCH_FLOOR_WORK", "floor")
        store = ProductWorkStore if work == "product" else PostgresStore
        return FloorApp(
            store(
                database,
                reseller_id=reseller_id,
                supplier_id=supplier_id,
                integration_id=int(os.environ.get("BENCH_FLOOR_INTEGRATION_ID", "0")),
            )
        )
    return FloorApp(SqliteStore(database, reseller_id=reseller_id, supplier_id=supplier_id))
