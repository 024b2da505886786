"""Password hashing (Argon2id) and access tokens (JWT, HS256 pinned)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Any

import jwt
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.concurrency import run_in_threadpool

from commercy.core.settings import Settings

ALGORITHM = "HS256"

# OWASP Password Storage Cheat Sheet, Argon2id: m=19 MiB, t=2, p=1 (its first recommended set).
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)
# Verified against when the identifier is unknown, so a miss costs as much as a wrong password.
_DUMMY_HASH = _hasher.hash("commercy-timing-equaliser")


async def hash_password(password: str) -> str:
    return await run_in_threadpool(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    return await run_in_threadpool(_verify, password_hash or _DUMMY_HASH, password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    expires_at: datetime


def issue_token(*, user_id: int, role: str, version: int, settings: Settings) -> IssuedToken:
    """A signed token for the user; ``version`` is the user's token version, which a password
    change moves on."""
    now = datetime.now(UTC)
    expires_at = now + timedelta(minutes=settings.jwt_ttl_minutes)
    claims = {
        "sub": str(user_id),
        "role": role,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "nbf": now,
        "exp": expires_at,
        "jti": uuid.uuid4().hex,
        "ver": version,
    }
    token = jwt.encode(claims, settings.signing_key, algorithm=ALGORITHM)
    return IssuedToken(token=token, expires_at=expires_at.replace(microsecond=0))


class InvalidToken(Exception):
    pass


LEEWAY_SECONDS = 5  # clock drift allowed between the issuer and us


def decode_token(token: str, *, settings: Settings, now: float | None = None) -> Mapping[str, Any]:
    """The claims of a valid token (signature, audience, issuer, required claims, not expired).

    A token's signature and claims never change, so a token verified once is remembered and
    later requests only check that it has not expired since (``now``, epoch seconds)."""
    claims = _verified(token, settings.signing_key, settings.jwt_audience, settings.jwt_issuer)
    if claims["exp"] + LEEWAY_SECONDS < (time.time() if now is None else now):
        raise InvalidToken("Signature has expired")
    return claims


@lru_cache(maxsize=4096)
def _verified(token: str, key: str, audience: str, issuer: str) -> Mapping[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=audience,
            issuer=issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            leeway=LEEWAY_SECONDS,
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    return MappingProxyType(claims)
