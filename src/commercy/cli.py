"""The ``commercy`` command: serve, migrate, manage users, load demo data."""

from __future__ import annotations

import asyncio
import logging.config
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
import uvicorn

from commercy.accounts import service as accounts_service
from commercy.accounts.schemas import UserCreate
from commercy.auth.models import Role
from commercy.core import logs, metrics, migrations
from commercy.core.database import Database, WriteSession
from commercy.core.errors import CommercyError
from commercy.core.memory import freeze_startup_objects
from commercy.core.settings import Settings, UnsafeSettings
from commercy.demo import DemoLogin, load_demo_data
from commercy.jobs import run_worker

app = typer.Typer(
    help="Commercy, the order hub for cash-on-delivery sellers.", no_args_is_help=True
)
users_app = typer.Typer(help="Manage user accounts.", no_args_is_help=True)
app.add_typer(users_app, name="users")

_T = TypeVar("_T")


def _run_in_transaction(work: Callable[[WriteSession], Awaitable[_T]]) -> _T:
    """Migrate, then run ``work`` in one committed transaction on the configured database."""

    async def main() -> _T:
        database = Database(Settings())
        try:
            await migrations.upgrade(database)
            async with database.sessionmaker() as session, session.begin():
                return await work(session)
        finally:
            await database.dispose()

    return asyncio.run(main())


@app.command()
def migrate() -> None:
    """Apply every pending database migration."""

    async def main() -> None:
        database = Database(Settings())
        await migrations.upgrade(database)
        await database.dispose()

    asyncio.run(main())
    typer.echo("Database is up to date.")


@users_app.command("create")
def create_user(
    role: Annotated[Role, typer.Option(help="admin, supplier, reseller or agent")],
    identifier: Annotated[str, typer.Option(help="Login: an email or a username")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    name: Annotated[str | None, typer.Option()] = None,
    supplier_id: Annotated[int | None, typer.Option(help="For role supplier")] = None,
    reseller_id: Annotated[int | None, typer.Option(help="For roles reseller and agent")] = None,
) -> None:
    """Create a user, for example the first admin."""
    data = UserCreate(
        identifier=identifier,
        password=password,
        role=role,
        name=name,
        supplier_id=supplier_id,
        reseller_id=reseller_id,
    )
    try:
        user = _run_in_transaction(
            lambda session: accounts_service.create_user(session, actor=None, data=data)
        )
    except CommercyError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"Created {user.role.value} {user.identifier} (id {user.id}).")


@app.command("demo-data")
def demo_data() -> None:
    """Load the demo accounts (idempotent) and print their logins."""
    settings = Settings()
    _refuse_unsafe_production(settings, serves_api=False, demo=True)
    logins = _run_in_transaction(lambda session: load_demo_data(session, settings=settings))
    _print_logins(logins)


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    demo: Annotated[bool, typer.Option(help="Load demo data and print its logins")] = False,
    workers: Annotated[int, typer.Option(help="API processes")] = 1,
) -> None:
    """Run the API (migrating first), with the outbox worker and the Digishare sandbox
    inside unless settings say otherwise."""
    base = f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}"  # noqa: S104
    os.environ.setdefault("COMMERCY_PUBLIC_BASE_URL", base)
    settings = Settings()
    _refuse_unsafe_production(settings, serves_api=True, demo=demo)
    log_config = _observe(settings)
    logins = _run_in_transaction(
        lambda session: load_demo_data(session, settings=settings) if demo else _nothing()
    )
    typer.echo(f"\nCommercy is running at {base}/api/v1  (database: {_describe(settings)})")
    typer.echo(f"API docs:            {base}/api/v1/docs")
    typer.echo(f"Web app:             {base}/app/  (sign in with a login below)")
    if settings.sandbox_mounted:
        from commercy.sandbox.app import page_link

        link = page_link(f"{base}/sandbox/digishare", settings.sandbox_token)
        typer.echo(f"Digishare sandbox:   {link}  (the customer's WhatsApp)")
    if logins:
        _print_logins(logins)
    uvicorn.run(
        "commercy.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=log_config,
        access_log=False,  # the app writes its own access lines, with the route and user
        # Only the proxies named in the settings may say who the client is.
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=",".join(settings.trusted_proxies) or None,
    )


def _refuse_unsafe_production(settings: Settings, *, serves_api: bool, demo: bool = False) -> None:
    try:
        settings.refuse_unsafe_production(serves_api=serves_api, demo=demo)
    except UnsafeSettings as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


def _observe(settings: Settings) -> dict[str, Any]:
    """Log lines in the configured format, and metrics counted in files every process of this
    machine shares; the logging configuration, for uvicorn's worker processes too. First thing
    of a command: the metrics' storage is chosen by the first metric counted."""
    config = logs.logging_config(log_format=settings.resolved_log_format, level=settings.log_level)
    logging.config.dictConfig(config)
    metrics.use_directory(settings.data_dir / "metrics")
    return config


async def _nothing() -> list[DemoLogin]:
    return []


@app.command()
def worker(
    processes: Annotated[int, typer.Option(help="Worker processes to run")] = 1,
) -> None:
    """Drain the outbox (Digishare tickets) until stopped; run as many as you like."""
    if processes > 1:
        _spawn_workers(processes)
        return
    settings = Settings()
    _refuse_unsafe_production(settings, serves_api=False)
    _observe(settings)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        if settings.gc_freeze_at_startup:
            freeze_startup_objects()
        await run_worker(settings, stop)

    try:
        asyncio.run(main())
    finally:
        metrics.process_exited()


def _spawn_workers(count: int) -> None:
    children = [
        subprocess.Popen([sys.executable, "-m", "commercy", "worker"]) for _ in range(count)
    ]
    try:
        for child in children:
            child.wait()
    except KeyboardInterrupt:
        for child in children:
            child.terminate()


@app.command("demo")
def demo_story() -> None:
    """Play the whole Digishare flow in the terminal on a fresh embedded instance."""
    from commercy.walkthrough import play

    asyncio.run(play())


@app.command()
def sandbox(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8100,
    database: Annotated[
        Path | None,
        typer.Option(help="SQLite file keeping its state across restarts (default: in memory)"),
    ] = None,
) -> None:
    """Run the Digishare sandbox alone (Digishare's API, the customer's side, faults)."""
    from commercy.sandbox.app import run
    from commercy.sandbox.settings import SandboxSettings

    settings = SandboxSettings() if database is None else SandboxSettings(database_path=database)
    run(host=host, port=port, settings=settings)


def _describe(settings: Settings) -> str:
    if settings.is_sqlite:
        return f"SQLite file {settings.data_dir / 'commercy.db'}"
    return "PostgreSQL" if "postgresql" in settings.resolved_database_url else "external"


def _print_logins(logins: list[DemoLogin]) -> None:
    typer.echo("\nDemo logins (the web app's sign-in, or POST /api/v1/auth/login):")
    for login in logins:
        typer.echo(f"  {login.role:<9} {login.identifier:<26} {login.password}")
