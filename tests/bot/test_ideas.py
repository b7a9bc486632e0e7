"""Idea rounds, actions and "you said, we did" (SEROI+ step 3, issue 13 §3), and what
/mydata and /delete do with proposals."""

from __future__ import annotations

import json

from bot.chat import callbacks
from seroi.impact_map import parse_impact_map

from .conftest import Pilot
from .test_admin_and_invites import answer_to
from .test_goals import LAST_DAY, card_of, last_text, people, pilot_number
from .test_impact_map import EXAMPLE


async def approved_goal(pilot: Pilot, kaisa, proposer) -> int:
    """A goal round with one approved goal (proposed by `proposer`); its number."""
    await kaisa.command("goalround", f"{LAST_DAY} What should Laitila be?")
    await proposer.command("goal", "A lively village centre")
    await proposer.press("send")
    number = int(pilot_number(proposer))
    await kaisa.command("approve", str(number))
    return number


async def test_an_idea_becomes_an_action_and_its_proposer_hears_of_every_step(
    pilot: Pilot,
) -> None:
    kaisa, _fredrik, [aino, giulia, mikko] = await people(
        pilot,
        ("Aino", "en", set(), "resident"),
        ("Giulia", "it", set(), "association"),
        ("Mikko", "en", set(), "entrepreneur"),
    )
    goal = await approved_goal(pilot, kaisa, aino)
    [opened] = await kaisa.command("idearound", f"{LAST_DAY} goals={goal} How do we get there?")
    assert opened["text"].startswith("Idea round: How do we get there?")

    await giulia.command("idea", "Un mercato il sabato")
    await giulia.press("send")
    idea = int(pilot_number(giulia))
    told_before = len(giulia.messages)
    await kaisa.command("approve", str(idea))
    [listing] = await mikko.command("ideas")
    assert "A lively village centre" in listing["text"]
    assert "supported by 0" in listing["text"]
    await mikko.press("support", str(idea))
    [listing] = await aino.command("ideas")
    assert "supported by 1" in listing["text"]
    [withdrawn] = await mikko.press("support", str(idea))
    assert "withdrawn" in withdrawn["text"]
    await mikko.press("support", str(idea))

    [shortlisted] = await kaisa.command("shortlist", str(idea))
    assert "shortlisted" in shortlisted["text"]
    [made] = await kaisa.command("action", f"{idea} 2500")
    assert "budget of €2500" in made["text"]
    [(action_id, budget, status)] = pilot.rows("SELECT id, budget_eur, status FROM actions")
    assert (budget, status) == (2500.0, "planned")
    await kaisa.command("actionstart", str(action_id))
    [late] = await kaisa.command("actionstart", str(action_id))
    assert "not at that point" in late["text"]
    await kaisa.command("actiondone", str(action_id))
    await pilot.settled()
    assert pilot.rows("SELECT status FROM actions") == [("done",)]

    # approved, shortlisted, became an action, started, done: five news, in Italian.
    news = [m["text"] for m in giulia.messages[told_before:]]
    assert len(news) == 5
    assert all(text.startswith("Novità sulla tua proposta") for text in news), news
    card = card_of(giulia, idea, "La tua proposta")
    assert card.count("\n• ") == 6  # sent, and the five changes

    # Each decision is in the audit log: who made it, whose proposal, what it was.
    kaisa_, aino_, giulia_ = (pilot.services.pseudonym(p.user.id) for p in (kaisa, aino, giulia))
    assert pilot.rows(
        "SELECT action, actor, subject, detail FROM audit_log "
        "WHERE action LIKE 'proposal %' OR action LIKE 'action %' ORDER BY id"
    ) == [
        ("proposal approved", kaisa_, aino_, f"proposal={goal}"),
        ("proposal approved", kaisa_, giulia_, f"proposal={idea}"),
        ("proposal shortlisted", kaisa_, giulia_, f"proposal={idea}"),
        (
            "proposal became an action",
            kaisa_,
            giulia_,
            f"proposal={idea} action={action_id} budget_eur=2500",
        ),
        ("action started", kaisa_, giulia_, f"proposal={idea} action={action_id}"),
        ("action done", kaisa_, giulia_, f"proposal={idea} action={action_id}"),
    ]


async def test_bad_input_in_an_idea_round(pilot: Pilot) -> None:
    kaisa, fredrik, [aino, mikko] = await people(
        pilot, ("Aino", "en", set(), "resident"), ("Mikko", "en", set(), "entrepreneur")
    )
    goal = await approved_goal(pilot, kaisa, aino)
    [usage] = await kaisa.command("idearound", f"{LAST_DAY} How?")
    assert usage["text"].startswith("Usage: /idearound")
    [wrong] = await kaisa.command("idearound", f"{LAST_DAY} goals=999 How?")
    assert "approved goals" in wrong["text"]
    await fredrik.command("idearound", f"{LAST_DAY} goals={goal} How do we get there?")

    await aino.command("idea", "A weekly market")
    await aino.press("send")
    idea = int(pilot_number(aino))
    [not_yet] = await kaisa.command("action", f"{idea} 100")
    assert "Only a shortlisted idea" in not_yet["text"]
    [member] = await mikko.command("shortlist", str(idea))
    assert "shortlisted" not in member["text"]
    [usage] = await kaisa.command("reject", str(idea))
    assert usage["text"].startswith("Usage: /reject")
    await kaisa.command("reject", f"{idea} We have a market already")
    await pilot.settled()
    [why] = await aino.press("why", str(idea))
    assert "We have a market already" in why["text"]

    # A support button for the rejected idea, signed by the bot: refused, nothing stored.
    data = callbacks.encode(pilot.services.button_key, mikko.user.id, "support", f"2:{idea}")
    pilot.sandbox.press_raw(mikko.user, mikko.messages[-1]["message_id"], data)
    await pilot.settled()
    assert "nothing was recorded" in last_text(mikko)
    assert pilot.rows("SELECT COUNT(*) FROM supports") == [(0,)]
    # Someone else's "why?" and a forged button: plain answers, nothing shown.
    for data in (
        "v1|why|1|AAAAAAAAAAA",
        callbacks.encode(pilot.services.button_key, mikko.user.id, "why", str(idea)),
    ):
        query = pilot.sandbox.press_raw(mikko.user, mikko.messages[-1]["message_id"], data)
        answer = await answer_to(pilot, query)
        assert answer["text"] in ("This button is not valid.", "This button is no longer active.")
    await pilot.settled()
    assert all("We have a market already" not in m["text"] for m in mikko.messages)


async def test_delete_keeps_approved_proposals_without_their_author(pilot: Pilot) -> None:
    kaisa, _fredrik, [aino] = await people(pilot, ("Aino", "en", set(), "resident"))
    goal = await approved_goal(pilot, kaisa, aino)
    await kaisa.command("goalround", f"{LAST_DAY} Another?")  # refused: one round at a time
    await aino.command("goal", "Still waiting")
    await aino.press("send")
    await kaisa.command("prioritise")
    await aino.command("goals")
    await aino.press("dotadd", str(goal))

    [summary, document] = await aino.command("mydata", replies=2)
    assert "In goal and idea rounds: 2 proposals, 1 dots, 0 supports" in summary["text"]
    exported = json.loads(pilot.sandbox.file(document["document"]["file_id"]).data)
    assert {p["text"] for p in exported["proposals"]} == {
        "A lively village centre",
        "Still waiting",
    }
    assert len(exported["dots"]) == 1

    [notice] = await aino.command("privacy")
    assert "approved goals and ideas belong to the pilot" in notice["text"]
    await aino.command("delete")
    await aino.press("erase")
    await pilot.settled()
    assert pilot.rows("SELECT text, pseudonym FROM proposals") == [
        ("A lively village centre", None)
    ]
    assert pilot.rows("SELECT COUNT(*) FROM dots") == [(0,)]
    [board] = await kaisa.command("goals")
    assert "A lively village centre" in board["text"]


async def test_an_action_made_in_chat_reaches_the_maps_investment_in_a_new_version(
    pilot: Pilot,
) -> None:
    kaisa, _fredrik, [aino] = await people(pilot, ("Aino", "en", set(), "resident"))
    await kaisa.send_document(EXAMPLE.read_bytes(), "laitila.yaml")
    goal = await approved_goal(pilot, kaisa, aino)
    await kaisa.command("idearound", f"{LAST_DAY} goals={goal} How do we get there?")
    await aino.command("idea", "A pop-up café in the old school")
    await aino.press("send")
    idea = int(pilot_number(aino))
    await kaisa.command("approve", str(idea))
    await kaisa.command("shortlist", str(idea))
    [made] = await kaisa.command("action", f"{idea} 4500")
    assert "The impact map counts the budget from its next version: see /map." in made["text"]

    [summary, _file] = await kaisa.command("map", replies=2)
    assert "their budgets are not in its investment yet" in summary["text"]
    [saved] = await kaisa.press("mapbudgets", "1")
    assert saved["text"] == "Saved as version 2 of the impact map."
    [(yaml_text, source, actor)] = pilot.rows(
        "SELECT yaml, source, actor FROM impact_map_versions WHERE number = 2"
    )
    assert (source, actor) == ("chat", pilot.services.pseudonym(kaisa.user.id))
    funded = [(i.action, i.amount) for i in parse_impact_map(yaml_text).inputs if i.action]
    assert funded == [(1, 4500)]
    [summary, _file] = await kaisa.command("map", replies=2)
    assert "not in its investment yet" not in summary["text"]
    assert "reply_markup" not in summary
    # The old button, pressed again: that version is no longer the current one.
    message, old = kaisa.find_button("mapbudgets", "1")
    query = pilot.sandbox.press_button(kaisa.user, message, old["callback_data"])
    answer = await answer_to(pilot, query)
    assert answer["text"] == "This button is no longer active."
    assert len(pilot.rows("SELECT number FROM impact_map_versions")) == 2
