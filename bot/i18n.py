"""UI text through gettext catalogs (`bot/locale/<lang>/LC_MESSAGES/seroi_bot.po`).

The language is resolved for every update (stored choice → Telegram's language_code →
the default) and passed around; nothing here is global state.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.settings import LANGUAGES

DOMAIN = "seroi_bot"
LOCALE_DIR = Path(__file__).parent / "locale"

Translate = Callable[[str], str]

LANGUAGE_NAMES = {"fi": "Suomi", "en": "English", "it": "Italiano", "sv": "Svenska"}


SOURCE_LANGUAGE = "en"


@cache
def catalog(language: str) -> gettext.NullTranslations:
    """The compiled catalog of a language (compiled in memory when `make` has not run).

    English is the language of the source text, so it needs no catalog.
    """
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    compiled, source = folder / f"{DOMAIN}.mo", folder / f"{DOMAIN}.po"
    if compiled.exists() and compiled.stat().st_mtime >= source.stat().st_mtime:
        with compiled.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    with source.open("rb") as handle:
        po = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, po)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def translator(language: str) -> Translate:
    """The gettext function for one language."""
    return catalog(language).gettext


def format_day(moment: str, language: str, timezone: str) -> str:
    """The local date of an ISO timestamp as a person reads it: 16.12.2026 in Finnish.

    Stored timestamps are UTC; the date is the one in the pilot's time zone.
    """
    local = datetime.fromisoformat(moment).astimezone(ZoneInfo(timezone))
    return format_date(local.date(), format="medium", locale=language)


def resolve_language(stored: str | None, telegram_code: str | None, default: str) -> str:
    """The member's choice, else their Telegram app's language if we speak it, else the default."""
    if stored in LANGUAGES:
        return stored
    if telegram_code:
        base = telegram_code.split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return default


def local_date(timestamp: str, language: str) -> str:
    """The day of a stored ISO timestamp as a person reads dates: 16.12.2026 in Finnish."""
    return format_date(datetime.fromisoformat(timestamp), format="medium", locale=language)


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated later, where the language is known."""
    return message
