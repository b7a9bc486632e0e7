"""Live workshops in a group (issue 15): binding, polls, results, attendance, membership."""

from __future__ import annotations

from bot.i18n import translator

from .conftest import Pilot

en = translator("en")


async def facilitator_of(pilot: Pilot, name: str = "Fiona"):
    person = pilot.person(name, "en")
    await person.join(await pilot.invite("facilitator"), "en", set(), "public_body")
    return person


async def member_of(pilot: Pilot, name: str):
    person = pilot.person(name, "en")
    await person.join(await pilot.invite("member"), "en", set(), "resident")
    return person


def group_texts(pilot: Pilot, chat_id: int) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in pilot.sandbox.bot_messages(chat_id)]


async def in_group(pilot: Pilot, person, chat, name: str, payload: str | None = None) -> None:
    before = len(pilot.sandbox.bot_messages(chat["id"]))
    pilot.sandbox.command(person.user, name, payload, chat=chat)
    await pilot.settled()
    await pilot.sandbox.wait_for_async(
        lambda: len(pilot.sandbox.bot_messages(chat["id"])) > before, 10
    )


async def workshop_group(pilot: Pilot, people) -> dict:
    facilitator = people[0]
    chat = pilot.sandbox.create_group("Village hall", [p.user for p in people])
    pilot.sandbox.add_bot_to_group(chat, facilitator.user)
    await pilot.settled()
    await in_group(pilot, facilitator, chat, "workshop", "Hub evening")
    return chat


def open_poll_id(pilot: Pilot, chat_id: int) -> str:
    polls = [m for m in pilot.sandbox.bot_messages(chat_id) if "poll" in m]
    return polls[-1]["poll"]["id"]


async def test_a_member_cannot_start_a_workshop_nor_anyone_in_a_private_chat(pilot: Pilot) -> None:
    member = await member_of(pilot, "Mikko")
    chat = pilot.sandbox.create_group("Village hall", [member.user])
    pilot.sandbox.add_bot_to_group(chat, member.user)
    await pilot.settled()
    assert "/workshop" in group_texts(pilot, chat["id"])[-1]
    await in_group(pilot, member, chat, "workshop", "Hub evening")
    assert group_texts(pilot, chat["id"])[-1] == en("Sorry, that command is not available to you.")
    [reply] = await member.command("workshop", "Hub")
    assert "group" in reply["text"]
    assert pilot.rows("SELECT COUNT(*) FROM workshops") == [(0,)]


async def test_a_full_workshop_polls_results_and_record(pilot: Pilot) -> None:
    facilitator = await facilitator_of(pilot)
    members = [await member_of(pilot, f"Member{i}") for i in range(5)]
    guest = pilot.person("Guest", "en")
    chat = await workshop_group(pilot, [facilitator, *members, guest])
    assert "Hub evening" in group_texts(pilot, chat["id"])[-1]

    # A named poll is announced, then asked; members' answers are stored by pseudonym.
    await in_group(pilot, facilitator, chat, "poll", "named Which day? | Monday | Friday")
    await pilot.sandbox.wait_for_async(
        lambda: any("poll" in m for m in pilot.sandbox.bot_messages(chat["id"]))
    )
    assert "visible to everyone" in group_texts(pilot, chat["id"])[-2]
    poll_id = open_poll_id(pilot, chat["id"])
    for person in members:
        pilot.sandbox.vote(person.user, poll_id, [1])
    pilot.sandbox.vote(guest.user, poll_id, [0])
    pilot.sandbox.retract_vote(members[0].user, poll_id)
    await pilot.settled()
    assert pilot.rows("SELECT COUNT(*) FROM poll_votes") == [(4,)]
    pseudonyms = {pilot.services.pseudonym(p.user.id) for p in members[1:]}
    assert {row[0] for row in pilot.rows("SELECT pseudonym FROM poll_votes")} == pseudonyms

    # Paper votes are added, marked; /close posts a chart of everyone's votes.
    await in_group(pilot, facilitator, chat, "tally", "2 1")
    assert "paper" in group_texts(pilot, chat["id"])[-1]
    await in_group(pilot, facilitator, chat, "close")
    last = pilot.sandbox.bot_messages(chat["id"])[-1]
    assert "photo" in last
    assert "8 voters" in last["caption"]
    assert pilot.sandbox.poll(poll_id)["is_closed"]
    await in_group(pilot, facilitator, chat, "close")
    assert group_texts(pilot, chat["id"])[-1] == en("There is no open poll to close.")

    # An anonymous scale with too few voters: "not enough responses".
    await in_group(pilot, facilitator, chat, "poll", "scale 5 How useful?")
    await pilot.settled()
    pilot.sandbox.vote(members[0].user, open_poll_id(pilot, chat["id"]), [4])
    await pilot.settled()
    await in_group(pilot, facilitator, chat, "close")
    assert "not enough responses" in group_texts(pilot, chat["id"])[-1]
    assert pilot.rows("SELECT COUNT(*) FROM poll_votes") == [(4,)]

    # /endworkshop: the facilitator's record in private.
    before = len(facilitator.messages)
    await in_group(pilot, facilitator, chat, "endworkshop")
    await pilot.settled()
    record = [m.get("text") or m.get("caption") for m in facilitator.messages[before:]]
    assert "2 polls" in record[0]
    assert pilot.rows("SELECT status FROM workshops") == [("ended",)]


async def test_bad_polls_name_the_limit(pilot: Pilot) -> None:
    facilitator = await facilitator_of(pilot)
    chat = await workshop_group(pilot, [facilitator])
    options = " | ".join(f"O{i}" for i in range(13))
    await in_group(pilot, facilitator, chat, "poll", f"Too many? | {options}")
    assert "2 to 12 options; this one has 13" in group_texts(pilot, chat["id"])[-1]
    await in_group(pilot, facilitator, chat, "poll", "Empty? | A | ")
    assert "Option 2 is empty" in group_texts(pilot, chat["id"])[-1]
    await in_group(pilot, facilitator, chat, "poll", "Q" * 301 + " | A | B")
    assert "at most 300" in group_texts(pilot, chat["id"])[-1]
    await in_group(pilot, facilitator, chat, "poll", "Long? | A | " + "B" * 101)
    assert "at most 100" in group_texts(pilot, chat["id"])[-1]
    await in_group(pilot, facilitator, chat, "close")
    assert group_texts(pilot, chat["id"])[-1] == en("There is no open poll to close.")
    assert pilot.rows("SELECT COUNT(*) FROM workshop_polls") == [(0,)]


async def test_a_poll_set_runs_on_next(pilot: Pilot) -> None:
    facilitator = await facilitator_of(pilot)
    chat = await workshop_group(pilot, [facilitator])
    await in_group(pilot, facilitator, chat, "poll", "set workshop_hub")
    await pilot.settled()
    questions = [
        m["poll"]["question"] for m in pilot.sandbox.bot_messages(chat["id"]) if "poll" in m
    ]
    assert questions == ["How often would you use a remote-work hub in the village?"]
    await facilitator_press_next(pilot, facilitator, chat)
    await in_group(pilot, facilitator, chat, "next")
    await in_group(pilot, facilitator, chat, "next")
    await pilot.settled()
    assert en("That was the last poll of the set.") in group_texts(pilot, chat["id"])[-2:]
    assert pilot.rows("SELECT COUNT(*) FROM workshop_polls WHERE status = 'closed'") == [(3,)]


async def facilitator_press_next(pilot: Pilot, facilitator, chat) -> None:
    [message] = [
        m for m in pilot.sandbox.bot_messages(chat["id"]) if "Next" in str(m.get("reply_markup"))
    ][-1:]
    data = message["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    query = pilot.sandbox.press_button(facilitator.user, message, data)
    await pilot.sandbox.wait_for_async(
        lambda: (pilot.sandbox.callback_answer(query["id"]) or {}).get("answered")
    )
    await pilot.settled()


async def test_removed_mid_poll_closes_it_and_tells_the_facilitator(pilot: Pilot) -> None:
    facilitator = await facilitator_of(pilot)
    chat = await workshop_group(pilot, [facilitator])
    await in_group(pilot, facilitator, chat, "poll", "Stay? | Yes | No")
    await pilot.settled()
    before = len(facilitator.messages)
    pilot.sandbox.remove_bot_from_group(chat, facilitator.user)
    await pilot.settled()
    assert "removed" in facilitator.messages[before]["text"]
    assert pilot.rows("SELECT status FROM workshop_polls") == [("closed",)]
    assert pilot.rows("SELECT status FROM workshops") == [("ended",)]


async def test_forty_people_pressing_im_here_in_one_second(pilot: Pilot) -> None:
    facilitator = await facilitator_of(pilot)
    members = [await member_of(pilot, f"P{i}") for i in range(3)]
    guests = [pilot.person(f"G{i}", "en") for i in range(37)]
    people = [*members, *guests]
    chat = await workshop_group(pilot, [facilitator, *people])
    [message] = [m for m in pilot.sandbox.bot_messages(chat["id"]) if "reply_markup" in m]
    data = message["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    calls_before = len(pilot.sandbox.outbox)
    queries = [pilot.sandbox.press_button(p.user, message, data) for p in people]
    queries.append(pilot.sandbox.press_button(members[0].user, message, data))  # twice
    await pilot.sandbox.wait_for_async(
        lambda: all(
            (pilot.sandbox.callback_answer(q["id"]) or {}).get("answered") for q in queries
        ),
        10,
    )
    assert pilot.rows("SELECT COUNT(*) FROM workshop_attendance") == [(3,)]
    assert pilot.rows("SELECT guests FROM workshops") == [(37,)]
    assert all(pilot.sandbox.callback_answer(q["id"])["url"] for q in queries[3:40])
    await pilot.sandbox.wait_for_async(
        lambda: any("Here: 40." in c.params.get("text", "") for c in pilot.sandbox.outbox), 15
    )
    to_group = [
        call
        for call in pilot.sandbox.outbox[calls_before:]
        if str(call.params.get("chat_id")) == str(chat["id"])
    ]
    assert len(to_group) <= 20


async def test_members_and_other_pilots_facilitators_cannot_run_it(pilot: Pilot) -> None:
    facilitator = await facilitator_of(pilot)
    member = await member_of(pilot, "Mikko")
    other = pilot.person("Olli", "en")
    await other.join(await pilot.invite("facilitator", "Rauma"), "en", set(), "public_body")
    chat = await workshop_group(pilot, [facilitator, member, other])
    for name, payload in (("poll", "A? | B | C"), ("close", None), ("endworkshop", None)):
        await in_group(pilot, member, chat, name, payload)
        assert group_texts(pilot, chat["id"])[-1] == en(
            "Sorry, that command is not available to you."
        )
        await in_group(pilot, other, chat, name, payload)
        assert group_texts(pilot, chat["id"])[-1] == en(
            "There is no workshop of your pilot in this group. Start one with /workshop <title>."
        )
    await in_group(pilot, facilitator, chat, "workshop", "Again")
    assert "already" in group_texts(pilot, chat["id"])[-1]
    assert pilot.rows("SELECT COUNT(*) FROM workshops") == [(1,)]
    assert pilot.rows("SELECT COUNT(*) FROM workshop_polls") == [(0,)]


async def test_a_member_pressing_next_is_refused(pilot: Pilot) -> None:
    facilitator = await facilitator_of(pilot)
    member = await member_of(pilot, "Mikko")
    chat = await workshop_group(pilot, [facilitator, member])
    await in_group(pilot, facilitator, chat, "poll", "set workshop_hub")
    await pilot.settled()
    [message] = [m for m in pilot.sandbox.bot_messages(chat["id"]) if "Next" in str(m)][-1:]
    data = message["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    query = pilot.sandbox.press_button(member.user, message, data)
    answer = await pilot.sandbox.wait_for_async(
        lambda: (
            (pilot.sandbox.callback_answer(query["id"]) or {}).get("answered")
            and pilot.sandbox.callback_answer(query["id"])
        )
    )
    assert answer["text"] == en("Sorry, that is not available to you.")
    await pilot.settled()
    assert pilot.rows("SELECT COUNT(*) FROM workshop_polls") == [(1,)]


async def test_timer_paper_reset_and_hidden_results(pilot: Pilot) -> None:
    facilitator = await facilitator_of(pilot)
    members = [await member_of(pilot, f"M{i}") for i in range(2)]
    chat = await workshop_group(pilot, [facilitator, *members])
    await in_group(pilot, facilitator, chat, "poll", "timer 3 Quick? | A | B")
    assert "from 5 to 2628000" in group_texts(pilot, chat["id"])[-1]
    await in_group(pilot, facilitator, chat, "tally", "1 2")
    assert group_texts(pilot, chat["id"])[-1] == en("There is no open poll to add paper votes to.")
    await in_group(pilot, facilitator, chat, "poll", "named hidden timer 60 Day? | Mon | Fri")
    await pilot.settled()
    first = open_poll_id(pilot, chat["id"])
    pilot.sandbox.vote(members[0].user, first, [0])
    await in_group(pilot, facilitator, chat, "tally", "1")
    assert "one whole number per option" in group_texts(pilot, chat["id"])[-1]
    await in_group(pilot, facilitator, chat, "tally", "3 4")
    await in_group(pilot, facilitator, chat, "results")
    assert group_texts(pilot, chat["id"])[-1] == en("The results are shown when the poll closes.")
    await in_group(pilot, facilitator, chat, "resetpoll")
    await pilot.settled()
    second = open_poll_id(pilot, chat["id"])
    assert second != first
    assert pilot.sandbox.poll(first)["is_closed"]
    assert pilot.rows("SELECT paper, voters FROM workshop_polls") == [("[0, 0]", 0)]
    assert pilot.rows("SELECT COUNT(*) FROM poll_votes") == [(0,)]
    # An answer to the old poll, or to a poll the bot never sent, is ignored.
    for poll_id in (first, "999999"):
        pilot.sandbox.deliver_raw(
            "poll_answer",
            {"poll_id": poll_id, "user": members[1].user.to_dict(), "option_ids": [1]},
        )
    await pilot.settled()
    assert pilot.rows("SELECT COUNT(*) FROM poll_votes") == [(0,)]
    pilot.sandbox.vote(members[1].user, second, [1])
    await pilot.settled()
    assert pilot.rows("SELECT COUNT(*) FROM poll_votes") == [(1,)]


async def test_promoted_the_facilitator_is_told(pilot: Pilot) -> None:
    facilitator = await facilitator_of(pilot)
    chat = await workshop_group(pilot, [facilitator])
    before = len(facilitator.messages)
    pilot.sandbox.promote_bot(chat)
    await pilot.settled()
    assert "administrator" in facilitator.messages[before]["text"]


async def test_questions_to_the_panel_are_moderated_upvoted_and_answered(pilot: Pilot) -> None:
    facilitator = await facilitator_of(pilot)
    members = [await member_of(pilot, f"Q{i}") for i in range(3)]
    [reply] = await members[0].command("ask", "Who pays for the hub?")
    assert reply["text"] == en("No workshop of your pilot is running.")
    chat = await workshop_group(pilot, [facilitator, *members])
    [reply] = await members[0].command("ask", "Who pays for the hub?")
    assert "facilitator" in reply["text"]
    await members[1].command("ask", "When does it open?")
    [reply] = await members[2].command("ask", "x" * 501)
    assert "500" in reply["text"]
    await pilot.settled()
    await facilitator.press("qok", "1")
    await facilitator.press("qno", "2")
    await pilot.settled()
    [question] = [m for m in pilot.sandbox.bot_messages(chat["id"]) if "Who pays" in m["text"]]
    data = question["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    queries = [pilot.sandbox.press_button(p.user, question, data) for p in [*members, members[0]]]
    await pilot.sandbox.wait_for_async(
        lambda: all((pilot.sandbox.callback_answer(q["id"]) or {}).get("answered") for q in queries)
    )
    assert pilot.sandbox.callback_answer(queries[-1]["id"])["text"] == en(
        "You upvoted this already."
    )
    await in_group(pilot, facilitator, chat, "questions")
    top = group_texts(pilot, chat["id"])[-1]
    assert "Who pays for the hub? — 3" in top
    assert "When does it open?" not in top
    await in_group(pilot, facilitator, chat, "answered", "1")
    assert "Who pays" in group_texts(pilot, chat["id"])[-1]
    await in_group(pilot, facilitator, chat, "questions")
    assert group_texts(pilot, chat["id"])[-1] == en("No questions to the panel yet.")
    assert pilot.rows("SELECT COUNT(*) FROM question_votes") == [(3,)]


async def test_the_join_qr_slide_carries_the_pilot_title_link_and_expiry(pilot: Pilot) -> None:
    facilitator = await facilitator_of(pilot)
    chat = await workshop_group(pilot, [facilitator])
    await in_group(pilot, facilitator, chat, "qr")
    [slide] = pilot.sandbox.bot_messages(chat["id"])[-1:]
    assert "Laitila" in slide["caption"]
    assert "https://t.me/seroi_test_bot?start=" in slide["caption"]
    image = pilot.sandbox.file(slide["photo"][-1]["file_id"]).data
    assert image.startswith(b"\x89PNG")
