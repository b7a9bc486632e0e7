"""Who may use each command of SEROI+ steps 1–4 (issue 13, "Done when": each step and each
role): a stranger, a member, a facilitator, a coordinator of another pilot, a coordinator.

Every command is sent with arguments that would act on Laitila's round, proposals and
actions. A role below the command's is refused in words, and no decision, phase change,
action or dot comes of it; a coordinator of another pilot may use the commands, but only
on their own pilot: Laitila's data and its proposers' chats stay as they were.
"""

from __future__ import annotations

import pytest

from bot.demo.participants import Participant

from .conftest import Pilot
from .test_goals import LAST_DAY, pilot_number

REFUSED = "Sorry, that command is not available to you."
# Each command, the lowest role it needs, and arguments aimed at Laitila (goal #1 approved,
# goal #2 waiting for review, action #1 made from nothing yet).
COMMANDS = (
    ("goals", "member", ""),
    ("goal", "member", "A sauna by the lake"),
    ("ideas", "member", ""),
    ("idea", "member", "A weekly market"),
    ("goalround", "facilitator", f"{LAST_DAY} What else?"),
    ("idearound", "facilitator", f"{LAST_DAY} goals=1 How?"),
    ("paper", "facilitator", "dots 1 5"),
    ("review", "coordinator", ""),
    ("approve", "coordinator", "2"),
    ("merge", "coordinator", "2 1"),
    ("reject", "coordinator", "2 Not here"),
    ("shortlist", "coordinator", "1"),
    ("action", "coordinator", "1 100"),
    ("actionstart", "coordinator", "1"),
    ("actiondone", "coordinator", "1"),
    ("prioritise", "coordinator", ""),
    ("closeround", "coordinator", "goal"),
    ("table", "coordinator", ""),
    ("map", "coordinator", ""),
    ("indicators", "coordinator", ""),
    ("values", "coordinator", "0 1"),
    ("proxy", "coordinator", "5"),
)
RANK = {"stranger": 0, "member": 1, "facilitator": 2, "coordinator": 3}
# Laitila as the other roles must leave it.
LAITILA = (
    "SELECT id, phase FROM rounds WHERE pilot_id = 1",
    "SELECT p.id, p.status, p.text, p.pseudonym FROM proposals p "
    "JOIN rounds r ON r.id = p.round_id WHERE r.pilot_id = 1 ORDER BY p.id",
    "SELECT COUNT(*) FROM dots",
    "SELECT COUNT(*) FROM proposal_history",
    "SELECT COUNT(*) FROM actions WHERE pilot_id = 1",
    "SELECT COUNT(*) FROM invites WHERE pilot_id = 1",
)


async def laitila(pilot: Pilot) -> tuple[Participant, Participant]:
    """Laitila's goal round: Aino's goal #1 approved, Mikko's #2 waiting for review."""
    kaisa = pilot.person("Kaisa", "en")
    await kaisa.join(await pilot.invite("coordinator"), "en", set(), "public_body")
    code = await pilot.invite("member")
    aino, mikko = pilot.person("Aino", "en"), pilot.person("Mikko", "en")
    for person in (aino, mikko):
        await person.join(code, "en", set(), "resident")
    await kaisa.command("goalround", f"{LAST_DAY} What should Laitila be?")
    for person, text in ((aino, "A lively village centre"), (mikko, "More buses")):
        await person.command("goal", text)
        await person.press("send")
    assert pilot_number(aino) == "1"
    await kaisa.command("approve", "1")
    await pilot.settled()
    return aino, mikko


async def people_in_role(pilot: Pilot, role: str, count: int) -> list[Participant]:
    """`count` people of the role; enough of them that no one passes the flood budget."""
    people = [pilot.person(f"{role.title()}{n}", "en") for n in range(count)]
    if role == "stranger":
        return people
    pilot_name = "Rauma" if role == "other coordinator" else "Laitila"
    code = await pilot.invite(role.removeprefix("other "), pilot_name, extra="10")
    for person in people:
        await person.join(code, "en", set(), "public_body")
    return people


@pytest.mark.parametrize(
    "role", ["stranger", "member", "facilitator", "other coordinator", "coordinator"]
)
async def test_each_command_of_the_steps_for_each_role(pilot: Pilot, role: str) -> None:
    aino, mikko = await laitila(pilot)
    before = [pilot.rows(sql) for sql in LAITILA]
    told = len(aino.messages), len(mikko.messages)
    people = await people_in_role(pilot, role, 3)
    rank = RANK[role.removeprefix("other ")]

    for number, (command, needed, arguments) in enumerate(COMMANDS):
        person = people[number % len(people)]
        [reply] = await person.command(command, arguments or None)
        allowed = rank >= RANK[needed]
        assert (reply["text"] == REFUSED) != allowed, (command, reply["text"])
        if role == "other coordinator" and command in ("approve", "merge", "reject", "shortlist"):
            assert reply["text"] == "There is no such proposal in this pilot.", command

    await pilot.settled()
    if role == "coordinator":
        return
    # No decision, phase change, action or dot came of it, and no proposer was told anything.
    assert pilot.rows("SELECT id, status FROM proposals WHERE id IN (1, 2) ORDER BY id") == [
        (1, "approved"),
        (2, "pending"),
    ]
    assert pilot.rows("SELECT phase FROM rounds WHERE id = 1") == [("proposing",)]
    assert pilot.rows("SELECT COUNT(*) FROM dots") == [(0,)]
    assert pilot.rows("SELECT COUNT(*) FROM actions") == [(0,)]
    assert (len(aino.messages), len(mikko.messages)) == told
    if role in ("stranger", "other coordinator"):  # nothing of Laitila's changed at all
        assert [pilot.rows(sql) for sql in LAITILA] == before
