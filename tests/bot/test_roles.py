"""Roles and invites: who may do what, checked on the server, and the menus each role sees."""

from __future__ import annotations

from bot.demo.participants import invite_code
from bot.i18n import translator

from .conftest import Pilot


async def test_admin_creates_a_pilot_and_invites_a_coordinator_with_a_qr_code(pilot: Pilot) -> None:
    [created] = await pilot.admin.command("newpilot", "Laitila")
    assert "Laitila" in created["text"]
    [invite] = await pilot.admin.command("invite", "coordinator")
    assert invite["photo"][-1]["width"] >= 300
    assert "https://t.me/seroi_test_bot?start=" in invite["caption"]
    qr = pilot.sandbox.file(invite["photo"][-1]["file_id"])
    assert qr.data.startswith(b"\x89PNG")
    assert pilot.rows("SELECT role, max_uses FROM invites") == [("coordinator", 1)]


async def test_a_coordinator_invites_facilitators_and_members(pilot: Pilot) -> None:
    coordinator = pilot.person("Kaisa")
    await coordinator.join(await pilot.invite("coordinator"), "fi", set(), "public_body")
    menu = pilot.sandbox.commands(scope={"type": "chat", "chat_id": coordinator.user.id})
    assert "invite" in [command["command"] for command in menu]
    assert "newpilot" not in [command["command"] for command in menu]
    [reply] = await coordinator.command("invite", "facilitator")
    facilitator = pilot.person("Timo")
    await facilitator.join(invite_code(reply), "fi", {"workshops"}, "association")
    [reply] = await coordinator.command("invite", "member 5 2")
    assert pilot.rows("SELECT role, max_uses FROM invites WHERE role = 'member'") == [("member", 5)]
    assert sorted(pilot.rows("SELECT role FROM roles")) == [("coordinator",), ("facilitator",)]


async def test_members_and_facilitators_may_not_invite_or_create_pilots(pilot: Pilot) -> None:
    member = pilot.person("Aino", language_code="it")
    await member.join(await pilot.invite("member"), "it", set(), "resident")
    facilitator = pilot.person("Timo", language_code="sv")
    await facilitator.join(await pilot.invite("facilitator"), "sv", set(), "association")
    refusals = [
        await member.command("invite", "coordinator"),
        await member.command("newpilot", "Mine"),
        await facilitator.command("invite", "member"),
    ]
    expected = ["it", "it", "sv"]
    for [reply], language in zip(refusals, expected, strict=True):
        assert reply["text"] == translator(language)("Sorry, that command is not available to you.")
    assert pilot.rows("SELECT COUNT(*) FROM invites") == [(2,)]
    assert pilot.rows("SELECT COUNT(*) FROM pilots") == [(1,)]


async def test_a_bad_invite_command_explains_its_usage(pilot: Pilot) -> None:
    await pilot.admin.command("newpilot", "Laitila")
    for arguments in ("boss", "member 0", "member 5 999", "member x"):
        [reply] = await pilot.admin.command("invite", arguments)
        assert reply["text"].startswith("Usage: /invite")
    assert pilot.rows("SELECT COUNT(*) FROM invites") == [(0,)]


async def test_the_default_menu_exists_in_every_language(pilot: Pilot) -> None:
    for language in ("fi", "en", "it", "sv"):
        menu = pilot.sandbox.commands(scope={"type": "default"}, language_code=language)
        assert menu[0]["command"] == "start"
        assert menu[0]["description"] == translator(language)("Join a pilot with an invite link")


async def test_an_invited_coordinator_who_is_a_member_gains_the_role(pilot: Pilot) -> None:
    person = pilot.person("Pekka")
    await person.join(await pilot.invite("member"), "fi", {"checkins"}, "resident")
    [reply] = await person.command("start", await pilot.invite("coordinator"))
    gained = translator("fi")("You are now also a {role} in “{pilot}”.").format(
        role=translator("fi")("coordinator"), pilot="Laitila"
    )
    assert reply["text"].startswith(gained)  # then what the role adds (test_admin_and_invites)
    assert sorted(pilot.rows("SELECT role FROM roles")) == [("coordinator",), ("member",)]


async def test_an_admin_sees_the_admin_menu_after_creating_a_pilot(pilot: Pilot) -> None:
    await pilot.admin.command("newpilot", "Rauma | Town of Rauma")
    menu = pilot.sandbox.commands(scope={"type": "chat", "chat_id": pilot.admin.user.id})
    assert {"newpilot", "invite"} <= {command["command"] for command in menu}
    assert pilot.rows("SELECT name, controller FROM pilots") == [("Rauma", "Town of Rauma")]
