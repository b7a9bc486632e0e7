"""Replies are stored first and sent afterwards, in order per chat.

While an update is handled, what it says is only collected. When it has been handled,
its replies are stored in the statement that marks the update answered, and a sender
per chat sends them in order, through the rate limiter. So an update counts as done
once its effects are committed and its press is answered, however long its replies wait
for Telegram's flood limits, and a restart sends whatever was still waiting.

Messages are at least once: a reply Telegram received just before a crash, before its
row was deleted, is sent again after the restart. So where a second copy would matter,
the reply is an edit of the message pressed (onboarding's steps and welcome, also when
resumed after a crash): sent again, it is "message is not modified", which is ignored.

A reply to someone who was just erased holds their chat id, and so do the pages its
row leaves in the write-ahead log once it is deleted: when every reply to such a chat
has been sent and deleted, the log is checkpointed and emptied (`Database.wipe_wal`).

Jobs (no update) say things too: `composing()` collects them, and the job stores them
with `store_in_transaction()` inside the transaction that made them due, then hands
them to `send_stored()` after it commits. A reply marked `on_sent` has its message id
recorded (by the recorder registered under that name) in the transaction that deletes
its row, so what shows it can later be edited.

A reply may carry its buttons' callback data unsigned (`SIGNED_FOR` in its params): they
are signed just before the call, so storing thousands of prompts stays quick.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import sqlite3
import warnings
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

from telegram import Bot, InputFile, InputMediaPhoto
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.warnings import PTBUserWarning

from bot.chat import callbacks
from bot.storage.db import Database
from bot.storage.models import ALBUM_SIZES, POLL_ROW, SIGNED_FOR, Reply, StoredReply
from bot.storage.repositories.outbox import MAX_ROWS_PER_STATEMENT, Row, encode
from bot.storage.repositories.outbox import Outbox as OutboxRows
from bot.storage.repositories.people import People

log = logging.getLogger(__name__)

# How long a sender waits before trying a reply again that Telegram could not take.
RETRY_SECONDS = (1.0, 2.0, 5.0, 15.0, 30.0)
# Bot API calls prepared and under way at once. Telegram takes about 30 messages a second,
# so more would only sign and encode replies to wait in the rate limiter: at a wave's start,
# 500 prompts' worth of work in one burst, holding up the updates handled meanwhile.
CALLS_IN_FLIGHT = 32
# How long stopping waits for replies still being sent; the rest is sent at the next start.
FLUSH_SECONDS = 5.0
# The Bot API method of each kind of reply sent as stored (files go through PTB's methods).
METHOD_OF_KIND = {
    "send": "sendMessage",
    "keyboard": "editMessageReplyMarkup",
    "poll": "sendPoll",
    "stop_poll": "stopPoll",
}
# Told (our poll id, Telegram's poll id, the message id) once Telegram has a poll we sent.
PollSent = Callable[[int, str, int], Awaitable[None]]

# PTB suggests its own method for each of these; we call them raw on purpose (see _call).
warnings.filterwarnings(
    "ignore",
    message=(
        r"Please use 'Bot\.(sendMessage|editMessageText|editMessageReplyMarkup|sendPoll|stopPoll)'"
    ),
    category=PTBUserWarning,
)


# Records the message id of a sent reply (argument, message id), inside a transaction.
Recorder = Callable[[str, int], Awaitable[None]]


def album_media(reply: Reply) -> list[InputMediaPhoto]:
    """The photos of an "album" reply, cut from its file by their sizes."""
    media, start = [], 0
    params = reply.params
    for size, filename, caption in zip(
        params[ALBUM_SIZES], params["filenames"], params["captions"], strict=True
    ):
        # attach: each photo its own part of the upload, named in its item (attach://…).
        photo = InputFile(reply.file[start : start + size], filename=filename, attach=True)
        media.append(InputMediaPhoto(photo, caption=caption or None))
        start += size
    return media


class UpdateNotStoredError(Exception):
    """Handling an update met a storage error (database locked, disk full): try it again."""


@dataclass
class _Handling:
    """What handling one update has said so far, and whether its storage failed."""

    replies: list[Reply] = field(default_factory=list)
    storage_failed: bool = False
    # Chats whose person it erased: the WAL is emptied once these replies are sent.
    erased_chats: set[int] = field(default_factory=set)


@dataclass
class _Storing:
    """One update's replies waiting to be stored, and who waits for that."""

    update_id: int | None
    replies: list[Reply]
    rows: list[Row]
    stored: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


# The update the running task is handling (each task has its own).
_handling: contextvars.ContextVar[_Handling | None] = contextvars.ContextVar(
    "handling", default=None
)


class Outbox:
    """Stores replies and sends them, one sender per chat with something to send."""

    def __init__(self, db: Database, bot: Bot, button_key: bytes) -> None:
        self._db = db
        self._bot = bot
        self._button_key = button_key
        self._rows = OutboxRows(db)
        self._people = People(db)
        self._queues: dict[int, deque[StoredReply]] = {}
        self._senders: dict[int, asyncio.Task] = {}
        self._in_flight = asyncio.Semaphore(CALLS_IN_FLIGHT)
        # Sent replies whose rows are still to be deleted: deleted together, in one trip.
        self._sent: list[int] = []
        # Message ids of tracked replies among them, recorded in the same transaction.
        self._to_record: list[tuple[Recorder, str, int]] = []
        # Finished updates whose replies are to be stored together, in one statement.
        self._to_store: list[_Storing] = []
        self._storer: asyncio.Task | None = None
        self._forgetting: asyncio.Task | None = None
        # Chats of people erased: once their replies are sent and deleted, the WAL is wiped.
        self._erased_chats: set[int] = set()
        self._wiping: asyncio.Task | None = None
        self._wipe_wanted = False
        self._idle = asyncio.Event()
        self._idle.set()
        self._recorders: dict[str, Recorder] = {}
        # Who records a sent poll's Telegram id (the workshops feature, wired in bot.app).
        self.on_poll_sent: PollSent | None = None

    async def start(self) -> None:
        """Send what a previous run left unsent."""
        pending = await self._rows.pending()
        self._enqueue(pending)
        # Which of them answer an erasure made just before a crash is not known, so the
        # WAL is emptied after them all (their wipes fall together: a checkpoint or two).
        for chat_id in {item.reply.chat_id for item in pending}:
            self._wipe_after_sent(chat_id)

    async def stop(self) -> None:
        """Give the senders a moment to finish; what is left stays stored for the next start."""
        if self._senders:
            await asyncio.wait(set(self._senders.values()), timeout=FLUSH_SECONDS)
        for sender in list(self._senders.values()):
            sender.cancel()
        await asyncio.gather(*self._senders.values(), return_exceptions=True)
        if self._forgetting is not None:
            await self._forgetting
        if self._wiping is not None:
            await self._wiping

    @property
    def idle(self) -> bool:
        """Whether every stored reply has been sent (and its row deleted)."""
        return not self._senders and self._forgetting is None and self._wiping is None

    def wipe_after_replies(self, chat_id: int) -> None:
        """Empty the WAL once the replies to this chat, this update's too, are sent (an erasure)."""
        handling = _handling.get()
        if handling is not None:
            handling.erased_chats.add(chat_id)
        else:
            self._wipe_after_sent(chat_id)

    def _wipe_after_sent(self, chat_id: int) -> None:
        """After what is queued for the chat now has been sent and its rows deleted."""
        if chat_id in self._senders:
            self._erased_chats.add(chat_id)
        else:
            self._wipe_later()

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
        await self._store(update_id, handling.replies)
        for chat_id in handling.erased_chats:
            self._wipe_after_sent(chat_id)

    def storage_failed(self) -> None:
        """The update being handled could not be stored: say nothing of it, try it again."""
        handling = _handling.get()
        if handling is not None:
            handling.storage_failed = True

    def discard_replies(self) -> None:
        """Say nothing of the update being handled: it had its effect before (a redelivery)."""
        handling = _handling.get()
        if handling is not None:
            handling.replies.clear()

    async def post(self, reply: Reply) -> None:
        """Say something: collected if an update is being handled, else stored and sent now."""
        handling = _handling.get()
        if handling is not None:
            handling.replies.append(reply)
            return
        await self._store(None, [reply])

    # --- replies of jobs, and message ids recorded ------------------------------------

    def record_sent(self, name: str, recorder: Recorder) -> None:
        """Have `recorder` note the message id of every sent reply marked `on_sent="name:…"`."""
        self._recorders[name] = recorder

    @contextmanager
    def composing(self) -> Iterator[list[Reply]]:
        """Collect what is said inside (by a job, with no update) instead of sending it."""
        handling = _Handling()
        marker = _handling.set(handling)
        try:
            yield handling.replies
        finally:
            _handling.reset(marker)

    async def store_in_transaction(self, replies: list[Reply]) -> list[StoredReply]:
        """Store replies within the caller's transaction; send them with `send_stored`."""
        if not replies:
            return []
        stored: list[StoredReply] = []
        for start in range(0, len(replies), MAX_ROWS_PER_STATEMENT):
            chunk = replies[start : start + MAX_ROWS_PER_STATEMENT]
            ids = await self._rows.store_in_transaction(encode(None, chunk))
            stored.extend(StoredReply(id=i, reply=r) for i, r in zip(ids, chunk, strict=True))
        return stored

    def send_stored(self, stored: list[StoredReply]) -> None:
        """Send replies stored by `store_in_transaction`, once their transaction committed."""
        self._enqueue(stored)

    def _record_later(self, item: StoredReply, sent: Any) -> None:
        """Record a tracked reply's message id as its row is forgotten (`_forget_sent`)."""
        name, _, argument = (item.reply.on_sent or "").partition(":")
        recorder = self._recorders.get(name)
        message_id = sent.get("message_id") if isinstance(sent, dict) else None
        if recorder is not None and message_id is not None:
            self._to_record.append((recorder, argument, message_id))
        self._forget_later(item.id)

    async def _store(self, update_id: int | None, replies: list[Reply]) -> None:
        """Store replies (with no update, or marking theirs answered), then send them.

        The replies of the updates finishing meanwhile are stored together, in one
        statement: many updates, one trip to the database.
        """
        storing = _Storing(update_id, replies, encode(update_id, replies))
        self._to_store.append(storing)
        if self._storer is None:
            self._storer = asyncio.create_task(self._store_waiting())
        await storing.stored

    async def _store_waiting(self) -> None:
        try:
            while self._to_store:
                group = self._next_group()
                answered = [item for item in group if item.rows]
                silent = [item for item in group if not item.rows]
                if answered:
                    await self._settle(answered, self._store_rows(answered))
                if silent:
                    ids = [item.update_id for item in silent if item.update_id is not None]
                    await self._settle(silent, self._db.mark_answered(*ids))
        finally:
            self._storer = None
            for item in self._to_store:
                item.stored.cancel()

    def _next_group(self) -> list[_Storing]:
        """The oldest waiting updates whose rows fit in one statement (at least one update)."""
        rows = 0
        for count, item in enumerate(self._to_store):
            rows += len(item.rows)
            if count and rows > MAX_ROWS_PER_STATEMENT:
                break
        else:
            count = len(self._to_store)
        group, self._to_store = self._to_store[:count], self._to_store[count:]
        return group

    async def _store_rows(self, group: list[_Storing]) -> None:
        ids = await self._rows.store_many([item.rows for item in group])
        # In the order the updates finished, so each chat's replies stay in order.
        self._enqueue(
            [
                StoredReply(id=reply_id, reply=reply)
                for item, reply_ids in zip(group, ids, strict=True)
                for reply_id, reply in zip(reply_ids, item.replies, strict=True)
            ]
        )

    @staticmethod
    async def _settle(group: list[_Storing], storing: Awaitable[None]) -> None:
        """Tell each update of the group whether its replies were stored."""
        try:
            await storing
        except Exception as error:
            for item in group:
                if not item.stored.done():
                    item.stored.set_exception(error)
            return
        for item in group:
            if not item.stored.done():
                item.stored.set_result(None)

    def _forget_later(self, reply_id: int) -> None:
        self._sent.append(reply_id)
        if self._forgetting is None:
            self._idle.clear()
            self._forgetting = asyncio.create_task(self._forget_sent())

    async def _forget_sent(self) -> None:
        """Delete the rows of sent replies and record the tracked ones' message ids.

        Everything sent meanwhile shares one transaction: at a wave's start, one for many
        prompts instead of one each, so the tick and residents' answers seldom wait for it.
        """
        try:
            while self._sent:
                sent, self._sent = self._sent, []
                recorded, self._to_record = self._to_record, []
                try:
                    if not recorded:
                        # Most batches: deleting is all, one queued call per 500 rows.
                        await self._rows.forget(sent)
                        continue
                    async with self._db.transaction():
                        for recorder, argument, message_id in recorded:
                            await recorder(argument, message_id)
                        await self._rows.forget_in_transaction(sent)
                except sqlite3.OperationalError as error:
                    # Kept in memory meanwhile; after a crash they would be sent again.
                    log.warning("could not forget sent replies (%s); trying again", error)
                    self._sent[:0] = sent
                    self._to_record[:0] = recorded
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
                    async with self._in_flight:
                        sent = await self._send(item.reply)
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
                self._record_later(item, sent)
        finally:
            if not queue:
                del self._queues[chat_id]
                if chat_id in self._erased_chats:
                    self._erased_chats.discard(chat_id)
                    self._wipe_later()
            del self._senders[chat_id]
            self._note_idle()

    def _wipe_later(self) -> None:
        self._wipe_wanted = True
        if self._wiping is None:
            self._idle.clear()
            self._wiping = asyncio.create_task(self._wipe())

    async def _wipe(self) -> None:
        """Once the sent rows are deleted (the last of them just queued), empty the WAL.

        Chats finishing meanwhile share the next wipe: one checkpoint for many of them.
        """
        try:
            while self._wipe_wanted:
                self._wipe_wanted = False
                while self._forgetting is not None:
                    # wait(), not await: stopping cancels this task, not the one it waits on.
                    await asyncio.wait({self._forgetting})
                await self._db.wipe_wal()
        except sqlite3.OperationalError as error:
            log.warning("could not empty the write-ahead log after an erasure (%s)", error)
        finally:
            self._wiping = None
            self._note_idle()

    async def _send(self, reply: Reply) -> Any:
        """One Bot API call (its result); a refusal no retry can mend is logged and dropped."""
        reply = self._signed(reply)
        params = reply.params
        try:
            if reply.kind in ("photo", "document"):
                send = self._bot.send_photo if reply.kind == "photo" else self._bot.send_document
                await send(
                    reply.chat_id,
                    InputFile(reply.file, filename=params["filename"]),
                    caption=params.get("caption"),
                )
            elif reply.kind == "album":
                await self._bot.send_media_group(reply.chat_id, album_media(reply))
            elif reply.kind == "edit":
                await self._edit_or_send(reply)
            elif reply.kind == "poll":
                await self._send_poll(reply)
            else:
                return await self._call(METHOD_OF_KIND[reply.kind], reply.chat_id, params)
        except BadRequest as error:
            if "message is not modified" in str(error).lower():
                return None  # it already shows exactly this (a double tap)
            log.error("Telegram refused a %s reply: %s", reply.kind, error)
        return None

    def _signed(self, reply: Reply) -> Reply:
        """The reply with its buttons signed, if they were stored unsigned (`SIGNED_FOR`)."""
        if SIGNED_FOR not in reply.params:
            return reply
        params = dict(reply.params)
        user_id = params.pop(SIGNED_FOR)
        markup = params["reply_markup"]
        rows = [
            [
                {**button, "callback_data": callbacks.sign(self._button_key, user_id, data)}
                if (data := button.get("callback_data")) is not None
                else button
                for button in row
            ]
            for row in markup["inline_keyboard"]
        ]
        params["reply_markup"] = {**markup, "inline_keyboard": rows}
        return reply.model_copy(update={"params": params})

    async def _send_poll(self, reply: Reply) -> None:
        """Send a poll and report Telegram's id for it, so its answers can be matched."""
        params = {key: value for key, value in reply.params.items() if key != POLL_ROW}
        sent = await self._call("sendPoll", reply.chat_id, params)
        if self.on_poll_sent is not None:
            await self.on_poll_sent(reply.params[POLL_ROW], sent["poll"]["id"], sent["message_id"])

    async def _edit_or_send(self, reply: Reply) -> None:
        """Turn a prompt into its answer; if it can no longer be edited, send it instead."""
        try:
            await self._call("editMessageText", reply.chat_id, reply.params)
        except BadRequest as error:
            if "message is not modified" in str(error).lower():
                return
            log.info("could not edit a message (%s); sending it anew", error)
            params = {key: value for key, value in reply.params.items() if key != "message_id"}
            await self._call("sendMessage", reply.chat_id, params)

    async def _call(self, method: str, chat_id: int, params: dict[str, Any]) -> Any:
        """A Bot API call with the stored parameters as they are, through the rate limiter.

        The answer (the message as Telegram now shows it) is not needed, so it is not
        turned into PTB objects, nor is the stored keyboard first: both cost more than
        the rest of sending a reply.
        """
        return await self._bot.do_api_request(method, api_kwargs={"chat_id": chat_id, **params})
