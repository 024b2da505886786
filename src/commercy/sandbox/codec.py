"""Records to JSON text and back, for the database's ``body`` column.

Datetimes become ISO 8601 strings and nested records (a webhook's auth) plain objects; reading
back rebuilds them from the record's type hints.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from datetime import datetime
from typing import Any, TypeVar, get_args, get_type_hints

R = TypeVar("R")

Converter = Callable[[Any], Any]


def encode(record: object, *, exclude: frozenset[str] = frozenset()) -> str:
    """The record's fields as JSON, leaving out ``exclude`` (kept in columns of their own)."""
    values = {
        field.name: _plain(getattr(record, field.name))
        for field in fields(record)  # type: ignore[arg-type]
        if field.name not in exclude
    }
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


def decode(kind: type[R], body: str, **columns: Any) -> R:
    """The record of type ``kind`` stored as ``body``, plus the fields kept in ``columns``."""
    values: dict[str, Any] = {**json.loads(body), **columns}
    for name, convert in _converters(kind).items():
        if values.get(name) is not None:
            values[name] = convert(values[name])
    return kind(**values)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return {field.name: _plain(getattr(value, field.name)) for field in fields(value)}
    return value


_CONVERTERS: dict[type[Any], dict[str, Converter]] = {}


def _converters(kind: type[Any]) -> dict[str, Converter]:
    """How to rebuild each field that JSON cannot hold as is, worked out once per type."""
    if kind not in _CONVERTERS:
        hints = get_type_hints(kind).items()
        converters = {name: convert for name, hint in hints if (convert := _converter(hint))}
        _CONVERTERS[kind] = converters
    return _CONVERTERS[kind]


def _converter(hint: Any) -> Converter | None:
    for option in get_args(hint) or (hint,):
        if option is datetime:
            return datetime.fromisoformat
        if isinstance(option, type) and is_dataclass(option):
            record_type: type[Any] = option
            return lambda values: record_type(**values)
    return None
