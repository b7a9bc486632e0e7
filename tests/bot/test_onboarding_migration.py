"""Migration 0008: each member mid-onboarding resumes at the question they were at."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.chat.onboarding import step_of
from bot.storage import db as db_module
from bot.storage.db import Database
from bot.storage.repositories.members import Members

MIGRATIONS = Path(db_module.__file__).parent / "migrations"

# (pseudonym, status, old step, pending toggles, group, granted consents)
AT_0007 = [
    ("at_language", "onboarding", "language", "", None, ()),
    ("at_notice", "onboarding", "notice", "", None, ()),
    ("at_consent", "onboarding", "consent", "checkins,workshops", None, ()),
    ("at_group", "onboarding", "group", "", None, ("checkins", "wellbeing")),
    ("rechoosing", "active", "consent", "wellbeing", "resident", ("wellbeing",)),
    ("done_checkins", "active", "done", "", "resident", ("checkins",)),
    ("done_wellbeing", "active", "done", "", "entrepreneur", ("wellbeing", "workshops")),
    ("done_workshops", "active", "done", "", "other", ("workshops",)),
    ("withdrawn", "withdrawn", "done", "", "other", ()),
]


def database_at_0007(path: Path) -> None:
    """A database as migration 0007 left it, with members at every old step."""
    connection = sqlite3.connect(path)
    for script in sorted(MIGRATIONS.glob("*.sql")):
        if int(script.name[:4]) <= 7:
            connection.executescript(script.read_text())
    connection.execute("PRAGMA user_version = 7")
    connection.execute(
        "INSERT INTO pilots (id, slug, name, controller, notice_version, created_at) "
        "VALUES (1, 'laitila', 'Laitila', 'Leader Ravakka', '2026-12', '')"
    )
    for pseudonym, status, step, pending, group, granted in AT_0007:
        language = None if step == "language" else "sv"
        connection.execute(
            "INSERT INTO people (pseudonym, language, created_at) VALUES (?, ?, '')",
            (pseudonym, language),
        )
        connection.execute(
            "INSERT INTO members (pilot_id, pseudonym, status, onboarding_step, "
            "pending_consents, stakeholder_group, joined_at) VALUES (1, ?, ?, ?, ?, ?, '')",
            (pseudonym, status, step, pending, group),
        )
        for purpose in ("checkins", "wellbeing", "workshops"):
            connection.execute(
                "INSERT INTO consents (pilot_id, pseudonym, purpose, granted, "
                "notice_version, language, recorded_at) VALUES (1, ?, ?, ?, '2026-12', 'sv', '')",
                (pseudonym, purpose, int(purpose in granted)),
            )
    connection.commit()
    connection.close()


async def test_each_old_step_resumes_at_the_same_question(tmp_path: Path) -> None:
    path = tmp_path / "seroi.db"
    database_at_0007(path)
    database = await Database.open(path)
    try:
        members = Members(database)
        at: dict[str, tuple[str | None, tuple[str, ...]]] = {}
        for pseudonym, _status, _step, _pending, _group, granted in AT_0007:
            member = await members.get(1, pseudonym)
            step = step_of(member, "sv", frozenset(granted))
            question = None if step is None else step.question.id
            at[pseudonym] = (question, () if step is None else step.state.draft)
        columns = [row[1] for row in await database.fetch_all("PRAGMA table_info(members)")]
    finally:
        await database.close()
    assert at == {
        "at_language": ("language", ()),
        "at_notice": ("notice", ()),
        "at_consent": ("consents", ("checkins", "workshops")),
        "at_group": ("stakeholder_group", ()),
        "rechoosing": ("consents", ("wellbeing",)),
        # Finished before the new questions: asked those that concern them.
        "done_checkins": ("distance_band", ()),
        "done_wellbeing": ("checkin_day", ()),
        "done_workshops": (None, ()),
        "withdrawn": (None, ()),
    }
    assert "onboarding_step" not in columns
    assert "pending_consents" not in columns
    assert {"onboarding_state", "distance_band", "checkin_day", "checkin_window"} <= set(columns)


async def test_a_member_who_finished_after_the_migration_is_asked_nothing_more(
    tmp_path: Path,
) -> None:
    path = tmp_path / "seroi.db"
    database_at_0007(path)
    database = await Database.open(path)
    try:
        members = Members(database)
        async with database.transaction():
            await members.finish_onboarding(
                1,
                "done_checkins",
                stakeholder_group="resident",
                distance_band=None,
                checkin_day="wed",
                checkin_window="08-11",
            )
        member = await members.get(1, "done_checkins")
    finally:
        await database.close()
    assert step_of(member, "sv", frozenset({"checkins"})) is None
