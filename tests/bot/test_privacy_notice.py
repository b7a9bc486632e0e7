"""The privacy notice of GDPR Art. 13, and its new version reaching earlier consenters once.

Issue 8, item 17: legal basis (Art. 6(1)(a), 9(2)(a)), the controller's contact per
pilot, the right to complain to a supervisory authority, retention; in four languages,
short (onboarding) and full (/privacy). Issue 9, item 10: toggles are not left pending
once confirmed, also for members who finished before this change (the migration).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.features.privacy.handlers import (
    MAP_AUTHORSHIP_NOTICE,
    NOTICE_CHANGES,
    PROPOSALS_NOTICE,
)
from bot.i18n import translator
from bot.settings import LANGUAGES
from bot.storage import db as db_module
from bot.storage.db import Database
from bot.storage.repositories.pilots import NOTICE_VERSION

from .conftest import Pilot

# How each translation cites the article on health data, as that language's texts do.
HEALTH_DATA_ARTICLE = {
    "fi": "9 artiklan 2 kohdan a alakohta",
    "en": "Art. 9(2)(a)",
    "it": "art. 9, par. 2, lett. a)",
    "sv": "artikel 9.2 a",
}
CONTACT = "tietosuoja@rauma.example, 02 834 11"
UPDATED = "The privacy notice has been updated."
STAND = "No purpose has changed, so your choices stand and you need not consent again."
MIGRATIONS = Path(db_module.__file__).parent / "migrations"


async def pilot_with_contact(pilot: Pilot) -> str:
    """An invite to a pilot that names how to reach its controller."""
    async with pilot.services.db.transaction():
        made = await pilot.services.pilots.create("Rauma", "Town of Rauma", contact=CONTACT)
    pilot.created["Rauma"] = made.id
    return await pilot.invite("member", "Rauma")


@pytest.mark.parametrize("language", LANGUAGES)
async def test_both_notices_state_basis_contact_complaint_and_retention(
    pilot: Pilot, language: str
) -> None:
    _ = translator(language)
    person = pilot.person("Aino", language_code=language)
    await person.command("start", await pilot_with_contact(pilot))
    [short] = await person.press("lang", language)
    await person.press("notice")
    await person.press("consented")
    await person.press("group", "resident")
    [full] = await person.command("privacy")

    for notice in (short["text"], full["text"]):
        assert "Town of Rauma" in notice
        assert CONTACT in notice
        assert HEALTH_DATA_ARTICLE[language] in notice
        assert "tietosuoja.fi" in notice  # the Finnish Data Protection Ombudsman
    assert NOTICE_VERSION in full["text"]
    assert (language == "en") == full["text"].startswith("Privacy notice")


async def test_a_pilot_without_contact_details_gives_the_default_way_to_reach_it(
    pilot: Pilot,
) -> None:
    from bot.features.privacy.handlers import DEFAULT_CONTROLLER_CONTACT

    _ = translator("sv")
    person = pilot.person("Johan", language_code="sv")
    await person.command("start", await pilot.invite("member"))
    [short] = await person.press("lang", "sv")
    [full] = await person.command("privacy")
    assert _("see /privacy") in short["text"]
    assert _(DEFAULT_CONTROLLER_CONTACT) in full["text"]
    assert _(DEFAULT_CONTROLLER_CONTACT) != DEFAULT_CONTROLLER_CONTACT  # translated


async def consented_under_the_previous_notice(pilot: Pilot, name: str, version: str = "2026-11"):
    """A member whose consents were recorded under an earlier notice."""
    person = pilot.person(name)
    await person.join(await pilot.invite("member"), "fi", {"checkins"}, "resident")
    async with pilot.services.db.transaction():
        await pilot.services.db.execute("UPDATE consents SET notice_version = ?", (version,))
        await pilot.services.db.execute("UPDATE members SET notice_version = ?", (version,))
    return person


async def test_earlier_consenters_see_the_new_notice_once_and_are_not_asked_again(
    pilot: Pilot,
) -> None:
    _ = translator("fi")
    person = await consented_under_the_previous_notice(pilot, "Aino")
    [help_text, notice] = await person.command("help", replies=2)
    assert help_text["text"].startswith(_("What you can do here:"))
    assert notice["text"].startswith(_(UPDATED))
    assert _(STAND) in notice["text"]
    assert "tietosuoja.fi" in notice["text"]
    assert "reply_markup" not in notice  # nothing to consent to again: no purpose changed
    assert pilot.rows("SELECT COUNT(*) FROM consents") == [(3,)]

    before = len(person.messages)
    await person.command("help")
    await pilot.settled()
    assert len(person.messages) == before + 1


async def test_reading_privacy_counts_as_seeing_the_new_notice(pilot: Pilot) -> None:
    person = await consented_under_the_previous_notice(pilot, "Mikko")
    before = len(person.messages)
    await person.command("privacy")
    await person.command("help")
    await pilot.settled()
    assert len(person.messages) == before + 2


async def test_the_migration_keeps_earlier_consents_and_clears_confirmed_toggles(
    tmp_path: Path,
) -> None:
    path = tmp_path / "seroi.db"
    connection = sqlite3.connect(path)
    for script in sorted(MIGRATIONS.glob("*.sql"))[:2]:
        connection.executescript(script.read_text())
    connection.executescript(
        "PRAGMA user_version = 2;"
        "INSERT INTO pilots VALUES (1, 'laitila', 'Laitila', 'Leader Ravakka', '2026-11', '');"
        "INSERT INTO people (pseudonym, language, created_at) "
        "VALUES ('p1', 'fi', ''), ('p2', 'fi', '');"
        "INSERT INTO members VALUES (1, 'p1', 'active', 'done', 'checkins', 'resident', '');"
        "INSERT INTO members VALUES (1, 'p2', 'onboarding', 'consent', 'wellbeing', NULL, '');"
        "INSERT INTO consents (pilot_id, pseudonym, purpose, granted, notice_version, language, "
        "recorded_at) VALUES (1, 'p1', 'checkins', 1, '2026-11', 'fi', '');"
    )
    connection.close()

    database = await Database.open(path)
    try:
        members = await database.fetch_all(
            "SELECT pseudonym, json_extract(onboarding_state, '$.draft'), notice_version "
            "FROM members ORDER BY pseudonym"
        )
        pilots = await database.fetch_all("SELECT controller_contact, notice_version FROM pilots")
    finally:
        await database.close()
    assert [tuple(row) for row in members] == [
        ("p1", None, "2026-11"),  # done: shown the new notice once, not asked again
        ("p2", '["wellbeing"]', None),  # still choosing: the toggles stay
    ]
    assert [tuple(row) for row in pilots] == [(None, NOTICE_VERSION)]


@pytest.mark.parametrize(
    ("seen", "told"),
    [
        ("2026-11", ["2026-12", "2026-12-steps", "2026-12-maps"]),
        ("2026-12", ["2026-12-steps", "2026-12-maps"]),
        ("2026-12-steps", ["2026-12-maps"]),
    ],
)
async def test_the_update_says_what_changed_since_the_version_the_member_saw(
    pilot: Pilot, seen: str, told: list[str]
) -> None:
    _ = translator("fi")
    person = await consented_under_the_previous_notice(pilot, "Aino", seen)
    [_help, notice] = await person.command("help", replies=2)
    what_changed = notice["text"].split("\n\n")[0]
    assert what_changed == " ".join(
        [
            _(UPDATED),
            *(_(change) for version, change in NOTICE_CHANGES if version in told),
            _(STAND),
        ]
    )
    assert NOTICE_CHANGES[-1][0] == NOTICE_VERSION  # the newest version says what it changed


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_notice_says_what_delete_does_to_map_versions_and_decisions(
    pilot: Pilot, language: str
) -> None:
    _ = translator(language)
    person = pilot.person("Kaisa", language_code=language)
    await person.join(await pilot.invite("coordinator"), language, set(), "public_body")
    [full] = await person.command("privacy")
    assert _(PROPOSALS_NOTICE) in full["text"]
    assert _(MAP_AUTHORSHIP_NOTICE) in full["text"]
    assert (language == "en") == (_(MAP_AUTHORSHIP_NOTICE) == MAP_AUTHORSHIP_NOTICE)
