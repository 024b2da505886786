"""Text people type holds no control characters: refused at the edge, never stored.

PostgreSQL cannot store NUL in text at all, and no person types the other C0 controls (or
DEL): they come from a broken client or a probe, and would end up in labels, CSV exports and
WhatsApp messages. Text that spans lines (notes, addresses) may hold tabs and line breaks.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f]")
_MULTI_LINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

CONTROL_CHARACTER = "control_character"


def control_character_error(text: str, *, multi_line: bool = False) -> str | None:
    """Why ``text`` is refused, or None when it holds no control character it may not."""
    found = (_MULTI_LINE if multi_line else _SINGLE_LINE).search(text)
    if found is None:
        return None
    allowed = "; tabs and line breaks are fine" if multi_line else ""
    return f"Control character U+{ord(found.group()):04X} is not allowed here{allowed}"


def texts(value: Any) -> Iterator[str]:
    """The strings of a field's value: itself, or the items (and keys) of a list or mapping.
    Nested bodies are left out: they check their own fields."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple | set | frozenset):
        yield from (item for item in value if isinstance(item, str))
    elif isinstance(value, dict):
        yield from (item for pair in value.items() for item in pair if isinstance(item, str))


def folded(text: str | None) -> str | None:
    """``text`` as the search compares it: case folded, accents removed (``Hélène`` and
    ``HELENE`` both give ``helene``), the same in Python for the stored column and the term, so
    neither database needs an extension for it."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))
