"""``Idempotency-Key`` on order creation, with Stripe's semantics.

The same key and body replay the first response; the same key with another body is refused
(422); while the first request runs, others with its key get 409. A request that fails keeps
nothing, so it may be retried with the same key. Keys are per user and kept 24 hours.

The claim, the order and the stored response are one transaction, the request's: they commit
together, and a request that fails rolls its claim back with the rest. On PostgreSQL the key is
claimed by its transaction-scoped advisory lock (``pg_try_advisory_xact_lock`` on a 64-bit hash
of user and key), taken in the statement that reads the key's row; a new key's row is inserted
once, with the answer. The first request holds the lock until it commits: another request with
the key finds the lock taken (409) or, once the first has committed, its row and answer (a
replay). It never waits on the first one's uncommitted row while holding its connection.
SQLite runs one write transaction at a time, which orders such requests already; there the
claim's row is inserted first and its answer stored at the end.
A claim without an answer (left by an earlier version, which committed claims on their own)
is still in flight until it is a minute old, then taken over.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, and_, bindparam, func, literal_column, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from commercy.core.database import Precompiled, WriteSession, table_of, utcnow
from commercy.core.errors import Conflict, Unprocessable, ValidationFailed
from commercy.core.text import control_character_error
from commercy.orders.models import IdempotencyKey

KEY_TTL = timedelta(hours=24)
# A claim this old with no response belongs to a request that died after its claim: take over.
STALE_CLAIM = timedelta(seconds=60)
MAX_KEY_LENGTH = 255
_CLAIM_VALUES = ("user_id", "key", "request_hash", "created_at", "expires_at")


def fingerprint(body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed(
            "Idempotency-Key", f"must be 1 to {MAX_KEY_LENGTH} characters (a UUID is ideal)"
        )
    if error := control_character_error(key):
        raise ValidationFailed("Idempotency-Key", error)
    return key


def lock_id(user_id: int, key: str) -> int:
    """The key's advisory lock on PostgreSQL: a signed 64-bit hash of user and key."""
    digest = hashlib.blake2b(f"{user_id}:{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@dataclass(frozen=True, slots=True)
class Replay:
    status_code: int
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Claim:
    """A key this request may use: its row's id, or (on PostgreSQL, a new key) the row to
    insert with the answer."""

    key_id: int | None
    new_row: dict[str, Any] | None = None


_KEYS = IdempotencyKey.__table__.c
_TRY_LOCK = func.pg_try_advisory_xact_lock(bindparam("lock", type_=BigInteger))
_ONE = select(literal_column("1").label("one")).subquery("one")
# Built once: every keyed create runs it. The key's lock, and its row when there is one; the
# lock is taken as the statement runs, so a row committed just before is caught by the
# insert's conflict (:func:`complete`).
_LOOKUP = Precompiled(
    select(
        _TRY_LOCK.label("held"),
        _KEYS.id,
        _KEYS.request_hash,
        _KEYS.response_status,
        _KEYS.response_body,
        _KEYS.created_at,
        _KEYS.expires_at,
    ).select_from(
        _ONE.outerjoin(
            table_of(IdempotencyKey),
            and_(_KEYS.user_id == bindparam("user_id"), _KEYS.key == bindparam("key")),
        )
    )
)
_STORED_VALUES = (*_CLAIM_VALUES, "response_status", "response_body")
_STORE = Precompiled(
    pg_insert(table_of(IdempotencyKey))
    .values({name: bindparam(name, type_=_KEYS[name].type) for name in _STORED_VALUES})
    .on_conflict_do_nothing(index_elements=["user_id", "key"])
    .returning(_KEYS.id)
)

_COMPLETE = Precompiled(
    update(table_of(IdempotencyKey))
    .where(_KEYS.id == bindparam("key_id"))
    .values(
        response_status=bindparam("response_status", type_=_KEYS.response_status.type),
        response_body=bindparam("response_body", type_=_KEYS.response_body.type),
    )
)


@dataclass(frozen=True, slots=True)
class _Found:
    """A key's row as :data:`_LOOKUP` reads it."""

    request_hash: str
    response_status: int | None
    response_body: dict[str, Any] | None
    created_at: datetime
    expires_at: datetime


async def claim(
    session: WriteSession, *, user_id: int, key: str, request_hash: str
) -> Claim | Replay:
    """Claim ``key`` for this request in its transaction, or answer with what the first
    request with it got (a replay, 422, or 409 while it runs)."""
    if session.get_bind().dialect.name != "postgresql":
        return await _claim_in(session, user_id=user_id, key=key, request_hash=request_hash)
    lock = lock_id(user_id, key)
    (row,) = await _LOOKUP.rows(session, {"lock": lock, "user_id": user_id, "key": key})
    if row["id"] is None:
        if not row["held"]:
            raise _still_running()  # its first request has not committed yet
        now = utcnow()
        return Claim(
            key_id=None,
            new_row={
                "user_id": user_id,
                "key": key,
                "request_hash": request_hash,
                "created_at": now,
                "expires_at": now + KEY_TTL,
            },
        )
    outcome = _judge(_found(row), request_hash)
    if outcome is not None:
        return outcome
    # The key may start afresh (expired, or its first request died): under its lock only, and
    # as it stands once the lock is ours.
    if not row["held"]:
        raise _still_running()
    existing = await session.scalar(
        _existing(user_id, key).with_for_update().execution_options(populate_existing=True)
    )
    return await _judged_or_restarted(session, existing, request_hash)


def _found(row: dict[str, Any]) -> _Found:
    body = row["response_body"]
    return _Found(
        request_hash=row["request_hash"],
        response_status=row["response_status"],
        response_body=json.loads(body) if isinstance(body, str) else body,
        created_at=row["created_at"],
        expires_at=row["expires_at"],
    )


async def _claim_in(
    session: WriteSession, *, user_id: int, key: str, request_hash: str
) -> Claim | Replay:
    existing = await session.scalar(_existing(user_id, key))
    if existing is not None:
        return await _judged_or_restarted(session, existing, request_hash)
    row = IdempotencyKey(
        user_id=user_id, key=key, request_hash=request_hash, expires_at=utcnow() + KEY_TTL
    )
    session.add(row)
    await session.flush()
    return Claim(key_id=row.id)


async def _judged_or_restarted(
    session: WriteSession, existing: IdempotencyKey | None, request_hash: str
) -> Claim | Replay:
    outcome = _judge(existing, request_hash)
    if outcome is not None:
        return outcome
    assert existing is not None
    _restart(existing, request_hash)
    await session.flush()
    return Claim(key_id=existing.id)


def _existing(user_id: int, key: str) -> Any:
    return select(IdempotencyKey).where(
        IdempotencyKey.user_id == user_id, IdempotencyKey.key == key
    )


def _judge(existing: IdempotencyKey | _Found | None, request_hash: str) -> Replay | None:
    """What an earlier use of the key means for this request; None when it may start afresh.
    No row: the request holding the key has not committed its claim yet."""
    if existing is None:
        raise _still_running()
    now = utcnow()
    if existing.expires_at <= now:
        return None
    if existing.response_status is None and existing.created_at <= now - STALE_CLAIM:
        return None
    if existing.request_hash != request_hash:
        raise Unprocessable(
            "This Idempotency-Key was used with a different request body; use a new key",
            details={"field": "Idempotency-Key"},
        )
    if existing.response_status is None or existing.response_body is None:
        raise _still_running()
    return Replay(status_code=existing.response_status, body=existing.response_body)


def _still_running() -> Conflict:
    return Conflict(
        "A request with this Idempotency-Key is still being processed; retry shortly",
        details={"field": "Idempotency-Key"},
    )


def _restart(existing: IdempotencyKey, request_hash: str) -> None:
    existing.request_hash = request_hash
    existing.response_status = None
    existing.response_body = None
    existing.created_at = utcnow()
    existing.expires_at = utcnow() + KEY_TTL


async def complete(
    session: WriteSession, *, claimed: Claim, status_code: int, body: dict[str, Any]
) -> None:
    """Store the response in the request's transaction: it commits with the order, or not.
    A new key whose row another request committed meanwhile (between the lookup's view and
    its lock) is refused with 409, which rolls this request back: a retry replays that one."""
    answer = {"response_status": status_code, "response_body": body}
    if claimed.new_row is None:
        await _COMPLETE.execute(session, {"key_id": claimed.key_id, **answer})
    elif await _STORE.scalar(session, {**claimed.new_row, **answer}) is None:
        raise _still_running()


@dataclass(frozen=True, slots=True)
class Guard:
    """What the request under a key does: answer the ``replay`` when there is one, else do its
    work and :meth:`keep` its answer."""

    replay: Replay | None
    _session: WriteSession
    _claimed: Claim | None

    async def keep(self, *, status_code: int, body: dict[str, Any]) -> None:
        if self._claimed is not None:
            await complete(self._session, claimed=self._claimed, status_code=status_code, body=body)


async def guard(
    session: WriteSession, *, user_id: int, key: str | None, request_body: Any
) -> Guard:
    """The request's guard under its ``Idempotency-Key`` (none: a guard that keeps nothing).
    Its claim is part of the request's transaction: a request that ends without committing
    (an error, a cancelled request) leaves the key free for a retry."""
    if key is None:
        return Guard(replay=None, _session=session, _claimed=None)
    claimed = await claim(
        session, user_id=user_id, key=check_key(key), request_hash=fingerprint(request_body)
    )
    if isinstance(claimed, Replay):
        return Guard(replay=claimed, _session=session, _claimed=None)
    return Guard(replay=None, _session=session, _claimed=claimed)
