"""Simulated people driving the real bot through the offline sandbox.

Used by the `demo` command, the end-to-end tests and the benchmarks; nothing in the bot
itself imports this module (or the sandbox).
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot.app import build_application
from bot.polling import poll, started
from bot.settings import Settings
from sandbox.core import Sandbox, SimUser

INVITE_LINK = re.compile(r"https://t\.me/\w+\?start=([A-Za-z0-9_-]+)")
REPLY_TIMEOUT = 20.0


@asynccontextmanager
async def running_bot(settings: Settings, **builder_options: Any) -> AsyncIterator[Application]:
    """The real application, polling as `seroi-bot run` does, stopped cleanly afterwards."""
    application = build_application(settings, **builder_options)
    stop = asyncio.Event()
    async with started(application):
        polling = asyncio.create_task(poll(application, stop, poll_seconds=1))
        try:
            yield application
        finally:
            stop.set()
            await polling


def _buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [button for row in rows for button in row if "callback_data" in button]


def _action(button: dict[str, Any]) -> tuple[str, str]:
    """(action, argument) of our versioned callback data `v1|action|argument|signature`."""
    parts = button["callback_data"].split("|")
    return (parts[1], parts[2]) if len(parts) == 4 else ("", "")


def unsent_replies(bot_db: Path, chat_id: int) -> int:
    """How many replies to a chat the bot has stored and not yet sent (read from outside)."""
    connection = sqlite3.connect(bot_db)
    try:
        return connection.execute(
            "SELECT COUNT(*) FROM outbox WHERE chat_id = ?", (chat_id,)
        ).fetchone()[0]
    except sqlite3.OperationalError:  # the bot has not created its tables yet
        return 0
    finally:
        connection.close()


# Check-in days and time windows the demo's residents choose, in turn.
CHECKIN_TIMES = (("mon", "08-11"), ("wed", "17-21"), ("thu", "11-14"), ("sat", "14-17"))


@dataclass
class Participant:
    """One person in the sandbox, acting as they would in the Telegram app.

    `bot_db` is seroi-bot's database, where this person can see whether the bot still has
    replies to them waiting to be sent (None for another bot, which has no outbox).
    """

    sandbox: Sandbox
    user: SimUser
    bot_db: Path | None

    @classmethod
    def create(
        cls, sandbox: Sandbox, name: str, language_code: str = "fi", *, bot_db: Path | None
    ) -> Participant:
        """A new Telegram user with a private chat with the bot."""
        return cls(sandbox, sandbox.add_user(name, language_code=language_code), bot_db)

    @property
    def name(self) -> str:
        """The person's first name."""
        return self.user.first_name

    @property
    def messages(self) -> list[dict[str, Any]]:
        """What the bot has sent this person, oldest first (as currently shown)."""
        return self.sandbox.bot_messages(self.user.id)

    async def _replies(self, before: int, count: int) -> list[dict[str, Any]]:
        chat = self.user.id
        await self.sandbox.wait_for_async(
            lambda: len(self.sandbox.bot_messages(chat)) >= before + count, REPLY_TIMEOUT
        )
        return self.sandbox.bot_messages(chat)[before:]

    async def say(self, text: str, replies: int = 1) -> list[dict[str, Any]]:
        """Write text (or a command) and wait for the bot's `replies` messages."""
        before = len(self.messages)
        self.sandbox.send_text(self.user, text)
        return await self._replies(before, replies)

    async def reply(self, to: dict[str, Any], text: str, replies: int = 1) -> list[dict[str, Any]]:
        """Reply to one of the bot's messages with text; the bot's `replies` messages."""
        before = len(self.messages)
        self.sandbox.send_text(self.user, text, reply_to=to["message_id"])
        return await self._replies(before, replies)

    async def send_document(
        self, data: bytes, filename: str, replies: int = 1
    ) -> list[dict[str, Any]]:
        """Send a file (as a document) and wait for the bot's `replies` messages."""
        before = len(self.messages)
        self.sandbox.send_document(self.user, data, filename=filename)
        return await self._replies(before, replies)

    async def command(
        self, name: str, payload: str | None = None, replies: int = 1
    ) -> list[dict[str, Any]]:
        """Send /name [payload] and wait for the bot's replies."""
        before = len(self.messages)
        self.sandbox.command(self.user, name, payload)
        return await self._replies(before, replies)

    def find_button(self, action: str, argument: str | None = None) -> tuple[dict, dict]:
        """The newest bot message with a button for this action (and argument)."""
        for message in reversed(self.messages):
            for button in _buttons(message):
                found_action, found_argument = _action(button)
                # Arguments are `pilot:value[:state]`; match on the value.
                parts = found_argument.split(":")
                matches = argument is None or (parts[1:2] or parts[:1]) == [argument]
                if found_action == action and matches:
                    return message, button
        raise LookupError(f"{self.name} sees no button {action}:{argument}")

    async def press(self, action: str, argument: str | None = None) -> list[dict[str, Any]]:
        """Press a button; once the bot is done with the press, what it showed in reply.

        That is the messages it sent, or else the pressed message as the bot changed it.
        The bot answers a press before its replies are sent, so "done" is: answered,
        confirmed to Telegram (which the bot does only once the update is handled and its
        replies stored), and no reply to this chat still waiting to be sent.
        """
        message, button = self.find_button(action, argument)
        before = len(self.messages)
        query = self.sandbox.press_button(self.user, message, button["callback_data"])

        def handled() -> bool:
            answered = (self.sandbox.callback_answer(query["id"]) or {}).get("answered")
            return (
                answered
                and not any(
                    pending.get("callback_query", {}).get("id") == query["id"]
                    for pending in self.sandbox.pending_updates()
                )
                and (self.bot_db is None or unsent_replies(self.bot_db, self.user.id) == 0)
            )

        await self.sandbox.wait_for_async(handled, REPLY_TIMEOUT)
        messages = self.messages
        sent = messages[before:]
        return sent or [m for m in messages if m["message_id"] == message["message_id"]]

    async def join(
        self,
        code: str,
        language: str,
        consents: set[str],
        group: str,
        *,
        distance: str | None = "5_14",
        day: str = "tue",
        window: str = "17-21",
    ) -> list[dict[str, Any]]:
        """The whole onboarding, from the invite link to the welcome; returns the welcome.

        With the check-ins consent the distance is asked (None: skipped); with any consent
        to check-ins, the day and the time window that suit them. `group` is not asked
        when the invite gave one.
        """
        await self.command("start", code)
        await self.press("lang", language)
        await self.press("notice")
        for purpose in sorted(consents):
            await self.press("consent", purpose)
        welcome = await self.press("consented")
        # An invite for one stakeholder group has answered the group question already.
        if any(_action(b)[0] == "group" for message in welcome for b in _buttons(message)):
            welcome = await self.press("group", group)
        if "checkins" in consents:
            if distance is None:
                await self.press("ob_skip", "distance_band")
            else:
                await self.press("distance_band", distance)
        if consents & {"checkins", "wellbeing"}:
            await self.press("checkin_day", day)
            welcome = await self.press("checkin_window", window)
        return welcome


def invite_code(message: dict[str, Any]) -> str:
    """The invite code in the caption of an invite the bot sent."""
    found = INVITE_LINK.search(message.get("caption", "") or message.get("text", ""))
    if found is None:
        raise LookupError("no invite link in the message")
    return found.group(1)
