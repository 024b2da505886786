"""JSON read by hand (a webhook's raw call), held to the rules of the bodies FastAPI reads.

FastAPI answers 400 for a body it cannot parse, a `RecursionError` on deep nesting included
(see :mod:`commercy.core.errors`). A body kept as received needs more: nesting well short of the
interpreter's limit, so that hashing and storing it cannot recurse too deep either, and strings
a database can store: no NUL (PostgreSQL refuses it in text), no lone surrogate, and no NaN or
infinite number (Python reads them, JSON columns refuse them).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

# Real payloads (a Digishare event) nest four or five levels.
MAX_DEPTH = 64
# NUL, and half a surrogate pair escaped alone (``"\\ud800"``): valid JSON, but not text a
# database can store.
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


class UnreadableJson(ValueError):
    """Why a body cannot be taken as JSON: said as the end of "Body ..."."""


def read_json(raw: bytes) -> Any:
    """The JSON value of ``raw``, else :class:`UnreadableJson`."""
    try:
        value = json.loads(raw)
    except RecursionError:
        raise UnreadableJson(f"is nested deeper than {MAX_DEPTH} levels") from None
    except ValueError:  # invalid JSON, or bytes that are not UTF-8
        raise UnreadableJson("is not JSON") from None
    _check(value)
    return value


def _check(value: Any) -> None:
    """Walk the value without recursion: its depth, and its keys and strings."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            _check_text(item)
            continue
        if isinstance(item, float) and not math.isfinite(item):  # NaN, Infinity, 1e999
            raise UnreadableJson("holds a number JSON cannot carry (NaN or infinite)")
        if not isinstance(item, dict | list):
            continue
        if depth > MAX_DEPTH:
            raise UnreadableJson(f"is nested deeper than {MAX_DEPTH} levels")
        children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
        pending.extend((child, depth + 1) for child in children)


def _check_text(text: str) -> None:
    found = _UNSTORABLE.search(text)
    if found is None:
        return
    if found.group() == "\x00":
        raise UnreadableJson("holds a NUL character")
    raise UnreadableJson(f"holds a lone surrogate (U+{ord(found.group()):04X}), which is not text")
