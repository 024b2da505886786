"""Password hashing (Argon2id) and access tokens (JWT, HS256 pinned)."""

from __future__ import annotations

import uuid
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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


def issue_token(*, user_id: int, role: str, settings: Settings) -> IssuedToken:
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
    }
    token = jwt.encode(claims, settings.signing_key, algorithm=ALGORITHM)
    return IssuedToken(token=token, expires_at=expires_at.replace(microsecond=0))


class InvalidToken(Exception):
    pass


def decode_token(token: str, *, settings: Settings) -> dict[str, Any]:
    try:
        return jwt.decode(
            token,
            settings.signing_key,
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            leeway=5,
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc


# A request's scope state may carry the claims of a bearer token already verified for it (by the
# rate limiter, which runs first), so that authentication does not verify it a second time.
_VERIFIED = "verified_token"


def remember_verified(state: MutableMapping[str, Any], token: str, claims: dict[str, Any]) -> None:
    state[_VERIFIED] = (token, claims)


def verified_claims(
    state: MutableMapping[str, Any], token: str, *, settings: Settings
) -> dict[str, Any]:
    """The claims of ``token``: those verified earlier in this request, else decoded now."""
    remembered = state.get(_VERIFIED)
    if remembered is not None and remembered[0] == token:
        claims: dict[str, Any] = remembered[1]
        return claims
    return decode_token(token, settings=settings)
