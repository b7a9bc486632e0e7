"""The dispatcher: conversations at once, each in order, confirmed only behind the slowest."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.polling import Dispatcher, conversation_of


def _text(update_id: int, chat_id: int, user_id: int | None = None) -> Update:
    user_id = user_id or chat_id
    chat_type = "private" if chat_id > 0 else "group"
    return Update.de_json(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 0,
                "chat": {"id": chat_id, "type": chat_type},
                "from": {"id": user_id, "is_bot": False, "first_name": "X"},
                "text": "hi",
            },
        },
        None,
    )


class HeldApplication:
    """Stands in for the bot: each update runs until the test releases it."""

    def __init__(self) -> None:
        self.started: list[int] = []
        self.release: dict[int, asyncio.Event] = {}
        self.changed = asyncio.Event()

    async def process_update(self, update: Update) -> bool:
        self.started.append(update.update_id)
        self.changed.set()
        await self.release.setdefault(update.update_id, asyncio.Event()).wait()
        return True

    def submit_to(self, dispatcher: Dispatcher, update: Update) -> None:
        """Hand an update to the dispatcher as the polling loop does."""
        if not dispatcher.seen(update.update_id):
            dispatcher.submit(
                update.update_id, conversation_of(update), lambda: self.process_update(update)
            )

    def let_go(self, update_id: int) -> None:
        self.release.setdefault(update_id, asyncio.Event()).set()


async def _until(condition, changed: asyncio.Event) -> None:
    """Wait until `condition` holds, checking each time `changed` is set."""
    async with asyncio.timeout(5):
        while not condition():
            changed.clear()
            await changed.wait()


async def test_chats_run_at_once_and_each_chat_in_order() -> None:
    application = HeldApplication()
    dispatcher = Dispatcher()
    for update in (_text(1, 10), _text(2, 20), _text(3, 10), _text(4, -5, 30), _text(5, -5, 31)):
        application.submit_to(dispatcher, update)
    await _until(lambda: len(application.started) == 4, application.changed)
    # Chat 10's second update waits for its first; the others (two people in one group) run.
    assert sorted(application.started) == [1, 2, 4, 5]
    application.let_go(1)
    await _until(lambda: 3 in application.started, application.changed)
    for update_id in (2, 3, 4, 5):
        application.let_go(update_id)
    await dispatcher.drain()


async def test_the_watermark_stays_behind_the_oldest_update_in_flight() -> None:
    application = HeldApplication()
    dispatcher = Dispatcher()
    for update in (_text(7, 1), _text(8, 2), _text(9, 3)):
        application.submit_to(dispatcher, update)
    await _until(lambda: len(application.started) == 3, application.changed)
    application.let_go(8)
    application.let_go(9)
    await _until(lambda: dispatcher.in_flight == 1, dispatcher.finished)
    assert dispatcher.watermark() == 7  # 8 and 9 are done, but 7 is not: confirm nothing yet
    application.let_go(7)
    await dispatcher.drain()
    assert dispatcher.watermark() == 10  # everything up to 9 may be confirmed


async def test_an_update_fetched_again_is_not_run_twice() -> None:
    application = HeldApplication()
    dispatcher = Dispatcher()
    application.submit_to(dispatcher, _text(7, 1))
    application.submit_to(dispatcher, _text(7, 1))  # Telegram returns unconfirmed updates again
    application.let_go(7)
    await dispatcher.drain()
    assert application.started == [7]


async def test_an_update_given_up_on_is_never_confirmed() -> None:
    dispatcher = Dispatcher()

    async def stopped_before_it_could_be_stored() -> bool:
        return False

    async def done() -> bool:
        return True

    dispatcher.submit(7, ("chat", 1), stopped_before_it_could_be_stored)
    dispatcher.submit(8, ("chat", 2), done)
    await dispatcher.drain()
    assert dispatcher.watermark() == 7  # Telegram will deliver 7 (and 8) again


def test_a_group_press_is_its_presser_s_conversation_and_a_poll_answer_its_voter_s() -> None:
    assert conversation_of(_text(1, -5, 30)) != conversation_of(_text(2, -5, 31))
    answer = Update.de_json(
        {
            "update_id": 3,
            "poll_answer": {
                "poll_id": "p",
                "option_ids": [0],
                "option_persistent_ids": ["a"],
                "user": {"id": 10, "is_bot": False, "first_name": "X"},
            },
        },
        None,
    )
    assert conversation_of(answer) == conversation_of(_text(4, 10))
