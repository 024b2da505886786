"""Hashed ids: 16 lowercase characters, like Digishare's."""

from __future__ import annotations

import hashlib
import secrets
from itertools import count

ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
ID_LENGTH = 16


class IdHasher:
    """Turns a sequence number into an opaque id; the salt makes each sandbox's ids its own."""

    def __init__(self, salt: bytes | None = None) -> None:
        self._salt = salt or secrets.token_bytes(16)
        # Never reset, so that ids stay unique across POST /_sandbox/reset.
        self._counter = count(1)

    def next_id(self, kind: str) -> str:
        digest = hashlib.blake2b(
            f"{kind}:{next(self._counter)}".encode(), key=self._salt, digest_size=16
        ).digest()
        number = int.from_bytes(digest, "big")
        chars = []
        for _ in range(ID_LENGTH):
            number, index = divmod(number, len(ALPHABET))
            chars.append(ALPHABET[index])
        return "".join(chars)
