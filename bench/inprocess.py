"""The product's CPU per request in one process, without HTTP or wrk: the app called as ASGI
on uvloop, ``time.process_time()`` around each batch, min of several batches. Quicker and much
less noisy than a server run on a shared machine, for comparing two versions of a hot path.

    .venv/bin/python -m bench.inprocess get,status,webhook,next,create,keyed [--calls]

``create`` is create.lua's order (a new phone each time, two items); ``keyed`` the same with a
fresh ``Idempotency-Key`` each time (a client's first attempt); ``next`` one agent's
``POST /calls/next``.

``--profile`` prints a pyinstrument profile of each scenario instead (pip install
pyinstrument); ``--round-trips`` the mean number of exchanges with PostgreSQL per request;
``--calls`` the Python function calls per request (cProfile's count: steady from run to run
where CPU time is not, on a shared machine) and the functions most of the CPU went through. The
data set is the PostgreSQL pass's: the seed and BENCH_BASE_ORDERS orders, in the database
``$BENCH_DATABASE_inprocess`` (``commercy_bench_inprocess`` by default).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import random
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import uvloop

from bench import run, seed
from bench.common import pg_dsn
from commercy.core.settings import Settings
from commercy.main import create_app

DATABASE = os.environ.get("BENCH_DATABASE", "commercy_bench") + "_inprocess"
BATCH = 200
BATCHES = 7
JSON = {"content-type": "application/json"}
# The seed's two confirmation statuses of the sandbox (see webhook.lua).
WEBHOOK_STATUSES = ("u5hj8cd3pq6ya0lw", "r4tn7vy2gk9me1sx")
STATUSES = ("pending", "not_reached", "phone_closed", "rapported", "more_information")

Call = Callable[[], Awaitable[int]]


async def asgi(
    app: Any, method: str, path: str, *, headers: dict[str, str], body: bytes = b""
) -> tuple[int, bytes]:
    """One request straight into the app; (status, body)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }
    sent = False
    status, chunks = 0, []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def stage() -> tuple[Any, dict[str, Call], Any]:
    dsn = pg_dsn(DATABASE)
    await run.recreate_database(DATABASE)
    secrets_env = {
        "COMMERCY_JWT_SECRET": "in-process bench secret, not a secret" * 2,
        "COMMERCY_ENCRYPTION_KEY": base64.urlsafe_b64encode(b"0" * 32).decode(),
    }
    env = run.product_env(dsn, secrets_env)
    os.environ.update(env)
    # An integration whose Digishare is never called: the webhook scenario only receives.
    seeded = await seed.seed(run.settings_for(env), sandbox_url="http://127.0.0.1:9")
    loaded = await run._load_base(dsn, seeded)
    app = create_app(Settings())
    lifespan = app.router.lifespan_context(app)
    await lifespan.__aenter__()
    auth = await _signed_in(app, seeded.reseller_identifier)
    [(_, agent)] = await seed.add_agents(
        run.settings_for(env), reseller_id=seeded.reseller_id, count=1
    )
    agent_auth = await _signed_in(app, agent)
    first, mid, last = loaded.first_order_id, run._mid(loaded), loaded.last_order_id

    async def get() -> int:
        order_id = random.randint(first, last)
        return (await asgi(app, "GET", f"/api/v1/orders/{order_id}", headers=auth))[0]

    async def status_change() -> int:
        order_id = random.randint(first, mid)
        body = json.dumps({"status": random.choice(STATUSES), "note": "bench"}).encode()
        path = f"/api/v1/orders/{order_id}/status"
        return (await asgi(app, "PATCH", path, headers=auth, body=body))[0]

    webhook_path = f"/api/v1/webhooks/digishare/{seeded.integration_id}"
    webhook_auth = {"authorization": f"Bearer {seed.WEBHOOK_TOKEN}", **JSON}
    events = itertools.count()

    async def webhook() -> int:
        order_id = random.randint(first, mid)
        body = _ticket_updated(order_id, number=next(events)).encode()
        return (await asgi(app, "POST", webhook_path, headers=webhook_auth, body=body))[0]

    async def next_call() -> int:
        # One agent: each next claims the first order due and ends its claim on the previous
        # one, so the queue (the base orders being confirmed) never runs dry.
        return (await asgi(app, "POST", "/api/v1/calls/next", headers=agent_auth))[0]

    create_path, first_product, second_product = "/api/v1/orders", *seeded.product_ids[:2]
    keys = itertools.count()

    async def create() -> int:
        body = _new_order(first_product, second_product)
        return (await asgi(app, "POST", create_path, headers=auth, body=body))[0]

    async def keyed() -> int:
        headers = auth | {"idempotency-key": f"in-process-{next(keys)}"}
        body = _new_order(first_product, second_product)
        return (await asgi(app, "POST", create_path, headers=headers, body=body))[0]

    calls: dict[str, Call] = {
        "get": get,
        "status": status_change,
        "webhook": webhook,
        "next": next_call,
        "create": create,
        "keyed": keyed,
    }
    return app, calls, lifespan


async def _signed_in(app: Any, identifier: str) -> dict[str, str]:
    """The headers of a request by the user ``identifier`` (the seed's password)."""
    login = json.dumps({"identifier": identifier, "password": seed.PASSWORD})
    status, body = await asgi(
        app,
        "POST",
        "/api/v1/auth/login",
        headers={"content-type": "application/json"},
        body=login.encode(),
    )
    assert status == 200, body
    return {"authorization": f"Bearer {json.loads(body)['token']}", **JSON}


def _new_order(first_product: int, second_product: int) -> bytes:
    """create.lua's order: a new customer phone each time, two items."""
    phone = f"+2162{random.randint(0, 9_999_999):07d}"
    return json.dumps(
        {
            "customerName": "Amira Ben Salah",
            "customerPhone": phone,
            "customerAddress": "12 rue de Marseille",
            "customerCity": "Tunis",
            "customerGovernorate": "Tunis",
            "source": "facebook_page",
            "products": [
                {"productId": first_product, "quantity": 1, "price": 120.5, "notes": "Rouge"},
                {"productId": second_product, "quantity": 2, "price": 45.25, "notes": "Petit"},
            ],
        }
    ).encode()


def _ticket_updated(order_id: int, *, number: int) -> str:
    """The seed's ticket.updated for the order's ticket (as webhook.lua sends it): a new event
    each time, to one of two confirmation statuses."""
    ticket = f"bt{order_id:014d}"
    status = random.choice(WEBHOOK_STATUSES)
    at = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
    return json.dumps(
        {
            "event": "ticket.updated",
            "data": {
                "id": ticket,
                "data": {
                    "id": ticket,
                    "external_id": f"ORD-{order_id}",
                    "ticket_number": f"in-process-{number}",
                    "type_ticket_id": "npvrxamq9l94y8dz",
                    "ticket_status_id": status,
                    "information": {"third": {"wa_id": "21620123456"}, "campaign_data": {}},
                },
                "wasRecentlyCreated": False,
                "changes": {"ticket_status_id": status, "date_status": at, "updated_at": at},
            },
        }
    )


async def measure(name: str, call: Call, *, app: Any) -> None:
    for _ in range(50):  # warm-up
        assert await call() in (200, 201)
    per_request = []
    for _ in range(BATCHES):
        started = time.process_time()
        for _ in range(BATCH):
            await call()
        per_request.append(1000 * (time.process_time() - started) / BATCH)
    per_request.sort()
    print(f"{name}: CPU ms/request min {per_request[0]:.3f} median {per_request[BATCHES // 2]:.3f}")


async def profile(name: str, call: Call, *, app: Any) -> None:
    from pyinstrument import Profiler

    for _ in range(50):
        await call()
    profiler = Profiler(interval=0.0002, async_mode="disabled")
    profiler.start()
    for _ in range(BATCH * 3):
        await call()
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False, show_all=False))


async def round_trips(name: str, call: Call, *, app: Any) -> None:
    """The mean number of exchanges with PostgreSQL per request, once the statement caches are
    warm: each statement run (with or without a prepared statement), BEGIN and COMMIT counted."""
    from asyncpg.connection import Connection
    from asyncpg.prepared_stmt import PreparedStatement

    for _ in range(50):
        await call()
    count = 0

    def counted(method: Any, *, only_without_args: bool = False) -> Any:
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            nonlocal count
            if not only_without_args or len(args) == 2:
                count += 1
            return await method(*args, **kwargs)

        return wrapper

    execute, do_execute = Connection.execute, Connection._do_execute
    prepared_run = PreparedStatement._PreparedStatement__do_execute
    Connection.execute = counted(Connection.execute, only_without_args=True)
    Connection._do_execute = counted(Connection._do_execute)
    PreparedStatement._PreparedStatement__do_execute = counted(prepared_run)
    try:
        for _ in range(BATCH):
            await call()
    finally:
        Connection.execute, Connection._do_execute = execute, do_execute
        PreparedStatement._PreparedStatement__do_execute = prepared_run
    print(f"{name}: round trips/request {count / BATCH:.2f}")


async def function_calls(name: str, call: Call, *, app: Any) -> None:
    """Python function calls per request (cProfile), by package, and the 20 functions of most
    CPU of their own."""
    import cProfile
    import pstats

    for _ in range(50):
        await call()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(BATCH):
        await call()
    profiler.disable()
    stats = pstats.Stats(profiler)
    by_package: dict[str, int] = {}
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for (filename, _, _), (_, calls, _, _, _) in raw.items():
        package = _package(filename)
        by_package[package] = by_package.get(package, 0) + calls
    total = sum(by_package.values())
    print(f"{name}: function calls/request {total / BATCH:.0f}")
    for package, calls in sorted(by_package.items(), key=lambda item: -item[1]):
        print(f"    {package}: {calls / BATCH:.0f}")
    stats.sort_stats("tottime").print_stats(20)


def _package(filename: str) -> str:
    """The top package a profiled function belongs to (``commercy``, ``fastapi``...)."""
    for marker in ("site-packages/", "src/", "/work/"):
        if marker in filename:
            return filename.split(marker, 1)[1].split("/", 1)[0].removesuffix(".py")
    return "python" if filename.startswith(("/", "<frozen")) else filename


async def main(names: list[str], *, mode: str) -> None:
    app, calls, lifespan = await stage()
    run_one = {
        "--round-trips": round_trips,
        "--profile": profile,
        "--calls": function_calls,
    }.get(mode, measure)
    try:
        for name in names:
            await run_one(name, calls[name], app=app)
    finally:
        await lifespan.__aexit__(None, None, None)


if __name__ == "__main__":
    chosen = sys.argv[1].split(",") if len(sys.argv) > 1 else ["get", "status"]
    uvloop.run(main(chosen, mode=sys.argv[2] if len(sys.argv) > 2 else ""))
