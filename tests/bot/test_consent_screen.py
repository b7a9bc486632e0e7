"""Confirm records exactly the consents the screen showed (issue 8, item 4).

A toggle's reply is an edit of the keyboard, sent by the outbox after the toggle is
stored. While that edit is still being retried, or after Telegram refused it, the
screen shows the old toggles: Confirm must not record the stored ones the person never
saw (the wellbeing module is health data and needs explicit consent).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from bot.chat.onboarding import SCRIPT
from bot.demo.participants import Participant, invite_code, running_bot
from bot.i18n import translator
from bot.storage.db import utc_now
from sandbox.core import Sandbox
from sandbox.testing import running_server

from .conftest import TOKEN, Pilot, make_settings

OUT_OF_DATE = (
    "The screen was out of date, so nothing was recorded. Here are your choices "
    "as they stand: check them and confirm again."
)


async def at_consent_step(person: Participant, code: str, language: str = "fi") -> None:
    await person.command("start", code)
    await person.press("lang", language)
    await person.press("notice")


def confirm_button(person: Participant) -> tuple[dict[str, Any], str]:
    message, button = person.find_button("consented")
    return message, button["callback_data"]


def toggle_text(person: Participant, purpose: str) -> str:
    return person.find_button("consent", purpose)[1]["text"]


async def press_and_wait(pilot: Pilot, person: Participant, message_id: int, data: str) -> None:
    """Press (data as the client has it) and wait until the bot has handled the press.

    Its replies may still be waiting in the outbox: that is the point of these tests.
    """
    query = pilot.sandbox.press_raw(person.user, message_id, data)

    def handled() -> bool:
        answered = (pilot.sandbox.callback_answer(query["id"]) or {}).get("answered")
        queued = any(
            pending.get("callback_query", {}).get("id") == query["id"]
            for pending in pilot.sandbox.pending_updates()
        )
        return bool(answered) and not queued

    await pilot.sandbox.wait_for_async(handled, 10)


def consents(pilot: Pilot) -> list[tuple[str, int]]:
    return pilot.rows("SELECT purpose, granted FROM consents ORDER BY id")


async def test_confirm_while_the_toggle_edit_is_failing_records_nothing_unseen(
    pilot: Pilot,
) -> None:
    person = pilot.person("Aino")
    await at_consent_step(person, await pilot.invite("member"))
    failing = pilot.sandbox.faults.rule(["editMessageReplyMarkup"], probability=1.0, kinds=["5xx"])
    message, button = person.find_button("consent", "wellbeing")
    await press_and_wait(pilot, person, message["message_id"], button["callback_data"])
    assert toggle_text(person, "wellbeing").startswith("☐")  # the edit has not arrived
    message, shown_confirm = confirm_button(person)
    await press_and_wait(pilot, person, message["message_id"], shown_confirm)

    assert consents(pilot) == []
    assert pilot.rows(
        "SELECT json_extract(onboarding_state, '$.path[#-1].question') FROM members"
    ) == [("notice",)]  # at the consents
    failing.remove()
    await pilot.settled()
    [shown] = [m for m in person.messages if m["message_id"] == message["message_id"]]
    assert shown["text"] == translator("fi")(OUT_OF_DATE)
    assert toggle_text(person, "wellbeing").startswith("☑")
    await person.press("consented")
    assert consents(pilot) == [("checkins", 0), ("wellbeing", 1), ("workshops", 0)]


async def test_confirm_after_the_toggle_edit_was_refused_shows_the_choices_again(
    pilot: Pilot,
) -> None:
    person = pilot.person("Liisa", language_code="sv")
    await at_consent_step(person, await pilot.invite("member"), "sv")
    pilot.sandbox.faults.once("editMessageReplyMarkup", "400", detail="message can't be edited")
    await person.press("consent", "wellbeing")
    assert toggle_text(person, "wellbeing").startswith("☐")  # refused: never shown
    [redrawn] = await person.press("consented")

    assert consents(pilot) == []
    assert redrawn["text"] == translator("sv")(OUT_OF_DATE)
    assert toggle_text(person, "wellbeing").startswith("☑")


async def test_an_old_confirm_records_nothing(pilot: Pilot) -> None:
    person = pilot.person("Pekka")
    await at_consent_step(person, await pilot.invite("member"))
    message, old_confirm = confirm_button(person)  # drawn with nothing chosen
    await person.press("consent", "wellbeing")
    await person.press("consent", "checkins")
    await press_and_wait(pilot, person, message["message_id"], old_confirm)
    await pilot.settled()

    assert consents(pilot) == []
    assert pilot.rows(
        "SELECT json_extract(onboarding_state, '$.path[#-1].question'), "
        "json_extract(onboarding_state, '$.draft') FROM members"
    ) == [("notice", '["checkins","wellbeing"]')]
    [shown] = [m for m in person.messages if m["message_id"] == message["message_id"]]
    assert shown["text"] == translator("fi")(OUT_OF_DATE)


async def test_the_confirmation_lists_what_was_recorded(pilot: Pilot) -> None:
    person = pilot.person("Giulia", language_code="it")
    await at_consent_step(person, await pilot.invite("member"), "it")
    await person.press("consent", "workshops")
    message, _data = confirm_button(person)
    [group_question] = await person.press("consented")

    _ = translator("it")
    assert group_question["text"] == SCRIPT.question("stakeholder_group").text["it"]
    [record] = [m for m in person.messages if m["message_id"] == message["message_id"]]

    def line(label: str, answer: str) -> str:
        return "• " + _("{purpose}: " + answer).format(purpose=_(label))

    assert record["text"].splitlines() == [
        _("Your choices are saved:"),
        line("Weekly check-ins on work and travel", "no"),
        line("Monthly wellbeing questions (health-related data)", "no"),
        line("Invitations to workshops", "yes"),
    ]
    assert record["text"].endswith(": sì")  # in Italian
    assert "reply_markup" not in record  # nothing left to press on the record


def _db(path: Path, sql: str, parameters: tuple = ()) -> list[tuple]:
    connection = sqlite3.connect(path)
    try:
        with connection:
            return connection.execute(sql, parameters).fetchall()
    finally:
        connection.close()


async def test_a_resume_after_a_crash_redraws_the_stored_toggles(tmp_path: Path) -> None:
    """The toggle was stored, then the bot died before its keyboard edit was stored to send.

    Telegram delivers the press again after the restart; the bot must not leave the
    screen showing ☐ for what is stored as chosen (a Confirm would then disagree).
    """
    sandbox = Sandbox(token=TOKEN, bot_username="seroi_test_bot")
    db = tmp_path / "seroi.db"
    admin = Participant.create(sandbox, "Anna", "en", bot_db=db)
    person = Participant.create(sandbox, "Aino", "fi", bot_db=db)
    with running_server(sandbox) as server:
        settings = make_settings(db, admin.user.id, server.base_url, server.base_file_url)
        async with running_bot(settings) as application:
            await admin.command("newpilot", "Laitila")
            [invite] = await admin.command("invite", "member")
            await at_consent_step(person, invite_code(invite))
            await sandbox.wait_for_async(lambda: application.bot_data["outbox"].idle, 10)

        # While the bot is down: the press arrives, and its effect is as the dead process
        # left it, stored and recorded as applied but not answered.
        message, button = person.find_button("consent", "wellbeing")
        sandbox.press_button(person.user, message, button["callback_data"])
        [pending] = sandbox.pending_updates()
        _db(
            db,
            "UPDATE members SET onboarding_state = "
            "json_set(onboarding_state, '$.draft', json('[\"wellbeing\"]'))",
        )
        _db(
            db,
            "INSERT INTO processed_updates (update_id, processed_at, answered) VALUES (?, ?, 0)",
            (pending["update_id"], utc_now()),
        )

        async with running_bot(settings) as application:
            await sandbox.wait_for_async(
                lambda: not sandbox.pending_updates() and application.bot_data["outbox"].idle, 10
            )
            assert toggle_text(person, "wellbeing").startswith("☑")
            await person.press("consented")
    assert _db(db, "SELECT purpose, granted FROM consents ORDER BY id") == [
        ("checkins", 0),
        ("wellbeing", 1),
        ("workshops", 0),
    ]
