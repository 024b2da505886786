"""One logging setup for every process: JSON lines in production, readable text in development.

Code logs through the standard library (``logging.getLogger(__name__)``, fields in ``extra``);
structlog's formatter renders every line, ours and the libraries' (uvicorn, SQLAlchemy...).
What a request or a job is about (its request id, user, role, order, job, ticket) is bound once
in context variables and rides on every line logged while it runs. Secrets are masked before
anything is written: values of keys that name a secret, bearer tokens in text, and phone
numbers beyond their last four digits.
"""

from __future__ import annotations

import logging.config
import re
from collections.abc import MutableMapping
from typing import Any, Literal

import structlog
from structlog.typing import EventDict, Processor

LogFormat = Literal["json", "text"]

_SECRET_KEYS = re.compile(r"pass(word)?|secret|token|authorization|api[_-]?key|cookie", re.I)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}")
# A phone as people and E.164 write it: 8 to 15 digits, maybe spaced in groups; not a part of
# a longer token (an order number's epoch, a date, a path).
_PHONE = re.compile(r"(?<![\w.:/-])\+?\d(?: ?\d){7,14}(?![\w.:/-])")
_UNREDACTED = frozenset({"timestamp", "level", "logger", "request_id"})
# Libraries that tell too much at INFO: fontTools writes ~70 lines per PDF it cuts.
_QUIET = {"fontTools": "WARNING"}


def _mask_phone(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "*" * (len(digits) - 4) + digits[-4:]


def redact(text: str) -> str:
    """Bearer and Basic credentials hidden, phone numbers cut to their last 4 digits."""
    return _PHONE.sub(_mask_phone, _BEARER.sub(r"\1 [redacted]", text))


def _redact_secrets(_: Any, __: str, event: EventDict) -> EventDict:
    event.pop("color_message", None)  # uvicorn's copy of the message with terminal colours
    for key, value in list(event.items()):
        if key in _UNREDACTED:
            continue
        if _SECRET_KEYS.search(key):
            event[key] = "[redacted]"
        elif isinstance(value, str):
            event[key] = redact(value)
    return event


def _shared_processors() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def formatter(log_format: LogFormat) -> structlog.stdlib.ProcessorFormatter:
    """The one formatter of every handler: what is bound in context, the level, the logger's
    name, the ``extra`` fields and a UTC timestamp, secrets masked, as JSON or as text."""
    renderer: Processor
    tail: list[Processor] = []
    if log_format == "json":
        renderer = structlog.processors.JSONRenderer()
        tail = [structlog.processors.format_exc_info]
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=False)
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.ExtraAdder(),
            structlog.processors.TimeStamper(fmt="iso", utc=True),
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            *tail,
            _redact_secrets,
            renderer,
        ],
    )


def logging_config(*, log_format: LogFormat, level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for this process and for the processes uvicorn starts
    (``--workers``), which configure their logging from it themselves."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"commercy": {"()": formatter, "log_format": log_format}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "commercy",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {
            # uvicorn's own lines go to the root; its access lines are replaced by ours.
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False, "level": "WARNING"},
            **{name: {"level": quiet} for name, quiet in _QUIET.items()},
        },
    }


def configure_logging(*, log_format: LogFormat, level: str = "INFO") -> None:
    logging.config.dictConfig(logging_config(log_format=log_format, level=level))


def bind(**values: Any) -> None:
    """Attach values to every line logged from here on in this request or job."""
    structlog.contextvars.bind_contextvars(**values)


def start_context(**values: Any) -> None:
    """Forget what an earlier request or job bound, and bind these."""
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(**values)


def bound() -> MutableMapping[str, Any]:
    return structlog.contextvars.get_contextvars()
