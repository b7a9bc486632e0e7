"""Localisation for charts and reports: gettext catalogs and Babel number formats.

The language is always an argument, never process state, because one bot process answers
residents in several languages at once.
"""

from __future__ import annotations

import gettext
import io
import math
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import (
    format_compact_currency,
    format_currency,
    format_decimal,
    format_percent,
)

LANGUAGES: tuple[str, ...] = ("fi", "en", "it", "sv")
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "seroi"

# Finland's Swedish and Ireland's English: the pilots and partners live there.
_BABEL_LOCALES = {"fi": "fi_FI", "en": "en_IE", "it": "it_IT", "sv": "sv_FI"}


def check_language(lang: str) -> str:
    """Return `lang` if it is supported, else raise ValueError naming the supported ones."""
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    return lang


@lru_cache(maxsize=len(LANGUAGES))
def _catalog(lang: str) -> gettext.NullTranslations:
    catalog_dir = LOCALE_DIR / lang / "LC_MESSAGES"
    po_path = catalog_dir / f"{DOMAIN}.po"
    mo_path = catalog_dir / f"{DOMAIN}.mo"
    if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
        with mo_path.open("rb") as mo_file:
            return gettext.GNUTranslations(mo_file)
    # A fresh checkout has no compiled .mo (they are gitignored) or a stale one: compile the
    # .po in memory rather than silently showing English or outdated labels.
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=lang, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def translator(lang: str) -> Callable[[str], str]:
    """The gettext function for `lang` (fi, en, it or sv)."""
    return _catalog(check_language(lang)).gettext


def babel_locale(lang: str) -> Locale:
    """The Babel locale used to format numbers for `lang`."""
    return Locale.parse(_BABEL_LOCALES[check_language(lang)])


@lru_cache(maxsize=4 * len(LANGUAGES))
def _money_pattern(lang: str, decimals: int) -> str:
    pattern = babel_locale(lang).currency_formats["standard"].pattern
    return pattern.replace(".00", "." + "0" * decimals if decimals else "")


def format_money(value: float, currency: str, lang: str, *, decimals: int = 0) -> str:
    """A money amount in the locale's style, e.g. fi `91 489,95 €`, en `€91,489.95`."""
    return format_currency(
        value,
        currency,
        format=_money_pattern(lang, decimals),
        locale=babel_locale(lang),
        currency_digits=False,
    )


def format_number(value: float, lang: str, *, decimals: int = 2) -> str:
    """A plain number with the locale's separators and exactly `decimals` decimals."""
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=babel_locale(lang))


@lru_cache(maxsize=4 * len(LANGUAGES))
def _percent_pattern(lang: str, decimals: int) -> str:
    # The locale's own pattern keeps its spacing: fi and sv write `83,7 %`, en and it `83.7%`.
    pattern = babel_locale(lang).percent_formats[None].pattern
    head, zero, tail = pattern.rpartition("0")
    return head + zero + ("." + "0" * decimals if decimals else "") + tail


def format_share(fraction: float, lang: str, *, decimals: int = 1) -> str:
    """A fraction (0.837) as a localised percentage: fi `83,7 %`, en `83.7%`."""
    return format_percent(
        fraction, format=_percent_pattern(lang, decimals), locale=babel_locale(lang)
    )


def significant_decimals(value: float, *, tolerance: float = 0.01, most: int = 4) -> int:
    """The fewest decimals (at least 2 significant digits) that show `value` within `tolerance`.

    Whole units are never rounded away: 14 820 keeps all its digits, 0.014025 becomes 0.014
    and 0.00367 becomes 0.0037, so a small proxy is not printed as 0.00.
    """
    if not math.isfinite(value) or value == round(value):
        return 0
    magnitude = math.floor(math.log10(abs(value)))
    for digits in range(2, most + 1):
        decimals = max(0, digits - 1 - magnitude)
        if abs(round(value, decimals) - value) <= tolerance * abs(value):
            return decimals
    return max(0, most - 1 - magnitude)


def format_proxy(value: float, currency: str, lang: str) -> str:
    """A financial proxy with the significant digits it needs: fi `0,014 €`, en `€14,820`."""
    return format_money(value, currency, lang, decimals=significant_decimals(value))


def format_money_short(value: float, currency: str, lang: str) -> str:
    """A money amount for a chart label: whole units, millions abbreviated (€1.2M)."""
    if abs(value) < 1_000_000:
        return format_money(value, currency, lang)
    return format_compact_currency(value, currency, locale=babel_locale(lang), fraction_digits=1)
