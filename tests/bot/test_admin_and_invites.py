"""Pilots, roles and invites as a new admin and coordinator meet them (issue 9 items 1, 2,
3, 5; issue 8 items 11, 15, 16)."""

from __future__ import annotations

import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import segno
from babel.dates import format_date
from PIL import Image

from bot.app import COMMANDS
from bot.chat import callbacks
from bot.chat.onboarding import SCRIPT
from bot.demo.participants import invite_code
from bot.i18n import format_day, translator

from .conftest import Pilot

fi = translator("fi")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def description(name: str, language: str = "fi") -> str:
    """A command's menu description, as the command table has it."""
    [row] = [command for command in COMMANDS if command.name == name]
    return translator(language)(row.description)


async def answer_to(pilot: Pilot, query: dict) -> dict:
    """How the bot answered a button press, once it has."""
    return await pilot.sandbox.wait_for_async(
        lambda: (
            (pilot.sandbox.callback_answer(query["id"]) or {}).get("answered")
            and pilot.sandbox.callback_answer(query["id"])
        )
    )


async def coordinator_of(pilot: Pilot, name: str = "Kaisa", pilot_name: str = "Laitila"):
    person = pilot.person(name)
    await person.join(await pilot.invite("coordinator", pilot_name), "fi", set(), "public_body")
    return person


def finnish_day(iso: str) -> str:
    local = datetime.fromisoformat(iso).astimezone(ZoneInfo("Europe/Helsinki"))
    return format_date(local.date(), format="medium", locale="fi")


# Issue 9 item 1


async def test_a_second_pilot_of_the_same_name_is_refused(pilot: Pilot) -> None:
    await pilot.admin.command("newpilot", "Laitila")
    for spelling in ("Laitila", "laitila", "  LAITILA | Someone else"):
        [reply] = await pilot.admin.command("newpilot", spelling)
        assert reply["text"] == (
            "There is a pilot called “Laitila” already. To work in it, choose it with "
            "/pilots; for a new pilot, please choose another name."
        )
    assert pilot.rows("SELECT name FROM pilots") == [("Laitila",)]
    [reply] = await pilot.admin.command("newpilot", "Laitila-Kodisjoki")
    assert "Laitila-Kodisjoki" in reply["text"]
    assert pilot.rows("SELECT COUNT(*) FROM pilots") == [(2,)]


# Issue 9 item 2


async def test_a_coordinator_is_welcomed_with_their_role_and_its_commands(pilot: Pilot) -> None:
    coordinator = await coordinator_of(pilot)
    welcome = coordinator.messages[-1]["text"]
    assert (
        fi("Your role in “{pilot}”: {role}.").format(pilot="Laitila", role=fi("coordinator"))
        in welcome
    )
    for command in ("invite", "invites"):
        assert f"/{command} — {description(command)}" in welcome
    assert "/newpilot" not in welcome  # an admin's, not a coordinator's
    assert "/mydata" not in welcome  # every member has it: not what the role adds
    assert fi("The coordinators will invite you to the next steps.")[:20] not in welcome


async def test_a_facilitator_is_told_their_role_and_a_member_is_not(pilot: Pilot) -> None:
    facilitator = pilot.person("Timo")
    await facilitator.join(await pilot.invite("facilitator"), "fi", set(), "association")
    welcome = facilitator.messages[-1]["text"]
    assert (
        fi("Your role in “{pilot}”: {role}.").format(pilot="Laitila", role=fi("facilitator"))
        in welcome
    )
    assert "/invite" not in welcome
    member = pilot.person("Aino")
    await member.join(await pilot.invite("member"), "fi", set(), "resident")
    assert fi("Your role in “{pilot}”: {role}.")[:10] not in member.messages[-1]["text"]


async def test_a_member_made_coordinator_is_told_what_the_role_adds(pilot: Pilot) -> None:
    person = pilot.person("Pekka")
    await person.join(await pilot.invite("member"), "fi", {"checkins"}, "resident")
    [reply] = await person.command("start", await pilot.invite("coordinator"))
    assert f"/invites — {description('invites')}" in reply["text"]


# Issue 9 item 3


async def test_invite_without_arguments_offers_the_roles_and_says_the_defaults(
    pilot: Pilot,
) -> None:
    coordinator = await coordinator_of(pilot)
    [prompt] = await coordinator.command("invite")
    labels = [row[0]["text"] for row in prompt["reply_markup"]["inline_keyboard"]]
    assert labels == [fi("member"), fi("facilitator"), fi("coordinator")]
    assert pilot.rows("SELECT COUNT(*) FROM invites") == [(1,)]  # the admin's, nothing new
    [card] = await coordinator.press("invite", "facilitator")
    [(expires_at,)] = pilot.rows("SELECT expires_at FROM invites WHERE role = 'facilitator'")
    assert card["caption"] == fi(
        "Invite to “{pilot}” as {role}: {link}\nUses: {uses}. Days valid: {days} (until {expires})."
    ).format(
        pilot="Laitila",
        role=fi("facilitator"),
        link=f"https://t.me/seroi_test_bot?start={invite_code(card)}",
        uses=1,
        days=14,
        expires=finnish_day(expires_at),
    )
    [edited] = [m for m in coordinator.messages if m["message_id"] == prompt["message_id"]]
    assert edited["text"] == fi(
        "A {role} invite with the usual limits: uses {uses}, days valid {days}. "
        "For other limits: /invite {command} USES DAYS."
    ).format(role=fi("facilitator"), uses=1, days=14, command="facilitator")
    assert "reply_markup" not in edited  # pressed once, gone: no second invite by accident
    assert pilot.rows("SELECT role, max_uses FROM invites ORDER BY id")[-1] == ("facilitator", 1)
    joiner = pilot.person("Timo")
    await joiner.join(invite_code(card), "fi", set(), "association")
    assert sorted(pilot.rows("SELECT role FROM roles")) == [("coordinator",), ("facilitator",)]


# Issue 9 item 5


async def test_the_invite_card_shows_pilot_role_and_expiry_under_an_intact_code(
    pilot: Pilot,
) -> None:
    coordinator = await coordinator_of(pilot)
    [reply] = await coordinator.command("invite", "member 30 20")
    card = Image.open(io.BytesIO(pilot.sandbox.file(reply["photo"][-1]["file_id"]).data))
    link = re.search(r"https://t\.me/\S+", reply["caption"]).group(0)
    bare = io.BytesIO()
    segno.make(link, error="m").save(bare, kind="png", scale=12, border=4)
    code = Image.open(bare).convert("L")
    assert card.width == code.width
    assert card.height > code.height + 60
    top = card.convert("L").crop((0, 0, code.width, code.height))
    assert top.tobytes() == code.tobytes()
    below = card.convert("L").crop((0, code.height, card.width, card.height))
    assert sum(1 for value in below.tobytes() if value < 128) > 500  # text, not blank paper

    [(expires_at,)] = pilot.rows("SELECT expires_at FROM invites WHERE max_uses = 30")
    day = finnish_day(expires_at)
    assert re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{4}", day)
    assert day in reply["caption"]
    assert not ISO_DATE.search(reply["caption"])


async def test_dates_follow_the_readers_language(pilot: Pilot) -> None:
    await pilot.admin.command("newpilot", "Laitila")
    [reply] = await pilot.admin.command("invite", "member")
    [(expires_at,)] = pilot.rows("SELECT expires_at FROM invites")
    local = datetime.fromisoformat(expires_at).astimezone(ZoneInfo("Europe/Helsinki"))
    assert format_date(local.date(), format="medium", locale="en") in reply["caption"]
    assert not ISO_DATE.search(reply["caption"])
    [listed] = await pilot.admin.command("invites")
    assert format_date(local.date(), format="medium", locale="en") in listed["text"]
    assert not ISO_DATE.search(listed["text"])


# Issue 8 item 11


async def test_withdrawal_suspends_the_roles_of_that_pilot_only(pilot: Pilot) -> None:
    coordinator = await coordinator_of(pilot)
    await coordinator.command("withdraw")
    await coordinator.join(await pilot.invite("member", "Rauma"), "fi", set(), "resident")
    [(laitila,)] = pilot.rows("SELECT id FROM pilots WHERE name = 'Laitila'")
    await coordinator.command("pilots")
    await coordinator.press("pilot", str(laitila))
    invites_before = pilot.rows("SELECT COUNT(*) FROM invites")
    for command in ("invite", "invites"):
        [refusal] = await coordinator.command(command, "coordinator")
        assert refusal["text"] == fi("Sorry, that command is not available to you.")
    assert pilot.rows("SELECT COUNT(*) FROM invites") == invites_before
    menu = pilot.sandbox.commands(scope={"type": "chat", "chat_id": coordinator.user.id})
    assert "invite" not in [command["command"] for command in menu]


async def test_rejoining_the_pilot_restores_the_role_and_admins_are_never_suspended(
    pilot: Pilot,
) -> None:
    code = await pilot.invite("coordinator")
    coordinator = pilot.person("Kaisa")
    await coordinator.join(code, "fi", set(), "public_body")
    await coordinator.command("withdraw")
    await coordinator.join(code, "fi", set(), "public_body")
    [reply] = await coordinator.command("invite", "member")
    assert "photo" in reply
    await pilot.admin.join(await pilot.invite("member"), "en", set(), "other")
    await pilot.admin.command("withdraw")
    [reply] = await pilot.admin.command("invite", "member")
    assert "photo" in reply


# Issue 8 item 15


async def test_a_coordinator_lists_and_revokes_open_invites(pilot: Pilot) -> None:
    coordinator = await coordinator_of(pilot)
    await coordinator.command("invite", "member 30 7")
    [facilitators] = await coordinator.command("invite", "facilitator")
    await pilot.invite("member", "Rauma")  # another pilot's invite: never listed here
    [listing] = await coordinator.command("invites")
    lines = listing["text"].splitlines()
    assert lines[0] == fi("Open invites to “{pilot}”:").format(pilot="Laitila")
    rows = pilot.rows(
        "SELECT role, uses, max_uses, expires_at FROM invites "
        "WHERE pilot_id = 1 AND uses < max_uses AND revoked_at IS NULL ORDER BY id DESC"
    )
    expected = [
        fi("{number}. {role}: used {uses}/{limit}, valid until {expires}").format(
            number=n, role=fi(role), uses=uses, limit=limit, expires=finnish_day(expires)
        )
        for n, (role, uses, limit, expires) in enumerate(rows, start=1)
    ]
    assert lines[1:] == expected  # the used coordinator invite is not open any more
    assert [r[0] for r in rows] == ["facilitator", "member"]
    buttons = [row[0]["text"] for row in listing["reply_markup"]["inline_keyboard"]]
    assert buttons == [fi("Revoke {number}").format(number=n) for n in (1, 2)]

    message, button = coordinator.find_button("revoke")  # the first: the facilitator invite
    query = pilot.sandbox.press_button(coordinator.user, message, button["callback_data"])
    await answer_to(pilot, query)
    await pilot.settled()
    [shown] = [m for m in coordinator.messages if m["message_id"] == listing["message_id"]]
    assert shown["text"].startswith(
        fi("Revoked: the {role} invite valid until {expires}.").format(
            role=fi("facilitator"), expires=finnish_day(rows[0][3])
        )
    )
    assert len(shown["reply_markup"]["inline_keyboard"]) == 1
    assert pilot.rows("SELECT action, detail FROM audit_log WHERE action = 'invite revoked'") == [
        ("invite revoked", "invite=3 role=facilitator")
    ]
    [refused] = await pilot.person("Timo").command("start", invite_code(facilitators))
    assert refused["text"] == fi(
        "This invite link has been revoked by the pilot's coordinator. "
        "Please ask them for a new one if you should still join."
    )
    again = pilot.sandbox.press_raw(
        coordinator.user, message["message_id"], button["callback_data"]
    )
    assert (await answer_to(pilot, again))["text"] == fi("This button is no longer active.")
    assert pilot.rows("SELECT COUNT(*) FROM audit_log WHERE action = 'invite revoked'") == [(1,)]


async def test_a_member_cannot_press_a_revoke_button(pilot: Pilot) -> None:
    member = pilot.person("Aino")
    await member.join(await pilot.invite("member"), "fi", set(), "resident")
    [(invite_id,)] = pilot.rows("SELECT id FROM invites")
    data = callbacks.encode(pilot.services.button_key, member.user.id, "revoke", str(invite_id))
    query = pilot.sandbox.press_raw(member.user, member.messages[-1]["message_id"], data)
    assert (await answer_to(pilot, query))["text"] == fi("Sorry, that is not available to you.")
    assert pilot.rows("SELECT revoked_at FROM invites") == [(None,)]


@pytest.mark.parametrize("role", ["coordinator", "member"])
async def test_rejoining_the_same_pilot_does_not_use_the_invite_again(
    pilot: Pilot, role: str
) -> None:
    code = await pilot.invite(role)
    person = pilot.person("Kaisa")
    await person.join(code, "fi", set(), "public_body")
    await person.command("withdraw")
    [step] = await person.command("start", code)
    assert step["text"] == SCRIPT.question("language").text["fi"].format(pilot="Laitila")
    assert pilot.rows("SELECT uses FROM invites") == [(1,)]
    if role == "coordinator":  # its one use is still taken: nobody else gets in by it
        [refused] = await pilot.person("Eve").command("start", code)
        assert refused["text"] == fi(
            "This invite link has already been used as many times as allowed. "
            "Please ask the pilot's coordinator for a new one."
        )


# Issue 8 item 16


@pytest.mark.parametrize(
    "arguments",
    ["member ²", "member ١٢", "member 5 ١٢", "member ５", "member 99999999999999999999"],
)
async def test_invite_numbers_are_ascii_digits(pilot: Pilot, arguments: str) -> None:
    await pilot.admin.command("newpilot", "Laitila")
    [reply] = await pilot.admin.command("invite", arguments)
    assert reply["text"].startswith("Usage: /invite member|facilitator|coordinator")
    assert pilot.rows("SELECT COUNT(*) FROM invites") == [(0,)]


@pytest.mark.parametrize(
    ("action", "argument"),
    [("pilot", "9" * 40), ("lang", "9" * 30 + ":fi"), ("revoke", "9" * 40), ("pilot", "1e9")],
)
async def test_a_signed_button_with_an_unreadable_number_is_not_valid(
    pilot: Pilot, action: str, argument: str
) -> None:
    coordinator = await coordinator_of(pilot)
    data = callbacks.encode(pilot.services.button_key, coordinator.user.id, action, argument)
    query = pilot.sandbox.press_raw(coordinator.user, coordinator.messages[-1]["message_id"], data)
    assert (await answer_to(pilot, query))["text"] == fi("This button is not valid.")
    await pilot.settled()
    apology = fi(
        "Sorry, something went wrong on my side. Your answers so far are saved; "
        "you can carry on where you left off."
    )
    assert apology not in [message.get("text") for message in coordinator.messages]


@pytest.mark.parametrize("signature", ["ÄÄÄÄÄÄÄÄÄÄÄ", "Ａ" * 11, "🙂🙂"])
async def test_a_non_ascii_signature_is_not_valid(pilot: Pilot, signature: str) -> None:
    coordinator = await coordinator_of(pilot)
    query = pilot.sandbox.press_raw(
        coordinator.user, coordinator.messages[-1]["message_id"], f"v1|pilot|1|{signature}"
    )
    assert (await answer_to(pilot, query))["text"] == fi("This button is not valid.")


@pytest.mark.parametrize(
    ("language", "expected"),
    [("fi", "16.12.2026"), ("en", "Dec 16, 2026"), ("it", "16 dic 2026"), ("sv", "16 dec. 2026")],
)
def test_a_date_is_the_pilots_local_day_in_the_readers_locale(language: str, expected: str) -> None:
    # 23:30 UTC on the 15th is already the 16th in Finland.
    assert format_day("2026-12-15T23:30:00+00:00", language, "Europe/Helsinki") == expected
