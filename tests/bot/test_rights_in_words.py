"""Rights a person reads: /mydata in words, /language, and what withdrawal leaves writable.

Issue 8, items 12 and 18; issue 9, items 4 and 10.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from babel.dates import format_date

from bot.demo.participants import Participant
from bot.i18n import LANGUAGE_NAMES, translator

from .conftest import Pilot

PERSONAL_TABLES = ("people", "contacts", "members", "roles", "consents", "invites", "audit_log")


async def mydata(pilot: Pilot, person: Participant) -> tuple[dict | None, dict]:
    """The summary (None if there is none) and the file /mydata sent."""
    before = len(person.messages)
    await person.command("mydata")
    await pilot.settled()
    sent = person.messages[before:]
    [file] = [message for message in sent if "document" in message]
    summaries = [message for message in sent if "text" in message]
    exported = json.loads(pilot.sandbox.file(file["document"]["file_id"]).data)
    return (summaries[0] if summaries else None), exported


async def test_mydata_says_in_the_persons_language_what_is_held_since_when_and_why(
    pilot: Pilot,
) -> None:
    _ = translator("fi")
    person = pilot.person("Aino")
    await person.join(await pilot.invite("member"), "fi", {"checkins"}, "resident")
    summary, exported = await mydata(pilot, person)
    assert summary is not None
    text = summary["text"]

    now = datetime.now(UTC)
    today = f"{now.day}.{now.month}.{now.year}"  # as Finns write dates
    assert text.startswith(_("What I store about you, as of {day}:").format(day=today))
    for fact in (
        "Laitila",
        "Leader Ravakka",
        _("Resident"),
        _("member"),
        _("Consent to {purpose}: yes, since {day}").format(
            purpose=_("Weekly check-ins on work and travel"), day=today
        ),
        _("Consent to {purpose}: no, since {day}").format(
            purpose=_("Monthly wellbeing questions (health-related data)"), day=today
        ),
        _("Language: {language}, to speak with you in it.").format(language="Suomi"),
    ):
        assert fact in text
    assert not re.search(r"[0-9a-f]{64}", text)  # no pseudonym
    assert str(person.user.id) not in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)  # no ISO timestamps
    assert set(exported) == {
        "exported_at",
        "pilots",
        "people",
        "contacts",
        "members",
        "roles",
        "consents",
        "audit_log",
        "map_edits",
        "impact_map_versions",
        "analysis_sums",
        "checkin_answers",
        "checkin_prompts",
        "checkin_due",
        "checkin_settings",
        "proposals",
        "dots",
        "supports",
        "poll_votes",
        "open_answers",
        "question_votes",
        "workshop_attendance",
        "workshops_facilitated",
        "digest_subscribers",
        "digests_sent",
    }


async def test_mydata_of_a_withdrawn_person_says_when_processing_stopped(pilot: Pilot) -> None:
    _ = translator("sv")
    person = pilot.person("Johan", language_code="sv")
    await person.join(await pilot.invite("member"), "sv", {"checkins"}, "other")
    await person.command("withdraw")
    summary, _exported = await mydata(pilot, person)
    assert summary is not None
    today = format_date(datetime.now(UTC), format="medium", locale="sv")  # 2 dec. 2026
    assert (
        _("You stopped all processing on {day} (/withdraw).").format(day=today) in (summary["text"])
    )
    withdrawn = _("Consent to {purpose}: no, since {day}").format(
        purpose=_("Weekly check-ins on work and travel"), day=today
    )
    assert withdrawn in summary["text"]


async def test_no_toggles_are_left_pending_once_consents_are_confirmed(pilot: Pilot) -> None:
    person = pilot.person("Pekka")
    await person.join(await pilot.invite("member"), "fi", {"checkins", "workshops"}, "resident")
    _summary, exported = await mydata(pilot, person)
    assert [m["onboarding_state"] for m in exported["members"]] == [None]

    # Choosing again starts from what was granted, and leaves nothing pending either.
    await person.command("privacy")
    await person.press("rechoose")
    assert person.find_button("consent", "checkins")[1]["text"].startswith("☑")
    assert person.find_button("consent", "wellbeing")[1]["text"].startswith("☐")
    await person.press("consent", "workshops")
    await person.press("consented")
    assert pilot.rows("SELECT onboarding_state FROM members") == [(None,)]
    latest = pilot.rows(
        "SELECT purpose, granted FROM consents WHERE id IN "
        "(SELECT MAX(id) FROM consents GROUP BY purpose) ORDER BY purpose"
    )
    assert latest == [("checkins", 1), ("wellbeing", 0), ("workshops", 0)]


async def test_language_marks_the_current_language(pilot: Pilot) -> None:
    person = pilot.person("Giulia", language_code="it")
    await person.join(await pilot.invite("member"), "sv", set(), "association")
    [offer] = await person.command("language")
    labels = [row[0]["text"] for row in offer["reply_markup"]["inline_keyboard"]]
    assert [label for label in labels if label.startswith("✓ ")] == ["✓ " + LANGUAGE_NAMES["sv"]]
    assert sorted(label.removeprefix("✓ ") for label in labels) == sorted(LANGUAGE_NAMES.values())


def snapshot(pilot: Pilot) -> dict[str, list[tuple]]:
    return {table: pilot.rows(f"SELECT * FROM {table} ORDER BY 1, 2") for table in PERSONAL_TABLES}


async def test_after_withdrawal_nothing_but_rejoining_or_a_right_writes(pilot: Pilot) -> None:
    person = pilot.person("Sara")
    code = await pilot.invite("member")
    await person.join(code, "fi", {"checkins", "wellbeing"}, "resident")
    await person.command("privacy")  # its "Change my choices" button stays on screen
    await person.command("withdraw")
    stored = snapshot(pilot)

    await person.command("language")
    [answer] = await person.press("setlang", "it")
    await person.press("rechoose")
    await person.command("privacy")
    await person.command("start")
    await person.say("hello?")
    await person.command("mydata", replies=2)
    [help_text] = await person.command("help")
    await pilot.settled()

    assert snapshot(pilot) == stored
    assert answer["text"] == translator("it")(
        "I answer you in English this time but do not remember it: you have stopped "
        "all processing of your data. To take part again, open an invite link; you "
        "choose your language when you join."
    )
    assert help_text["text"].startswith(translator("fi")("What you can do here:"))

    # Rejoining is what may write again, the language chosen then included.
    await person.join(code, "it", {"checkins"}, "resident")
    assert pilot.rows("SELECT language FROM people WHERE language = 'it'") == [("it",)]
