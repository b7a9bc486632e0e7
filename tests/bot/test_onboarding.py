"""Joining a pilot end to end: the real bot over HTTP, simulated people in four languages."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.chat import callbacks
from bot.chat.caller import Caller
from bot.chat.context import BotContext
from bot.chat.onboarding import SCRIPT
from bot.features.onboarding.handlers import (
    HOW_TO_JOIN,
    INVITE_PROBLEMS,
    short_notice,
)
from bot.i18n import LANGUAGE_NAMES, translator
from bot.settings import LANGUAGES
from bot.storage.repositories.invites import InviteProblem
from bot.storage.repositories.pilots import NOTICE_VERSION

from .conftest import Pilot

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_full_onboarding_in_each_language(pilot: Pilot, language: str) -> None:
    _ = translator(language)
    code = await pilot.invite("member")
    person = pilot.person("Aino", language_code=language)

    [prompt] = await person.command("start", code)
    assert prompt["text"] == SCRIPT.question("language").text[language].format(pilot="Laitila")
    first_button = prompt["reply_markup"]["inline_keyboard"][0][0]["text"]
    assert first_button == "✓ " + LANGUAGE_NAMES[language]

    [notice] = await person.press("lang", language)
    assert "Leader Ravakka" in notice["text"]
    assert "/privacy" in notice["text"]
    [consent] = await person.press("notice")
    assert consent["text"] == SCRIPT.question("consents").text[language]
    await person.press("consent", "checkins")
    await person.press("consent", "workshops")
    await person.press("consent", "workshops")  # changed their mind
    [group] = await person.press("consented")
    assert group["text"] == SCRIPT.question("stakeholder_group").text[language]
    [distance] = await person.press("group", "entrepreneur")
    # The two questions added with the engine: the commute distance (with check-ins), then
    # the day and the time window check-ins suit them.
    assert SCRIPT.question("distance_band").text[language] in distance["text"]
    [day] = await person.press("distance_band", "15_29")
    assert SCRIPT.question("checkin_day").text[language] in day["text"]
    [window] = await person.press("checkin_day", "thu")
    assert SCRIPT.question("checkin_window").text[language] in window["text"]
    [welcome] = await person.press("checkin_window", "08-11")

    assert welcome["text"].startswith(
        _("Thank you, you are now part of “{pilot}”!").format(pilot="Laitila")
    )
    assert (
        _("Each week I will send you a short check-in about work and travel.") in (welcome["text"])
    )
    assert _("I will let you know when there is a workshop.") not in welcome["text"]
    assert pilot.rows(
        "SELECT status, stakeholder_group, distance_band, checkin_day, checkin_window, "
        "onboarding_state FROM members"
    ) == [("active", "entrepreneur", "15_29", "thu", "08-11", None)]
    assert sorted(
        pilot.rows("SELECT purpose, granted, language, notice_version FROM consents")
    ) == [
        ("checkins", 1, language, NOTICE_VERSION),
        ("wellbeing", 0, language, NOTICE_VERSION),
        ("workshops", 0, language, NOTICE_VERSION),
    ]
    menu = pilot.sandbox.commands(scope={"type": "chat", "chat_id": person.user.id})
    names = [command["command"] for command in menu]
    assert "mydata" in names
    assert "invite" not in names
    assert menu[0]["description"] == _("What I can do for you")


async def test_the_telegram_language_is_only_a_preselection(pilot: Pilot) -> None:
    code = await pilot.invite("member")
    person = pilot.person("Liisa", language_code="fi")
    await person.command("start", code)
    [notice] = await person.press("lang", "sv")
    laitila = await pilot.services.pilots.by_slug("laitila")
    assert notice["text"] == short_notice(SimpleNamespace(_=translator("sv")), laitila)
    assert pilot.rows("SELECT language FROM people WHERE language IS NOT NULL") == [("sv",)]


async def test_start_without_invite_explains_and_stores_nothing(pilot: Pilot) -> None:
    person = pilot.person("Ville", language_code="it")
    [reply] = await person.command("start")
    assert reply["text"] == translator("it")(HOW_TO_JOIN)
    assert pilot.rows("SELECT COUNT(*) FROM people") == [(0,)]
    assert pilot.rows("SELECT COUNT(*) FROM contacts") == [(0,)]


async def test_nobody_is_stored_before_consent_is_asked_only_as_a_contact(pilot: Pilot) -> None:
    code = await pilot.invite("member")
    person = pilot.person("Pekka")
    await person.command("start", code)
    assert pilot.rows("SELECT COUNT(*) FROM consents") == [(0,)]
    [(pseudonym,)] = pilot.rows("SELECT pseudonym FROM members")
    assert str(person.user.id) not in pseudonym


@pytest.mark.parametrize(
    "problem", [InviteProblem.UNKNOWN, InviteProblem.USED_UP, InviteProblem.EXPIRED]
)
async def test_unusable_invites_give_a_reason(pilot: Pilot, problem: InviteProblem) -> None:
    code = await pilot.invite("member", extra="1")
    if problem is InviteProblem.UNKNOWN:
        code = code[:-3] + "xyz"
    elif problem is InviteProblem.USED_UP:
        await pilot.person("First").command("start", code)
    else:
        async with pilot.services.db.transaction():
            await pilot.services.db.execute(
                "UPDATE invites SET expires_at = '2001-01-01T00:00:00+00:00'"
            )
    person = pilot.person("Late", language_code="sv")
    [reply] = await person.command("start", code)
    assert reply["text"] == translator("sv")(INVITE_PROBLEMS[problem])
    assert "reply_markup" not in reply
    assert pilot.rows("SELECT COUNT(*) FROM members") == [
        (1 if problem is InviteProblem.USED_UP else 0,)
    ]


async def test_joining_a_second_pilot_keeps_them_apart(pilot: Pilot) -> None:
    person = pilot.person("Marco", language_code="it")
    await person.join(await pilot.invite("member", "Laitila"), "it", {"checkins"}, "resident")
    await person.join(await pilot.invite("member", "Rauma"), "it", set(), "entrepreneur")
    rows = pilot.rows(
        "SELECT p.name, m.stakeholder_group FROM members m JOIN pilots p ON p.id = m.pilot_id"
    )
    assert sorted(rows) == [("Laitila", "resident"), ("Rauma", "entrepreneur")]
    [choice] = await person.command("pilots")
    labels = [row[0]["text"] for row in choice["reply_markup"]["inline_keyboard"]]
    assert labels == ["Laitila", "✓ Rauma"]


async def test_an_already_joined_member_is_told_so(pilot: Pilot) -> None:
    code = await pilot.invite("member")
    person = pilot.person("Aino")
    await person.join(code, "fi", {"checkins"}, "resident")
    [reply] = await person.command("start", code)
    assert reply["text"] == translator("fi")("You are already in “{pilot}”.").format(
        pilot="Laitila"
    )
    assert pilot.rows("SELECT uses FROM invites WHERE role = 'member'") == [(1,)]


async def test_start_without_a_code_welcomes_a_member_back(pilot: Pilot) -> None:
    person = pilot.person("Ville")
    await person.join(await pilot.invite("member"), "fi", set(), "other")
    [reply] = await person.command("start")
    assert reply["text"] == translator("fi")("Welcome back! /help shows what you can do.")


# --- issue 11 section 4: onboarding on the engine ------------------------------------------


def question_shown(message: dict) -> str:
    """The action of the first button of a prompt (which question it asks)."""
    data = message["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    return data.split("|")[1]


async def test_text_emoji_and_a_4096_character_message_get_the_question_again(
    pilot: Pilot,
) -> None:
    person = pilot.person("Aino")
    await person.join(await pilot.invite("member"), "fi", {"checkins"}, "resident")
    await pilot.settled()
    stored = pilot.rows("SELECT * FROM members")
    for text in ("tiistai", "👍🏽🙂", "x" * 4096):
        [hint] = await person.say(text)
        assert hint["text"] == translator("fi")("Please use the buttons or a command. /help")
    # Someone at a question is told to use its buttons, and is shown it again.
    newcomer = pilot.person("Mikko", language_code="sv")
    await newcomer.command("start", await pilot.invite("member"))
    for text in ("måndag", "🗓️", "å" * 4096):
        hint, again = await newcomer.say(text, replies=2)
        assert hint["text"] == translator("sv")("Please answer with the buttons.")
        assert question_shown(again) == "lang"
    assert pilot.rows("SELECT * FROM members WHERE status = 'active'") == stored


async def test_a_stale_button_changes_nothing_and_shows_the_current_question(
    pilot: Pilot,
) -> None:
    person = pilot.person("Aino")
    await person.command("start", await pilot.invite("member"))
    await person.press("lang", "fi")
    await person.press("notice")
    state = pilot.rows("SELECT onboarding_state FROM members")
    # The notice's Continue, answered already (its message became the consent question).
    message, _button = person.find_button("consent", "checkins")
    stale = callbacks.encode(pilot.services.button_key, person.user.id, "notice", "1")
    query = pilot.sandbox.press_raw(person.user, message["message_id"], stale)
    await pilot.sandbox.wait_for_async(
        lambda: (pilot.sandbox.callback_answer(query["id"]) or {}).get("answered")
    )
    await pilot.settled()
    assert pilot.sandbox.callback_answer(query["id"])["text"] == translator("fi")(
        "This button is no longer active."
    )
    assert question_shown(person.messages[-1]) == "consent"
    assert pilot.rows("SELECT onboarding_state FROM members") == state


async def test_a_double_tap_gives_one_answer(pilot: Pilot) -> None:
    person = pilot.person("Aino")
    await person.command("start", await pilot.invite("member"))
    await person.press("lang", "fi")
    await person.press("notice")
    await person.press("consent", "checkins")
    await person.press("consented")
    message, button = person.find_button("group", "resident")
    first = pilot.sandbox.press_button(person.user, message, button["callback_data"])
    second = pilot.sandbox.press_button(person.user, message, button["callback_data"])
    for query in (first, second):
        await pilot.sandbox.wait_for_async(
            lambda query=query: (pilot.sandbox.callback_answer(query["id"]) or {}).get("answered")
        )
    await pilot.settled()
    path = "SELECT json_extract(onboarding_state, '$.path') FROM members"
    [(answered,)] = pilot.rows(path)
    assert answered.count("stakeholder_group") == 1
    # The distance question is on screen (once as the reply, maybe once more as the
    # question shown again after the refused second tap), and it takes one answer.
    assert question_shown(person.messages[-1]) == "distance_band"
    await person.press("distance_band", "lt5")
    await person.press("checkin_day", "fri")
    await person.press("checkin_window", "11-14")
    assert pilot.rows("SELECT COUNT(*) FROM audit_log WHERE action = 'onboarded'") == [(1,)]


async def test_cancel_stops_joining_and_withdraws_what_was_given(pilot: Pilot) -> None:
    _ = translator("it")
    code = await pilot.invite("member")
    person = pilot.person("Giulia", language_code="it")
    await person.command("start", code)
    await person.press("lang", "it")
    await person.press("notice")
    await person.press("consent", "wellbeing")
    await person.press("consented")
    [stopped] = await person.command("cancel")
    assert stopped["text"] == _(
        "You have stopped joining “{pilot}”; nothing more will be asked, and the "
        "consents you gave on the way are withdrawn. To join later, open the invite "
        "link again."
    ).format(pilot="Laitila")
    assert pilot.rows("SELECT status, onboarding_state FROM members") == [("withdrawn", None)]
    latest = pilot.rows(
        "SELECT granted FROM consents WHERE purpose = 'wellbeing' ORDER BY id DESC LIMIT 1"
    )
    assert latest == [(0,)]
    [nothing] = await person.command("cancel")
    assert nothing["text"] == _("There is nothing to cancel.")
    # The invite link still lets them join again, from the start.
    [prompt] = await person.command("start", code)
    assert question_shown(prompt) == "lang"


async def test_cancel_of_the_new_questions_keeps_the_membership(pilot: Pilot) -> None:
    person = pilot.person("Aino")
    await person.join(await pilot.invite("member"), "fi", {"wellbeing"}, "other")
    async with pilot.services.db.transaction():
        await pilot.services.db.execute(
            "UPDATE members SET checkin_day = NULL, checkin_window = NULL"
        )
    [prompt] = await person.command("start")
    assert question_shown(prompt) == "checkin_day"
    await person.press("checkin_day", "sun")
    [stopped] = await person.command("cancel")
    assert stopped["text"] == translator("fi")("Stopped; nothing was changed.")
    assert pilot.rows("SELECT status, checkin_day, onboarding_state FROM members") == [
        ("active", None, None)
    ]


async def test_members_who_joined_before_are_asked_the_new_questions_once(
    pilot: Pilot,
) -> None:
    _ = translator("sv")
    person = pilot.person("Elina", language_code="sv")
    await person.join(await pilot.invite("member"), "sv", {"checkins"}, "resident")
    no_checkins = pilot.person("Johan", language_code="sv")
    await no_checkins.join(await pilot.invite("member"), "sv", {"workshops"}, "other")
    # As the migration leaves those who finished before the questions existed.
    async with pilot.services.db.transaction():
        await pilot.services.db.execute(
            "UPDATE members SET distance_band = NULL, checkin_day = NULL, checkin_window = NULL"
        )
    hint, distance = await person.say("hej", replies=2)
    assert hint["text"] == _("Please answer with the buttons.")
    assert distance["text"] == "\n\n".join(
        [
            _("Question {position} of {total}").format(position=1, total=3),
            SCRIPT.question("distance_band").text["sv"],
        ]
    )
    await person.press("ob_skip", "distance_band")
    [window] = await person.press("checkin_day", "mon")
    back = [row[0] for row in window["reply_markup"]["inline_keyboard"]][-1]
    assert back["text"] == _("Back")
    [day_again] = await person.press("ob_back", "checkin_window")
    assert question_shown(day_again) == "checkin_day"
    await person.press("checkin_day", "tue")
    [thanks] = await person.press("checkin_window", "17-21")
    assert thanks["text"] == _("Thank you, that is saved.")
    assert pilot.rows(
        "SELECT distance_band, checkin_day, checkin_window, onboarding_state FROM members "
        "WHERE stakeholder_group = 'resident'"
    ) == [(None, "tue", "17-21", None)]
    [reply] = await person.command("start")
    assert reply["text"] == _("Welcome back! /help shows what you can do.")
    # Without a consent to check-ins there is nothing to ask.
    [reply] = await no_checkins.command("start")
    assert reply["text"] == _("Welcome back! /help shows what you can do.")


async def test_an_invite_s_stakeholder_group_is_not_asked(pilot: Pilot) -> None:
    person = pilot.person("Kaisa")
    await person.command("start", await pilot.invite("member"))
    # As the invite carrying a group sets it at join (another feature).
    async with pilot.services.db.transaction():
        await pilot.services.db.execute("UPDATE members SET stakeholder_group = 'public_body'")
    await person.press("lang", "fi")
    await person.press("notice")
    [welcome] = await person.press("consented")
    assert welcome["text"].startswith(
        translator("fi")("Thank you, you are now part of “{pilot}”!").format(pilot="Laitila")
    )
    assert pilot.rows("SELECT status, stakeholder_group FROM members") == [
        ("active", "public_body")
    ]


def test_a_malformed_shipped_script_stops_the_bot_naming_file_field_and_problem(
    tmp_path: Path,
) -> None:
    # A copy of `conversations` whose onboarding script lost a translation, first on the path.
    copy = tmp_path / "conversations"
    shutil.copytree(ROOT / "conversations", copy, ignore=shutil.ignore_patterns("__pycache__"))
    script = copy / "scripts" / "onboarding.yaml"
    broken = script.read_text().replace(
        "      sv: Vilken grupp hör du främst till i det här pilotprojektet?\n", ""
    )
    assert broken != script.read_text()
    script.write_text(broken)
    finished = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": f"{tmp_path}:{ROOT}"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 2
    assert "Traceback" not in finished.stderr
    [problem] = [line for line in finished.stderr.splitlines() if "onboarding.yaml" in line]
    assert "questions[3].text" in problem
    assert "sv" in problem


async def test_the_new_questions_follow_a_command_of_a_member_who_joined_before(
    pilot: Pilot,
) -> None:
    person = pilot.person("Aino")
    await person.join(await pilot.invite("member"), "fi", {"checkins"}, "resident")
    async with pilot.services.db.transaction():
        await pilot.services.db.execute(
            "UPDATE members SET distance_band = NULL, checkin_day = NULL, checkin_window = NULL"
        )
    help_text, question = await person.command("help", replies=2)
    assert help_text["text"].startswith(translator("fi")("What you can do here:"))
    assert question_shown(question) == "distance_band"
    # /withdraw stops everything: nothing is asked after it.
    await person.command("withdraw", replies=1)
    await pilot.settled()
    assert question_shown(person.messages[-2]) == "distance_band"


async def test_the_reprompt_hook_asks_before_a_check_in_until_all_is_answered(
    pilot: Pilot,
) -> None:
    """As the check-in scheduler calls it, with no update: True while a question is open."""
    person = pilot.person("Mikko")
    await person.join(await pilot.invite("member"), "fi", {"wellbeing"}, "entrepreneur")
    async with pilot.services.db.transaction():
        await pilot.services.db.execute(
            "UPDATE members SET checkin_day = NULL, checkin_window = NULL"
        )
    services = pilot.services
    context = BotContext(pilot.application)

    async def member_now() -> Caller:
        pseudonym = services.pseudonym(person.user.id)
        standing = await services.people.standing(pseudonym)
        return Caller(
            telegram_id=person.user.id,
            chat_id=person.user.id,
            pseudonym=pseudonym,
            person=standing.person,
            language="fi",
            is_admin=False,
            pilot=await services.pilots.by_id(standing.person.current_pilot_id),
            roles=standing.roles,
            member=standing.member,
        )

    assert await context.reprompt(await member_now()) is True
    await pilot.settled()
    assert question_shown(person.messages[-1]) == "checkin_day"
    await person.press("checkin_day", "sat")
    assert await context.reprompt(await member_now()) is True  # the window is still open
    await pilot.settled()
    await person.press("checkin_window", "11-14")
    assert await context.reprompt(await member_now()) is False
