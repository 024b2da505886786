"""Settings from the environment (prefix ``COMMERCY_``) and an optional ``.env`` file."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="COMMERCY_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    env: Literal["development", "production"] = Field(
        default="development",
        description="`production` refuses to start on settings only fit for a developer machine.",
    )
    data_dir: Path = Path("var")
    log_format: Literal["json", "text"] | None = Field(
        default=None, description="Log lines as JSON or text; JSON in production by default."
    )
    log_level: str = "INFO"
    access_log: bool = Field(default=True, description="One log line per answered request.")
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token GET /metrics requires; without one, /metrics is open in "
        "development and off in production.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy async URL; the embedded SQLite file under data_dir when unset.",
    )
    database_pool_size: int = 10
    database_echo: bool = False

    jwt_secret: SecretStr | None = Field(
        default=None,
        description="HS256 signing key; generated once and kept in data_dir when unset.",
    )
    jwt_issuer: str = "commercy"
    jwt_audience: str = "commercy-api"
    jwt_ttl_minutes: int = 12 * 60
    web_session_idle_minutes: int = Field(
        default=2 * 60,
        description="A web app session unused this long is over (sign in again).",
    )
    web_session_max_hours: int = Field(
        default=12,
        description="A web app session ends this long after sign-in, used or not (a work day).",
    )
    web_time_zone: str = Field(
        default="Africa/Tunis",
        description="The web app's time zone for dates until a user picks another.",
    )

    encryption_key: SecretStr | None = Field(
        default=None,
        description="Fernet key sealing stored credentials; generated into data_dir when unset.",
    )

    worker_in_process: bool = Field(
        default=True, description="Drain the outbox inside `commercy serve` (embedded default)."
    )
    worker_poll_seconds: float = 0.5
    worker_concurrency: int = Field(default=4, ge=1, le=64, description="Jobs run at once")
    outbox_lease_seconds: float = 60.0
    outbox_max_attempts: int = 8
    outbox_backoff_base_seconds: float = 2.0
    outbox_backoff_cap_seconds: float = 600.0
    digishare_timeout_seconds: float = 10.0
    outbound_allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Hosts a reseller's Digishare base URL may name although they resolve to a "
        "private address (production refuses loopback, private and link-local targets).",
    )
    digishare_webhook_max_ahead_seconds: float = Field(
        default=300,
        ge=0,
        description="How far ahead of our clock a webhook's timestamp may be; further, the "
        "event is recorded as future_timestamp and not applied.",
    )
    sandbox_mounted: bool = Field(
        default=True,
        description="Mount the Digishare sandbox at /sandbox/digishare (default: in development).",
    )
    gc_freeze_at_startup: bool = Field(
        default=True,
        description="Exempt what startup built from the garbage collector's full passes "
        "(shorter pauses under load); the test suite, one long process, turns it off.",
    )

    default_phone_region: str = "TN"
    max_items_per_order: int = 2
    duplicate_window_hours: int = Field(
        default=72,
        ge=0,
        le=24 * 366,
        description="A new order whose phone matches an open order of the same reseller "
        "created within this many hours is marked as its possible duplicate (0: never).",
    )
    public_base_url: str = "http://127.0.0.1:8000"

    # The call center's queue (README, "Call center"); a reseller may override the last three.
    call_claim_minutes: float = Field(
        default=5,
        gt=0,
        le=24 * 60,
        description="How long a claim on an order lasts; the holder renews it by claiming again.",
    )
    call_retry_delays_minutes: Annotated[list[int], NoDecode] = Field(
        default=[30, 120, 1440],
        description="Wait after the 1st, 2nd, 3rd... unreached call (the last one repeats).",
    )
    call_max_unreached_attempts: int = Field(
        default=6, ge=1, le=100, description="Unreached calls after which an order is abandoned."
    )
    call_whatsapp_grace_minutes: int = Field(
        default=15,
        ge=0,
        le=7 * 24 * 60,
        description="How long a new order waits before it is called once its WhatsApp "
        "confirmation is sent (0: called at once).",
    )

    # Hardening. Rate limits use the `limits` notation: "600/minute;10000/hour".
    redis_url: str | None = Field(
        default=None,
        description="Redis for rate limits shared by several API processes; in memory when unset.",
    )
    redis_timeout_seconds: float = 0.5
    rate_limit_enabled: bool = True
    rate_limit_strategy: Literal["moving-window", "fixed-window", "sliding-window"] = (
        "moving-window"
    )
    rate_limit_key_prefix: str = "commercy"
    rate_limit_user: str = "600/minute"
    rate_limit_address: str = "120/minute"
    rate_limit_login_failures: str = Field(
        default="5/minute;20/hour",
        description="Failed logins per identifier from one address; a success clears them.",
    )
    rate_limit_login_identifier: str = Field(
        default="100/hour",
        description="Failed logins per identifier from every address together: a ceiling "
        "against guessing from many addresses, high enough that no one can lock an owner out "
        "from a few.",
    )
    rate_limit_login_address: str = Field(
        default="20/minute;200/hour", description="Login attempts per address, any identifier."
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Addresses (or networks) of reverse proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed; none by default.",
    )
    rate_limit_exempt_paths: Annotated[list[str], NoDecode] = Field(
        default=["/api/v1/webhooks/"],
        description="Path prefixes outside the per-user/per-address budget (Digishare webhooks "
        "come in bursts from a few addresses and must never be refused).",
    )
    max_body_bytes: int = 1024 * 1024
    compression_minimum_bytes: int = 500
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Origins allowed to call the API from a browser."
    )
    cors_max_age_seconds: int = 86400
    database_connect_timeout_seconds: float = 10.0
    database_pool_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="How long a request waits for a pooled connection before a 503.",
    )
    database_command_timeout_seconds: float = 30.0

    @field_validator(
        "cors_origins",
        "rate_limit_exempt_paths",
        "outbound_allowed_hosts",
        "trusted_proxies",
        "call_retry_delays_minutes",
        mode="before",
    )
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        """``COMMERCY_CORS_ORIGINS=https://a.example,https://b.example`` (or a JSON list)."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [item.strip() for item in text.split(",") if item.strip()]
        return value

    @field_validator("call_retry_delays_minutes")
    @classmethod
    def _some_delays(cls, value: list[int]) -> list[int]:
        if not value or any(delay < 0 for delay in value):
            raise ValueError("one delay or more, in minutes, none negative")
        return value

    @model_validator(mode="after")
    def _sandbox_only_in_development_by_default(self) -> Self:
        if self.env == "production" and "sandbox_mounted" not in self.model_fields_set:
            self.sandbox_mounted = False
        return self

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def resolved_log_format(self) -> Literal["json", "text"]:
        return self.log_format or ("json" if self.is_production else "text")

    def production_problems(self, *, serves_api: bool, demo: bool = False) -> list[str]:
        """What makes these settings unfit for production; empty in development."""
        if not self.is_production:
            return []
        problems = []
        if self.sandbox_mounted:
            problems.append(
                "COMMERCY_SANDBOX_MOUNTED is true: the Digishare sandbox plays customers and "
                "has test controls; it never runs in production"
            )
        if demo:
            problems.append("--demo loads demo accounts whose passwords are printed")
        if serves_api:
            problems += _secret_problems(
                "COMMERCY_JWT_SECRET",
                self.jwt_secret,
                "tokens signed with a key generated on this machine only",
            )
        problems += _secret_problems(
            "COMMERCY_ENCRYPTION_KEY",
            self.encryption_key,
            "credentials sealed with a key generated on this machine only",
        )
        if self.encryption_key is not None and not _is_fernet_key(self.encryption_key):
            problems.append(
                "COMMERCY_ENCRYPTION_KEY is not a Fernet key (32 url-safe base64-encoded bytes)"
            )
        return problems

    def refuse_unsafe_production(self, *, serves_api: bool, demo: bool = False) -> None:
        """Raises UnsafeSettings naming every problem, in production mode."""
        problems = self.production_problems(serves_api=serves_api, demo=demo)
        if problems:
            raise UnsafeSettings(problems)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return normalize_database_url(self.database_url)
        return f"sqlite+aiosqlite:///{(self.data_dir / 'commercy.db').as_posix()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @cached_property
    def signing_key(self) -> str:
        if self.jwt_secret is not None:
            return self.jwt_secret.get_secret_value()
        return _load_or_create_secret(self.data_dir / "jwt-secret")

    @cached_property
    def sandbox_token(self) -> str:
        """The mounted sandbox's bearer token: stable per installation, like a real account's."""
        return _load_or_create_secret(self.data_dir / "sandbox-token")

    @cached_property
    def sealing_key(self) -> str:
        if self.encryption_key is not None:
            return self.encryption_key.get_secret_value()
        return _load_or_create_secret(self.data_dir / "encryption-key", _new_fernet_key)


class UnsafeSettings(Exception):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"COMMERCY_ENV=production refuses to start:\n{lines}")


MIN_SECRET_CHARS = 32


def _secret_problems(name: str, value: SecretStr | None, consequence: str) -> list[str]:
    if value is None:
        return [f"{name} is not set: {consequence}"]
    if len(value.get_secret_value()) < MIN_SECRET_CHARS:
        return [f"{name} is shorter than {MIN_SECRET_CHARS} characters"]
    return []


def _is_fernet_key(value: SecretStr) -> bool:
    try:
        return len(base64.urlsafe_b64decode(value.get_secret_value().encode())) == 32
    except ValueError:
        return False


def normalize_database_url(url: str) -> str:
    """Accept the plain URLs people paste (``postgresql://``, ``sqlite:///``): use async drivers."""
    for plain, async_url in (
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return async_url + url[len(plain) :]
    return url


def _new_fernet_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def _load_or_create_secret(path: Path, make: Callable[[], str] | None = None) -> str:
    """A per-installation key for the embedded default, so no secret ever lives in the repo."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = make() if make else secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
