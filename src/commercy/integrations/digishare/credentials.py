"""How Commercy proves itself to Digishare: a personal access token, or OAuth2 client
credentials exchanged at ``POST /v1/oauth/token`` for an access token, kept until shortly
before it expires and shared by every job of the process."""

from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from commercy.core.outbound import OutboundRefused

TOKEN_PATH = "/v1/oauth/token"  # noqa: S105  (a path, not a secret)
# Renew this long before `expires_in` runs out (at most a tenth of the token's life).
EXPIRY_MARGIN_SECONDS = 60.0
# When the answer gives no `expires_in`.
DEFAULT_TOKEN_SECONDS = 300


class CredentialsError(Exception):
    """Getting an access token failed; ``retryable`` when trying later may help."""

    def __init__(self, message: str, *, status: int | None, retryable: bool) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable


class Credentials(Protocol):
    async def token(self, http: httpx.AsyncClient) -> str:
        """The bearer token to send now."""
        ...

    async def renew(self, http: httpx.AsyncClient, *, rejected: str) -> bool:
        """Forget ``rejected`` (Digishare answered 401 to it); True when a new token may
        work."""
        ...


@dataclass(frozen=True, slots=True)
class PersonalAccessToken:
    value: str

    async def token(self, http: httpx.AsyncClient) -> str:
        return self.value

    async def renew(self, http: httpx.AsyncClient, *, rejected: str) -> bool:
        return False


@dataclass(slots=True)
class _AccessToken:
    value: str
    renew_at: float


_tokens: dict[tuple[str, str, str], _AccessToken] = {}
_fetching: dict[tuple[str, str, str], asyncio.Lock] = {}


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    client_id: str
    client_secret: str

    async def token(self, http: httpx.AsyncClient) -> str:
        key = self._key(http)
        cached = _tokens.get(key)
        if cached is not None and cached.renew_at > time.monotonic():
            return cached.value
        # One request for a token per process, however many jobs need it at once.
        async with _fetching.setdefault(key, asyncio.Lock()):
            cached = _tokens.get(key)
            if cached is None or cached.renew_at <= time.monotonic():
                cached = _tokens[key] = await self._fetch(http)
        return cached.value

    async def renew(self, http: httpx.AsyncClient, *, rejected: str) -> bool:
        key = self._key(http)
        cached = _tokens.get(key)
        if cached is not None and cached.value == rejected:
            del _tokens[key]
        return True

    def _key(self, http: httpx.AsyncClient) -> tuple[str, str, str]:
        secret_digest = hashlib.sha256(self.client_secret.encode()).hexdigest()
        return (str(http.base_url), self.client_id, secret_digest)

    async def _fetch(self, http: httpx.AsyncClient) -> _AccessToken:
        body = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }
        try:
            response = await http.post(TOKEN_PATH, json=body)
        except OutboundRefused as exc:
            message = f"POST {TOKEN_PATH}: refused: {exc}"
            raise CredentialsError(message, status=None, retryable=False) from exc
        except httpx.TimeoutException as exc:
            raise CredentialsError(
                f"POST {TOKEN_PATH}: timed out", status=None, retryable=True
            ) from exc
        except httpx.TransportError as exc:
            message = f"POST {TOKEN_PATH}: {type(exc).__name__}"
            raise CredentialsError(message, status=None, retryable=True) from exc
        if not response.is_success:
            status = response.status_code
            raise CredentialsError(
                f"POST {TOKEN_PATH}: {status} {response.reason_phrase}".rstrip(),
                status=status,
                retryable=status == 429 or status >= 500,
            )
        return _access_token(_json(response))


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if isinstance(answer, dict) and isinstance(answer.get("data"), dict):
        answer = answer["data"]
    if not isinstance(answer, dict):
        raise CredentialsError(
            f"POST {TOKEN_PATH}: answer is not a JSON object", status=None, retryable=True
        )
    return answer


def _access_token(answer: dict[str, Any]) -> _AccessToken:
    value = answer.get("access_token")
    if not isinstance(value, str) or not value:
        raise CredentialsError(
            f"POST {TOKEN_PATH}: answer has no access_token", status=None, retryable=True
        )
    lifetime = answer.get("expires_in")
    if not isinstance(lifetime, int | float) or isinstance(lifetime, bool) or lifetime <= 0:
        lifetime = DEFAULT_TOKEN_SECONDS
    margin = min(EXPIRY_MARGIN_SECONDS, lifetime / 10)
    return _AccessToken(value=value, renew_at=time.monotonic() + lifetime - margin)
