"""The demo's workshop: a facilitator and ten residents in a group chat, with attendance,
an anonymous and a named poll, a scale, an open question answered in private with its word
chart, a dot vote on the goals in private chats, the results charts and the join QR slide
(every image saved with the media)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

from bot.demo.participants import REPLY_TIMEOUT, Participant
from sandbox.core import Sandbox

# How many steps the phase plays (the demo's test counts every step of the tour).
WORKSHOP_STEPS = 9
Step = Callable[[str, Callable[[], Awaitable[str]]], Awaitable[None]]


def _expect(condition: bool, problem: str) -> None:
    if not condition:
        raise AssertionError(problem)


# Each resident's answer to the open question, in the language they chose in the bot.
ANSWERS = {
    "Aino": "Kahvila ja hiljaisia työpisteitä",
    "Mikko": "Nopea netti ja kahvila",
    "Elina": "Ett kafé och tysta arbetsplatser",
    "Siobhan": "A café and quiet desks",
    "Giulia": "Un caffè e una stampante",
    "Marco": "Internet veloce e un caffè",
    "Pekka": "Kirjasto ja kahvila",
    "Liisa": "Fast internet and a printer",
    "Ville": "Hiljaisia työpisteitä ja nopea netti",
    "Sara": "Kahvila ja tulostin",
}
GOALS = ["Etätyöpiste kylätalolle", "Kyläkauppa säilyy", "Pyörätie asemalle"]


def _link_payload(message: dict[str, Any]) -> str:
    """The /start payload of a message's deep-link button (what a tap on it sends)."""
    url = next(
        b["url"] for row in message["reply_markup"]["inline_keyboard"] for b in row if "url" in b
    )
    return parse_qs(urlparse(url).query)["start"][0]


async def play_workshop(
    sandbox: Sandbox,
    step: Step,
    facilitator: Participant,
    residents: list[Participant],
    round_opener: Participant,
    approver: Participant,
) -> None:
    """The workshop phase of the tour; `step` plays and records one step.

    `round_opener` (a facilitator) and `approver` (a coordinator) prepare the goal round
    the group dot-votes on, so that no one person passes the bot's flood limit.
    """
    chat: dict[str, Any] = {}

    def group_messages() -> list[dict[str, Any]]:
        return sandbox.bot_messages(chat["id"])

    async def said_in_group(name: str, payload: str | None = None, count: int = 1) -> list[dict]:
        before = len(group_messages())
        sandbox.command(facilitator.user, name, payload, chat=chat)
        await sandbox.wait_for_async(lambda: len(group_messages()) >= before + count, REPLY_TIMEOUT)
        return group_messages()[before:]

    async def bind_group() -> str:
        chat.update(
            sandbox.create_group(
                "Laitila village hall", [p.user for p in [facilitator, *residents]]
            )
        )
        sandbox.add_bot_to_group(chat, facilitator.user)
        await sandbox.wait_for_async(group_messages, REPLY_TIMEOUT)  # its hello
        [message] = await said_in_group("workshop", "Etätyöpiste-ilta")
        _expect("Etätyöpiste-ilta" in message["text"], "no attendance message")
        return "the group is bound to the pilot"

    async def attendance() -> str:
        [message] = [m for m in group_messages() if m.get("reply_markup")][:1]
        data = message["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        queries = [sandbox.press_button(p.user, message, data) for p in residents]
        await sandbox.wait_for_async(
            lambda: all((sandbox.callback_answer(q["id"]) or {}).get("answered") for q in queries),
            REPLY_TIMEOUT,
        )
        await sandbox.wait_for_async(
            lambda: f": {len(residents)}." in _text_of(sandbox, chat["id"], message["message_id"]),
            REPLY_TIMEOUT,
        )
        return f"{len(residents)} pressed “I'm here”; the group message shows the count"

    async def poll(payload: str, votes: Callable[[int], list[int]]) -> str:
        await said_in_group("poll", payload)
        await sandbox.wait_for_async(lambda: "poll" in group_messages()[-1], REPLY_TIMEOUT)
        poll_id = group_messages()[-1]["poll"]["id"]
        for index, person in enumerate(residents):
            sandbox.vote(person.user, poll_id, votes(index))
        await sandbox.wait_for_async(
            lambda: sandbox.poll(poll_id)["total_voter_count"] == len(residents), REPLY_TIMEOUT
        )
        # The chart follows the stopped poll.
        [*_, chart] = await said_in_group("close")
        _expect("photo" in chart, "no results chart")
        return chart["caption"].splitlines()[-1]

    async def anonymous_poll() -> str:
        return await poll(
            "Mitä etätyöpisteessä pitäisi olla? | Työpisteitä | Kahvila | Neuvotteluhuone",
            lambda i: [i % 3],
        )

    async def named_poll() -> str:
        return await poll("named Sopiiko tiistai-ilta? | Kyllä | Ei", lambda i: [0 if i < 7 else 1])

    async def scale_poll() -> str:
        return await poll("scale 5 Kuinka tärkeä etätyöpiste olisi kylälle?", lambda i: [2 + i % 3])

    async def open_question() -> str:
        [asked] = await said_in_group("open", "Mitä kylän etätyöpisteessä pitäisi olla?")
        payload = _link_payload(asked)
        for person in residents:
            [prompt] = await person.command("start", payload)
            await person.reply(prompt, ANSWERS[person.name])
        for _person in residents:  # the facilitator approves each, in private
            await facilitator.press("oaok")
        chart, listing = await said_in_group("words", count=2)
        _expect("photo" in chart, "no word chart")
        _expect(len(listing["text"].splitlines()) == len(residents) + 1, "answers missing")
        return chart["caption"].splitlines()[-1]

    async def dot_vote() -> str:
        last_day = (date.today() + timedelta(days=7)).isoformat()
        await round_opener.command("goalround", f"{last_day} dots=2 Mitä kylä tarvitsee ensin?")
        numbers = []
        for goal in GOALS:
            [entered] = await round_opener.command("paper", f"goal {goal}")
            numbers.append(entered["text"].split("#")[1].split()[0])
        await approver.command("approve", " ".join(numbers), replies=len(numbers))
        await approver.command("prioritise")
        [invitation] = await said_in_group("dots")
        payload = _link_payload(invitation)
        for index, person in enumerate(residents):
            await person.command("start", payload)
            await person.press("wdadd", numbers[0])
            await person.press("wdadd", numbers[1 + index % 2])
        results = invitation["reply_markup"]["inline_keyboard"][1][0]["callback_data"]
        before = len(group_messages())
        sandbox.press_button(facilitator.user, invitation, results)
        await sandbox.wait_for_async(lambda: len(group_messages()) > before, REPLY_TIMEOUT)
        chart = group_messages()[-1]
        _expect("photo" in chart, "no dot-vote chart")
        return chart["caption"].splitlines()[-1]

    async def slide() -> str:
        [message] = await said_in_group("qr")
        _expect("photo" in message, "no QR slide")
        return "the join QR code as a projector slide"

    async def end() -> str:
        before = len(facilitator.messages)
        await said_in_group("endworkshop")
        await sandbox.wait_for_async(lambda: len(facilitator.messages) >= before + 4, REPLY_TIMEOUT)
        return facilitator.messages[before]["text"]

    await step("Kaisa binds the village hall group as a workshop", bind_group)
    await step("ten residents press “I'm here”", attendance)
    await step("an anonymous poll and its chart", anonymous_poll)
    await step("a named poll, announced first, and its chart", named_poll)
    await step("a 1–5 scale with its mean", scale_poll)
    await step("an open question answered in private, and its word chart", open_question)
    await step("a dot vote on new goals in private chats, its chart in the group", dot_vote)
    await step("the join QR slide for the projector", slide)
    await step("the workshop ends; Kaisa gets the record in private", end)


def _text_of(sandbox: Sandbox, chat_id: int, message_id: int) -> str:
    found = [m for m in sandbox.messages_in(chat_id) if m["message_id"] == message_id]
    return found[0].get("text", "") if found else ""
