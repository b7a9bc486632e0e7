"""Every spelling of a command reaches its guarded handler or nothing: no role is skipped.

Telegram marks only `/name` (letters, digits, underscore) as the command entity, so
`/invite-x` is the command `/invite` to python-telegram-bot. The role check must read the
command the same way, whatever follows the name.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.i18n import translator
from tests.sandbox.helpers import PNG_1x1

from .conftest import Pilot

VARIANTS = (
    "/invite-x coordinator 5 30",
    "/invite.x coordinator",
    "/invite, coordinator",
    "/INVITE coordinator",
    "/Invite coordinator",
    "/invite@seroi_test_bot coordinator",
    "/invite@otherbot coordinator",
    "/invite\ncoordinator",
    "/invite\u00a0coordinator",
    "/invite–x coordinator",
    "/invite😀 coordinator",
)
PILOT_VARIANTS = ("/newpilot.x Evil", "/newpilot-x Evil", "/newpilot, Evil", "/NEWPILOT Evil")


async def _member(pilot: Pilot, name: str = "Aino"):
    member = pilot.person(name)
    await member.join(await pilot.invite("member"), "fi", set(), "resident")
    return member


@pytest.mark.parametrize("text", VARIANTS)
async def test_a_member_gets_no_invite_from_any_spelling_of_the_command(
    pilot: Pilot, text: str
) -> None:
    member = await _member(pilot)
    invites_before = pilot.rows("SELECT COUNT(*) FROM invites")
    photos_before = len(pilot.sandbox.calls("sendPhoto"))
    pilot.sandbox.send_text(member.user, text)
    await pilot.settled()
    assert pilot.rows("SELECT COUNT(*) FROM invites") == invites_before
    assert len(pilot.sandbox.calls("sendPhoto")) == photos_before
    assert pilot.rows("SELECT role FROM roles") == [("member",)]


@pytest.mark.parametrize("text", PILOT_VARIANTS)
async def test_a_stranger_creates_no_pilot_with_any_spelling(pilot: Pilot, text: str) -> None:
    stranger = pilot.person("Eve", "en")
    pilot.sandbox.send_text(stranger.user, text)
    await pilot.settled()
    assert pilot.rows("SELECT COUNT(*) FROM pilots") == [(0,)]
    [reply] = stranger.messages
    assert reply["text"] == translator("en")("Sorry, that command is not available to you.")


async def test_an_edited_message_is_not_a_command(pilot: Pilot) -> None:
    stranger = pilot.person("Eve", "en")
    sent = pilot.sandbox.send_text(stranger.user, "hello")
    await pilot.settled()
    pilot.sandbox.edit_text(stranger.user, sent["message_id"], "/newpilot Evil")
    await pilot.settled()
    assert pilot.rows("SELECT COUNT(*) FROM pilots") == [(0,)]
    assert len(stranger.messages) == 1  # the answer to "hello"; the edit gets none


async def test_a_command_in_a_photo_caption_runs_nothing(pilot: Pilot) -> None:
    member = await _member(pilot)
    invites_before = pilot.rows("SELECT COUNT(*) FROM invites")
    pilot.sandbox.send_photo(member.user, PNG_1x1, caption="/invite coordinator 5 30")
    await pilot.settled()
    assert pilot.rows("SELECT COUNT(*) FROM invites") == invites_before
    assert pilot.rows("SELECT role FROM roles") == [("member",)]


# Command names of every role; the tail is any text, so any punctuation or unicode.
NAMES = ("invite", "newpilot", "pilots", "withdraw", "stop", "help", "start", "mydata")
TAILS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=st.sampled_from(NAMES),
    case=st.sampled_from((str.lower, str.upper, str.title)),
    separator=st.sampled_from(("", "-", ".", ",", "@otherbot", "@seroi_test_bot", "!", "\n")),
    tail=TAILS,
    who=st.sampled_from(("stranger", "member", "facilitator", "coordinator")),
)
async def test_no_spelling_runs_anything_above_the_callers_role(
    role_pilot: tuple[Pilot, dict], name: str, case, separator: str, tail: str, who: str
) -> None:
    pilot, people = role_pilot
    person = people[who]
    before = (
        pilot.rows("SELECT COUNT(*) FROM invites"),
        pilot.rows("SELECT COUNT(*) FROM pilots"),
        pilot.rows("SELECT COUNT(*) FROM roles"),
        len(pilot.sandbox.calls("sendPhoto")),
    )
    pilot.sandbox.send_text(person.user, f"/{case(name)}{separator}{tail} coordinator 5 30")
    await pilot.settled()
    after = (
        pilot.rows("SELECT COUNT(*) FROM invites"),
        pilot.rows("SELECT COUNT(*) FROM pilots"),
        pilot.rows("SELECT COUNT(*) FROM roles"),
        len(pilot.sandbox.calls("sendPhoto")),
    )
    if who == "coordinator" and name == "invite":
        return  # a coordinator may invite: any outcome is within their role
    assert after == before


@pytest.fixture
async def role_pilot(pilot: Pilot) -> tuple[Pilot, dict]:
    """A pilot with a coordinator, a facilitator, a member, and a stranger who never joined."""
    people = {"stranger": pilot.person("Eve", "en")}
    for role, name in (("coordinator", "Kaisa"), ("facilitator", "Timo"), ("member", "Aino")):
        people[role] = pilot.person(name)
        await people[role].join(await pilot.invite(role), "fi", set(), "resident")
    return pilot, people


async def test_a_button_row_is_guarded_by_its_role(pilot: Pilot) -> None:
    """After /withdraw a member holds no role: an old /pilots button switches nothing."""
    member = await _member(pilot)
    await member.command("pilots")
    await member.command("withdraw")
    message, button = member.find_button("pilot")
    shown = [m["text"] for m in member.messages]
    query = pilot.sandbox.press_button(member.user, message, button["callback_data"])
    answer = await pilot.sandbox.wait_for_async(
        lambda: (
            (pilot.sandbox.callback_answer(query["id"]) or {}).get("answered")
            and pilot.sandbox.callback_answer(query["id"])
        )
    )
    assert answer["text"] == translator("fi")("Sorry, that is not available to you.")
    assert [m["text"] for m in member.messages] == shown
