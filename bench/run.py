"""``make bench``: Commercy against its floor, on PostgreSQL (and a short SQLite pass).

Starts real server processes (uvicorn, one worker, the same settings for the product and its
floor), seeds them, drives every scenario with wrk, checks the query plans at scale, measures
the outbox lag and the compression of a list page, then prints one table and appends it to
bench/RESULTS.md (raw figures in bench/out/results.json). ``BENCH_QUICK=1`` for a short pass.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import platform
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench import dataset, outbox_lag, plans, seed, web_pages
from bench.common import (
    BENCH,
    CONNECTIONS,
    DURATION,
    OUT,
    QUICK,
    VENV_BIN,
    Measure,
    Server,
    ensure_wrk,
    free_port,
    log,
    pg_dsn,
    serve,
    uvicorn_command,
    wrk,
)
from commercy.core.settings import Settings

BASE_ORDERS = int(os.environ.get("BENCH_BASE_ORDERS", "5000" if QUICK else "20000"))
SCALE_ORDERS = int(os.environ.get("BENCH_SCALE_ORDERS", "100000" if QUICK else "1000000"))
# The scale pass runs at each of these sizes, so a reader sees how each figure grows with the
# data (a tenth of the full size, then the full size, by default).
SCALE_SIZES = sorted(
    {int(n) for n in os.environ.get("BENCH_SCALE_SIZES", f"{SCALE_ORDERS // 10},{SCALE_ORDERS}")
     .split(",")}
)  # fmt: skip
SCALE_RESELLERS = int(os.environ.get("BENCH_SCALE_RESELLERS", "100" if QUICK else "1000"))
OUTBOX_RATE = float(os.environ.get("BENCH_OUTBOX_RATE", "10"))
OUTBOX_SECONDS = float(os.environ.get("BENCH_OUTBOX_SECONDS", "5" if QUICK else "20"))
SQLITE_DURATION = float(os.environ.get("BENCH_SQLITE_DURATION", "2" if QUICK else "5"))
SCALE_DURATION = float(os.environ.get("BENCH_SCALE_DURATION", "2" if QUICK else "5"))
# The ratio targets are read from the median of this many floor/product pairs: one pair's ratio
# moves by a quarter from run to run on these shared machines.
RATIO_PAIRS = int(os.environ.get("BENCH_RATIO_PAIRS", "1" if QUICK else "3"))
# The PostgreSQL pass's scenario groups to run (BENCH_SCENARIOS=create: create with and without
# Idempotency-Key, and create at half its peak).
SCENARIO_GROUPS = (
    "list", "get", "status", "webhook", "create", "calls", "compression", "outbox",
)  # fmt: skip
CHOSEN_SCENARIOS = [
    s for s in os.environ.get("BENCH_SCENARIOS", ",".join(SCENARIO_GROUPS)).split(",") if s
]
# Each web page is requested this many times on the scale set (median and p95 of them).
WEB_RUNS = int(os.environ.get("BENCH_WEB_RUNS", "5" if QUICK else "20"))
# Call-center agents of the calls group: one wrk thread and connection each, so no agent ends
# another's claims.
CALL_AGENTS = int(os.environ.get("BENCH_CALL_AGENTS", "20"))
# Another checkout's src/ (the code before a change): its create runs beside the product's,
# alternating with it, against the same floors, in the same run.
BEFORE_SRC = os.environ.get("BENCH_BEFORE_SRC", "")
LIST_FILTERS = "limit=50&status=pending,not_reached,confirmed&source=facebook_page,site_web,api"
HUGE = "1000000000/minute"
RESULTS_MD = BENCH / "RESULTS.md"


@dataclass
class Row:
    scenario: str
    db: str
    rps: float | None
    p50_ms: float | None
    p99_ms: float | None
    errors: int | None
    rss_mb: float | None
    floor_rps: float | None = None
    target: str = ""
    met: bool | None = None
    cpu_ms: float | None = None
    floor_cpu_ms: float | None = None
    # The same database work behind FastAPI (bench.framework_floor), and the bare floor running
    # every statement the product runs (BENCH_FLOOR_WORK=product): where the gap comes from.
    framework: Measure | None = None
    work: Measure | None = None
    spread: list[float] = field(default_factory=list)  # the ratio of each floor/product pair

    @property
    def ratio(self) -> float | None:
        return _ratio(self.rps, self.floor_rps)


def _ratio(rps: float | None, floor_rps: float | None) -> float | None:
    return None if rps is None or not floor_rps else rps / floor_rps


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    plans: list[plans.Plan] = field(default_factory=list)
    web_pages: list[web_pages.PageTime] = field(default_factory=list)
    compression: dict[str, Any] = field(default_factory=dict)
    outbox: outbox_lag.Lag | None = None
    dataset_seconds: dict[int, float] = field(default_factory=dict)
    # figure → {orders in the data set → ms}: how each scale figure grows with the data.
    growth: dict[str, dict[int, float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def grows(self, figure: str, orders: int, ms: float) -> None:
        self.growth.setdefault(figure, {})[orders] = ms

    def add(
        self, product: Measure, floor: Measure | None = None, *, target: str = "",
        met: bool | None = None, name: str | None = None,
        framework: Measure | None = None, work: Measure | None = None,
        spread: list[float] | None = None,
    ) -> None:  # fmt: skip
        self.measures += [m for m in (product, floor, framework, work) if m is not None]
        self.rows.append(
            Row(
                scenario=name or product.scenario,
                db=product.db,
                rps=product.rps,
                p50_ms=product.p50_ms,
                p99_ms=product.p99_ms,
                errors=product.errors,
                rss_mb=product.peak_rss_mb,
                floor_rps=floor.rps if floor else None,
                target=target,
                met=met,
                cpu_ms=product.cpu_ms_per_request,
                floor_cpu_ms=floor.cpu_ms_per_request if floor else None,
                framework=framework,
                work=work,
                spread=spread or [],
            )
        )


def product_env(database_url: str, secrets_env: dict[str, str]) -> dict[str, str]:
    return {
        **secrets_env,
        "COMMERCY_DATABASE_URL": database_url,
        "COMMERCY_DATA_DIR": str(OUT / "data"),
        "COMMERCY_SANDBOX_MOUNTED": "false",
        "COMMERCY_WORKER_IN_PROCESS": "false",
        # Budgets out of the way. Fixed window: a moving window at a huge budget would keep one
        # entry per request for a minute, a cost no real (600/minute) budget ever has.
        "COMMERCY_RATE_LIMIT_STRATEGY": "fixed-window",
        "COMMERCY_RATE_LIMIT_USER": HUGE,
        "COMMERCY_RATE_LIMIT_ADDRESS": HUGE,
        "COMMERCY_RATE_LIMIT_LOGIN_IDENTIFIER": HUGE,
        "COMMERCY_RATE_LIMIT_LOGIN_ADDRESS": HUGE,
    }


def settings_for(env: dict[str, str]) -> Settings:
    return Settings(
        _env_file=None,
        database_url=env["COMMERCY_DATABASE_URL"],
        data_dir=Path(env["COMMERCY_DATA_DIR"]),
        jwt_secret=env["COMMERCY_JWT_SECRET"],
        encryption_key=env["COMMERCY_ENCRYPTION_KEY"],
    )


@contextmanager
def product_server(name: str, env: dict[str, str]) -> Iterator[Server]:
    port = free_port()
    command = uvicorn_command("commercy.main:create_app", port)
    with serve(name, command, env=env, port=port, probe="/api/v1/status") as server:
        yield server


@contextmanager
def floor_server(
    name: str, database: str, seeded: seed.Seeded, *, app: str = "bench.floor:create_app",
    work: str = "floor",
) -> Iterator[Server]:  # fmt: skip
    """The floor (``bench.floor``), or with ``app`` another floor reading the same settings."""
    port = free_port()
    env = {
        "BENCH_FLOOR_DATABASE": database,
        "BENCH_FLOOR_RESELLER_ID": str(seeded.reseller_id),
        "BENCH_FLOOR_SUPPLIER_ID": str(seeded.supplier_id),
        "BENCH_FLOOR_INTEGRATION_ID": str(seeded.integration_id or 0),
        "BENCH_FLOOR_WORK": work,
    }
    with serve(name, uvicorn_command(app, port), env=env, port=port) as s:
        yield s


def login(server: Server, identifier: str) -> str:
    response = httpx.post(
        f"{server.url}/api/v1/auth/login",
        json={"identifier": identifier, "password": seed.PASSWORD},
        timeout=30,
    )
    response.raise_for_status()
    token: str = response.json()["token"]
    return token


async def recreate_database(name: str) -> None:
    conn = await asyncpg.connect(pg_dsn("postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def products_of(seeded: seed.Seeded) -> list[dataset.Product]:
    names = ("Tapis berbère", "Lampe en cuivre")
    return [
        dataset.Product(id=pid, name=names[i], code=f"BENCH-{i + 1}", price="0")
        for i, pid in enumerate(seeded.product_ids)
    ]


# --- PostgreSQL -----------------------------------------------------------------------------


@dataclass
class PostgresStage:
    """A fresh bench database with its base orders, a sandbox and the product serving it."""

    env: dict[str, str]
    dsn: str
    seeded: seed.Seeded
    loaded: dataset.Loaded
    product: Server
    token: str


@contextmanager
def postgres_stage(secrets_env: dict[str, str]) -> Iterator[PostgresStage]:
    name = os.environ.get("BENCH_DATABASE", "commercy_bench")
    dsn = pg_dsn(name)
    asyncio.run(recreate_database(name))
    env = product_env(dsn, secrets_env)
    sandbox_port = free_port()
    sandbox_env = {"COMMERCY_SANDBOX_TOKEN": seed.SANDBOX_TOKEN}
    sandbox_command = [
        str(VENV_BIN / "python"), "-m", "uvicorn", "commercy.sandbox.app:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(sandbox_port), "--log-level", "warning",
        "--no-access-log",
    ]  # fmt: skip
    with ExitStack() as stack:
        stack.enter_context(serve("sandbox", sandbox_command, env=sandbox_env, port=sandbox_port))
        sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        seeded = asyncio.run(seed.seed(settings_for(env), sandbox_url=sandbox_url))
        loaded = asyncio.run(_load_base(dsn, seeded))
        log(f"PostgreSQL: {BASE_ORDERS} base orders in {loaded.seconds:.1f} s")
        product = stack.enter_context(product_server("product-postgres", env))
        token = login(product, seeded.reseller_identifier)
        yield PostgresStage(env, dsn, seeded, loaded, product, token)


def postgres_pass(report: Report, secrets_env: dict[str, str]) -> None:
    with (
        postgres_stage(secrets_env) as stage,
        floor_server("floor-postgres", stage.dsn, stage.seeded) as floor,
        floor_server("framework-floor-postgres", stage.dsn, stage.seeded,
                     app="bench.framework_floor:create_app") as framework,
        floor_server("work-floor-postgres", stage.dsn, stage.seeded, work="product") as work,
        ExitStack() as optional,
    ):  # fmt: skip
        before = None
        if BEFORE_SRC:
            before_env = {**stage.env, "PYTHONPATH": BEFORE_SRC}
            before = optional.enter_context(product_server("product-before-postgres", before_env))
        seeded, loaded, product, token = stage.seeded, stage.loaded, stage.product, stage.token
        common = {
            "BENCH_TOKEN": token,
            "BENCH_PRODUCTS": ",".join(map(str, seeded.product_ids)),
            "BENCH_ORDER_MIN": str(loaded.first_order_id),
            "BENCH_ORDER_MAX": str(loaded.last_order_id),
            "BENCH_INTEGRATION_ID": str(seeded.integration_id),
            "BENCH_WEBHOOK_TOKEN": seed.WEBHOOK_TOKEN,
        }
        list_path = f"/api/v1/orders?{LIST_FILTERS}"

        def measured(scenario: str, script: str, path: str, *, target: str = "",
                     with_work: bool = False, extra: dict[str, str] | None = None,
                     with_before: bool = False, with_framework: bool = True,
                     agents: int | None = None) -> Measure:  # fmt: skip
            """The floor, the framework floor (and the product's work on the floor), then the
            product, back to back on the same data; one row. A scenario with a ratio target
            runs its floor and product pair RATIO_PAIRS times, alternating, and keeps the pair
            of median ratio (the spread goes into the row). With ``agents``, that many wrk
            threads of one connection each."""
            env = {**common, **(extra or {})}
            sized = {"connections": agents, "threads": agents} if agents else {}

            def run(server: Server, kind: str) -> Measure:
                return wrk(server=server, script=script, path=path, env=env,
                           scenario=scenario, db="pg", kind=kind, **sized)  # fmt: skip

            floor_m = run(floor, "floor")
            framework_m = run(framework, "framework") if with_framework else None
            work_m = run(work, "work") if with_work else None
            pairs, befores = [(run(product, "product"), floor_m)], []
            for index in range(RATIO_PAIRS if target else 1):
                if index:
                    floor_next = run(floor, "floor")
                    pairs.append((run(product, "product"), floor_next))
                if before is not None and with_before:
                    befores.append((run(before, "before"), pairs[-1][1]))
            pairs.sort(key=lambda pair: pair[0].rps / pair[1].rps)
            product_m, floor_m = pairs[len(pairs) // 2]
            met = _ratio_met(product_m, floor_m) if target else None
            report.add(product_m, floor_m, target=target, met=met, framework=framework_m,
                       work=work_m, spread=[p.rps / f.rps for p, f in pairs])  # fmt: skip
            if befores:
                befores.sort(key=lambda pair: pair[0].rps / pair[1].rps)
                before_m, before_floor = befores[len(befores) // 2]
                report.add(before_m, before_floor, name=f"{scenario} (before: {BEFORE_SRC})",
                           work=work_m, spread=[p.rps / f.rps for p, f in befores])  # fmt: skip
            return product_m

        def half_peak(
            peak: Measure,
            script: str,
            path: str,
            *,
            extra: dict[str, str] | None = None,
            agents: int | None = None,
        ) -> None:
            """p99 at half the peak rate, run right after the peak on the same data."""
            asyncio.run(checkpoint(stage.dsn))
            sized = {"connections": agents, "threads": agents} if agents else {}
            half = wrk(server=product, script=script, path=path, env={**common, **(extra or {})},
                       scenario=f"{peak.scenario} @ ½ peak", db="pg", kind="product",
                       rate=round(peak.rps / 2, 1), **sized)  # fmt: skip
            report.add(half, target="p99 < 50 ms", met=half.p99_ms < 50 and half.errors == 0,
                       name=f"{peak.scenario} @ ½ peak ({half.rate:g}/s)")  # fmt: skip

        if "list" in CHOSEN_SCENARIOS:
            list_m = measured("list page (50, filters)", "list.lua", list_path,
                              target="ratio ≥ 0.5")  # fmt: skip
            half_peak(list_m, "list.lua", list_path)
        if "get" in CHOSEN_SCENARIOS:
            measured("get order", "get.lua", "/api/v1/orders/1")
        moving = {"BENCH_ORDER_MAX": str(_mid(loaded))}
        if "status" in CHOSEN_SCENARIOS:
            measured("status update", "status.lua", "/api/v1/orders/1/status", extra=moving)
        if "webhook" in CHOSEN_SCENARIOS:
            measured("Digishare webhook ingest", "webhook.lua", "/api/v1/webhooks", extra=moving)
        if "create" in CHOSEN_SCENARIOS:
            create_m = measured("create order", "create.lua", "/api/v1/orders",
                                target="ratio ≥ 0.5", with_work=True,
                                with_before=True)  # fmt: skip
            half_peak(create_m, "create.lua", "/api/v1/orders")
            keyed_m = measured("create + Idempotency-Key", "create.lua", "/api/v1/orders",
                               extra={"BENCH_IDEMPOTENCY": "1"}, with_before=True)  # fmt: skip
            report.notes.append(
                f"Create with Idempotency-Key / create without: {keyed_m.rps / create_m.rps:.2f}"
                " (target ≥ 0.8)"
            )
        if "calls" in CHOSEN_SCENARIOS:
            agents = call_agents(stage)
            calls_m = measured(f"calls next ({CALL_AGENTS} agents)", "calls.lua",
                               "/api/v1/calls/next", target="ratio ≥ 0.5", extra=agents,
                               with_framework=False, with_before=True,
                               agents=CALL_AGENTS)  # fmt: skip
            half_peak(calls_m, "calls.lua", "/api/v1/calls/next", extra=agents,
                      agents=CALL_AGENTS)  # fmt: skip
        if "compression" in CHOSEN_SCENARIOS:
            report.compression = compression(product, token, list_path)
        if "outbox" in CHOSEN_SCENARIOS:
            add_outbox_lag(report, stage)


def call_agents(stage: PostgresStage) -> dict[str, str]:
    """The bench reseller's call-center agents, logged in: their ids and tokens for calls.lua.
    Each next claims an order and ends the agent's previous claim, so the queue (the base
    orders being confirmed, thousands) never runs dry: at most one claim per agent is held."""
    agents = asyncio.run(
        seed.add_agents(settings_for(stage.env), reseller_id=stage.seeded.reseller_id,
                        count=CALL_AGENTS)
    )  # fmt: skip
    return {
        "BENCH_AGENT_IDS": ",".join(str(user_id) for user_id, _ in agents),
        "BENCH_AGENT_TOKENS": ",".join(
            login(stage.product, identifier) for _, identifier in agents
        ),
    }


def outbox_pass(report: Report, secrets_env: dict[str, str]) -> None:
    """The outbox lag alone (`BENCH_PASSES=outbox`): quicker to iterate on than the whole pass."""
    with postgres_stage(secrets_env) as stage:
        add_outbox_lag(report, stage)


def add_outbox_lag(report: Report, stage: PostgresStage) -> None:
    lag = report.outbox = outbox(stage)
    report.rows.append(
        Row(
            scenario=f"outbox lag ({lag.orders_placed} orders at {lag.rate:g}/s)",
            db="pg",
            rps=None,
            p50_ms=lag.p50_s * 1000 if lag.p50_s is not None else None,
            p99_ms=lag.p99_s * 1000 if lag.p99_s is not None else None,
            errors=lag.placed_errors + (lag.orders_placed - lag.tickets),
            rss_mb=None,
            target="p50 < 500 ms",
            met=lag.p50_s is not None and lag.p50_s < 0.5 and lag.tickets == lag.orders_placed,
        )
    )


async def checkpoint(dsn: str) -> None:
    """Write out what the runs before left in the WAL. The create floors write over 500 MB of
    it a minute, and the checkpoint that triggers would otherwise land in the paced ½-peak run
    that follows: its last fsyncs set that run's p99 (143 ms against 15-17 ms without)."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()


def _ratio_met(product: Measure, floor: Measure) -> bool:
    return bool(floor.rps) and product.rps / floor.rps >= 0.5 and product.errors == 0


async def _load_base(dsn: str, seeded: seed.Seeded) -> dataset.Loaded:
    conn = await asyncpg.connect(dsn)
    try:
        loaded = await dataset.add_orders(
            conn,
            count=BASE_ORDERS,
            supplier_id=seeded.supplier_id,
            user_id=seeded.reseller_user_id,
            big_reseller_id=seeded.reseller_id,
            other_reseller_ids=[],
            big_every=1,
            products=products_of(seeded),
            actor_label=f"reseller:{seeded.reseller_identifier}",
        )
        # The status and webhook scenarios move the first half of them (see their scripts).
        await dataset.reopen(conn, first=loaded.first_order_id, last=_mid(loaded))
        if seeded.integration_id is not None:
            await dataset.link_tickets(
                conn,
                integration_id=seeded.integration_id,
                first=loaded.first_order_id,
                last=loaded.last_order_id,
            )
        return loaded
    finally:
        await conn.close()


def _mid(loaded: dataset.Loaded) -> int:
    return (loaded.first_order_id + loaded.last_order_id) // 2


def compression(server: Server, token: str, path: str) -> dict[str, Any]:
    """Bytes on the wire for one 50-order page, per encoding the client accepts."""
    sizes: dict[str, Any] = {}
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for accept in ("identity", "gzip", "br", "zstd", "zstd, br, gzip"):
            headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": accept}
            with client.stream("GET", path, headers=headers) as response:
                raw = b"".join(response.iter_raw())
                sizes[accept] = {
                    "encoding": response.headers.get("content-encoding", "identity"),
                    "bytes": len(raw),
                }
    plain = sizes["identity"]["bytes"]
    for entry in sizes.values():
        entry["ratio"] = round(entry["bytes"] / plain, 3) if plain else None
    log(f"compression of a 50-order page: {json.dumps(sizes)}")
    return sizes


def outbox(stage: PostgresStage) -> outbox_lag.Lag:
    skipped = asyncio.run(outbox_lag.skip_pending_jobs(stage.dsn))
    log(f"outbox: {skipped} jobs left by the create scenarios marked skipped")
    worker_command = [str(VENV_BIN / "commercy"), "worker"]
    worker = subprocess.Popen(
        worker_command, cwd=BENCH.parent, env={**os.environ, **stage.env},
        stdout=(OUT / "worker.log").open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        time.sleep(2)
        body = {
            "customerName": "Amira Ben Salah",
            "customerAddress": "12 rue de Marseille",
            "customerCity": "Tunis",
            "source": "facebook_page",
            "products": [
                {"productId": stage.seeded.product_ids[0], "quantity": 1, "price": 120.5,
                 "notes": "Rouge"},
            ],
        }  # fmt: skip
        lag = asyncio.run(
            outbox_lag.measure(
                api_url=stage.product.url, dsn=stage.dsn, token=stage.token, body=body,
                rate=OUTBOX_RATE, seconds=OUTBOX_SECONDS,
            )
        )  # fmt: skip
    finally:
        worker.terminate()
        worker.wait(timeout=15)
    log(f"outbox lag: {lag.to_json()}")
    return lag


# --- scale ----------------------------------------------------------------------------------


def scale_pass(report: Report, secrets_env: dict[str, str]) -> None:
    for orders in SCALE_SIZES:
        scale_at(report, secrets_env, orders=orders, largest=orders == SCALE_SIZES[-1])


def scale_at(report: Report, secrets_env: dict[str, str], *, orders: int, largest: bool) -> None:
    """The list queries, their plans and the web pages on a data set of ``orders`` orders; the
    largest set's plans and pages are the ones the report details."""
    name = os.environ.get("BENCH_DATABASE", "commercy_bench") + "_scale"
    dsn = pg_dsn(name)
    asyncio.run(recreate_database(name))
    env = product_env(dsn, secrets_env)
    seeded = asyncio.run(seed.seed(settings_for(env), sandbox_url=None))
    started = time.perf_counter()
    loaded = asyncio.run(_load_scale(dsn, seeded, orders=orders))
    report.dataset_seconds[orders] = time.perf_counter() - started
    size = f"{orders // 1000}k"
    log(f"scale: {orders} orders across {SCALE_RESELLERS} resellers in "
        f"{report.dataset_seconds[orders]:.1f} s")  # fmt: skip
    # A phone of one of the bench reseller's orders (every tenth order is its).
    digits = dataset.phone_of(10 * (orders // 20)).removeprefix("+216")
    checked = asyncio.run(
        plans.check(
            dsn, reseller_id=seeded.reseller_id, supplier_id=seeded.supplier_id,
            phone_digits=digits,
        )
    )  # fmt: skip
    for plan in checked:
        log(
            f"plan {size} {plan.query:<13} {plan.statement:<5} {plan.execution_ms:7.2f} ms  "
            f"index: {', '.join(plan.indexes) or '-'}  seq scans: {plan.seq_scans or '-'}"
        )
        report.grows(f"plan: {plan.query}, {plan.statement}", orders, plan.execution_ms)
    queries = {
        "page 1": "limit=50",
        "page 100": "limit=50&page=100",
        "filtered": "limit=50&status=confirmed,shipped",
        "search phone": f"limit=50&search={digits}",
    }
    with product_server(f"product-scale-{size}", env) as product:
        token = login(product, seeded.reseller_identifier)
        for query, params in queries.items():
            measure = wrk(
                server=product, script="list.lua", path=f"/api/v1/orders?{params}",
                env={"BENCH_TOKEN": token}, scenario=f"{size}: {query}", db="pg",
                kind="scale", connections=1, duration=SCALE_DURATION, warmup=1,
            )  # fmt: skip
            indexed = all(p.uses_index for p in checked if p.query == query)
            target, met = "plans use an index", indexed
            if query == "page 1":
                target, met = "< 20 ms in the server, indexed", measure.p50_ms < 20 and indexed
            measure.extra = {"plans_use_index": indexed, "orders": loaded}
            report.add(measure, target=target, met=met,
                       name=f"{size} orders: {query} (1 conn)")  # fmt: skip
            report.grows(f"API list, {query}: p50", orders, measure.p50_ms)
    number = asyncio.run(web_pages.newest_order_number(dsn))
    timed_pages = asyncio.run(web_pages.time_pages(dsn, order_number=number, runs=WEB_RUNS))
    for timed in timed_pages:
        log(f"web page {size} {web_pages.line(timed)}")
        path = timed.path.replace(number, "{newest order}")
        report.grows(f"web {timed.user} `{path}`: median", orders, timed.median_ms)
    if largest:
        report.plans, report.web_pages = checked, timed_pages


async def _load_scale(dsn: str, seeded: seed.Seeded, *, orders: int) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        others = await dataset.add_resellers(
            conn, supplier_id=seeded.supplier_id, count=SCALE_RESELLERS - 1
        )
        await dataset.add_orders(
            conn,
            count=orders,
            supplier_id=seeded.supplier_id,
            user_id=seeded.reseller_user_id,
            big_reseller_id=seeded.reseller_id,
            other_reseller_ids=others,
            big_every=10,
            products=products_of(seeded),
            actor_label=f"reseller:{seeded.reseller_identifier}",
        )
        return int(await conn.fetchval("SELECT count(*) FROM orders"))
    finally:
        await conn.close()


# --- SQLite ---------------------------------------------------------------------------------


def sqlite_pass(report: Report, secrets_env: dict[str, str]) -> None:
    folder = OUT / "sqlite"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    path = folder / "commercy.db"
    env = product_env(f"sqlite+aiosqlite:///{path}", secrets_env)
    seeded = asyncio.run(seed.seed(settings_for(env), sandbox_url=None))
    loaded = dataset.add_orders_sqlite(
        str(path), count=BASE_ORDERS // 4, supplier_id=seeded.supplier_id,
        user_id=seeded.reseller_user_id, reseller_id=seeded.reseller_id,
        products=products_of(seeded), actor_label=f"reseller:{seeded.reseller_identifier}",
    )  # fmt: skip
    with (
        product_server("product-sqlite", env) as product,
        floor_server("floor-sqlite", str(path), seeded) as floor,
    ):
        token = login(product, seeded.reseller_identifier)
        run_env = {
            "BENCH_TOKEN": token,
            "BENCH_PRODUCTS": ",".join(map(str, seeded.product_ids)),
            "BENCH_ORDER_MIN": str(loaded.first_order_id),
            "BENCH_ORDER_MAX": str(loaded.last_order_id),
        }
        for scenario, script, path_ in (
            ("list page (50, filters)", "list.lua", f"/api/v1/orders?{LIST_FILTERS}"),
            ("get order", "get.lua", "/api/v1/orders/1"),
            ("create order", "create.lua", "/api/v1/orders"),
        ):
            measures = [
                wrk(server=server, script=script, path=path_, env=run_env, scenario=scenario,
                    db="sqlite", kind=kind, duration=SQLITE_DURATION, warmup=1)
                for server, kind in ((floor, "floor"), (product, "product"))
            ]  # fmt: skip
            report.add(measures[1], measures[0])


# --- report ---------------------------------------------------------------------------------


def _num(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _ratio_cell(row: Row) -> str:
    """The ratio; with several floor/product pairs, their range after it."""
    if len(row.spread) < 2:
        return _num(row.ratio, 2)
    return f"{_num(row.ratio, 2)} ({_num(min(row.spread), 2)}-{_num(max(row.spread), 2)})"


def _beside(reference: Measure | None, floor_rps: float | None) -> str:
    """A reference's rps (its ratio to the floor; its CPU ms per request)."""
    if reference is None:
        return "-"
    ratio, cpu = _ratio(reference.rps, floor_rps), reference.cpu_ms_per_request
    return f"{_num(reference.rps)} ({_num(ratio, 2)}; {_num(cpu, 2)} ms)"


def table(report: Report) -> str:
    header = ("scenario", "db", "rps", "p50 ms", "p99 ms", "errors", "peak RSS MB", "floor rps",
              "ratio", "target", "met?", "CPU ms/req (floor)", "FastAPI floor: rps (ratio; CPU)",
              "floor with the product's SQL: rps (ratio; CPU)")  # fmt: skip
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in report.rows:
        met = "-" if row.met is None else ("yes" if row.met else "**no**")
        lines.append(
            "| " + " | ".join([
                row.scenario, row.db, _num(row.rps), _num(row.p50_ms, 2), _num(row.p99_ms, 2),
                "-" if row.errors is None else str(row.errors), _num(row.rss_mb, 0),
                _num(row.floor_rps), _ratio_cell(row), row.target or "-", met,
                f"{_num(row.cpu_ms, 2)} ({_num(row.floor_cpu_ms, 2)})",
                _beside(row.framework, row.floor_rps), _beside(row.work, row.floor_rps),
            ]) + " |"
        )  # fmt: skip
    return "\n".join(lines)


def plans_table(report: Report) -> str:
    lines = ["| query | statement | execution ms | indexes | seq scans | rows removed by filter |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    for p in report.plans:
        lines.append(
            f"| {p.query} | {p.statement} | {p.execution_ms:.2f} | {', '.join(p.indexes) or '-'}"
            f" | {', '.join(p.seq_scans) or '-'} | {p.rows_removed_by_filter:,} |"
        )
    return "\n".join(lines)


def web_pages_table(report: Report) -> str:
    target = f"median < {web_pages.TARGET_MS:g} ms, ≤ {web_pages.MAX_BYTES // 1000} kB"
    lines = [f"| user | page | median ms | p95 ms | bytes | target: {target} |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    for timed in report.web_pages:
        lines.append(
            f"| {timed.user} | `{timed.path}` | {timed.median_ms:.1f} | {timed.p95_ms:.1f} | "
            f"{timed.size:,} | {'yes' if timed.met else '**no**'} |"
        )
    return "\n".join(lines)


def growth_table(report: Report) -> str:
    sizes = SCALE_SIZES
    header = " | ".join(f"{n // 1000}k orders, ms" for n in sizes)
    lines = [f"| figure | {header} | grew, {sizes[0] // 1000}k to {sizes[-1] // 1000}k |",
             "|---|" + "---|" * (len(sizes) + 1)]  # fmt: skip
    for figure, by_size in report.growth.items():
        cells = " | ".join(_num(by_size.get(n)) for n in sizes)
        first, last = by_size.get(sizes[0]), by_size.get(sizes[-1])
        times = f"{last / first:.1f}x" if first and last is not None else "-"
        lines.append(f"| {figure} | {cells} | {times} |")
    return "\n".join(lines)


def compression_table(report: Report) -> str:
    lines = ["| Accept-Encoding | answered with | bytes | ratio |", "|---|---|---|---|"]
    for accept, entry in report.compression.items():
        lines.append(f"| `{accept}` | {entry['encoding']} | {entry['bytes']:,} | "
                     f"{entry['ratio']} |")  # fmt: skip
    return "\n".join(lines)


def machine() -> dict[str, str]:
    memory_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )  # fmt: skip
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), platform.processor()
    )  # fmt: skip
    postgres = asyncio.run(_postgres_version())
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout
    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "memory": f"{memory_kb / 1024 / 1024:.1f} GiB",
        "python": platform.python_version(),
        "postgresql": postgres,
        "os": platform.platform(),
        "wrk": wrk_version.split("[")[0].strip() or "wrk",
    }


async def _postgres_version() -> str:
    conn = await asyncpg.connect(pg_dsn("postgres"))
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


def write_results(report: Report, info: dict[str, str], command: str, seconds: float) -> str:
    date = time.strftime("%Y-%m-%d %H:%M %Z")
    lag = report.outbox
    text = "\n".join([
        f"## Run of {date}{' (quick)' if QUICK else ''}",
        "",
        f"- Command: `{command}` ({seconds / 60:.1f} min)",
        f"- Machine: {info['cpus']} CPUs ({info['cpu']}), {info['memory']}, {info['os']}",
        f"- Python {info['python']}, PostgreSQL {info['postgresql']}, {info['wrk']}",
        f"- Load: wrk, {CONNECTIONS} connections, {DURATION:g} s per run after a warm-up; the "
        "floor runs just before the product, on the same database and server settings; a ratio "
        f"target reads the median of {RATIO_PAIRS} alternating floor/product pairs (their range "
        "in brackets).",
        "- Scale data sets (orders with items and history lines, across "
        f"{SCALE_RESELLERS:,} resellers): "
        + ", ".join(f"{n:,} loaded in {_num(took)} s" for n, took in report.dataset_seconds.items())
        + ".",
        "",
        table(report),
        "",
        "Outbox: " + (json.dumps(lag.to_json()) if lag else "not measured"),
        "",
        "Query plans at scale (the statements Commercy runs, `EXPLAIN ANALYZE`):",
        "",
        plans_table(report),
        "",
        f"Web app pages at scale (server time in-process, {WEB_RUNS} requests each):",
        "",
        web_pages_table(report),
        "",
        "Growth: each scale figure at each size of the data set:",
        "",
        growth_table(report),
        "",
        "Compression of a 50-order list page:",
        "",
        compression_table(report),
        "",
        *(f"- {note}" for note in report.notes),
        "",
    ])  # fmt: skip
    if not RESULTS_MD.exists():
        RESULTS_MD.write_text("# Benchmark results\n\nAppended by `make bench` (bench/run.py).\n\n")
    with RESULTS_MD.open("a") as results:
        results.write(text + "\n")
    return text


def main() -> None:
    started = time.perf_counter()
    ensure_wrk()
    OUT.mkdir(parents=True, exist_ok=True)
    secrets_env = {
        "COMMERCY_JWT_SECRET": secrets.token_urlsafe(48),
        "COMMERCY_ENCRYPTION_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
    }
    report = Report()
    passes = os.environ.get("BENCH_PASSES", "postgres,scale,sqlite").split(",")
    if "postgres" in passes:
        postgres_pass(report, secrets_env)
    elif "outbox" in passes:
        outbox_pass(report, secrets_env)
    if "scale" in passes:
        scale_pass(report, secrets_env)
    if "sqlite" in passes:
        sqlite_pass(report, secrets_env)
    info = machine()
    command = " ".join(
        [*(f"{k}={v}" for k, v in os.environ.items() if k.startswith("BENCH_")), "make bench"]
    )
    seconds = time.perf_counter() - started
    (OUT / "results.json").write_text(
        json.dumps(
            {
                "machine": info,
                "measures": [m.to_json() for m in report.measures],
                "plans": [p.to_json() for p in report.plans],
                "web_pages": [timed.to_json() for timed in report.web_pages],
                "compression": report.compression,
                "outbox": report.outbox.to_json() if report.outbox else None,
                "dataset_seconds": report.dataset_seconds,
                "growth": report.growth,
            },
            indent=2,
            default=str,
        )
    )
    print()
    print(table(report))
    if report.web_pages:
        print()
        print(web_pages_table(report))
    if report.growth:
        print()
        print(growth_table(report))
    write_results(report, info, command, seconds)
    log(f"done in {seconds / 60:.1f} min; appended to {RESULTS_MD.relative_to(BENCH.parent)}")


if __name__ == "__main__":
    main()
