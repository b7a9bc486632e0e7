"""The member's rights in chat: notice, access, erasure, withdrawal, language."""

from __future__ import annotations

import json

from bot.i18n import translator

from .conftest import Pilot


async def test_privacy_shows_the_full_notice_in_the_members_language(pilot: Pilot) -> None:
    person = pilot.person("Elina", language_code="sv")
    await person.join(await pilot.invite("member"), "sv", {"checkins"}, "resident")
    [notice] = await person.command("privacy")
    for fact in ("Leader Ravakka", "/mydata", "/withdraw", "/delete"):
        assert fact in notice["text"]
    assert not notice["text"].startswith("Privacy notice")  # Swedish, not the English source


async def test_members_can_change_their_consents_later(pilot: Pilot) -> None:
    person = pilot.person("Aino")
    await person.join(await pilot.invite("member"), "fi", {"checkins"}, "resident")
    await person.command("privacy")
    await person.press("rechoose")
    await person.press("consent", "wellbeing")
    [saved] = await person.press("consented")
    assert saved["text"].startswith(translator("fi")("Your choices are saved:"))
    rows = pilot.rows("SELECT purpose, granted FROM consents ORDER BY id")
    assert rows[-3:] == [("checkins", 1), ("wellbeing", 1), ("workshops", 0)]
    assert len(rows) == 6


async def test_mydata_is_a_file_with_everything_stored(pilot: Pilot) -> None:
    person = pilot.person("Siobhan", language_code="en")
    await person.join(await pilot.invite("member"), "en", {"checkins", "wellbeing"}, "resident")
    [_summary, reply] = await person.command("mydata", replies=2)
    document = reply["document"]
    assert document["file_name"] == "my-data.json"
    stored = pilot.sandbox.file(document["file_id"])
    exported = json.loads(stored.data)
    assert {c["purpose"]: c["granted"] for c in exported["consents"]} == {
        "checkins": 1,
        "wellbeing": 1,
        "workshops": 0,
    }
    assert exported["members"][0]["stakeholder_group"] == "resident"
    assert exported["roles"][0]["role"] == "member"
    assert exported["pilots"][0]["name"] == "Laitila"


async def test_mydata_of_a_stranger_says_nothing_is_stored(pilot: Pilot) -> None:
    [reply] = await pilot.person("Stranger", "it").command("mydata")
    assert reply["text"] == translator("it")("I store nothing about you.")


async def test_delete_asks_first_and_keep_erases_nothing(pilot: Pilot) -> None:
    person = pilot.person("Mikko")
    await person.join(await pilot.invite("member"), "fi", {"checkins"}, "resident")
    [question] = await person.command("delete")
    assert "reply_markup" in question
    [kept] = await person.press("keep")
    assert kept["text"] == translator("fi")("Nothing was erased.")
    assert pilot.rows("SELECT COUNT(*) FROM consents") == [(3,)]


async def test_delete_erases_the_member_everywhere(pilot: Pilot) -> None:
    person = pilot.person("Johan", language_code="sv")
    await person.join(await pilot.invite("member", "Laitila"), "sv", {"checkins"}, "resident")
    await person.join(await pilot.invite("member", "Rauma"), "sv", set(), "other")
    pseudonym = pilot.services.pseudonym(person.user.id)
    await person.command("delete")
    [done] = await person.press("erase")
    assert done["text"] == translator("sv")(
        "Your data has been erased. What remains are results that were already "
        "published as aggregates of at least five people, which do not identify you."
    )
    for table in ("people", "contacts", "members", "roles", "consents"):
        assert pilot.rows(f"SELECT COUNT(*) FROM {table} WHERE pseudonym = ?", (pseudonym,)) == [
            (0,)
        ]
    assert pilot.rows("SELECT COUNT(*) FROM contacts WHERE chat_id = ?", (person.user.id,)) == [
        (0,)
    ]
    assert pilot.rows(
        "SELECT COUNT(*) FROM audit_log WHERE actor = ? OR subject = ?", (pseudonym, pseudonym)
    ) == [(0,)]
    menu = pilot.sandbox.commands(scope={"type": "chat", "chat_id": person.user.id})
    assert menu == []


async def test_withdraw_stops_processing_at_once(pilot: Pilot) -> None:
    person = pilot.person("Pekka")
    await person.join(await pilot.invite("member"), "fi", {"checkins", "wellbeing"}, "resident")
    [reply] = await person.command("withdraw")
    assert "/delete" in reply["text"]
    assert pilot.rows("SELECT status FROM members") == [("withdrawn",)]
    latest = pilot.rows(
        "SELECT purpose, granted FROM consents WHERE id IN "
        "(SELECT MAX(id) FROM consents GROUP BY purpose)"
    )
    assert sorted(latest) == [("checkins", 0), ("wellbeing", 0), ("workshops", 0)]
    [(stopped,)] = pilot.rows(
        "SELECT processing_stopped_at FROM people WHERE pseudonym = ?",
        (pilot.services.pseudonym(person.user.id),),
    )
    assert stopped is not None


async def test_stop_is_the_same_as_withdraw_and_an_invite_brings_them_back(pilot: Pilot) -> None:
    code = await pilot.invite("member")
    person = pilot.person("Ville")
    await person.join(code, "fi", {"checkins"}, "resident")
    await person.command("stop")
    assert pilot.rows("SELECT status FROM members") == [("withdrawn",)]
    await person.join(code, "fi", {"workshops"}, "other")
    assert pilot.rows("SELECT status, stakeholder_group FROM members") == [("active", "other")]


async def test_language_switch_changes_replies_and_menu(pilot: Pilot) -> None:
    person = pilot.person("Giulia", language_code="it")
    await person.join(await pilot.invite("member"), "it", set(), "association")
    await person.command("language")
    [reply] = await person.press("setlang", "fi")
    assert reply["text"] == translator("fi")("From now on I will speak English with you.")
    menu = pilot.sandbox.commands(scope={"type": "chat", "chat_id": person.user.id})
    assert menu[0]["description"] == translator("fi")("What I can do for you")
    [help_text] = await person.command("help")
    assert help_text["text"].startswith(translator("fi")("What you can do here:"))


async def test_buttons_left_on_screen_cannot_undo_a_withdrawal(pilot: Pilot) -> None:
    person = pilot.person("Sara")
    await person.command("start", await pilot.invite("member"))
    await person.press("lang", "fi")
    await person.press("notice")
    await person.command("withdraw")
    message, button = person.find_button("consent", "wellbeing")
    query = pilot.sandbox.press_button(person.user, message, button["callback_data"])
    await pilot.sandbox.wait_for_async(
        lambda: (pilot.sandbox.callback_answer(query["id"]) or {}).get("answered")
    )
    message, button = person.find_button("consented")
    query = pilot.sandbox.press_button(person.user, message, button["callback_data"])
    await pilot.sandbox.wait_for_async(
        lambda: (pilot.sandbox.callback_answer(query["id"]) or {}).get("answered")
    )
    assert pilot.rows("SELECT status, onboarding_state FROM members") == [("withdrawn", None)]
    assert pilot.rows("SELECT COUNT(*) FROM consents") == [(0,)]


async def test_a_withdrawn_coordinator_loses_their_powers_until_rejoining(pilot: Pilot) -> None:
    coordinator = pilot.person("Kaisa")
    await coordinator.join(await pilot.invite("coordinator"), "fi", set(), "public_body")
    await coordinator.command("withdraw")
    [refusal] = await coordinator.command("invite", "member")
    assert refusal["text"] == translator("fi")("Sorry, that command is not available to you.")
    assert pilot.rows("SELECT COUNT(*) FROM invites WHERE role = 'member'") == [(0,)]


async def test_a_stranger_choosing_a_language_is_not_stored(pilot: Pilot) -> None:
    stranger = pilot.person("Tuomas", language_code="fi")
    await stranger.command("language")
    [reply] = await stranger.press("setlang", "it")
    assert reply["text"] == translator("it")("From now on I will speak English with you.")
    assert pilot.rows("SELECT COUNT(*) FROM contacts WHERE chat_id = ?", (stranger.user.id,)) == [
        (0,)
    ]


async def test_personal_commands_in_a_group_reveal_nothing(pilot: Pilot) -> None:
    person = pilot.person("Aino")
    code = await pilot.invite("member")
    await person.join(code, "fi", {"checkins"}, "resident")
    group = pilot.sandbox.create_group("Laitila workshop", [person.user, pilot.admin.user])
    pilot.sandbox.add_bot_to_group(group, person.user)
    # Added to a group, the bot says how to start a workshop there.
    await pilot.sandbox.wait_for_bot_message_async(group["id"], after_count=0)
    for name, payload in (("mydata", None), ("start", code), ("delete", None)):
        before = len(pilot.sandbox.bot_messages(group["id"]))
        pilot.sandbox.command(person.user, name, payload, chat=group)
        reply = await pilot.sandbox.wait_for_bot_message_async(group["id"], after_count=before)
        assert reply["text"].startswith(
            translator("fi")("Please write to me in a private chat: {link}")[:10]
        )
        assert "document" not in reply
    assert pilot.rows("SELECT chat_id FROM contacts WHERE chat_id < 0") == []
    assert pilot.rows("SELECT COUNT(*) FROM consents") == [(3,)]
