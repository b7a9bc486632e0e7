"""Replies are stored first and sent afterwards, in order per chat.

While an update is handled, what it says is only collected. When it has been handled,
its replies are stored in the statement that marks the update answered, and a sender
per chat sends them in order, through the rate limiter. So an update counts as done
once its effects are committed and its press is answered, however long its replies wait
for Telegram's flood limits, and a restart sends whatever was still waiting.

Messages are at least once: a reply Telegram received just before a crash, before its
row was deleted, is sent again after the restart.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import sqlite3
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from telegram import Bot, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.storage.db import Database
from bot.storage.models import Reply, StoredReply
from bot.storage.repositories.outbox import Outbox as OutboxRows
from bot.storage.repositories.people import People

log = logging.getLogger(__name__)

# How long a sender waits before trying a reply again that Telegram could not take.
RETRY_SECONDS = (1.0, 2.0, 5.0, 15.0, 30.0)
# How long stopping waits for replies still being sent; the rest is sent at the next start.
FLUSH_SECONDS = 5.0


class UpdateNotStoredError(Exception):
    """Handling an update met a storage error (database locked, disk full): try it again."""


@dataclass
class _Handling:
    """What handling one update has said so far, and whether its storage failed."""

    replies: list[Reply] = field(default_factory=list)
    storage_failed: bool = False


# The update the running task is handling (each task has its own).
_handling: contextvars.ContextVar[_Handling | None] = contextvars.ContextVar(
    "handling", default=None
)


class Outbox:
    """Stores replies and sends them, one sender per chat with something to send."""

    def __init__(self, db: Database, bot: Bot) -> None:
        self._db = db
        self._bot = bot
        self._rows = OutboxRows(db)
        self._people = People(db)
        self._queues: dict[int, deque[StoredReply]] = {}
        self._senders: dict[int, asyncio.Task] = {}
        # Sent replies whose rows are still to be deleted: deleted together, in one trip.
        self._sent: list[int] = []
        self._forgetting: asyncio.Task | None = None
        self._idle = asyncio.Event()
        self._idle.set()

    async def start(self) -> None:
        """Send what a previous run left unsent."""
        self._enqueue(await self._rows.pending())

    async def stop(self) -> None:
        """Give the senders a moment to finish; what is left stays stored for the next start."""
        if self._senders:
            await asyncio.wait(set(self._senders.values()), timeout=FLUSH_SECONDS)
        for sender in list(self._senders.values()):
            sender.cancel()
        await asyncio.gather(*self._senders.values(), return_exceptions=True)
        if self._forgetting is not None:
            await self._forgetting

    @property
    def idle(self) -> bool:
        """Whether every stored reply has been sent (and its row deleted)."""
        return not self._senders and self._forgetting is None

    def _note_idle(self) -> None:
        if self.idle:
            self._idle.set()

    async def wait_idle(self) -> None:
        """Until every stored reply has been sent."""
        await self._idle.wait()

    @asynccontextmanager
    async def replies_of(self, update_id: int) -> AsyncIterator[None]:
        """Collect what handling an update says; then store it (marking it answered) and send.

        If storage failed meanwhile, nothing is stored or sent and UpdateNotStoredError is
        raised: the update has had no effect and is to be handled again.
        """
        handling = _Handling()
        marker = _handling.set(handling)
        try:
            yield
        finally:
            _handling.reset(marker)
        if handling.storage_failed:
            raise UpdateNotStoredError(update_id)
        if handling.replies:
            ids = await self._rows.store(update_id, handling.replies)
            self._enqueue(
                [StoredReply(id=i, reply=r) for i, r in zip(ids, handling.replies, strict=True)]
            )
        else:
            await self._db.mark_answered(update_id)

    def storage_failed(self) -> None:
        """The update being handled could not be stored: say nothing of it, try it again."""
        handling = _handling.get()
        if handling is not None:
            handling.storage_failed = True

    async def post(self, reply: Reply) -> None:
        """Say something: collected if an update is being handled, else stored and sent now."""
        handling = _handling.get()
        if handling is not None:
            handling.replies.append(reply)
            return
        [reply_id] = await self._rows.store(None, [reply])
        self._enqueue([StoredReply(id=reply_id, reply=reply)])

    def _forget_later(self, reply_id: int) -> None:
        self._sent.append(reply_id)
        if self._forgetting is None:
            self._idle.clear()
            self._forgetting = asyncio.create_task(self._forget_sent())

    async def _forget_sent(self) -> None:
        try:
            while self._sent:
                sent, self._sent = self._sent, []
                try:
                    await self._rows.forget(sent)
                except sqlite3.OperationalError as error:
                    # Kept in memory meanwhile; after a crash they would be sent again.
                    log.warning("could not delete sent replies (%s); trying again", error)
                    self._sent.extend(sent)
                    await asyncio.sleep(RETRY_SECONDS[0])
        finally:
            self._forgetting = None
            self._note_idle()

    def _enqueue(self, stored: list[StoredReply]) -> None:
        for item in stored:
            chat_id = item.reply.chat_id
            self._queues.setdefault(chat_id, deque()).append(item)
            if chat_id not in self._senders:
                self._senders[chat_id] = asyncio.create_task(self._send_all(chat_id))
                self._idle.clear()

    async def _send_all(self, chat_id: int) -> None:
        queue = self._queues[chat_id]
        attempt = 0
        try:
            while queue:
                item = queue[0]
                try:
                    await self._send(item.reply)
                except Forbidden:
                    log.info("a person blocked the bot: contact marked inactive")
                    async with self._db.transaction():
                        await self._people.mark_blocked(chat_id)
                        await self._rows.forget_chat(chat_id)
                    queue.clear()
                    return
                except TelegramError as error:
                    # Telegram down, or flood limits outlasting the rate limiter's retries.
                    delay = RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)]
                    attempt += 1
                    log.warning("a reply could not be sent (%s); retrying in %.0f s", error, delay)
                    await asyncio.sleep(delay)
                    continue
                attempt = 0
                queue.popleft()
                self._forget_later(item.id)
        finally:
            if not queue:
                del self._queues[chat_id]
            del self._senders[chat_id]
            self._note_idle()

    async def _send(self, reply: Reply) -> None:
        """One Bot API call; a refusal that no retry can mend is logged and dropped."""
        params = reply.params
        markup = params.get("reply_markup")
        markup = InlineKeyboardMarkup.de_json(markup, self._bot) if markup else None
        try:
            if reply.kind == "send":
                await self._bot.send_message(reply.chat_id, params["text"], reply_markup=markup)
            elif reply.kind == "edit":
                await self._edit_or_send(reply, markup)
            elif reply.kind == "keyboard":
                await self._bot.edit_message_reply_markup(
                    reply.chat_id, params["message_id"], reply_markup=markup
                )
            else:
                send = self._bot.send_photo if reply.kind == "photo" else self._bot.send_document
                await send(
                    reply.chat_id,
                    InputFile(reply.file, filename=params["filename"]),
                    caption=params.get("caption"),
                )
        except BadRequest as error:
            if "message is not modified" in str(error).lower():
                return  # it already shows exactly this (a double tap)
            log.error("Telegram refused a %s reply: %s", reply.kind, error)

    async def _edit_or_send(self, reply: Reply, markup: InlineKeyboardMarkup | None) -> None:
        """Turn a prompt into its answer; if it can no longer be edited, send it instead."""
        try:
            await self._bot.edit_message_text(
                reply.params["text"], reply.chat_id, reply.params["message_id"], reply_markup=markup
            )
        except BadRequest as error:
            if "message is not modified" in str(error).lower():
                return
            log.info("could not edit a message (%s); sending it anew", error)
            await self._bot.send_message(reply.chat_id, reply.params["text"], reply_markup=markup)
