"""Settings from the environment (prefix ``COMMERCY_``) and an optional ``.env`` file."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="COMMERCY_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Path("var")
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
    digishare_webhook_max_ahead_seconds: float = Field(
        default=300,
        ge=0,
        description="How far ahead of our clock a webhook's timestamp may be; further, the "
        "event is recorded as future_timestamp and not applied.",
    )
    sandbox_mounted: bool = Field(
        default=True, description="Mount the Digishare sandbox at /sandbox/digishare."
    )
    gc_freeze_at_startup: bool = Field(
        default=True,
        description="Exempt what startup built from the garbage collector's full passes "
        "(shorter pauses under load); the test suite, one long process, turns it off.",
    )

    default_phone_region: str = "TN"
    max_items_per_order: int = 2
    public_base_url: str = "http://127.0.0.1:8000"

    # Hardening (issue #6). Rate limits use the `limits` notation: "600/minute;10000/hour".
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
    rate_limit_login_identifier: str = "5/minute;20/hour"
    rate_limit_login_address: str = "20/minute;200/hour"
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

    @field_validator("cors_origins", "rate_limit_exempt_paths", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        """``COMMERCY_CORS_ORIGINS=https://a.example,https://b.example`` (or a JSON list)."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [item.strip() for item in text.split(",") if item.strip()]
        return value

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
