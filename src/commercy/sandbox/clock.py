"""Timestamps the way Digishare writes them: ``YYYY-MM-DD HH:MM:SS``, UTC."""

from __future__ import annotations

from datetime import UTC, datetime

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"


def now() -> datetime:
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    return moment.strftime(TIMESTAMP_FORMAT)
