"""Every label the seroi package asks gettext for is translated in fi, en, it and sv."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import seroi
from seroi import i18n
from seroi.i18n import LANGUAGES, LOCALE_DIR

SEROI_DIR = Path(seroi.__file__).parent
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def used_msgids() -> set[str]:
    """The msgids that `_()` calls in seroi's sources ask for, extracted with Babel."""
    found = extract_from_dir(str(SEROI_DIR), method_map=[("**.py", "python")])
    return {message for _file, _line, message, _comments, _context in found}


def test_sources_do_ask_for_translations() -> None:
    assert {"Value by dimension", "Net present value"} <= used_msgids()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_translates_every_msgid_used_in_seroi(lang: str) -> None:
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "seroi.po").open("rb") as po_file:
        catalog = read_po(po_file, locale=lang)
    translated = {
        message.id: message.string
        for message in catalog
        if message.id and message.string and not message.fuzzy
    }
    missing = sorted(used_msgids() - set(translated))
    assert not missing, f"{lang} catalog lacks: {missing}"
    broken = [
        msgid
        for msgid in used_msgids()
        if sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(translated[msgid]))
    ]
    assert not broken, f"{lang} translations change placeholders: {broken}"


def test_template_lists_every_msgid_used_in_seroi() -> None:
    with (LOCALE_DIR / "seroi.pot").open("rb") as pot_file:
        template = {message.id for message in read_po(pot_file) if message.id}
    assert used_msgids() <= template


def test_no_translation_call_hides_inside_an_f_string() -> None:
    # Babel cannot see `_()` inside an f-string, so such a label would never be translated.
    offenders = [
        path.name
        for path in SEROI_DIR.glob("*.py")
        if re.search(r"f[\"'][^\"']*\{_\(", path.read_text(encoding="utf-8"))
    ]
    assert not offenders


def test_labels_are_translated_even_before_make_translations(tmp_path, monkeypatch) -> None:
    # A fresh checkout has .po files but no compiled .mo: the catalog is compiled in memory.
    catalog_dir = tmp_path / "fi" / "LC_MESSAGES"
    catalog_dir.mkdir(parents=True)
    source = LOCALE_DIR / "fi" / "LC_MESSAGES" / "seroi.po"
    (catalog_dir / "seroi.po").write_bytes(source.read_bytes())
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n._catalog.cache_clear()
    try:
        assert i18n.translator("fi")("Social") == "Sosiaalinen"
    finally:
        i18n._catalog.cache_clear()
