"""Bad input gets a clear answer in the person's language, and nothing is lost or doubled."""

from __future__ import annotations

import pytest
from telegram import Update

from bot.app import build_application
from bot.chat import callbacks
from bot.i18n import translator
from bot.polling import started

from .conftest import Pilot


async def _at_consent_step(pilot: Pilot, name: str = "Aino", language: str = "fi"):
    person = pilot.person(name, language_code=language)
    await person.command("start", await pilot.invite("member"))
    await person.press("lang", language)
    await person.press("notice")
    return person


async def test_free_text_where_a_button_is_expected(pilot: Pilot) -> None:
    person = await _at_consent_step(pilot, language="it")
    hint, again = await person.say("sì, certo", replies=2)
    assert hint["text"] == translator("it")("Please answer with the buttons.")
    assert len(again["reply_markup"]["inline_keyboard"]) == 4


async def test_unknown_command_hints_and_shows_the_buttons_again(pilot: Pilot) -> None:
    person = await _at_consent_step(pilot, language="sv")
    hint, again = await person.command("frobnicate", replies=2)
    assert hint["text"] == translator("sv")(
        "I do not know that command. /help lists what you can do."
    )
    assert "reply_markup" in again


@pytest.mark.parametrize(
    "data",
    [
        "garbage",
        "v1|consent|1:checkins|AAAAAAAAAAA",  # forged signature
        "v2|consent|1:checkins|AAAAAAAAAAA",  # unknown version
        "v1|consent|1:checkins|" + "A" * 60,  # oversized
        "",
    ],
)
async def test_forged_or_malformed_buttons_change_nothing(pilot: Pilot, data: str) -> None:
    person = await _at_consent_step(pilot)
    message, _button = person.find_button("consent", "checkins")
    query = pilot.sandbox.press_raw(person.user, message["message_id"], data)
    answer = await pilot.sandbox.wait_for_async(
        lambda: (
            (pilot.sandbox.callback_answer(query["id"]) or {}).get("answered")
            and pilot.sandbox.callback_answer(query["id"])
        )
    )
    assert answer["text"] == translator("fi")("This button is not valid.")
    # Still at the consents (the notice answered last), nothing toggled.
    assert pilot.rows(
        "SELECT json_extract(onboarding_state, '$.draft'), "
        "json_extract(onboarding_state, '$.path[#-1].question') FROM members"
    ) == [(None, "notice")]


async def test_a_button_signed_for_someone_else_is_rejected(pilot: Pilot) -> None:
    person = await _at_consent_step(pilot)
    other = await _at_consent_step(pilot, name="Mikko")
    _message, button = other.find_button("consent", "wellbeing")
    query = pilot.sandbox.press_raw(
        person.user, person.find_button("consented")[0]["message_id"], button["callback_data"]
    )
    await pilot.sandbox.wait_for_async(
        lambda: (pilot.sandbox.callback_answer(query["id"]) or {}).get("answered")
    )
    assert pilot.rows("SELECT json_extract(onboarding_state, '$.draft') FROM members") == [
        (None,),
        (None,),
    ]


async def test_a_button_of_another_pilot_is_refused(pilot: Pilot) -> None:
    person = pilot.person("Giulia", language_code="it")
    await person.join(await pilot.invite("member", "Laitila"), "it", set(), "resident")
    await pilot.invite("member", "Rauma")  # a pilot Giulia is not in
    [(rauma_id,)] = pilot.rows("SELECT id FROM pilots WHERE name = 'Rauma'")
    # Correctly signed, so only the server-side membership check can stop it.
    data = callbacks.encode(pilot.services.button_key, person.user.id, "pilot", str(rauma_id))
    [choice] = await person.command("pilots")
    query = pilot.sandbox.press_raw(person.user, choice["message_id"], data)
    answer = await pilot.sandbox.wait_for_async(
        lambda: (
            (pilot.sandbox.callback_answer(query["id"]) or {}).get("answered")
            and pilot.sandbox.callback_answer(query["id"])
        )
    )
    assert answer["text"] == translator("it")("This button is no longer active.")
    current = (
        "SELECT p.name FROM people JOIN pilots p ON p.id = current_pilot_id WHERE pseudonym = ?"
    )
    assert pilot.rows(current, (pilot.services.pseudonym(person.user.id),)) == [("Laitila",)]


async def test_a_stale_button_is_refused_and_nothing_repeats(pilot: Pilot) -> None:
    person = pilot.person("Pekka")
    await person.join(await pilot.invite("member"), "fi", {"checkins"}, "resident")
    language_prompt = person.messages[0]
    stale = pilot.sandbox.press_raw(
        person.user,
        language_prompt["message_id"],
        callbacks.encode(pilot.services.button_key, person.user.id, "group", "1:other"),
    )
    await pilot.sandbox.wait_for_async(
        lambda: (pilot.sandbox.callback_answer(stale["id"]) or {}).get("answered")
    )
    assert pilot.rows("SELECT stakeholder_group FROM members") == [("resident",)]
    assert pilot.rows("SELECT COUNT(*) FROM consents") == [(3,)]


async def test_a_blocked_person_is_marked_and_never_retried(pilot: Pilot) -> None:
    person = await _at_consent_step(pilot)
    pilot.sandbox.faults.once("sendMessage", "403")
    before = len(pilot.sandbox.calls("sendMessage"))
    person.sandbox.send_text(person.user, "hello?")
    active = "SELECT active FROM contacts WHERE chat_id = ?"
    await pilot.sandbox.wait_for_async(
        lambda: pilot.rows(active, (person.user.id,)) == [(0,)], timeout=10
    )
    # The hint failed with 403; the buttons that would have followed were never tried.
    assert len(pilot.sandbox.calls("sendMessage")) == before + 1
    pilot.sandbox.block_bot(person.user)
    pilot.sandbox.unblock_bot(person.user)
    await pilot.sandbox.wait_for_async(
        lambda: pilot.rows(active, (person.user.id,)) == [(1,)], timeout=10
    )


async def test_a_crash_tells_the_person_their_answers_are_safe(
    pilot: Pilot, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = await _at_consent_step(pilot, language="sv")
    # Workshops only: no check-ins, so the group is the last question.
    await person.press("consent", "workshops")
    [group_prompt] = await person.press("consented")

    async def broken(*_args: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(pilot.services.members, "finish_onboarding", broken)
    [apology] = await person.press("group", "resident")
    assert apology["text"] == translator("sv")(
        "Sorry, something went wrong on my side. Your answers so far are saved; "
        "you can carry on where you left off."
    )
    assert "disk on fire" not in apology["text"]
    assert pilot.rows("SELECT granted FROM consents WHERE purpose = 'workshops'") == [(1,)]
    monkeypatch.undo()
    [welcome] = await person.press("group", "resident")
    assert pilot.rows("SELECT status FROM members") == [("active",)]
    # The group question, still on screen after the apology, becomes the welcome.
    assert welcome["message_id"] == group_prompt["message_id"]
    assert welcome["text"].startswith(
        translator("sv")("Thank you, you are now part of “{pilot}”!").format(pilot="Laitila")
    )


@pytest.mark.parametrize("replied_before_the_crash", [True, False])
async def test_an_update_redelivered_after_a_restart_has_its_effect_once(
    pilot: Pilot, replied_before_the_crash: bool
) -> None:
    code = await pilot.invite("member")
    person = pilot.person("Sara")
    message = pilot.sandbox.command(person.user, "start", code)
    await pilot.sandbox.wait_for_async(lambda: len(person.messages) == 1)
    last = "SELECT update_id, answered FROM processed_updates ORDER BY update_id DESC LIMIT 1"
    [(update_id, _answered)] = await pilot.sandbox.wait_for_async(
        lambda: [row for row in pilot.rows(last) if row[1]]
    )
    if not replied_before_the_crash:
        async with pilot.services.db.transaction():
            await pilot.services.db.execute(
                "UPDATE processed_updates SET answered = 0 WHERE update_id = ?", (update_id,)
            )
    # A restarted bot (a fresh application on the same database) gets the update again.
    async with started(build_application(pilot.settings)) as restarted:
        redelivered = Update.de_json({"update_id": update_id, "message": message}, restarted.bot)
        await restarted.process_update(redelivered)
    assert pilot.rows("SELECT uses FROM invites WHERE role = 'member'") == [(1,)]
    assert pilot.rows("SELECT COUNT(*) FROM roles") == [(1,)]
    if replied_before_the_crash:
        assert len(person.messages) == 1
    else:  # the reply was lost in the crash: the step is shown again
        first, again = person.messages
        assert again["text"] == first["text"]
