"""The sandbox's memory: one SQLite database, which every process serving the sandbox shares.

A table per kind of record: the record as JSON in ``body``, and copies of the fields looked up
by in indexed columns. Every call is short and synchronous and no transaction spans an
``await``: a write is one ``BEGIN IMMEDIATE`` transaction, so processes on the same file take
turns (waiting up to ``busy_timeout``), and readers never wait (WAL). Without a file the
database lives in memory, private to this process.

``meta`` keeps what outlives a reset: the id salt, the counters (so an id or a ticket number is
never seen twice), the generated credentials, and the faults.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

from commercy.sandbox.clock import now
from commercy.sandbox.codec import decode, encode
from commercy.sandbox.errors import not_found
from commercy.sandbox.ids import IdHasher
from commercy.sandbox.records import DeliveryAttempt, Media, Message, Third, Ticket, Webhook

FIRST_TICKET_NUMBER = 342106
BUSY_TIMEOUT_MS = 5000

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS access_tokens (digest TEXT PRIMARY KEY, expires_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS media (
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, content BLOB NOT NULL, body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS thirds (
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
    wa_id TEXT, ext_ref TEXT, name TEXT, email TEXT, body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS thirds_wa_id ON thirds (wa_id);
CREATE TABLE IF NOT EXISTS tickets (
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, ticket_number INTEGER NOT NULL,
    external_id TEXT, subject TEXT, ticket_status_id TEXT NOT NULL, priority_id TEXT,
    handler_id TEXT, third_id TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    date_status TEXT NOT NULL, is_foreign INTEGER NOT NULL, body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tickets_created_at ON tickets (created_at);
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, ticket_id TEXT NOT NULL, body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_ticket_id ON messages (ticket_id);
CREATE TABLE IF NOT EXISTS webhooks (
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, event TEXT NOT NULL,
    active INTEGER NOT NULL, body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS attempts (
    seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, webhook_id TEXT NOT NULL,
    ticket_id TEXT NOT NULL, body TEXT NOT NULL
);
"""
RECORD_TABLES = ("media", "thirds", "tickets", "messages", "webhooks", "attempts")


class Record(Protocol):
    @property
    def id(self) -> str: ...


R = TypeVar("R", bound=Record)


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    # The lookup columns' values for a record; ``blobs`` are kept in their column only.
    columns: Callable[[Any], dict[str, Any]]
    blobs: frozenset[str] = frozenset()


def _ticket_columns(ticket: Ticket) -> dict[str, Any]:
    return {
        "ticket_number": int(ticket.ticket_number),
        "external_id": ticket.external_id,
        "subject": ticket.subject,
        "ticket_status_id": ticket.ticket_status_id,
        "priority_id": ticket.priority_id,
        "handler_id": ticket.handler_id,
        "third_id": ticket.third_id,
        "created_at": _sortable(ticket.created_at),
        "updated_at": _sortable(ticket.updated_at),
        "date_status": _sortable(ticket.date_status),
        "is_foreign": ticket.foreign,
    }


def _sortable(moment: datetime) -> str:
    """ISO 8601 in UTC, always with microseconds: the text sorts as the moments do."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


TABLES: dict[type[Any], Table] = {
    Media: Table("media", lambda media: {"content": media.content}, frozenset({"content"})),
    Third: Table(
        "thirds",
        lambda third: {
            "wa_id": third.wa_id,
            "ext_ref": third.ext_ref,
            "name": third.name,
            "email": third.email,
        },
    ),
    Ticket: Table("tickets", _ticket_columns),
    Message: Table("messages", lambda message: {"ticket_id": message.ticket_id}),
    Webhook: Table("webhooks", lambda hook: {"event": hook.event, "active": hook.active}),
    DeliveryAttempt: Table(
        "attempts",
        lambda attempt: {"webhook_id": attempt.webhook_id, "ticket_id": attempt.ticket_id},
    ),
}


def _fold(value: str | None) -> str | None:
    """Case-insensitive matching beyond ASCII, which SQLite's own ``lower`` stops at."""
    return value.casefold() if isinstance(value, str) else value


def _connect(path: Path | None) -> sqlite3.Connection:
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    # Autocommit: transactions are begun explicitly, and only by ``Store.write``/``read``.
    connection = sqlite3.connect(
        ":memory:" if path is None else path, isolation_level=None, check_same_thread=False
    )
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if path is not None:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
    connection.create_function("fold", 1, _fold, deterministic=True)
    return connection


class Store:
    def __init__(self, path: Path | None = None) -> None:
        self._db = _connect(path)
        # The event loop never interleaves two transactions (none spans an await); the lock
        # guards the connection against the threads that tests and servers call from.
        self._lock = threading.RLock()
        self._depth = 0
        self._writing = False
        with self.write():
            # Statement by statement: executescript would commit the transaction.
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            self.ids = IdHasher(bytes.fromhex(self.meta_default("salt", _new_salt)))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def write(self) -> Iterator[None]:
        """One write transaction; nested calls join the outermost one."""
        with self._transaction("BEGIN IMMEDIATE"):
            yield

    @contextmanager
    def read(self) -> Iterator[None]:
        """Several reads that see the same moment; inside ``write`` they join it."""
        with self._transaction("BEGIN"):
            yield

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[None]:
        with self._lock:
            if self._depth:
                # A read transaction cannot safely become a write one under WAL: another
                # process may have written since it began.
                if begin != "BEGIN" and not self._writing:
                    raise RuntimeError("a write cannot join a read transaction")
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._db.execute(begin)
            self._depth, self._writing = 1, begin != "BEGIN"
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")
            finally:
                self._depth, self._writing = 0, False

    def execute(
        self, sql: str, params: Mapping[str, Any] | tuple[Any, ...] = ()
    ) -> list[sqlite3.Row]:
        with self._lock:
            cursor = self._db.execute(sql, params)
            cursor.row_factory = sqlite3.Row
            return list(cursor.fetchall())

    # --- meta: counters, salt, settings --------------------------------------------------

    def meta(self, key: str) -> str | None:
        rows = self.execute("SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0]["value"]) if rows else None

    def set_meta(self, key: str, value: str) -> None:
        self.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def meta_default(self, key: str, default: Callable[[], str]) -> str:
        """The value kept under ``key``, made by ``default`` and kept the first time."""
        with self.write():
            value = self.meta(key)
            if value is None:
                value = default()
                self.set_meta(key, value)
            return value

    def _next(self, counter: str, start: int) -> int:
        with self.write():
            current = self.meta(counter)
            number = start if current is None else int(current) + 1
            self.set_meta(counter, str(number))
            return number

    def next_id(self, kind: str) -> str:
        return self.ids.hash(kind, self._next("id_counter", 1))

    def next_ticket_number(self) -> str:
        return str(self._next("ticket_number", FIRST_TICKET_NUMBER))

    # --- records --------------------------------------------------------------------------

    def put(self, record: Record) -> None:
        """Inserts the record, or replaces the one with its id (keeping its place in order)."""
        table = TABLES[type(record)]
        values = {
            "id": record.id,
            **table.columns(record),
            "body": encode(record, exclude=table.blobs),
        }
        names = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        updates = ", ".join(f"{name} = excluded.{name}" for name in values if name != "id")
        self.execute(
            f"INSERT INTO {table.name} ({names}) VALUES ({marks}) "  # noqa: S608 (fixed names)
            f"ON CONFLICT (id) DO UPDATE SET {updates}",
            tuple(values.values()),
        )

    def get(self, kind: type[R], record_id: str) -> R | None:
        found = self.select(kind, "id = :id", {"id": record_id})
        return found[0] if found else None

    def select(
        self,
        kind: type[R],
        where: str = "1",
        args: Mapping[str, Any] | None = None,
        *,
        order: str = "seq",
        limit: int = -1,
        offset: int = 0,
    ) -> list[R]:
        """Records matching ``where`` (SQL over the lookup columns, with named ``args``), in
        ``order``."""
        table = TABLES[kind]
        extra = "".join(f", {name}" for name in sorted(table.blobs))
        rows = self.execute(
            f"SELECT body{extra} FROM {table.name} WHERE {where} "  # noqa: S608 (fixed names)
            f"ORDER BY {order} LIMIT :_limit OFFSET :_offset",
            {**(args or {}), "_limit": limit, "_offset": offset},
        )
        return [
            decode(kind, row["body"], **{name: row[name] for name in table.blobs}) for row in rows
        ]

    def count(
        self, kind: type[Any], where: str = "1", args: Mapping[str, Any] | None = None
    ) -> int:
        table = TABLES[kind]
        rows = self.execute(
            f"SELECT count(*) AS n FROM {table.name} WHERE {where}",  # noqa: S608 (fixed names)
            args or {},
        )
        return int(rows[0]["n"])

    def delete(self, kind: type[Any], record_id: str) -> bool:
        table = TABLES[kind].name
        sql = f"DELETE FROM {table} WHERE id = ? RETURNING id"  # noqa: S608 (fixed names)
        return bool(self.execute(sql, (record_id,)))

    def clear(self) -> None:
        """Forgets every record; ``meta`` and issued access tokens stay."""
        with self.write():
            for table in RECORD_TABLES:
                self.execute(f"DELETE FROM {table}")  # noqa: S608 (fixed names)

    # --- lookups that 404 -----------------------------------------------------------------

    def ticket(self, ticket_id: str) -> Ticket:
        return _found(self.get(Ticket, ticket_id), "Ticket")

    def third(self, third_id: str) -> Third:
        return _found(self.get(Third, third_id), "Third")

    def webhook(self, webhook_id: str) -> Webhook:
        return _found(self.get(Webhook, webhook_id), "Webhook")

    def media_file(self, media_id: str) -> Media:
        return _found(self.get(Media, media_id), "Media")

    def third_by_wa_id(self, wa_id: str) -> Third | None:
        found = self.select(Third, "wa_id = :wa_id", {"wa_id": wa_id}, limit=1)
        return found[0] if found else None

    # --- OAuth access tokens ----------------------------------------------------------------

    def add_access_token(self, digest: str, *, expires_at: str) -> None:
        with self.write():
            self.execute("DELETE FROM access_tokens WHERE expires_at <= ?", (now().isoformat(),))
            self.execute(
                "INSERT INTO access_tokens (digest, expires_at) VALUES (?, ?)", (digest, expires_at)
            )

    def access_token_valid(self, digest: str) -> bool:
        rows = self.execute(
            "SELECT 1 FROM access_tokens WHERE digest = ? AND expires_at > ?",
            (digest, now().isoformat()),
        )
        return bool(rows)


def equal(**values: Any) -> tuple[str, dict[str, Any]]:
    """A condition that each column given a value other than ``None`` has that value."""
    wanted = {name: value for name, value in values.items() if value is not None}
    return " AND ".join(f"{name} = :{name}" for name in wanted) or "1", wanted


def _found(record: R | None, model: str) -> R:
    if record is None:
        raise not_found(model)
    return record


def _new_salt() -> str:
    return secrets.token_bytes(16).hex()
