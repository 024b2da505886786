"""COMMERCY_ENV=production refuses what only fits a developer's machine, naming each problem;
development stays as easy as ever."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

from commercy.core.settings import Settings, UnsafeSettings
from commercy.main import create_app

JWT_SECRET = "a-production-signing-key-of-enough-length-0123456789"


def run_commercy(*args: str, data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("COMMERCY_")}
    return subprocess.run(
        [sys.executable, "-m", "commercy", *args],
        env={**clean, "COMMERCY_DATA_DIR": str(data_dir), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_serve_names_every_unsafe_setting_and_creates_nothing(tmp_path: Path) -> None:
    result = run_commercy(
        "serve",
        "--demo",
        data_dir=tmp_path,
        COMMERCY_ENV="production",
        COMMERCY_SANDBOX_MOUNTED="true",
    )

    assert result.returncode == 2
    for named in (
        "COMMERCY_SANDBOX_MOUNTED",
        "--demo",
        "COMMERCY_JWT_SECRET",
        "COMMERCY_ENCRYPTION_KEY",
    ):
        assert named in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # no database, no generated key


def test_a_worker_needs_the_encryption_key_but_not_the_signing_key(tmp_path: Path) -> None:
    result = run_commercy("worker", data_dir=tmp_path, COMMERCY_ENV="production")

    assert result.returncode == 2
    assert "COMMERCY_ENCRYPTION_KEY" in result.stderr
    assert "COMMERCY_JWT_SECRET" not in result.stderr


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"jwt_secret": "short"}, "COMMERCY_JWT_SECRET is shorter"),
        ({"encryption_key": "x" * 44}, "not a Fernet key"),
        ({"sandbox_mounted": True}, "COMMERCY_SANDBOX_MOUNTED"),
    ],
)
def test_the_app_refuses_weak_or_unsafe_production_settings(
    tmp_path: Path, overrides: dict[str, object], named: str
) -> None:
    values: dict[str, object] = {
        "env": "production",
        "data_dir": tmp_path,
        "jwt_secret": JWT_SECRET,
        "encryption_key": Fernet.generate_key().decode(),
        **overrides,
    }

    with pytest.raises(UnsafeSettings, match=named):
        create_app(Settings(_env_file=None, **values))  # type: ignore[arg-type]


async def test_production_with_given_secrets_serves_without_the_sandbox(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,
        env="production",
        data_dir=tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'c.db'}",
        jwt_secret=JWT_SECRET,
        encryption_key=Fernet.generate_key().decode(),
    )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        sandbox = await http.get("/sandbox/digishare/")

    assert settings.sandbox_mounted is False
    assert sandbox.status_code == 404


def test_development_keeps_the_embedded_defaults(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)

    assert settings.env == "development"
    assert settings.sandbox_mounted is True
    assert settings.production_problems(serves_api=True, demo=True) == []
