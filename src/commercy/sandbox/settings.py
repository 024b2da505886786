"""Sandbox settings, from the environment (prefix ``COMMERCY_SANDBOX_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SandboxSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="COMMERCY_SANDBOX_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_path: Path | None = Field(
        default=None,
        description="SQLite file holding the sandbox's state, shared by every process serving "
        "it; a private in-memory database, forgotten on exit, when unset.",
    )
    token: SecretStr | None = Field(
        default=None,
        description="Static bearer token (a personal access token); random when unset, and "
        "then kept in the database file.",
    )
    client_id: str = Field(default="commercy-sandbox", description="OAuth2 client id.")
    client_secret: SecretStr | None = Field(
        default=None,
        description="OAuth2 client secret; random when unset, and then kept in the database file.",
    )
    oauth_token_ttl_seconds: int = Field(default=3600, ge=1)
    max_media_bytes: int = Field(default=5 * 1024 * 1024, ge=1)
    webhook_retry_delays: list[float] = Field(
        default_factory=lambda: [1.0, 5.0, 30.0],
        description="Seconds to wait before each retry; one more attempt than delays, "
        "then the webhook is disabled.",
    )
    webhook_timeout_seconds: float = Field(default=5.0, gt=0)
    public_base_url: str | None = Field(
        default=None,
        description="Absolute base URL of the sandbox, for invoice links in messages; "
        "taken from the request when unset.",
    )

    @field_validator("webhook_retry_delays")
    @classmethod
    def _non_negative(cls, delays: list[float]) -> list[float]:
        if any(delay < 0 for delay in delays):
            raise ValueError("retry delays must be >= 0")
        return delays

    @field_validator("public_base_url")
    @classmethod
    def _no_trailing_slash(cls, url: str | None) -> str | None:
        return url.rstrip("/") if url else url
