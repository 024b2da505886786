"""The Digishare sandbox: Digishare's API on one machine, the customer played, faults on demand.

Runs alone (``run``) or mounted in Commercy (``app.mount("/sandbox/digishare", create_app())``).
A mounted app gets no lifespan events, so nothing here depends on them: the webhook HTTP client
is created on first use, and the host app calls ``app.state.sandbox.aclose()`` on shutdown.

Its state lives in SQLite (``SandboxSettings.database_path``): several processes serving the
sandbox on one file are one sandbox, and a restart forgets nothing but the webhook deliveries
still in flight.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import quote

import uvicorn
from fastapi import FastAPI

from commercy.sandbox.errors import install_error_handlers
from commercy.sandbox.faults import FaultMiddleware
from commercy.sandbox.routes import (
    controls,
    media,
    oauth,
    page,
    references,
    thirds,
    tickets,
    user,
    webhooks,
)
from commercy.sandbox.settings import SandboxSettings
from commercy.sandbox.state import SandboxState

DESCRIPTION = """\
Digishare's API (`/v1/...`): bearer tokens (`GET /v1/user/profile` tests one), media upload,
tickets, thirds, ticket types and statuses, webhooks. The sandbox's controls (`/_sandbox/...`)
play the customer, inject faults and show what was sent. The page at `/` shows every WhatsApp
conversation.
"""


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    state: SandboxState = app.state.sandbox
    await state.aclose()


def create_app(settings: SandboxSettings | None = None) -> FastAPI:
    """A sandbox on the settings' database (a new private one in memory by default); its
    state is ``app.state.sandbox``."""
    state = SandboxState(settings or SandboxSettings())
    app = FastAPI(
        title="Digishare sandbox", description=DESCRIPTION, version="1", lifespan=_lifespan
    )
    app.state.sandbox = state
    install_error_handlers(app)
    app.add_middleware(FaultMiddleware, faults=state.faults)
    for module in (oauth, user, media, tickets, thirds, references, webhooks, controls, page):
        app.include_router(module.router)
    return app


def page_link(base_url: str, token: str) -> str:
    """The page's address with the token in its fragment: a browser never sends the fragment
    (nor logs it), and the page moves it out of the address bar at once."""
    return f"{base_url.rstrip('/')}/#token={quote(token, safe='')}"


def banner(state: SandboxState, base_url: str) -> str:
    """What a person needs to call the sandbox: its URLs and credentials."""
    database = state.settings.database_path
    return "\n".join(
        (
            f"Digishare sandbox: {page_link(base_url, state.token)}",
            "  (open it to see the customer's WhatsApp conversations)",
            f"  API base URL:  {base_url}  (Digishare's paths: /v1/...)",
            f"  Bearer token:  {state.token}  (also for the controls: /_sandbox/...)",
            f"  OAuth client:  {state.client_id} / {state.client_secret}",
            f"  State:         {database or 'in memory (--database PATH keeps it)'}",
        )
    )


def run(host: str = "127.0.0.1", port: int = 8100, settings: SandboxSettings | None = None) -> None:
    """Serves the sandbox alone with uvicorn until interrupted, after printing its URL and
    token."""
    app = create_app(settings)
    print(banner(app.state.sandbox, f"http://{host}:{port}"), flush=True)
    uvicorn.run(app, host=host, port=port, log_level="info")
