"""Sealing credentials at rest, so a database dump does not reveal them."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken

from commercy.core.settings import Settings


class SealError(Exception):
    pass


def seal(plaintext: str, *, settings: Settings) -> str:
    return Fernet(settings.sealing_key.encode()).encrypt(plaintext.encode()).decode()


def unseal(sealed: str, *, settings: Settings) -> str:
    try:
        return Fernet(settings.sealing_key.encode()).decrypt(sealed.encode()).decode()
    except InvalidToken as exc:
        raise SealError("stored credential cannot be decrypted with the current key") from exc
