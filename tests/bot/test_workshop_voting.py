"""Workshops beyond a poll (issue 15 §3): open questions answered in private and shown as
words, dot voting on the goals from the group, polls over goals and ideas feeding their
ranking, and the bot restricted in the group."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from bot.demo.participants import Participant
from bot.i18n import translator

from .conftest import Pilot
from .test_workshops import (
    facilitator_of,
    group_texts,
    in_group,
    member_of,
    open_poll_id,
    workshop_group,
)

en = translator("en")
LAST_DAY = "2099-12-31"


def link_payload(message: dict) -> str:
    """The /start payload of a message's first deep-link button."""
    url = next(
        button["url"]
        for row in message["reply_markup"]["inline_keyboard"]
        for button in row
        if "url" in button
    )
    assert url.startswith("https://t.me/seroi_test_bot?start=")
    return parse_qs(urlparse(url).query)["start"][0]


def last_with_buttons(pilot: Pilot, chat_id: int) -> dict:
    return [m for m in pilot.sandbox.bot_messages(chat_id) if "reply_markup" in m][-1]


async def press_in_group(pilot: Pilot, person: Participant, message: dict, text: str) -> dict:
    """Press the group button labelled `text`; how the press was answered."""
    data = next(
        button["callback_data"]
        for row in message["reply_markup"]["inline_keyboard"]
        for button in row
        if button["text"] == text
    )
    query = pilot.sandbox.press_button(person.user, message, data)
    answer = await pilot.sandbox.wait_for_async(
        lambda: (
            (pilot.sandbox.callback_answer(query["id"]) or {}).get("answered")
            and pilot.sandbox.callback_answer(query["id"])
        )
    )
    await pilot.settled()
    return answer


async def reply_to(pilot: Pilot, person: Participant, prompt: dict, text: str) -> dict:
    """Reply to a message of the bot in the private chat; the bot's answer."""
    [answer] = await person.reply(prompt, text)
    await pilot.settled()
    return answer


async def goals_in_dot_voting(
    pilot: Pilot, coordinator: Participant, texts: list[str]
) -> list[int]:
    """A goal round of 2 dots each with these goals approved, in its dot voting."""
    await coordinator.command("goalround", f"{LAST_DAY} dots=2 What should the village be?")
    ids = []
    for text in texts:
        [entered] = await coordinator.command("paper", f"goal {text}")
        ids.append(int(re.search(r"#(\d+)", entered["text"]).group(1)))
    await coordinator.command("approve", " ".join(map(str, ids)))
    await coordinator.command("prioritise")
    await pilot.settled()
    return ids


async def coordinator_of(pilot: Pilot, name: str = "Kaisa") -> Participant:
    person = pilot.person(name, "en")
    await person.join(await pilot.invite("coordinator"), "en", set(), "public_body")
    return person


async def test_an_open_question_is_answered_in_private_moderated_and_shown_as_words(
    pilot: Pilot,
) -> None:
    facilitator = await facilitator_of(pilot)
    members = [await member_of(pilot, f"Member{i}") for i in range(6)]
    guest = pilot.person("Guest", "en")

    chat = await workshop_group(pilot, [facilitator, *members, guest])
    await in_group(pilot, facilitator, chat, "open", "What should the village hub offer?")
    asked = pilot.sandbox.bot_messages(chat["id"])[-1]
    assert "What should the village hub offer?" in asked["text"]
    payload = link_payload(asked)

    # Someone outside the pilot is offered the invite, and nothing is asked of them.
    [refused] = await guest.command("start", payload)
    assert "members of the pilot" in refused["text"]
    assert "https://t.me/seroi_test_bot?start=" in refused["text"]

    answers = [
        "A café and coworking desks",
        "Coworking desks with fast internet",
        "A café for the village, open on Sundays",
        "Bike repair and a café",
        "Coworking and a small library",
        "Something rude",
    ]
    prompts = []
    for member, answer in zip(members, answers, strict=True):
        [prompt] = await member.command("start", payload)
        prompts.append(prompt)
        assert prompt["text"].startswith("❓ #")
        assert "What should the village hub offer?" in prompt["text"]
        thanks = await reply_to(pilot, member, prompt, answer)
        assert "goes to the facilitator" in thanks["text"]
    # A second reply before the facilitator decides replaces the first: one answer each.
    [prompt] = await members[0].command("start", payload)
    await reply_to(pilot, members[0], prompt, "A café, coworking desks and a sauna")
    too_long = await reply_to(pilot, members[1], prompts[1], "x" * 301)
    assert "at most 300 characters" in too_long["text"]
    assert pilot.rows("SELECT COUNT(*), COUNT(DISTINCT pseudonym) FROM open_answers") == [(6, 6)]

    # Nothing approved yet: the group is told there is not enough to show.
    await in_group(pilot, facilitator, chat, "words")
    assert "not enough responses" in group_texts(pilot, chat["id"])[-1]

    # The facilitator decides in private; the edited answer's newest wording is decided.
    moderation = [m for m in facilitator.messages if m.get("text", "").startswith("Answer to")]
    assert len(moderation) == 7
    ids = [row[0] for row in pilot.rows("SELECT id FROM open_answers ORDER BY id")]
    for answer_id in ids[:5]:
        await facilitator.press("oaok", str(answer_id))
    [rejected] = await facilitator.press("oano", str(ids[5]))
    assert rejected["text"] == en("Rejected: {text}").format(text="Something rude")
    late = await reply_to(pilot, members[5], prompts[5], "Something nicer")
    assert "already decided" in late["text"]

    await in_group(pilot, facilitator, chat, "words")
    chart, listing = pilot.sandbox.bot_messages(chat["id"])[-2:]
    assert chart["photo"]
    assert "5 approved answers" in chart["caption"]
    assert "Most mentioned: café (3), coworking (3), desks (2)" in chart["caption"]
    assert "sauna (1)" in chart["caption"]
    assert pilot.sandbox.file(chart["photo"][-1]["file_id"]).data.startswith(b"\x89PNG")
    assert "A café, coworking desks and a sauna" in listing["text"]
    assert "Something" not in listing["text"]
    assert "Member" not in listing["text"]

    # A new open question stops the old one taking answers.
    await in_group(pilot, facilitator, chat, "open", "And what should it not be?")
    [closed] = await members[2].command("start", payload)
    assert closed["text"] == en("This question no longer takes answers.")
    # The old prompt's reply is refused the same way; nothing is stored.
    stale = await reply_to(pilot, members[2], prompts[2], "Late idea")
    assert stale["text"] == en("This question no longer takes answers.")
    assert pilot.rows("SELECT COUNT(*) FROM open_answers") == [(6,)]


async def test_open_question_bad_input_and_roles(pilot: Pilot) -> None:
    facilitator = await facilitator_of(pilot)
    member = await member_of(pilot, "Mikko")

    chat = await workshop_group(pilot, [facilitator, member])
    await in_group(pilot, member, chat, "open", "Mine?")
    assert group_texts(pilot, chat["id"])[-1] == en("Sorry, that command is not available to you.")
    await in_group(pilot, facilitator, chat, "words")
    assert group_texts(pilot, chat["id"])[-1] == en(
        "No open question has been asked yet: /open <question>."
    )
    await in_group(pilot, facilitator, chat, "open", "Q" * 301)
    assert "at most 300 characters" in group_texts(pilot, chat["id"])[-1]
    await in_group(pilot, facilitator, chat, "open")
    assert "/open <question>" in group_texts(pilot, chat["id"])[-1]
    [unknown] = await member.command("start", "wsq-999")
    assert unknown["text"] == en("This question no longer takes answers.")
    # A reply to some other message of the bot is not an answer.
    [other] = await member.command("help")
    assert (await reply_to(pilot, member, other, "Just chatting"))["text"] != en(
        "This question no longer takes answers."
    )
    assert pilot.rows("SELECT COUNT(*) FROM open_questions") == [(0,)]
    assert pilot.rows("SELECT COUNT(*) FROM open_answers") == [(0,)]


async def test_dot_voting_from_the_group_spends_the_same_dots_as_goals(pilot: Pilot) -> None:
    kaisa = await coordinator_of(pilot)
    facilitator = await facilitator_of(pilot)
    members = [await member_of(pilot, f"Voter{i}") for i in range(5)]
    guest = pilot.person("Guest", "en")
    goals = await goals_in_dot_voting(pilot, kaisa, ["A café", "A library", "A sauna"])

    chat = await workshop_group(pilot, [facilitator, *members, guest])
    await in_group(pilot, facilitator, chat, "dots")
    invitation = last_with_buttons(pilot, chat["id"])
    assert "2 dots" in invitation["text"]
    payload = link_payload(invitation)

    # Only the facilitator shows the results; with no dots yet, too few to show.
    refused = await press_in_group(pilot, members[0], invitation, "Show the results")
    assert refused["text"] == en("Sorry, that is not available to you.")
    await press_in_group(pilot, facilitator, invitation, "Show the results")
    assert "not enough responses" in group_texts(pilot, chat["id"])[-1]

    [outside] = await guest.command("start", payload)
    assert "members of the pilot" in outside["text"]

    # One dot from /goals, one from the workshop: the budget of 2 is shared.
    first = members[0]
    await first.command("goals")
    await first.press("dotadd", str(goals[0]))
    [screen] = await first.command("start", payload)
    assert "You have 1 of 2 dots left." in screen["text"]
    [screen] = await first.press("wdadd", str(goals[1]))
    assert "You have 0 of 2 dots left." in screen["text"]
    message, button = first.find_button("wdadd", str(goals[2]))
    query = pilot.sandbox.press_button(first.user, message, button["callback_data"])
    answer = await pilot.sandbox.wait_for_async(
        lambda: (
            (pilot.sandbox.callback_answer(query["id"]) or {}).get("answered")
            and pilot.sandbox.callback_answer(query["id"])
        )
    )
    assert answer["text"] == en(
        "You have no dots left: {dots} of {dots} are placed. Take one back first."
    ).format(dots=2)
    [screen] = await first.press("wddel", str(goals[1]))
    assert "You have 1 of 2 dots left." in screen["text"]

    for member in members[1:]:
        await member.command("start", payload)
        await member.press("wdadd", str(goals[2]))
    await pilot.settled()
    assert pilot.rows("SELECT proposal_id, COUNT(*) FROM dots GROUP BY proposal_id") == [
        (goals[0], 1),
        (goals[2], 4),
    ]

    await press_in_group(pilot, facilitator, invitation, "Show the results")
    chart = pilot.sandbox.bot_messages(chat["id"])[-1]
    assert "5 people placed 5 dots" in chart["caption"]
    [ranking] = await kaisa.command("goals")
    assert f"1. #{goals[2]} A sauna (entered from paper) — dots: 4" in ranking["text"]


async def test_dot_voting_needs_a_round_in_its_dot_voting(pilot: Pilot) -> None:
    facilitator = await facilitator_of(pilot)
    member = await member_of(pilot, "Mikko")

    chat = await workshop_group(pilot, [facilitator, member])
    await in_group(pilot, facilitator, chat, "dots")
    assert "/prioritise" in group_texts(pilot, chat["id"])[-1]
    [closed] = await member.command("start", "wsdot-1")
    assert closed["text"] == en("The dot voting has closed.")
    await in_group(pilot, member, chat, "dots")
    assert group_texts(pilot, chat["id"])[-1] == en("Sorry, that command is not available to you.")


async def test_a_poll_over_goals_and_ideas_counts_in_their_ranking(pilot: Pilot) -> None:
    kaisa = await coordinator_of(pilot)
    facilitator = await facilitator_of(pilot)
    members = [await member_of(pilot, f"Voter{i}") for i in range(5)]

    chat = await workshop_group(pilot, [facilitator, *members])
    await in_group(pilot, facilitator, chat, "poll", "goals")
    assert group_texts(pilot, chat["id"])[-1] == en("There is no open round of that kind.")
    goals = await goals_in_dot_voting(pilot, kaisa, ["A café", "A library", "A café"])

    await in_group(pilot, facilitator, chat, "poll", "goals")
    await pilot.settled()
    poll = [m for m in pilot.sandbox.bot_messages(chat["id"]) if "poll" in m][-1]["poll"]
    assert poll["question"] == "What should the village be?"
    # Two goals of the same wording stay two options.
    assert [o["text"] for o in poll["options"]] == [
        f"#{goals[0]} A café",
        f"#{goals[1]} A library",
        f"#{goals[2]} A café",
    ]
    for member in members[:4]:
        pilot.sandbox.vote(member.user, poll["id"], [1])
    pilot.sandbox.vote(members[4].user, poll["id"], [0])
    pilot.sandbox.retract_vote(members[3].user, poll["id"])
    await pilot.settled()
    await in_group(pilot, facilitator, chat, "tally", "0 2 0")
    [ranking] = await kaisa.command("goals")
    assert (
        f"1. #{goals[1]} A library (entered from paper) — dots: 0, workshop poll votes: 5"
        in ranking["text"]
    )
    assert (
        f"#{goals[0]} A café (entered from paper) — dots: 0, workshop poll votes: 1"
        in ranking["text"]
    )
    await in_group(pilot, facilitator, chat, "close")

    # Ideas: an idea round about the goals, its approved ideas polled the same way.
    await kaisa.command("idearound", f"{LAST_DAY} goals={goals[1]} How do we get a library?")
    ideas = []
    for text in ("Book swap shelf", "Mobile library visits"):
        [entered] = await kaisa.command("paper", f"idea {text}")
        ideas.append(int(re.search(r"#(\d+)", entered["text"]).group(1)))
    await kaisa.command("approve", " ".join(map(str, ideas)))
    await pilot.settled()
    await in_group(pilot, facilitator, chat, "poll", "ideas")
    await pilot.settled()
    poll_id = open_poll_id(pilot, chat["id"])
    for member in members:
        pilot.sandbox.vote(member.user, poll_id, [1])
    await pilot.settled()
    [listing] = await kaisa.command("ideas")
    assert (
        f"#{ideas[1]} Mobile library visits (entered from paper) — supported by 0, "
        "workshop poll votes: 5" in (listing["text"])
    )


async def test_restricted_the_bot_stops_posting_tells_the_facilitator_and_resumes(
    pilot: Pilot,
) -> None:
    facilitator = await facilitator_of(pilot)
    member = await member_of(pilot, "Mikko")
    chat = pilot.sandbox.create_group(
        "Village hall", [facilitator.user, member.user], supergroup=True
    )
    pilot.sandbox.add_bot_to_group(chat, facilitator.user)
    await pilot.settled()
    await in_group(pilot, facilitator, chat, "workshop", "Hub evening")
    attendance = last_with_buttons(pilot, chat["id"])

    before = len(facilitator.messages)
    pilot.sandbox.restrict_bot(chat, can_send_messages=False)
    await pilot.settled()
    [note] = facilitator.messages[before:]
    assert "may no longer write in the group" in note["text"]
    assert pilot.rows("SELECT muted FROM workshops") == [(1,)]

    calls_before = len(pilot.sandbox.outbox)
    pilot.sandbox.command(facilitator.user, "poll", "Stay? | Yes | No", chat=chat)
    await pilot.sandbox.wait_for_async(lambda: len(facilitator.messages) > before + 1)
    assert "may not write in the group" in facilitator.messages[-1]["text"]
    answer = await press_in_group(pilot, member, attendance, "I'm here")
    assert answer["text"] == en("Thank you, you are counted.")
    await pilot.settled()
    to_group = [
        call
        for call in pilot.sandbox.outbox[calls_before:]
        if str(call.params.get("chat_id")) == str(chat["id"])
    ]
    assert to_group == []
    assert pilot.rows("SELECT COUNT(*) FROM workshop_polls") == [(0,)]

    pilot.sandbox.restrict_bot(chat, can_send_messages=True)
    await pilot.settled()
    assert "again" in facilitator.messages[-1]["text"]
    # The presses counted meanwhile reach the group's message.
    await pilot.sandbox.wait_for_async(
        lambda: any(
            m["message_id"] == attendance["message_id"] and "Here: 1." in m["text"]
            for m in pilot.sandbox.bot_messages(chat["id"])
        ),
        15,
    )
    await in_group(pilot, facilitator, chat, "poll", "Stay? | Yes | No")
    await pilot.settled()
    assert pilot.rows("SELECT status FROM workshop_polls") == [("open",)]
    assert all(call.ok for call in pilot.sandbox.outbox[calls_before:])


async def test_a_poll_answer_for_another_pilots_poll_is_ignored(pilot: Pilot) -> None:
    facilitator = pilot.person("Fiona", "en")
    await facilitator.join(await pilot.invite("facilitator", "Rauma"), "en", set(), "public_body")
    laitila = await member_of(pilot, "Liisa")
    rauma = pilot.person("Risto", "en")
    await rauma.join(await pilot.invite("member", "Rauma"), "en", set(), "resident")

    chat = await workshop_group(pilot, [facilitator, laitila, rauma])
    await in_group(pilot, facilitator, chat, "poll", "named Which day? | Monday | Friday")
    await pilot.settled()
    poll_id = open_poll_id(pilot, chat["id"])
    pilot.sandbox.vote(laitila.user, poll_id, [0])
    pilot.sandbox.vote(rauma.user, poll_id, [1])
    await pilot.settled()
    stored = pilot.rows("SELECT pseudonym, option_ids FROM poll_votes")
    assert stored == [(pilot.services.pseudonym(rauma.user.id), "[1]")]
    # Telegram's totals still count both.
    assert pilot.rows("SELECT counts, voters FROM workshop_polls") == [("[1, 1]", 2)]


async def test_forty_people_attend_and_place_dots_within_one_second(pilot: Pilot) -> None:
    kaisa = await coordinator_of(pilot)
    facilitator = await facilitator_of(pilot)
    code = await pilot.invite("member", extra="60")
    people = []
    for number in range(40):
        person = pilot.person(f"P{number}", "en")
        await person.join(code, "en", set(), "resident")
        people.append(person)
    goals = await goals_in_dot_voting(pilot, kaisa, ["A café", "A library"])
    chat = await workshop_group(pilot, [facilitator, *people])
    attendance = last_with_buttons(pilot, chat["id"])
    await in_group(pilot, facilitator, chat, "dots")
    payload = link_payload(last_with_buttons(pilot, chat["id"]))
    screens = []
    for person in people:
        [screen] = await person.command("start", payload)
        screens.append(screen)
    here = next(
        button["callback_data"]
        for row in attendance["reply_markup"]["inline_keyboard"]
        for button in row
        if button["text"] == "I'm here"
    )

    calls_before = len(pilot.sandbox.outbox)
    queries = []
    for person, screen in zip(people, screens, strict=True):
        dot = screen["reply_markup"]["inline_keyboard"][person.user.id % 2][0]["callback_data"]
        queries.append(pilot.sandbox.press_button(person.user, attendance, here))
        queries.append(pilot.sandbox.press_button(person.user, screen, dot))
    queries.append(pilot.sandbox.press_button(people[0].user, attendance, here))  # twice
    await pilot.sandbox.wait_for_async(
        lambda: all(
            (pilot.sandbox.callback_answer(q["id"]) or {}).get("answered") for q in queries
        ),
        20,
    )
    await pilot.sandbox.wait_for_async(
        lambda: any("Here: 40." in c.params.get("text", "") for c in pilot.sandbox.outbox), 20
    )
    await pilot.settled()
    assert pilot.rows("SELECT COUNT(*) FROM workshop_attendance") == [(40,)]
    assert pilot.rows("SELECT COUNT(*), COUNT(DISTINCT pseudonym) FROM dots") == [(40, 40)]
    assert sorted(pilot.rows("SELECT proposal_id, COUNT(*) FROM dots GROUP BY proposal_id")) == [
        (goals[0], sum(1 for p in people if p.user.id % 2 == 0)),
        (goals[1], sum(1 for p in people if p.user.id % 2 == 1)),
    ]
    answered = [c for c in pilot.sandbox.outbox[calls_before:] if c.method == "answerCallbackQuery"]
    assert len(answered) == len(queries)
    to_group = [
        call
        for call in pilot.sandbox.outbox[calls_before:]
        if str(call.params.get("chat_id")) == str(chat["id"])
    ]
    # Everything above took well under a minute: this is every call in one 60 s window.
    assert len(to_group) <= 20
