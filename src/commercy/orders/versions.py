"""An order's version on the wire: its ``ETag``, and the ``If-Match`` a write is made under.

The ETag is weak (``W/"<id>-<version>"``): the answer also carries the WhatsApp confirmation,
which moves without the order changing. ``If-Match`` compares the tags without their ``W/``
(a proxy that compresses answers weakens tags on the way), and ``*`` matches any version.
"""

from __future__ import annotations

from typing import Protocol

from commercy.core.errors import PreconditionFailed


class Versioned(Protocol):
    """An order, or its answer: what its tag is made of."""

    @property
    def id(self) -> int: ...

    @property
    def version(self) -> int: ...


class Numbered(Versioned, Protocol):
    """An order as a write reads it: its tag, and its number to name it in a refusal."""

    @property
    def order_number(self) -> str: ...


def etag(order: Versioned) -> str:
    return f'W/"{order.id}-{order.version}"'


def _opaque(tag: str) -> str:
    return tag.strip().removeprefix("W/").strip('"')


def matches(if_match: str, order: Numbered) -> bool:
    current = _opaque(etag(order))
    return any(tag.strip() == "*" or _opaque(tag) == current for tag in if_match.split(","))


def check_if_match(order: Numbered, if_match: str | None) -> None:
    """412 when ``If-Match`` names another version of the order; no header: no condition."""
    if if_match is None or matches(if_match, order):
        return
    raise PreconditionFailed(
        f"Order {order.order_number} changed since you read it (If-Match {if_match[:100]!r}, "
        f"now {etag(order)}): read it again and redo your change",
        details={"currentVersion": order.version, "etag": etag(order)},
        code="order_changed",
    )
