"""Tests run on real databases: SQLite by default, PostgreSQL with ``--db postgres``.

Each session gets a database of its own, built by the Alembic migrations; each test starts
from empty tables. Nothing of Commercy's own stack is mocked.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from commercy.core import migrations
from commercy.core.database import Base, Database
from commercy.core.settings import Settings
from commercy.main import create_app

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
# One long process builds and drops hundreds of apps: freezing the startup objects of each
# would keep them all. (The servers the suite starts inherit this too.)
os.environ["COMMERCY_GC_FREEZE_AT_STARTUP"] = "false"
GENEROUS_RATE_LIMITS: dict[str, Any] = {
    "redis_url": None,
    "rate_limit_user": "100000/minute",
    "rate_limit_address": "100000/minute",
    "rate_limit_login_identifier": "10000/minute",
    "rate_limit_login_address": "100000/minute",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=("sqlite", "postgres"),
        default=os.environ.get("COMMERCY_TEST_DB", "sqlite"),
        help="database the suite runs against",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--db") == "postgres":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: run with --db postgres")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def db_kind(pytestconfig: pytest.Config) -> str:
    return str(pytestconfig.getoption("--db"))


def postgres_admin_url() -> str:
    """The server the PostgreSQL runs use, to create their databases (and roles) on."""
    return os.environ.get("COMMERCY_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


@pytest.fixture(scope="session")
async def database_url(
    db_kind: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    if db_kind == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'commercy.db'}"
        return
    admin_url = postgres_admin_url()
    name = f"commercy_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield (
            admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
            + f"/{name}"
        )
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        _env_file=None,
        database_url=database_url,
        data_dir=tmp_path_factory.mktemp("data"),
        jwt_secret="test-signing-key-" + uuid.uuid4().hex + uuid.uuid4().hex,
        # Tests run the outbox worker themselves, and mount a sandbox only where they need one.
        worker_in_process=False,
        sandbox_mounted=False,
        # The whole suite calls from one address: budgets no test can spend. The rate-limit
        # tests build their own app with tight ones.
        **GENEROUS_RATE_LIMITS,
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    await migrations.upgrade(application.state.database)
    yield application
    await application.state.database.dispose()


@pytest.fixture(scope="session")
def database(app: FastAPI) -> Database:
    db: Database = app.state.database
    return db


@pytest.fixture(autouse=True)
async def _empty_tables(request: pytest.FixtureRequest) -> None:
    """Every database test starts from empty tables (tests that need no database skip this)."""
    if "database" not in request.fixturenames and "client" not in request.fixturenames:
        return
    database: Database = request.getfixturevalue("database")
    await empty_tables(database)


async def empty_tables(database: Database) -> None:
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    async with database.engine.begin() as connection:
        if database.is_sqlite:
            for table in tables:
                await connection.execute(text(f'DELETE FROM "{table}"'))
        else:
            quoted = ", ".join(f'"{table}"' for table in tables)
            await connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
async def observer(settings: Settings) -> AsyncIterator[Database]:
    """The tests' own connection to the database. On SQLite its transactions do not take the
    write lock up front, so a test holding one open does not block the requests it makes."""
    db = Database(settings, sqlite_lock_upfront=False)
    yield db
    await db.dispose()


@pytest.fixture
async def session(database: Database, observer: Database) -> AsyncIterator[AsyncSession]:
    """A session for arranging data and checking what was written; commit to make it visible."""
    async with observer.sessionmaker() as db_session:
        yield db_session


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def data_dir(settings: Settings) -> Path:
    return settings.data_dir
