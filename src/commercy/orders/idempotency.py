"""``Idempotency-Key`` on order creation, with Stripe's semantics.

The same key and body replay the first response; the same key with another body is refused
(422); while the first request runs, others with its key get 409. A request that fails keeps
nothing, so it may be retried with the same key. Keys are per user and kept 24 hours.

On PostgreSQL the key is claimed in a short transaction of its own (``INSERT ... ON CONFLICT DO
NOTHING``), committed before the order's transaction starts, so concurrent requests see the
claim at once; both run on the request's one connection (:meth:`Database.pinned_session`), so
a request never waits for a second connection while holding its first. The response is stored
in the order's transaction, so the order and its replayable answer commit together. SQLite
runs one write transaction at a time, so the claim simply lives in the request's transaction.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import SQLAlchemyError

from commercy.core.database import Precompiled, WriteSession, table_of, utcnow
from commercy.core.errors import Conflict, Unprocessable, ValidationFailed
from commercy.core.text import control_character_error
from commercy.orders.models import IdempotencyKey

logger = logging.getLogger("commercy.orders.idempotency")

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


@dataclass(frozen=True, slots=True)
class Replay:
    status_code: int
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Claim:
    key_id: int
    separate: bool  # claimed in its own committed transaction (PostgreSQL)


_KEYS = IdempotencyKey.__table__.c
# Built once: every keyed create runs it.
_CLAIM = (
    pg_insert(table_of(IdempotencyKey))
    .values({name: bindparam(name, type_=_KEYS[name].type) for name in _CLAIM_VALUES})
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


async def claim(
    session: WriteSession, *, user_id: int, key: str, request_hash: str
) -> Claim | Replay:
    """Claim ``key`` for this request, or answer with what the first request with it got.

    On PostgreSQL this commits the request's transaction so far (it has only read its caller)
    with the claim in it. The order's transaction starts afresh after it."""
    if session.get_bind().dialect.name != "postgresql":
        return await _claim_in(session, user_id=user_id, key=key, request_hash=request_hash)
    now = utcnow()
    key_id = await session.scalar(
        _CLAIM,
        {
            "user_id": user_id,
            "key": key,
            "request_hash": request_hash,
            "created_at": now,
            "expires_at": now + KEY_TTL,
        },
    )
    if key_id is None:
        existing = await session.scalar(_existing(user_id, key).with_for_update())
        assert existing is not None
        outcome = _judge(existing, request_hash)
        if outcome is not None:
            await session.commit()
            return outcome
        _restart(existing, request_hash)  # expired, or its first request died
        key_id = existing.id
    await session.commit()
    return Claim(key_id=key_id, separate=True)


async def _claim_in(
    session: WriteSession, *, user_id: int, key: str, request_hash: str
) -> Claim | Replay:
    existing = await session.scalar(_existing(user_id, key))
    if existing is not None:
        outcome = _judge(existing, request_hash)
        if outcome is not None:
            return outcome
        _restart(existing, request_hash)
        await session.flush()
        return Claim(key_id=existing.id, separate=False)
    row = IdempotencyKey(
        user_id=user_id, key=key, request_hash=request_hash, expires_at=utcnow() + KEY_TTL
    )
    session.add(row)
    await session.flush()
    return Claim(key_id=row.id, separate=False)


def _existing(user_id: int, key: str) -> Any:
    return select(IdempotencyKey).where(
        IdempotencyKey.user_id == user_id, IdempotencyKey.key == key
    )


def _judge(existing: IdempotencyKey, request_hash: str) -> Replay | None:
    """What an earlier use of the key means for this request; None when it may start afresh."""
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
        raise Conflict(
            "A request with this Idempotency-Key is still being processed; retry shortly",
            details={"field": "Idempotency-Key"},
        )
    return Replay(status_code=existing.response_status, body=existing.response_body)


def _restart(existing: IdempotencyKey, request_hash: str) -> None:
    existing.request_hash = request_hash
    existing.response_status = None
    existing.response_body = None
    existing.created_at = utcnow()
    existing.expires_at = utcnow() + KEY_TTL


async def complete(
    session: WriteSession, *, claimed: Claim, status_code: int, body: dict[str, Any]
) -> None:
    """Store the response in the request's transaction: it commits with the order, or not."""
    await _COMPLETE.execute(
        session, {"key_id": claimed.key_id, "response_status": status_code, "response_body": body}
    )


async def release(session: WriteSession, *, claimed: Claim) -> None:
    """Forget a claim whose request failed, so the client may retry with the same key.

    On PostgreSQL this rolls the request's work back and deletes the claim in a transaction of
    its own; if that fails too (the connection is gone), the claim is taken over once stale."""
    if not claimed.separate:
        return  # it rolls back with the request's transaction
    try:
        await session.rollback()
        await session.execute(
            delete(IdempotencyKey).where(
                IdempotencyKey.id == claimed.key_id, IdempotencyKey.response_status.is_(None)
            )
        )
        await session.commit()
    except SQLAlchemyError:
        logger.warning("could not release Idempotency-Key claim %s", claimed.key_id, exc_info=True)


@dataclass(slots=True)
class Guard:
    """What the request under a key does: answer the ``replay`` when there is one, else do its
    work and :meth:`keep` its answer."""

    replay: Replay | None
    _session: WriteSession
    _claimed: Claim | None
    kept: bool = False

    async def keep(self, *, status_code: int, body: dict[str, Any]) -> None:
        if self._claimed is not None:
            await complete(self._session, claimed=self._claimed, status_code=status_code, body=body)
        self.kept = True


@asynccontextmanager
async def guarded(
    session: WriteSession, *, user_id: int, key: str | None, request_body: Any
) -> AsyncIterator[Guard]:
    """The request's work under its ``Idempotency-Key`` (none: no guard): the claim first, then
    the work; a request that ends without keeping its answer (an error, a cancelled request)
    releases its claim, so the client may retry with the same key."""
    if key is None:
        yield Guard(replay=None, _session=session, _claimed=None)
        return
    claimed = await claim(
        session, user_id=user_id, key=check_key(key), request_hash=fingerprint(request_body)
    )
    if isinstance(claimed, Replay):
        yield Guard(replay=claimed, _session=session, _claimed=None)
        return
    guard = Guard(replay=None, _session=session, _claimed=claimed)
    try:
        yield guard
    finally:
        if not guard.kept:
            await release(session, claimed=claimed)
