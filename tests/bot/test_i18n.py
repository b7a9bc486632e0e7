"""Every message the bot can send exists in every language, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LOCALE_DIR, SOURCE_LANGUAGE, resolve_language, translator
from bot.settings import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _bot_messages() -> set[str]:
    keywords = {"_": None, "gettext": None, "N_": None}
    found = extract_from_dir(
        ROOT / "bot", method_map=[("**.py", "python")], keywords=keywords, comment_tags=()
    )
    return {message for _file, _line, message, _comments, _context in found}


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != SOURCE_LANGUAGE])
def test_catalog_translates_every_message(language: str) -> None:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "seroi_bot.po").open("rb") as handle:
        catalog = read_po(handle)
    translated = {
        message.id: message.string
        for message in catalog
        if message.id and message.string and not message.fuzzy
    }
    messages = _bot_messages()
    assert len(messages) > 50
    missing = sorted(messages - translated.keys())
    assert not missing, f"{language}: {len(missing)} untranslated, e.g. {missing[:3]}"
    for message in messages:
        assert set(PLACEHOLDER.findall(translated[message])) == set(PLACEHOLDER.findall(message)), (
            f"{language}: placeholders differ in {message!r}"
        )


def test_languages_really_differ() -> None:
    texts = {
        language: translator(language)("Which language would you like to use?")
        for language in LANGUAGES
    }
    assert len(set(texts.values())) == len(LANGUAGES)


@pytest.mark.parametrize(
    ("stored", "telegram", "expected"),
    [("sv", "fi", "sv"), (None, "it-IT", "it"), (None, "de", "fi"), (None, None, "fi")],
)
def test_language_is_resolved_per_person(stored, telegram, expected) -> None:
    assert resolve_language(stored, telegram, "fi") == expected
