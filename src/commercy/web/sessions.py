"""Web sessions kept in the database: a random id in the cookie, its hash in ``web_sessions``.

Server-side rather than signed cookies: signing out, a password change and disabling a user
must end a session at once, and a signed cookie stays valid until it expires whatever the
server decides (short of a deny-list, which is a session table again).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Executable, delete, or_, select, update

from commercy.auth import service as auth_service
from commercy.auth.actor import Actor
from commercy.auth.models import User
from commercy.core.database import Database, WriteSession, utcnow
from commercy.core.settings import Settings
from commercy.web.models import WebSession

# last_seen_at moves on at most this often: a page view writes nothing most of the time.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class SignedIn:
    """The signed-in user of a request, and what its session keeps."""

    actor: Actor
    session_hash: str
    csrf_token: str
    time_zone: str


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


async def start(session: WriteSession, *, user: User, time_zone: str, settings: Settings) -> str:
    """A new session for ``user`` (a new id every sign-in: no fixation); returns the cookie's
    value. Every expired session goes at the same time: the table holds about one row per
    person at work, so the sweep is cheap and nothing else needs to run it."""
    now = utcnow()
    await session.execute(delete(WebSession).where(_expired(now, settings)))
    token = new_token()
    session.add(
        WebSession(
            id=digest(token),
            user_id=user.id,
            token_version=user.token_version,
            csrf_token=new_token(),
            time_zone=time_zone,
            created_at=now,
            last_seen_at=now,
        )
    )
    await session.flush()
    return token


async def end(session: WriteSession, *, token: str) -> None:
    await session.execute(delete(WebSession).where(WebSession.id == digest(token)))


async def set_time_zone(session: WriteSession, *, session_hash: str, time_zone: str) -> None:
    await session.execute(
        update(WebSession).where(WebSession.id == session_hash).values(time_zone=time_zone)
    )


def _expired(now: datetime, settings: Settings) -> ColumnElement[bool]:
    idle = timedelta(minutes=settings.web_session_idle_minutes)
    lifetime = timedelta(hours=settings.web_session_max_hours)
    return or_(WebSession.last_seen_at < now - idle, WebSession.created_at < now - lifetime)


async def find(database: Database, *, token: str, settings: Settings) -> SignedIn | None:
    """The signed-in user behind a cookie's value, or None: unknown, expired (idle or past its
    lifetime), or its user disabled or re-passworded since. Read in a session of its own, closed
    before the rare write (a session ended, or noted as seen once a minute): on SQLite, a read
    holds the database's one write lock for as long as it lasts."""
    now = utcnow()
    async with database.read_sessionmaker() as session:
        row = await session.scalar(
            select(WebSession).where(WebSession.id == digest(token), ~_expired(now, settings))
        )
        if row is None:
            return None
        actor = await auth_service.get_active_actor(
            session, row.user_id, token_version=row.token_version
        )
    if actor is None:
        await _write(database, delete(WebSession).where(WebSession.id == row.id))
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        seen = update(WebSession).where(WebSession.id == row.id).values(last_seen_at=now)
        await _write(database, seen)
    return SignedIn(
        actor=actor, session_hash=row.id, csrf_token=row.csrf_token, time_zone=row.time_zone
    )


async def _write(database: Database, statement: Executable) -> None:
    async with database.sessionmaker() as session, session.begin():
        await session.execute(statement)
