"""Sealing credentials at rest, so a database dump does not reveal them."""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken

from commercy.core.settings import Settings


class SealError(Exception):
    pass


def seal(plaintext: str, *, settings: Settings) -> str:
    return Fernet(settings.sealing_key.encode()).encrypt(plaintext.encode()).decode()


def unseal(sealed: str, *, settings: Settings) -> str:
    return _unseal(sealed, settings.sealing_key)


def unseal_remembered(sealed: str, *, settings: Settings) -> str:
    """:func:`unseal`, remembering the last few answers: for a credential checked on every
    call of a hot path (decrypting costs more than the rest of the check). A changed
    credential is sealed anew, so it is never answered from memory, nor is one sealed under
    another key; a failure is not remembered."""
    return _unseal_remembered(sealed, settings.sealing_key)


@lru_cache(maxsize=256)
def _unseal_remembered(sealed: str, key: str) -> str:
    return _unseal(sealed, key)


def _unseal(sealed: str, key: str) -> str:
    try:
        return Fernet(key.encode()).decrypt(sealed.encode()).decode()
    except InvalidToken as exc:
        raise SealError("stored credential cannot be decrypted with the current key") from exc
