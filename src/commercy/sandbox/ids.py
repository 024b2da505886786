"""Hashed ids: 16 lowercase characters, like Digishare's."""

from __future__ import annotations

import hashlib

ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
ID_LENGTH = 16


class IdHasher:
    """Turns a sequence number into an opaque id; the salt makes each sandbox's ids its own."""

    def __init__(self, salt: bytes) -> None:
        self._salt = salt

    def hash(self, kind: str, number: int) -> str:
        digest = hashlib.blake2b(
            f"{kind}:{number}".encode(), key=self._salt, digest_size=16
        ).digest()
        value = int.from_bytes(digest, "big")
        chars = []
        for _ in range(ID_LENGTH):
            value, index = divmod(value, len(ALPHABET))
            chars.append(ALPHABET[index])
        return "".join(chars)
