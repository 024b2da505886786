from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from commercy.core.database import Database
from commercy.core.settings import Settings
from commercy.main import create_app

AppFactory = Callable[..., AbstractAsyncContextManager[FastAPI]]


@pytest.fixture
def hardened_app(settings: Settings, database: Database) -> AppFactory:
    """An app of its own, on the session's (migrated, emptied) database, with these settings.

    Each one has fresh in-memory rate-limit counters, so tests never share a budget.
    """

    @asynccontextmanager
    async def build(**overrides: Any) -> AsyncIterator[FastAPI]:
        app = create_app(settings.model_copy(update=overrides))
        try:
            yield app
        finally:
            await app.state.database.dispose()

    return build


def client_for(
    app: FastAPI, *, address: str = "127.0.0.1", base_url: str = "http://testserver"
) -> httpx.AsyncClient:
    """A client calling ``app`` from ``address``."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url=base_url)
