"""Languages, the templates of each, and how dates and money read.

Gettext catalogues through Babel and Jinja2's i18n extension: the standard tools (``pybabel
extract`` finds every string, translators know ``.po`` files, plural forms come for free), and
Babel also formats dates and numbers by locale. Source strings are English; French, the sellers'
language, is the default.
"""

from __future__ import annotations

import gettext
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
CURRENCY = "DT"  # the Tunisian dinar, as sellers write it; three decimals (millimes)

_HERE = Path(__file__).parent
TRANSLATIONS_DIR = _HERE / "translations"
TEMPLATES_DIR = _HERE / "templates"


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "translate later"
    """Marks a string for extraction; it is translated where it is shown."""
    return message


def language_of(value: str | None) -> str:
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> gettext.NullTranslations:
    """The language's catalogue, compiled from its ``.po`` file once per process (no compiled
    ``.mo`` file to keep in step). English is the source language."""
    po_file = TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po"
    if not po_file.exists():
        return gettext.NullTranslations()
    with po_file.open("rb") as source:
        catalog = read_po(source)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


@lru_cache(maxsize=len(LANGUAGES))
def environment(language: str) -> Environment:
    """One environment per language: installed translations are the environment's, so two
    requests in two languages never share one."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    return env


@lru_cache(maxsize=1)
def time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


class Formats:
    """Dates in the user's time zone and money with its three decimals, in their language."""

    def __init__(self, *, language: str, time_zone: str) -> None:
        self.language = language
        self.zone = ZoneInfo(time_zone)

    def when(self, moment: datetime | None) -> str:
        if moment is None:
            return ""
        return format_datetime(moment, "short", tzinfo=self.zone, locale=self.language)

    def iso(self, moment: datetime) -> str:
        return moment.astimezone(self.zone).isoformat(timespec="minutes")

    def money(self, amount: Decimal | float | int | None) -> str:
        if amount is None:
            return ""
        return f"{format_decimal(amount, '#,##0.000', locale=self.language)}\u00a0{CURRENCY}"
