"""The Commercy ASGI application."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi_offline import FastAPIOffline
from starlette_compress import CompressMiddleware, add_compress_type

from commercy import __version__
from commercy.accounts.endpoints import router as accounts_router
from commercy.auth.endpoints import router as auth_router
from commercy.blocklist.endpoints import router as blocklist_router
from commercy.calls.endpoints import router as calls_router
from commercy.catalog.endpoints import router as catalog_router
from commercy.converty.endpoints import router as converty_router
from commercy.core.database import Database, UnitOfWorkRoute
from commercy.core.errors import install_error_handlers
from commercy.core.http_hardening import (
    ApiCORSMiddleware,
    BodySizeLimitMiddleware,
    SecurityHeadersMiddleware,
    cors_options,
)
from commercy.core.memory import freeze_startup_objects
from commercy.core.middleware import EdgeMiddleware
from commercy.core.openapi import document_errors
from commercy.core.query_contract import check_query_and_path
from commercy.core.ratelimit import RateLimitMiddleware, RateLimits
from commercy.core.settings import Settings
from commercy.integrations import digishare
from commercy.integrations.digishare import embedded
from commercy.integrations.digishare.endpoints import router as digishare_router
from commercy.integrations.digishare.endpoints import webhook_router as digishare_webhook_router
from commercy.jobs import build_worker
from commercy.orders.endpoints import router as orders_router
from commercy.stats.endpoints import router as stats_router
from commercy.system.endpoints import router as system_router
from commercy.system.health import router as health_router
from commercy.web.app import PREFIX as WEB_PREFIX
from commercy.web.app import create_web_app

API_PREFIX = "/api/v1"

DESCRIPTION = """
The order hub for cash-on-delivery sellers.

* **Log in** with `POST /api/v1/auth/login` and send the token as `Authorization: Bearer <token>`.
* Every answer has `success` and `timestamp`; data sits in `data`, lists carry a `pagination`
  block, and errors carry `error`, `message` and `details`.
* Dates are ISO 8601 in UTC (`2024-01-15T10:30:00.000Z`); amounts are JSON numbers with at most
  three decimals.
* Bad input is a 400 naming each bad field in `details.errors`: unknown body fields (with the
  nearest known name) and query parameters, control characters in text, ids past
  2,147,483,647; a path naming no object is a 404.
"""


# The docs' sections, in reading order (the routes below are in matching order).
OPENAPI_TAGS = [
    {"name": "system", "description": "Is the API up"},
    {"name": "auth", "description": "Log in, and who you are"},
    {"name": "accounts", "description": "Suppliers, resellers and their users"},
    {"name": "products", "description": "A supplier's catalogue"},
    {"name": "converty", "description": "A reseller's Converty products and their mappings"},
    {"name": "orders", "description": "Orders: creation, lists, lifecycle, documents"},
    {"name": "blocked-phones", "description": "Numbers whose orders are kept aside"},
    {"name": "stats", "description": "Figures for supervisors"},
    {"name": "calls", "description": "The call center: the queue, claims, call attempts"},
    {"name": "digishare", "description": "WhatsApp confirmation through Digishare"},
]


def include_api(app: FastAPI) -> None:
    """The API's domain routers under /api/v1, each included into the app itself: FastAPI checks
    the routes of every router a request passes through on each request, so one router more
    around them all (an /api/v1 router of routers) cost a pass over every API route."""
    # FastAPI tries the included routers one after the other: the busiest paths go first (the
    # orders, then Digishare's webhook), which reaches an orders route about 80 µs sooner than
    # behind the other five. No two routers share a path, so the order changes no match.
    for domain_router in (
        orders_router,
        digishare_webhook_router,
        system_router,
        auth_router,
        accounts_router,
        catalog_router,
        converty_router,
        calls_router,
        digishare_router,
        blocklist_router,
        stats_router,
    ):
        app.include_router(
            domain_router, prefix=API_PREFIX, dependencies=[Depends(check_query_and_path)]
        )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    settings.refuse_unsafe_production(serves_api=True)
    digishare.install()
    database = Database(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            if settings.sandbox_mounted:
                stack.push_async_callback(app.state.sandbox.state.sandbox.aclose)
                await embedded.subscribe_sandbox_webhooks(app.state.sandbox, database, settings)
            if settings.worker_in_process:
                await stack.enter_async_context(_background_worker(database, settings))
            if settings.gc_freeze_at_startup:
                freeze_startup_objects()
            yield
        await database.dispose()

    # FastAPIOffline serves Swagger UI's assets itself: the docs page needs no CDN.
    app = FastAPIOffline(
        title="Commercy API",
        version=__version__,
        description=DESCRIPTION,
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        static_url=f"{API_PREFIX}/docs/static",
        openapi_url=f"{API_PREFIX}/openapi.json",
        openapi_tags=OPENAPI_TAGS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.database = database
    app.router.route_class = UnitOfWorkRoute  # a route added to the app itself, too
    app.state.started_at = time.monotonic()
    install_error_handlers(app)
    app.state.rate_limits = RateLimits(settings)
    install_middleware(app, settings)
    include_api(app)
    app.include_router(health_router)
    document_errors(app)
    app.mount(
        WEB_PREFIX,
        create_web_app(settings=settings, database=database, rate_limits=app.state.rate_limits),
    )
    if settings.sandbox_mounted:
        app.state.sandbox = mount_sandbox(app, settings)
    return app


def mount_sandbox(app: FastAPI, settings: Settings) -> FastAPI:
    """The embedded default's Digishare, at /sandbox/digishare. It keeps its state in its own
    SQLite file (not our database), shared by every API process of this installation."""
    from commercy.sandbox.app import create_app as create_sandbox_app
    from commercy.sandbox.settings import SandboxSettings

    sandbox = create_sandbox_app(
        SandboxSettings(
            database_path=settings.data_dir / "sandbox.db",
            token=settings.sandbox_token,
            public_base_url=embedded.sandbox_base_url(settings),
        )
    )
    app.mount(embedded.SANDBOX_PATH, sandbox)
    return sandbox


@asynccontextmanager
async def _background_worker(database: Database, settings: Settings) -> AsyncIterator[None]:
    """The outbox worker inside the API process, for the embedded default."""
    stop = asyncio.Event()
    task = asyncio.create_task(build_worker(database, settings).run_forever(stop))
    try:
        yield
    finally:
        stop.set()
        await task


def install_middleware(app: FastAPI, settings: Settings) -> None:
    """The middleware stack; the last one added runs first, so they are added innermost first.

    From the outside in:
    1-2. the edge, one layer: every answer, even a refusal below, carries an X-Request-ID, and
       every log line of the request its id; then one access log line and the request metrics
       per answer, refusals included;
    3. compression: compresses whatever comes out, error bodies included (over its threshold);
    4. CORS: answers preflights before anything else spends effort on them (and they cost no
       rate-limit budget), and puts Access-Control-Allow-Origin on 429 and 413 too, or a
       browser would hide those from the calling script;
    5. security headers: on every API answer, refusals included, and every web app page;
    6. rate limit: refuses an over-budget caller before its body is even read;
    7. body size: reads and counts the body, refusing it with 413 past the limit, before any
       endpoint (or FastAPI's parsing) sees it.
    """
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        path_prefix=(API_PREFIX, WEB_PREFIX),
    )
    app.add_middleware(
        RateLimitMiddleware,
        limits=app.state.rate_limits,
        settings=settings,
        path_prefix=API_PREFIX,
    )
    app.add_middleware(
        SecurityHeadersMiddleware,
        path_prefix=API_PREFIX,
        docs_path=f"{API_PREFIX}/docs",
        web_prefix=WEB_PREFIX,
    )
    app.add_middleware(
        ApiCORSMiddleware,
        **cors_options(origins=settings.cors_origins, max_age=settings.cors_max_age_seconds),
    )
    add_compress_type("text/csv")
    app.add_middleware(CompressMiddleware, minimum_size=settings.compression_minimum_bytes)
    app.add_middleware(EdgeMiddleware, log_requests=settings.access_log)
