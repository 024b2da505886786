"""The period a report covers: whole days, both ends included. One rule for every report
(order figures, call figures, the dashboard): by default the last 30 days up to today, at most
366 days, never past the calendar's last day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from commercy.core.errors import ValidationFailed

DEFAULT_DAYS = 30
#: The longest period a request may ask for, in days (both ends included).
MAX_DAYS = 366


def parse_day(field: str, raw: str | None) -> date | None:
    """``YYYY-MM-DD`` and nothing else; None when absent."""
    if raw is None:
        return None
    try:
        if len(raw) != 10:
            raise ValueError
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(field, "a day, YYYY-MM-DD") from None


def report_period(
    date_from: date | None, date_to: date | None, *, today: date
) -> tuple[date, date]:
    """The first and last day of the period asked for, or a 400 naming the field at fault."""
    last = date_to or today
    if last == date.max:  # the period ends at the next day's midnight
        raise ValidationFailed("to", "a day before 9999-12-31")
    # Near the calendar's first day, the default period starts on that day.
    default_from = max(last, date.min + timedelta(days=DEFAULT_DAYS - 1))
    first = date_from or default_from - timedelta(days=DEFAULT_DAYS - 1)
    if last < first:
        raise ValidationFailed("to", "must be on or after `from`")
    if (last - first).days + 1 > MAX_DAYS:
        raise ValidationFailed("to", f"a period of at most {MAX_DAYS} days")
    return first, last


def utc_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """[the first day's midnight, the midnight after the last day), in UTC."""
    since = datetime(first.year, first.month, first.day, tzinfo=UTC)
    return since, datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)


def utc_today() -> date:
    return datetime.now(UTC).date()
