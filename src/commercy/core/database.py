"""Engine, sessions and the declarative base shared by every domain."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, cast

import asyncpg
from anyio import CancelScope
from fastapi import Depends, Request, Response
from fastapi.routing import APIRoute
from sqlalchemy import (
    CompoundSelect,
    DateTime,
    Enum,
    Insert,
    MetaData,
    Select,
    Table,
    TextClause,
    Update,
    event,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import TypeDecorator
from sqlalchemy.util import await_

from commercy.core.metrics import metrics
from commercy.core.settings import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def str_enum(enum: type[StrEnum], *, length: int = 24) -> Enum:
    """A string enum stored by value in a VARCHAR: portable, and new values need no DDL."""
    return Enum(
        enum, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime}


def table_of(model: type[Base]) -> Table:
    """A model's table, typed as one: for Core statements (inserts) on hot paths."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class WriteSession(AsyncSession):
    """A session that may write. Services that write take one, so a read route, which only has
    a :class:`ReadSession`, cannot call them: a type error, not a silent autocommit."""


class _ReadOnlySyncSession(Session):
    def flush(self, objects: Any = None) -> None:
        if self.new or self.dirty or self.deleted:
            raise TypeError("a read session cannot write: take a WriteSession")
        super().flush(objects)


class ReadSession(AsyncSession):
    """A session that only reads (on PostgreSQL in autocommit: a write there would commit at
    once, piece by piece); flushing a change through it raises."""


class Database:
    """One engine and its session factories, owned by the app or a worker."""

    def __init__(self, settings: Settings, *, sqlite_lock_upfront: bool = True) -> None:
        self.url = settings.resolved_database_url
        self.engine = create_engine(
            self.url, settings=settings, sqlite_lock_upfront=sqlite_lock_upfront
        )
        self.sessionmaker = async_sessionmaker(
            self.engine, class_=WriteSession, expire_on_commit=False
        )
        _count_checkouts(self.engine)
        # Reads run without BEGIN and COMMIT on PostgreSQL: each statement sees what was
        # committed when it started, and the two round trips would cost more than the query
        # of a small read. (SQLite keeps its transaction: it is in-process, and our own
        # BEGIN is what serialises its writers.)
        self.read_sessionmaker = async_sessionmaker(
            self.engine
            if self.is_sqlite
            else self.engine.execution_options(isolation_level="AUTOCOMMIT"),
            class_=ReadSession,
            sync_session_class=_ReadOnlySyncSession,
            expire_on_commit=False,
        )

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def pinned_session(self) -> AsyncIterator[WriteSession]:
        """A session that keeps one connection for its whole life: its transactions follow one
        another on it. A request that commits a step of its own before its main transaction
        (an idempotency claim) thus never waits for a second connection while holding one: a
        burst of such requests would take every connection and then wait on each other."""
        transaction = RequestTransaction(self, writes=True)
        try:
            yield cast(WriteSession, await transaction.session())
        finally:
            await transaction.end(commit=False)  # what was not committed is rolled back

    async def dispose(self) -> None:
        await self.engine.dispose()


def _count_checkouts(engine: AsyncEngine) -> None:
    """The connections in use, in the metrics."""
    in_use = metrics().pool_checked_out
    event.listen(engine.sync_engine, "checkout", lambda *_: in_use.inc())
    event.listen(engine.sync_engine, "checkin", lambda *_: in_use.dec())


class WaitCountingPool(AsyncAdaptedQueuePool):
    """The queue pool, counting in the metrics the requests waiting for a connection."""

    def _do_get(self) -> ConnectionPoolEntry:
        waiting = metrics().pool_waiting
        waiting.inc()
        try:
            return super()._do_get()
        finally:
            waiting.dec()


def create_engine(url: str, *, settings: Settings, sqlite_lock_upfront: bool = True) -> AsyncEngine:
    if url.startswith("sqlite"):
        return _create_sqlite_engine(
            url,
            echo=settings.database_echo,
            lock_upfront=sqlite_lock_upfront,
            pool_timeout=settings.database_pool_timeout_seconds,
        )
    return create_async_engine(
        url,
        echo=settings.database_echo,
        poolclass=WaitCountingPool,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_pool_size,
        # No pre-ping: it costs a round trip per checkout. A connection that died while pooled
        # fails its request once and is invalidated by asyncpg's error, and none is kept long
        # enough to meet a server's or a firewall's idle timeout.
        pool_recycle=1800,
        # No outbound call may hang a request: bound the wait for a pooled connection (past it,
        # a 503 with Retry-After), the connect and each statement (asyncpg's own options).
        pool_timeout=settings.database_pool_timeout_seconds,
        connect_args={
            "timeout": settings.database_connect_timeout_seconds,
            "command_timeout": settings.database_command_timeout_seconds,
            # A plan for each execution's own values. asyncpg prepares every statement, and
            # after five runs PostgreSQL may switch to a generic plan that assumes an average
            # reseller and an average search term; for a reseller with a tenth of the orders
            # and a common name, that plan sorts all of them for one page.
            # No JIT compilation: it pays off for queries running seconds, and its compile time
            # (tens of milliseconds) would land on reports whose estimated cost merely crosses
            # its threshold, such as a month of a busy reseller's figures.
            "server_settings": {"plan_cache_mode": "force_custom_plan", "jit": "off"},
        },
    )


def _create_sqlite_engine(
    url: str, *, echo: bool, lock_upfront: bool, pool_timeout: float
) -> AsyncEngine:
    _ensure_sqlite_directory(url)
    engine = create_async_engine(
        url, echo=echo, pool_timeout=pool_timeout, connect_args={"timeout": 30}
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # We emit BEGIN ourselves (below); pysqlite's implicit transactions would defer locks.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front: a read-then-write transaction never
        # fails with "database is locked" half-way, it waits its turn instead.
        connection.exec_driver_sql("BEGIN IMMEDIATE" if lock_upfront else "BEGIN")

    return engine


def _ensure_sqlite_directory(url: str) -> None:
    path = url.split(":///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


class Precompiled:
    """A hot statement whose values are all named parameters, compiled once per dialect.

    On PostgreSQL it runs straight on the session's asyncpg connection, in an autocommit read
    (GET, :attr:`Database.read_sessionmaker`) or in the session's transaction (begun first
    when this is its first statement: the caller's account read of a write): for a small
    statement, SQLAlchemy's execution and result layers cost more than the statement. On
    SQLite it runs through the session. Either way it sees what the database holds (no
    autoflush): flush the session's pending changes first. Values go through the statement's
    own bind processors (UTC datetimes, enums, JSON), and rows come back as dicts of what the
    driver returns: on asyncpg a string enum is a plain ``str``, so callers convert what they
    need."""

    def __init__(
        self, statement: Insert | Update | Select[Any] | CompoundSelect[Any] | TextClause
    ) -> None:
        self.statement = statement
        self._compiled: dict[str, SQLCompiler] = {}

    async def rows(self, session: AsyncSession, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        driver = await _direct_asyncpg(session)
        if driver is None:
            result = await session.execute(self.statement, params)
            return [dict(row._mapping) for row in result]
        sql, args = self._positional(session, params)
        return [dict(record) for record in await driver.fetch(sql, *args)]

    async def scalar(self, session: AsyncSession, params: Mapping[str, Any]) -> Any:
        driver = await _direct_asyncpg(session)
        if driver is None:
            return await session.scalar(self.statement, params)
        sql, args = self._positional(session, params)
        return await driver.fetchval(sql, *args)

    async def execute(self, session: AsyncSession, params: Mapping[str, Any]) -> None:
        """Run a statement that returns no rows."""
        driver = await _direct_asyncpg(session)
        if driver is None:
            await session.execute(self.statement, params)
            return
        sql, args = self._positional(session, params)
        await driver.execute(sql, *args)

    def _positional(
        self, session: AsyncSession, params: Mapping[str, Any]
    ) -> tuple[str, list[Any]]:
        dialect = session.get_bind().dialect
        compiled = self._compiled.get(dialect.name)
        if compiled is None:
            built = self.statement.compile(dialect=dialect)
            assert isinstance(built, SQLCompiler)
            compiled = self._compiled[dialect.name] = built
        processors = cast("Mapping[str, Callable[[Any], Any]]", compiled._bind_processors)
        if compiled.post_compile_params:
            # An IN list: its values expand into parameters of their own, with processors.
            state = compiled.construct_expanded_state(dict(params))
            sql, names, values = state.statement, state.positiontup, state.parameters
            processors = {**processors, **state.processors}
        else:
            sql, names = compiled.string, compiled.positiontup
            values = compiled.construct_params(dict(params))
        args = [
            processors[name](values[name]) if name in processors else values[name]
            for name in names or ()
        ]
        return sql, args


_DIRECT_DRIVER = "commercy.direct_driver"


async def _direct_asyncpg(session: AsyncSession) -> asyncpg.Connection | None:
    """The asyncpg connection under the session, where a statement sent straight to it runs
    where the session's own would: in autocommit, or in the session's transaction (its
    ``BEGIN`` sent first when this is its first statement). None on any other driver.

    Found once per session transaction: the session keeps its connection until that
    transaction ends (a commit, a rollback, the close), and the next one finds it again."""
    transaction = session.sync_session.get_transaction()
    known = session.info.get(_DIRECT_DRIVER)
    if (
        known is not None
        and transaction is not None
        and known[0] is transaction
        and transaction.is_active
    ):
        driver: asyncpg.Connection = known[1]
        return driver
    found = await session.run_sync(_direct_driver)  # one hop into SQLAlchemy, not two
    if found is not None:
        session.info[_DIRECT_DRIVER] = (session.sync_session.get_transaction(), found)
    return found


def _direct_driver(session: Session) -> asyncpg.Connection | None:
    connection = session.connection()
    if connection.dialect.driver != "asyncpg":
        return None
    adapted: Any = connection.connection.dbapi_connection
    driver: asyncpg.Connection = connection.connection.driver_connection
    autocommit = connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
    if autocommit or driver.is_in_transaction():
        return driver
    if getattr(adapted, "_transaction", True) is not None or not hasattr(
        adapted, "_start_transaction"
    ):
        return None  # not the adapter this knows: let the session run the statement
    # SQLAlchemy's asyncpg adapter sends a transaction's BEGIN with its first statement; a
    # statement sent around it would run ahead, outside the transaction. Send that very BEGIN
    # (the adapter's own, with its isolation level), as its cursor would.
    await_(adapted._start_transaction())
    return driver


_READS = frozenset({"GET", "HEAD"})


class RequestTransaction:
    """A request's one transaction: its session, opened on first use, ended once by the
    request's route (:class:`UnitOfWorkRoute`). A read (:attr:`Database.read_sessionmaker`)
    has nothing to commit: closing its session ends it. A write's session keeps one connection
    for its whole life (see :meth:`Database.pinned_session`), so a request holds at most one."""

    __slots__ = ("_connection", "_database", "_session", "_writes")

    def __init__(self, database: Database, *, writes: bool) -> None:
        self._database = database
        self._writes = writes
        self._session: AsyncSession | None = None
        self._connection: AsyncConnection | None = None

    async def session(self) -> AsyncSession:
        if self._session is None:
            if self._writes:
                self._connection = await self._database.engine.connect()
                self._session = self._database.sessionmaker(bind=self._connection)
            else:
                self._session = self._database.read_sessionmaker()
        return self._session

    async def end(self, *, commit: bool) -> None:
        """Commit a write (``commit``) or roll it back, then give the connection back."""
        session, connection = self._session, self._connection
        self._session = self._connection = None
        if session is None:
            return
        try:
            if self._writes:
                await (session.commit() if commit else session.rollback())
        finally:
            await session.close()
            if connection is not None:
                await connection.close()


_TRANSACTION = "commercy.transaction"


class UnitOfWorkRoute(APIRoute):
    """A route whose request runs in one :class:`RequestTransaction`: committed once the
    endpoint has returned its answer, before the answer is sent (so a failed commit answers as
    an error), rolled back when the endpoint raises. The routers that read or write the
    database are made of these (``APIRouter(route_class=UnitOfWorkRoute)``); as a dependency
    with cleanup (``yield``), the session cost each request a cancel scope, a context manager
    and a task of FastAPI's and SQLAlchemy's."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handle_in_transaction(request: Request) -> Response:
            transaction = RequestTransaction(
                request.app.state.database, writes=request.method not in _READS
            )
            request.scope[_TRANSACTION] = transaction
            answered = False
            try:
                response = await handle(request)
                answered = True
            finally:
                with CancelScope(shield=True):
                    await transaction.end(commit=answered)
            return response

        return handle_in_transaction


async def get_session(request: Request) -> AsyncSession:
    """The request's session (see :class:`RequestTransaction`). The dependencies that need it
    call this rather than depend on it: each level of dependency costs FastAPI a pass of its
    solver per request."""
    transaction: RequestTransaction | None = request.scope.get(_TRANSACTION)
    if transaction is None:
        raise TypeError(f"{request.url.path} is not a UnitOfWorkRoute: it has no transaction")
    return await transaction.session()


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def get_read_session(request: Request) -> ReadSession:
    """The request's session, for a route that only reads (GET)."""
    session = await get_session(request)
    if not isinstance(session, ReadSession):
        raise TypeError(f"{type(session).__name__} given to a route that declared it only reads")
    return session


async def get_write_session(request: Request) -> WriteSession:
    """The request's session, for a route that writes (POST, PUT, PATCH, DELETE)."""
    session = await get_session(request)
    if not isinstance(session, WriteSession):
        raise TypeError(f"{type(session).__name__} given to a route that declared it writes")
    return session


# What a route does with the database, said in its signature; other dependencies of the request
# (the caller's account) share the same session.
ReadSessionDep = Annotated[ReadSession, Depends(get_read_session)]
WriteSessionDep = Annotated[WriteSession, Depends(get_write_session)]
