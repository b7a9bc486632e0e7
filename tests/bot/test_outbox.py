"""Replies are stored, then sent in order per chat: none lost, none holding up an update."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.chat import callbacks
from bot.demo.participants import running_bot
from bot.i18n import translator
from bot.storage.db import Database
from bot.storage.models import SIGNED_FOR, Reply
from bot.storage.repositories.outbox import Outbox, encode
from sandbox.core import Sandbox
from sandbox.testing import running_server

from .conftest import TOKEN, Pilot, make_settings


async def _at_consent_step(pilot: Pilot, name: str = "Aino"):
    person = pilot.person(name)
    await person.command("start", await pilot.invite("member"))
    await person.press("lang", "fi")
    await person.press("notice")
    return person


async def test_a_press_is_answered_while_its_reply_waits_for_telegram(pilot: Pilot) -> None:
    person = await _at_consent_step(pilot)
    # Telegram holds the edit back (flood control) for a second; the press is answered anyway.
    pilot.sandbox.faults.once("editMessageReplyMarkup", "429", retry_after=1)
    message, button = person.find_button("consent", "checkins")
    edits_before = len(pilot.sandbox.calls("editMessageReplyMarkup"))
    query = pilot.sandbox.press_button(person.user, message, button["callback_data"])
    await pilot.sandbox.wait_for_async(
        lambda: (pilot.sandbox.callback_answer(query["id"]) or {}).get("answered")
    )
    delivered = [c for c in pilot.sandbox.calls("editMessageReplyMarkup")[edits_before:] if c.ok]
    assert delivered == []  # answered before the edit got through
    await pilot.sandbox.wait_for_async(
        lambda: "☑" in person.find_button("consent", "checkins")[1]["text"], 10
    )


async def test_a_double_tap_on_a_toggle_changes_nothing_and_apologises_for_nothing(
    pilot: Pilot,
) -> None:
    person = await _at_consent_step(pilot)
    message, button = person.find_button("consent", "wellbeing")
    for _tap in range(2):  # the same button twice: the second edit would change nothing
        query = pilot.sandbox.press_button(person.user, message, button["callback_data"])
        await pilot.sandbox.wait_for_async(
            lambda query=query: (pilot.sandbox.callback_answer(query["id"]) or {}).get("answered")
        )
    await pilot.settled()
    assert pilot.rows("SELECT json_extract(onboarding_state, '$.draft') FROM members") == [
        ('["wellbeing"]',)
    ]
    texts = [m.get("text", "") for m in person.messages]
    apology = translator("fi")(
        "Sorry, something went wrong on my side. Your answers so far are saved; "
        "you can carry on where you left off."
    )
    assert apology not in texts
    assert len(texts) == 1  # the consent prompt, nothing more


async def test_replies_left_unsent_by_a_crash_are_sent_at_the_next_start(tmp_path: Path) -> None:
    sandbox = Sandbox(token=TOKEN, bot_username="seroi_test_bot")
    person = sandbox.add_user("Aino", language_code="fi")
    person.started = True  # she has written to the bot before
    database = await Database.open(tmp_path / "seroi.db")
    left_over = [Reply(chat_id=person.id, kind="send", params={"text": "left over"})]
    await Outbox(database).store_many([encode(None, left_over)])
    await database.close()
    with running_server(sandbox) as server:
        settings = make_settings(tmp_path / "seroi.db", 1, server.base_url, server.base_file_url)
        async with running_bot(settings):
            await sandbox.wait_for_async(
                lambda: [m["text"] for m in sandbox.bot_messages(person.id)] == ["left over"], 10
            )
            await sandbox.wait_for_async(lambda: _unsent(tmp_path / "seroi.db") == 0)


async def test_buttons_stored_unsigned_are_signed_for_their_person_when_sent(
    tmp_path: Path,
) -> None:
    """A job's replies keep callback data unsigned until sent, even across a restart."""
    sandbox = Sandbox(token=TOKEN, bot_username="seroi_test_bot")
    person = sandbox.add_user("Aino", language_code="fi")
    person.started = True
    database = await Database.open(tmp_path / "seroi.db")
    keyboard = {
        "inline_keyboard": [[{"text": "3", "callback_data": callbacks.unsigned("ck", "7:3:0")}]]
    }
    params = {"text": "1/5", "reply_markup": keyboard, SIGNED_FOR: person.id}
    await Outbox(database).store_many(
        [encode(None, [Reply(chat_id=person.id, kind="send", params=params)])]
    )
    await database.close()
    with running_server(sandbox) as server:
        settings = make_settings(tmp_path / "seroi.db", 1, server.base_url, server.base_file_url)
        async with running_bot(settings) as application:
            await sandbox.wait_for_async(lambda: sandbox.bot_messages(person.id), 10)
            key = application.bot_data["services"].button_key
    [call] = [call for call in sandbox.calls("sendMessage") if call.ok]
    assert SIGNED_FOR not in call.params  # Telegram sees only Bot API parameters
    [message] = sandbox.bot_messages(person.id)
    [[button]] = message["reply_markup"]["inline_keyboard"]
    data = button["callback_data"]
    assert len(data.encode()) <= 64
    assert callbacks.decode(key, person.id, data) == callbacks.Press("ck", "7:3:0")
    with pytest.raises(callbacks.InvalidCallbackError):
        callbacks.decode(key, person.id + 1, data)  # bound to her, not to another person


def _unsent(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
    finally:
        connection.close()


async def test_a_person_who_blocked_the_bot_gets_no_more_replies(pilot: Pilot) -> None:
    person = await _at_consent_step(pilot)
    pilot.sandbox.block_bot(person.user)
    sent_before = len(pilot.sandbox.calls("sendMessage"))
    outbox = pilot.application.bot_data["outbox"]
    for text in ("one", "two"):
        await outbox.post(Reply(chat_id=person.user.id, kind="send", params={"text": text}))
    await outbox.wait_idle()
    assert pilot.rows("SELECT active FROM contacts WHERE chat_id = ?", (person.user.id,)) == [(0,)]
    assert pilot.rows("SELECT COUNT(*) FROM outbox") == [(0,)]
    attempts = [
        call
        for call in pilot.sandbox.calls("sendMessage")[sent_before:]
        if int(call.params["chat_id"]) == person.user.id
    ]
    assert [call.error_code for call in attempts] == [403]  # one refused attempt, then silence


async def test_a_redelivered_update_says_nothing_again(pilot: Pilot) -> None:
    """What an update said before finding out it had its effect already is dropped."""
    aino = pilot.person("Aino")
    aino.user.started = True  # she has opened the chat, so the bot may write to her
    outbox = pilot.application.bot_data["outbox"]

    async def handle(update_id: int, text: str, *, redelivered: bool) -> None:
        async with outbox.replies_of(update_id):
            await outbox.post(Reply(chat_id=aino.user.id, kind="send", params={"text": text}))
            if redelivered:
                outbox.discard_replies()  # what the error handler does on AlreadyProcessedError

    await handle(900_001, "first delivery", redelivered=False)
    await handle(900_001, "second delivery", redelivered=True)
    await pilot.sandbox.wait_for_async(lambda: outbox.idle, 10)
    assert [message["text"] for message in aino.messages] == ["first delivery"]
    assert _unsent(pilot.settings.db_path) == 0
