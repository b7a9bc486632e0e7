"""Joining a pilot end to end: the real bot over HTTP, simulated people in four languages."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

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
