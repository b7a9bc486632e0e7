"""Faults that used to lose or block updates: an update PTB cannot read, storage that fails."""

from __future__ import annotations

import logging
import sqlite3

import pytest

from bot.i18n import translator

from .conftest import Pilot

APOLOGY = (
    "Sorry, something went wrong on my side. Your answers so far are saved; "
    "you can carry on where you left off."
)


async def test_an_update_that_cannot_be_read_is_set_aside_and_the_others_go_on(
    pilot: Pilot,
) -> None:
    """A poll update lacking a field PTB 22.8 requires used to stall every update, forever."""
    person = pilot.person("Aino", "en")
    pilot.sandbox.deliver_raw("poll", {"id": "p1", "question": "Broken?", "options": []})
    [reply] = await person.command("help")
    assert reply["text"].startswith(translator("en")("What you can do here:"))
    await pilot.settled()
    [(kinds, error)] = pilot.rows("SELECT kinds, error FROM quarantined_updates")
    assert kinds == "poll"
    assert error  # the error's type, nothing of the update's content


async def test_a_locked_database_delays_the_tap_but_loses_nothing_and_apologises_never(
    pilot: Pilot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.polling")
    person = pilot.person("Aino", "fi")
    await person.command("start", await pilot.invite("member"))
    message, button = person.find_button("lang", "sv")
    # Another process holds the write lock for longer than the bot's busy timeout (5 s).
    blocker = sqlite3.connect(pilot.settings.db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        pilot.sandbox.press_button(person.user, message, button["callback_data"])
        await pilot.sandbox.wait_for_async(
            lambda: any("could not be stored" in r.getMessage() for r in caplog.records), 15
        )
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    await pilot.sandbox.wait_for_async(
        lambda: (
            pilot.rows("SELECT json_extract(onboarding_state, '$.path[#-1].question') FROM members")
            == [("language",)]
        ),
        30,
    )
    await pilot.settled()
    texts = [m.get("text", "") for m in person.messages]
    assert translator("fi")(APOLOGY) not in texts
    assert translator("sv")(APOLOGY) not in texts
    assert pilot.rows("SELECT language FROM people WHERE language = 'sv'") == [("sv",)]
    assert len(texts) == 1  # the language prompt, turned into the notice: one message
    assert pilot.rows("SELECT COUNT(*) FROM processed_updates") == pilot.rows(
        "SELECT COUNT(DISTINCT update_id) FROM processed_updates"
    )
