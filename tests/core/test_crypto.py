"""Sealed credentials: what the remembered unseal answers is what unsealing answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from commercy.core.crypto import SealError, seal, unseal, unseal_remembered
from commercy.core.settings import Settings


def _settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None, data_dir=tmp_path, encryption_key=Fernet.generate_key().decode()
    )


def test_a_remembered_unseal_answers_what_unsealing_answers(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    sealed = seal("webhook secret", settings=settings)

    first = unseal_remembered(sealed, settings=settings)
    again = unseal_remembered(sealed, settings=settings)

    assert first == again == unseal(sealed, settings=settings) == "webhook secret"


def test_a_new_secret_is_unsealed_anew(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    unseal_remembered(seal("old secret", settings=settings), settings=settings)

    rotated = unseal_remembered(seal("new secret", settings=settings), settings=settings)

    assert rotated == "new secret"


def test_a_secret_sealed_under_another_key_is_refused_every_time(tmp_path: Path) -> None:
    settings, other = _settings(tmp_path / "ours"), _settings(tmp_path / "theirs")
    sealed = seal("webhook secret", settings=settings)
    assert unseal_remembered(sealed, settings=settings) == "webhook secret"

    for _ in range(2):
        with pytest.raises(SealError):
            unseal_remembered(sealed, settings=other)
