"""Goal rounds (SEROI+ step 1) as coordinators, facilitators and members meet them (issue 13 §1)."""

from __future__ import annotations

import asyncio
import re

from bot.chat import callbacks
from bot.demo.participants import Participant

from .conftest import Pilot

LAST_DAY = "2099-12-31"


async def people(pilot: Pilot, *members: tuple[str, str, set[str], str]):
    """A coordinator (Kaisa), a facilitator (Fredrik) and the given members, all joined."""
    kaisa = pilot.person("Kaisa", "en")
    await kaisa.join(await pilot.invite("coordinator"), "en", set(), "public_body")
    fredrik = pilot.person("Fredrik", "en")
    await fredrik.join(await pilot.invite("facilitator"), "en", set(), "association")
    code = await pilot.invite("member")
    joined = []
    for name, language, consents, group in members:
        person = pilot.person(name, language)
        await person.join(code, language, consents, group)
        joined.append(person)
    return kaisa, fredrik, joined


def pilot_number(person: Participant) -> str:
    """The number on the newest status card in the person's chat."""
    for message in reversed(person.messages):
        found = re.search(r"#(\d+): [“”]", message.get("text", ""))  # English, Finnish quotes
        if found:
            return found.group(1)
    raise LookupError("no status card")


def card_of(person: Participant, number: int, prefix: str = "Your proposal") -> str:
    """The text of the status card of a proposal, as it shows now."""
    [card] = [m for m in person.messages if m.get("text", "").startswith(f"{prefix} #{number}:")]
    return card["text"]


def last_text(person: Participant) -> str:
    return person.messages[-1]["text"]


async def test_a_goal_round_from_opening_to_ranking(pilot: Pilot) -> None:
    kaisa, fredrik, [aino, liisa, sara] = await people(
        pilot,
        ("Aino", "en", {"workshops"}, "resident"),
        ("Liisa", "en", set(), "resident"),
        ("Sara", "sv", {"workshops"}, "resident"),
    )
    [opened] = await fredrik.command("goalround", f"{LAST_DAY} dots=2 What should Laitila be?")
    assert "2 dots" in opened["text"]
    assert "without your name" in opened["text"]
    assert "Members told (those who accepted workshop invitations): 2." in opened["text"]
    await pilot.settled()
    assert "/goals" in last_text(aino)
    assert "/goals" in last_text(sara)
    assert "goal" not in last_text(liisa).lower()

    [rules] = await liisa.command("goals")
    assert "What should Laitila be?" in rules["text"]
    assert "belong to the pilot" in rules["text"]

    [prompt] = await aino.command("goal", "A car-free village square")
    assert "without your name" in prompt["text"]  # the rules, before anything is sent
    [thanks] = await aino.press("send")
    card = aino.messages[-2]
    assert "Thank you" in thanks["text"]
    assert "A car-free village square" in card["text"]
    assert "sent for review" in card["text"]
    first = int(pilot_number(aino))
    await aino.command("goal", "A car-free village square on Saturdays")
    await pilot.settled()
    assert "on Saturdays" in card_of(aino, first)  # the card, edited in place

    await liisa.command("goal", "More benches by the river")
    await liisa.press("send")
    second = int(pilot_number(liisa))
    [entered] = await fredrik.command("paper", "goal Sauna by the lake")
    paper = int(re.search(r"#(\d+)", entered["text"]).group(1))

    [waiting] = await kaisa.command("review")
    assert "(entered from paper)" in waiting["text"]
    await kaisa.press("approve", str(first))
    await pilot.settled()
    assert "approved" in last_text(aino)
    assert f"#{first}" in last_text(aino)
    assert "sent for review" in card_of(aino, first)
    assert "approved" in card_of(aino, first)
    await kaisa.command("approve", str(paper))
    [rejected] = await kaisa.command("reject", f"{second} The river bank is private land")
    assert "not approved" in rejected["text"]
    await pilot.settled()
    assert "not approved" in last_text(liisa)
    [why] = await liisa.press("why", str(second))
    assert "private land" in why["text"]

    [started] = await kaisa.command("prioritise")
    assert "2 dots" in started["text"]
    [board] = await aino.command("goals")
    assert "You have 2 of 2 dots left" in board["text"]
    [after] = await aino.press("dotadd", str(first))
    assert "You have 1 of 2 dots left" in after["text"]
    [after] = await aino.press("dotadd", str(first))
    assert "You have 0 of 2 dots left" in after["text"]
    [refused] = await aino.press("dotadd", str(first))
    assert "no dots left: 2 of 2" in refused["text"]
    [after] = await aino.press("dotdel", str(first))
    assert "1 of 2 dots left" in after["text"]
    await fredrik.command("paper", f"dots {paper} 4")
    [ranking] = await kaisa.command("goals")
    lines = ranking["text"].splitlines()
    top = next(line for line in lines if line.startswith("1. "))
    assert "Sauna by the lake (entered from paper) — dots: 4, 4 of them entered from paper" in top
    second_line = next(line for line in lines if line.startswith("2. "))
    assert second_line.endswith("A car-free village square on Saturdays — dots: 1")
    # By group: Aino's resident group is under five people; paper dots have no group.
    assert "• groups of fewer than 5 people, together: 1" in lines
    assert "• entered from paper: 4" in lines
    assert pilot.rows("SELECT COUNT(*) FROM dots WHERE pseudonym IS NOT NULL") == [(1,)]


async def test_bad_input_in_a_goal_round(pilot: Pilot) -> None:
    kaisa, fredrik, [aino, mikko] = await people(
        pilot, ("Aino", "en", set(), "resident"), ("Mikko", "en", set(), "entrepreneur")
    )
    [usage] = await kaisa.command("goalround", "tomorrow What?")
    assert usage["text"].startswith("Usage: /goalround")
    [none] = await aino.command("goal", "Something")
    assert "no round of this kind yet" in none["text"]
    await kaisa.command("goalround", f"{LAST_DAY} What should Laitila be?")
    [empty] = await aino.command("goal")
    assert "at most 280 characters" in empty["text"]
    [long] = await aino.command("goal", "x" * 281)
    assert "too long: at most 280 characters" in long["text"]
    assert pilot.rows("SELECT COUNT(*) FROM proposals") == [(0,)]

    refusal = "Sorry, that command is not available to you."
    for who in (aino, fredrik):  # a member and a facilitator may not moderate
        [not_allowed] = await who.command("approve", "1")
        assert not_allowed["text"] == refusal
    [member_round] = await mikko.command("goalround", f"{LAST_DAY} Mine?")
    assert member_round["text"] == refusal

    await aino.command("goal", "A new playground")
    await aino.press("send")
    first = int(pilot_number(aino))
    await mikko.command("goal", "A playground for everyone")
    await mikko.press("send")
    second = int(pilot_number(mikko))
    await kaisa.command("approve", str(second))
    [merged] = await kaisa.command("merge", f"{first} {second}")
    assert "merged" in merged["text"]
    await pilot.settled()
    assert "merged" in last_text(aino)
    [again] = await kaisa.command("reject", f"{first} Too late")
    assert "Someone else has just decided" in again["text"]
    assert "merged" in again["text"]

    await kaisa.command("prioritise")
    [board] = await mikko.command("goals")
    assert f"#{first} " not in board["text"]
    # A dot on the merged proposal, through a button the bot signed (as if drawn before
    # the merge): refused, nothing stored.
    data = callbacks.encode(pilot.services.button_key, mikko.user.id, "dotadd", f"1:{first}")
    pilot.sandbox.press_raw(mikko.user, board["message_id"], data)
    await pilot.settled()
    assert "nothing was recorded" in last_text(mikko)
    [refused] = await mikko.command("paper", f"dots {first} 2")
    assert refused["text"] == "Sorry, that command is not available to you."
    [refused] = await fredrik.command("paper", f"dots {first} 2")
    assert "nothing was recorded" in refused["text"]
    assert pilot.rows("SELECT COUNT(*) FROM dots") == [(0,)]

    [closed] = await kaisa.command("closeround", "goal")
    assert "closed" in closed["text"]
    # Dots can be moved until the round closes, not after: a dot button still on screen.
    data = callbacks.encode(pilot.services.button_key, mikko.user.id, "dotadd", f"1:{second}")
    pilot.sandbox.press_raw(mikko.user, board["message_id"], data)
    await pilot.settled()
    assert last_text(mikko) == "This round has closed."
    assert pilot.rows("SELECT COUNT(*) FROM dots") == [(0,)]
    [late] = await aino.command("goal", "Too late")
    assert late["text"] == "This round has closed."
    [final] = await aino.command("goals")
    assert "This round has closed." in final["text"]
    assert "reply_markup" not in final


async def test_two_coordinators_deciding_at_once_one_wins(pilot: Pilot) -> None:
    kaisa, _fredrik, [aino] = await people(pilot, ("Aino", "en", set(), "resident"))
    pekka = pilot.person("Pekka", "en")
    await pekka.join(await pilot.invite("coordinator"), "en", set(), "public_body")
    await kaisa.command("goalround", f"{LAST_DAY} What should Laitila be?")
    await aino.command("goal", "A library bus")
    await aino.press("send")
    number = pilot_number(aino)
    before = len(aino.messages)
    kaisa_said, pekka_said = await asyncio.gather(
        kaisa.command("approve", number), pekka.command("reject", f"{number} Not now")
    )
    texts = [kaisa_said[0]["text"], pekka_said[0]["text"]]
    assert sum("Someone else has just decided" in text for text in texts) == 1
    await pilot.settled()
    assert len(aino.messages) == before + 1  # one decision, one message
    assert pilot.rows("SELECT COUNT(*) FROM proposal_history WHERE status != 'pending'") == [(1,)]
    # The audit log holds the decision that won, by whom it was made, and nothing else.
    winner = kaisa if "Someone else" in texts[1] else pekka
    [(status,)] = pilot.rows("SELECT status FROM proposals")
    assert pilot.rows(
        "SELECT action, actor, detail FROM audit_log WHERE action LIKE 'proposal %'"
    ) == [(f"proposal {status}", pilot.services.pseudonym(winner.user.id), f"proposal={number}")]


async def test_a_proposer_who_blocked_the_bot_does_not_stop_the_moderation(pilot: Pilot) -> None:
    kaisa, _fredrik, [aino] = await people(pilot, ("Aino", "en", set(), "resident"))
    await kaisa.command("goalround", f"{LAST_DAY} What should Laitila be?")
    await aino.command("goal", "A library bus")
    await aino.press("send")
    number = pilot_number(aino)
    pilot.sandbox.block_bot(aino.user)
    [approved] = await kaisa.command("approve", number)
    assert "approved" in approved["text"]
    await pilot.settled()
    [ranking] = await kaisa.command("goals")
    assert "A library bus" in ranking["text"]
    assert pilot.rows("SELECT status FROM proposals") == [("approved",)]


async def test_a_round_for_one_stakeholder_group(pilot: Pilot) -> None:
    kaisa, _fredrik, [aino, mikko] = await people(
        pilot,
        ("Aino", "en", {"workshops"}, "resident"),
        ("Mikko", "en", {"workshops"}, "entrepreneur"),
    )
    told = len(aino.messages)
    [opened] = await kaisa.command(
        "goalround", f"{LAST_DAY} group=entrepreneur What do businesses need?"
    )
    assert "For the stakeholder group: Entrepreneur or business." in opened["text"]
    assert "Each person gets 3 dots" in opened["text"]  # the default N
    assert "Members told (those who accepted workshop invitations): 1." in opened["text"]
    await pilot.settled()
    assert "What do businesses need?" in last_text(mikko)
    assert len(aino.messages) == told  # another group: not invited

    [refused] = await aino.command("goal", "A playground")
    assert refused["text"] == "This round is for another stakeholder group."
    await mikko.command("goal", "A shared delivery van")
    await mikko.press("send")
    assert pilot.rows("SELECT text, status FROM proposals") == [
        ("A shared delivery van", "pending")
    ]
