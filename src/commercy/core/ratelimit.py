"""Rate limits: a budget per user (or per address when anonymous) and a strict one on login.

The counters live in memory for the embedded default, or in Redis when ``COMMERCY_REDIS_URL``
is set, so that several API processes spend one shared budget. Should Redis become
unreachable, each process falls back to its own in-memory counters (and logs it) rather than
refusing every request or dropping the protection against password guessing.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import (
    FixedWindowRateLimiter,
    MovingWindowRateLimiter,
    RateLimiter,
    SlidingWindowCounterRateLimiter,
)
from limits.errors import StorageError
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from commercy.core.errors import CommercyError, error_response
from commercy.core.metrics import metrics
from commercy.core.security import InvalidToken, decode_token
from commercy.core.settings import Settings

logger = logging.getLogger("commercy.ratelimit")

_T = TypeVar("_T")
_RETRY_SHARED_AFTER_SECONDS = 5.0
_STRATEGIES: dict[str, type[RateLimiter]] = {
    "moving-window": MovingWindowRateLimiter,
    "fixed-window": FixedWindowRateLimiter,
    "sliding-window": SlidingWindowCounterRateLimiter,
}


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of spending one unit of a budget, and what to tell the client about it."""

    allowed: bool
    item: RateLimitItem
    remaining: int
    reset_at: float

    @property
    def retry_after(self) -> int:
        return max(1, math.ceil(self.reset_at - time.time()))

    def headers(self) -> dict[str, str]:
        headers = {
            "X-RateLimit-Limit": str(self.item.amount),
            "X-RateLimit-Remaining": str(max(0, self.remaining)),
            # Epoch seconds, as GitHub and most APIs that send X-RateLimit-Reset do.
            "X-RateLimit-Reset": str(math.ceil(self.reset_at)),
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after)
        return headers


class TooManyRequests(CommercyError):
    status_code = 429
    error = "Too many requests"

    def __init__(self, verdict: Verdict, *, scope: str) -> None:
        window = _describe_window(verdict.item)
        super().__init__(
            f"Rate limit exceeded ({verdict.item.amount} per {window}); "
            f"retry in {verdict.retry_after} s",
            details={
                "scope": scope,
                "limit": verdict.item.amount,
                "window": window,
                "retryAfter": verdict.retry_after,
            },
            headers=verdict.headers(),
        )


def refusal(verdict: Verdict, *, scope: str) -> TooManyRequests:
    """The 429 for a spent budget, counted in the metrics."""
    metrics().rate_limit_refusals.labels(scope).inc()
    return TooManyRequests(verdict, scope=scope)


class RateLimits:
    """The budgets of one API process, counted in memory or in Redis."""

    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.rate_limit_enabled
        self.user = parse_many(settings.rate_limit_user)
        self.address = parse_many(settings.rate_limit_address)
        self.login_identifier = parse_many(settings.rate_limit_login_identifier)
        self.login_failures = parse_many(settings.rate_limit_login_failures)
        self.login_address = parse_many(settings.rate_limit_login_address)
        strategy = _STRATEGIES[settings.rate_limit_strategy]
        self._fallback = strategy(MemoryStorage())
        self._shared: RateLimiter | None = None
        self._shared_storage: RedisStorage | None = None
        if settings.redis_url:
            self._shared_storage = redis_storage(settings)
            self._shared = strategy(self._shared_storage)
        self._shared_down_at: float | None = None

    async def spend(self, items: Sequence[RateLimitItem], *identifiers: str) -> Verdict:
        """Spend one unit of every budget in ``items``; the verdict of the tightest one."""
        return await self._counted(_spend, items, identifiers)

    async def peek(self, items: Sequence[RateLimitItem], *identifiers: str) -> Verdict:
        """Whether one more unit of every budget in ``items`` would be allowed, spending none."""
        return await self._counted(_peek, items, identifiers)

    async def clear(self, items: Sequence[RateLimitItem], *identifiers: str) -> None:
        """Forget what was spent of ``items``."""

        async def forget(
            limiter: RateLimiter, items: Sequence[RateLimitItem], identifiers: Sequence[str]
        ) -> None:
            for item in items:
                await limiter.clear(item, *identifiers)

        await self._counted(forget, items, identifiers)

    async def _counted(
        self,
        count: Callable[[RateLimiter, Sequence[RateLimitItem], Sequence[str]], Awaitable[_T]],
        items: Sequence[RateLimitItem],
        identifiers: Sequence[str],
    ) -> _T:
        """``count`` on the shared storage while it answers, else on this process's memory."""
        if self._shared is not None and self._shared_usable():
            try:
                result = await count(self._shared, items, identifiers)
            except StorageError as exc:
                if self._shared_down_at is None:
                    logger.warning("rate-limit storage unreachable, counting in memory: %s", exc)
                self._shared_down_at = time.monotonic()
            else:
                if self._shared_down_at is not None:
                    logger.warning("rate-limit storage reachable again")
                    self._shared_down_at = None
                return result
        return await count(self._fallback, items, identifiers)

    async def shared_storage_answers(self) -> bool:
        """Whether the shared storage (Redis) answers now; False when there is none."""
        if self._shared_storage is None:
            return False
        try:
            return await self._shared_storage.check()
        except Exception:  # a check that cannot reach Redis is a "no"
            return False

    def _shared_usable(self) -> bool:
        # While the shared storage is down, try it again only every few seconds, so that
        # requests do not each wait for its timeout.
        down_at = self._shared_down_at
        return down_at is None or time.monotonic() - down_at >= _RETRY_SHARED_AFTER_SECONDS

    async def check_login(self, *, identifier: str, address: str) -> None:
        """Before the password is verified (a refused guess costs no Argon2 work and reveals
        nothing): spend one attempt of the address's budget, whatever the identifier, and
        refuse once the failures of this identifier from this address, or from anywhere, are
        spent. Every attempt counts against the address, so a burst of concurrent guesses is
        bounded before any of them has failed."""
        if not self.enabled:
            return
        by_address = await self.spend(self.login_address, "login-address", address)
        if not by_address.allowed:
            raise refusal(by_address, scope="login-address")
        pair = await self.peek(self.login_failures, "login-failures", _digest(identifier), address)
        if not pair.allowed:
            raise refusal(pair, scope="login-failures")
        anywhere = await self.peek(self.login_identifier, "login-identifier", _digest(identifier))
        if not anywhere.allowed:
            raise refusal(anywhere, scope="login-identifier")

    async def login_failed(self, *, identifier: str, address: str) -> None:
        if self.enabled:
            digest = _digest(identifier)
            await self.spend(self.login_failures, "login-failures", digest, address)
            await self.spend(self.login_identifier, "login-identifier", digest)

    async def login_succeeded(self, *, identifier: str, address: str) -> None:
        """The owner is back: this address's failures for the identifier are forgotten."""
        if self.enabled:
            await self.clear(self.login_failures, "login-failures", _digest(identifier), address)


def _digest(identifier: str) -> str:
    """Case-insensitive like the login itself; hashed, so no identifier is stored in Redis."""
    return hashlib.sha256(identifier.strip().lower().encode()).hexdigest()[:32]


async def _spend(
    limiter: RateLimiter, items: Sequence[RateLimitItem], identifiers: Sequence[str]
) -> Verdict:
    return await _verdict(limiter, items, identifiers, spend=True)


async def _peek(
    limiter: RateLimiter, items: Sequence[RateLimitItem], identifiers: Sequence[str]
) -> Verdict:
    return await _verdict(limiter, items, identifiers, spend=False)


async def _verdict(
    limiter: RateLimiter,
    items: Sequence[RateLimitItem],
    identifiers: Sequence[str],
    *,
    spend: bool,
) -> Verdict:
    tightest: Verdict | None = None
    for item in items:
        if spend:
            allowed = await limiter.hit(item, *identifiers)
        else:
            allowed = await limiter.test(item, *identifiers)
        stats = await limiter.get_window_stats(item, *identifiers)
        verdict = Verdict(
            allowed=allowed, item=item, remaining=stats.remaining, reset_at=stats.reset_time
        )
        if not allowed:
            return verdict
        if tightest is None or verdict.remaining < tightest.remaining:
            tightest = verdict
    assert tightest is not None, "a rate limit setting parses to at least one item"
    return tightest


def redis_storage(settings: Settings) -> RedisStorage:
    assert settings.redis_url
    url = settings.redis_url
    if not url.startswith("async+"):
        url = "async+" + url
    timeout = settings.redis_timeout_seconds
    options: dict[str, Any] = {"connect_timeout": timeout, "stream_timeout": timeout}
    return RedisStorage(
        url, wrap_exceptions=True, key_prefix=settings.rate_limit_key_prefix, **options
    )


def client_address(scope: Scope) -> str:
    """The caller's address; IPv6 callers are counted per /64, the block one host controls.

    Behind a reverse proxy, list it in ``COMMERCY_TRUSTED_PROXIES`` so that this is the real
    client (from its ``X-Forwarded-For``) and not the proxy; nobody else's header is believed.
    """
    client = scope.get("client")
    host = client[0] if client else None
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return str(host)
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _describe_window(item: RateLimitItem) -> str:
    granularity = item.GRANULARITY.name
    if item.multiples == 1:
        return granularity
    return f"{item.multiples} {granularity}s"


class RateLimitMiddleware:
    """Spend one unit of the caller's budget per API request; 429 once it is spent.

    Authenticated calls (a bearer token that verifies) are counted per user, so a call center
    behind one address is not throttled as one; any other call per client address, so a
    made-up token buys no fresh budget. Every counted response carries the budget's
    ``X-RateLimit-*`` headers; a refusal also carries ``Retry-After``.
    """

    def __init__(
        self, app: ASGIApp, *, limits: RateLimits, settings: Settings, path_prefix: str
    ) -> None:
        self.app = app
        self.limits = limits
        self.settings = settings
        self.path_prefix = path_prefix
        self.exempt = tuple(settings.rate_limit_exempt_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if (
            scope["type"] != "http"
            or not self.limits.enabled
            or not path.startswith(self.path_prefix)
            or path.startswith(self.exempt)
        ):
            await self.app(scope, receive, send)
            return
        user_id = self._user_id(scope)
        if user_id is not None:
            verdict = await self.limits.spend(self.limits.user, "user", user_id)
            kind = "user"
        else:
            verdict = await self.limits.spend(self.limits.address, "address", client_address(scope))
            kind = "address"
        if not verdict.allowed:
            refused = refusal(verdict, scope=kind)
            response = error_response(
                429,
                error=refused.error,
                message=refused.message,
                details=refused.details,
                headers=refused.headers,
            )
            await response(scope, receive, send)
            return
        budget_headers = verdict.headers()

        async def send_with_budget(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                # A stricter limiter inside (login) may have set its own; it wins.
                if "x-ratelimit-limit" not in headers:
                    for name, value in budget_headers.items():
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_budget)

    def _user_id(self, scope: Scope) -> str | None:
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                scheme, _, token = value.decode("latin-1").partition(" ")
                if scheme.lower() != "bearer" or not token:
                    return None
                token = token.strip()
                try:
                    claims = decode_token(token, settings=self.settings)
                except InvalidToken:
                    return None
                return str(claims["sub"])
        return None
