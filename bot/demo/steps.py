"""The demo's SEROI+ steps 1 and 3: a goal round with dot voting, an idea round whose
shortlisted idea becomes an action, and each proposer's "you said, we did" messages."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Protocol

from bot.demo.participants import Participant, invite_code
from sandbox.errors import WaitTimeout

# Who proposes which goal, in their own language (Johan has erased his data by now).
GOALS = {
    "Aino": "Kylän keskusta eläväksi: kahvila ja tori",
    "Mikko": "Lisää asiakkaita kylän yrityksille",
    "Elina": "En trygg cykelväg till skolan",
    "Siobhan": "A car-free village square on Saturdays",
    "Giulia": "Più attività per i giovani",
    "Marco": "Un mercato dei produttori locali",
    "Pekka": "Vähemmän yksinäisyyttä ikäihmisille",
    "Liisa": "A safe cycle path to the school",
    "Ville": "Kylän keskusta eläväksi kahvilalla",
    "Sara": "Bättre busstidtabeller",
    "Matteo": "Gratis wifi in piazza",
}
REJECTED = {
    "Sara": "Aikataulut päättää maakunta, ei pilotti.",
    "Matteo": "Kunta avaa julkisen wifin jo ensi vuonna.",
}
MERGED = {"Ville": "Aino", "Liisa": "Elina"}
DOTS = {
    "Aino": ["Aino", "Aino", "Pekka"],
    "Mikko": ["Mikko", "Marco", "Aino"],
    "Elina": ["Elina", "Elina", "Elina"],
    "Siobhan": ["Siobhan", "Aino", "Giulia"],
    "Giulia": ["Giulia", "Giulia", "Aino"],
    "Pekka": ["Pekka", "Pekka", "Aino"],
}
IDEAS = {
    "Giulia": "Un caffè pop-up nella vecchia scuola, gestito dai giovani",
    "Mikko": "Lauantaitori kesäisin",
    "Siobhan": "Benches and plants on the square",
}
# News each idea's proposer gets: approved, and for the one made an action, four more.
ACTION_NEWS = 5


class Tour(Protocol):
    """The tour a phase adds its steps to (see bot.demo.tour.Tour)."""

    async def step(self, name: str, action: Callable[[], Awaitable[str]]) -> None:
        """Play one step."""


STEPS = 10
# People who join in this phase (a facilitator and a second coordinator).
TEAM = 2


def _number(person: Participant) -> int:
    """The number on the newest status card in the person's chat."""
    for message in reversed(person.messages):
        found = re.search(r"#(\d+): [“”]", message.get("text", ""))
        if found:
            return int(found.group(1))
    raise AssertionError(f"{person.name} has no status card")


async def _with_buttons(person: Participant, name: str, payload: str | None = None) -> None:
    """Send a command and wait for its reply with buttons.

    The news of a round opening may arrive just before that reply, so wait for the
    buttons rather than for the first message.
    """
    before = len(person.messages)
    person.sandbox.command(person.user, name, payload)
    await person.sandbox.wait_for_async(
        lambda: any("reply_markup" in m for m in person.messages[before:]), 10
    )


async def _propose(person: Participant, kind: str, text: str) -> int:
    """Propose and send for review; the proposal's number."""
    await _with_buttons(person, kind, text)
    await person.press("send")
    return _number(person)


def _expect(condition: bool, problem: str) -> None:
    if not condition:
        raise AssertionError(problem)


def _news_count(person: Participant, number: int) -> int:
    """Messages in the person's chat about their proposal, besides its status card."""
    return sum(
        1
        for message in person.messages
        if f"#{number} " in message.get("text", "") and "\n" not in message.get("text", "")
    )


async def play(
    tour: Tour,
    coordinator: Participant,
    people: dict[str, Participant],
    enlist: Callable[[str, str], Participant],
) -> None:
    """Steps 1 and 3 of SEROI+, played by two coordinators, a facilitator and the residents.

    The work is shared as in a pilot, which also keeps each person within the bot's flood
    limit (20 updates in 10 s).
    """
    numbers: dict[str, int] = {}
    last_day = (date.today() + timedelta(days=30)).isoformat()
    facilitator = enlist("Fredrik", "sv")
    second = enlist("Pertti", "fi")

    async def team_joins() -> str:
        for person, role, group in (
            (facilitator, "facilitator", "association"),
            (second, "coordinator", "public_body"),
        ):
            [reply] = await coordinator.command("invite", role)
            await person.join(invite_code(reply), person.user.language_code, set(), group)
        return "facilitator Fredrik (Swedish) and coordinator Pertti joined"

    async def open_goal_round() -> str:
        [reply] = await facilitator.command(
            "goalround", f"{last_day} dots=3 Millainen Laitila on viiden vuoden päästä?"
        )
        _expect("3" in reply["text"], "no rules shown")
        return reply["text"].splitlines()[-1]

    async def propose_goals() -> str:
        for name, text in GOALS.items():
            numbers[name] = await _propose(people[name], "goal", text)
        [entered] = await facilitator.command("paper", "goal Saunailta kylätalolla joka kuukausi")
        numbers["paper"] = int(re.search(r"#(\d+)", entered["text"]).group(1))
        return f"{len(numbers)} proposals, one of them entered from paper"

    async def review_goals() -> str:
        approved = [numbers[name] for name in GOALS if name not in REJECTED and name not in MERGED]
        approved.append(numbers["paper"])
        # One reply per proposal approved.
        await coordinator.command("approve", " ".join(map(str, approved)), replies=len(approved))
        for name, reason in REJECTED.items():
            await coordinator.command("reject", f"{numbers[name]} {reason}")
        for name, into in MERGED.items():
            await coordinator.command("merge", f"{numbers[name]} {numbers[into]}")
        return f"{len(GOALS) + 1 - 4} approved, 2 rejected with reasons, 2 merged"

    async def why_rejected() -> str:
        [reason] = await people["Sara"].press("why", str(numbers["Sara"]))
        _expect("maakunta" in reason["text"], "the reason was not shown")
        return reason["text"]

    async def dot_voting() -> str:
        await coordinator.command("prioritise")
        for voter, goals in DOTS.items():
            await _with_buttons(people[voter], "goals")
            for goal in goals:
                await people[voter].press("dotadd", str(numbers[goal]))
        [refused] = await people["Elina"].press("dotadd", str(numbers["Aino"]))
        await facilitator.command("paper", f"dots {numbers['paper']} 4")
        return f"Elina's fourth dot: {refused['text']!r}"

    async def ranking() -> str:
        [board] = await coordinator.command("goals")
        top = next(line for line in board["text"].splitlines() if line.startswith("1. "))
        _expect(GOALS["Aino"] in top, f"unexpected ranking: {top}")
        return top

    async def idea_round() -> str:
        await second.command("closeround", "goal")
        await facilitator.command(
            "idearound", f"{last_day} goals={numbers['Aino']} Miten keskusta saadaan eläväksi?"
        )
        for name, text in IDEAS.items():
            numbers[f"idea:{name}"] = await _propose(people[name], "idea", text)
        ideas = [str(numbers[f"idea:{name}"]) for name in IDEAS]
        await second.command("approve", " ".join(ideas), replies=len(ideas))
        for supporter in ("Aino", "Elina", "Pekka", "Marco"):
            await _with_buttons(people[supporter], "ideas")
            await people[supporter].press("support", str(numbers["idea:Giulia"]))
        return f"{len(IDEAS)} ideas approved; Giulia's has 4 supports"

    async def idea_becomes_action() -> str:
        idea = numbers["idea:Giulia"]
        await second.command("shortlist", str(idea))
        [made] = await second.command("action", f"{idea} 4500")
        action = re.findall(r"#(\d+)", made["text"])[1]
        await second.command("actionstart", action)
        await second.command("actiondone", action)
        return made["text"].split(".")[0]

    async def you_said_we_did() -> str:
        def counts() -> tuple[list[int], int]:
            goals = [_news_count(people[name], numbers[name]) for name in GOALS]
            return goals, _news_count(people["Giulia"], numbers["idea:Giulia"])

        def all_told() -> bool:
            goals, giulia = counts()
            return goals == [1] * len(GOALS) and giulia == ACTION_NEWS

        # The last news may still be on its way: wait for it, then make sure of the counts.
        try:
            await coordinator.sandbox.wait_for_async(all_told, 10)
        except WaitTimeout as error:
            raise AssertionError(f"news counts (goals, Giulia's idea): {counts()}") from error
        return f"{len(GOALS)} goal proposers told once each; Giulia told {ACTION_NEWS} times"

    await tour.step("a facilitator and a second coordinator join", team_joins)
    await tour.step("facilitator opens a goal round", open_goal_round)
    await tour.step("residents propose a dozen goals", propose_goals)
    await tour.step("coordinator approves, rejects and merges", review_goals)
    await tour.step("Sara asks why her goal was not approved", why_rejected)
    await tour.step("residents place their dots", dot_voting)
    await tour.step("the ranking of the goals", ranking)
    await tour.step("an idea round on the top goal", idea_round)
    await tour.step("Giulia's idea becomes an action", idea_becomes_action)
    await tour.step("every proposer heard back: you said, we did", you_said_we_did)
