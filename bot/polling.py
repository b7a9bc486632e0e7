"""Long polling that never loses an update, with conversations handled concurrently.

PTB's Updater confirms a batch to Telegram as soon as it asks for the next one, usually
before the batch has been handled: a crash then loses those updates for good. Here an
update is confirmed (by the offset of a later getUpdates) only when it and every update
before it have been processed: a watermark. A crash can therefore make Telegram deliver
an update again; the `processed_updates` table makes that second delivery harmless.

Updates of different conversations run at once; those of one conversation run in the
order Telegram numbered them. At a real round trip (~100 ms a Bot API call) handling one
update at a time would make forty people pressing at once wait seconds for each other.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager, suppress
from functools import partial
from typing import Any

from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application
from telegram.warnings import PTBUserWarning

from bot.outbox import Outbox, UpdateNotStoredError
from bot.storage.repositories.quarantine import Quarantine

log = logging.getLogger(__name__)

POLL_SECONDS = 10
MAX_BACKOFF_SECONDS = 30.0
# Telegram returns at most 100 unconfirmed updates a call, which bounds the work in flight.
BATCH_LIMIT = 100
CONCURRENT_UPDATES = 128
# While updates are in flight, Telegram answers getUpdates at once, with the unconfirmed
# ones again: ask again once half of them are confirmed, or after this long.
BUSY_POLL_SECONDS = 0.1
# An update whose storage failed is tried again after these many seconds (then the last).
STORAGE_RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)

# Updates are fetched as raw JSON and read one by one, so that one PTB cannot parse does not
# fail the whole batch; PTB warns that getUpdates has a method of its own, which we know.
warnings.filterwarnings("ignore", message="Please use 'Bot.getUpdates'", category=PTBUserWarning)


@asynccontextmanager
async def started(application: Application) -> AsyncIterator[Application]:
    """The application initialised and started (post_init run); stopped and closed on exit.

    post_shutdown runs however this ends, a failed start included: what post_init opened
    (the database's threads) would otherwise keep the process alive.
    """
    try:
        async with application:
            if application.post_init:
                await application.post_init(application)
            await application.start()
            try:
                yield application
            finally:
                await application.stop()
    finally:
        if application.post_shutdown:
            await application.post_shutdown(application)


def conversation_of(update: Update) -> Hashable:
    """What must stay in order: a private chat; in a group, one person's updates there.

    A poll answer carries no chat: it belongs to its voter's private chat (whose id is the
    user's id), so it stays in order with what that person does there.
    """
    chat, user = update.effective_chat, update.effective_user
    if chat is not None and chat.type != "private":
        return ("group", chat.id, user.id if user else None)
    if chat is not None:
        return ("chat", chat.id)
    if user is not None:
        return ("chat", user.id)
    if update.poll is not None:
        return ("poll", update.poll.id)
    return ("update", update.update_id)


def without_pressed_keyboard(raw: dict[str, Any]) -> dict[str, Any]:
    """A raw update without the keyboard of the message whose button was pressed.

    No handler reads that keyboard (each button carries its own signed data), and turning
    its buttons into PTB objects was most of the cost of reading a press.
    """
    message = (raw.get("callback_query") or {}).get("message")
    if message is not None:
        message.pop("reply_markup", None)
    return raw


class Dispatcher:
    """Runs updates concurrently across conversations and knows what may be confirmed."""

    def __init__(self, limit: int = CONCURRENT_UPDATES) -> None:
        self._slots = asyncio.Semaphore(limit)
        self._in_flight: dict[int, asyncio.Task] = {}
        # Updates given up on while stopping: never confirmed, so Telegram delivers them again.
        self._unfinished: set[int] = set()
        self._last_of: dict[Hashable, asyncio.Task] = {}
        self._highest_seen: int | None = None
        # Set whenever an update finishes.
        self.finished = asyncio.Event()

    def seen(self, update_id: int) -> bool:
        """Whether this update was submitted before (Telegram returns unconfirmed ones again)."""
        return self._highest_seen is not None and update_id <= self._highest_seen

    def submit(
        self, update_id: int, conversation: Hashable, work: Callable[[], Awaitable[bool]]
    ) -> None:
        """Run `work` behind the earlier updates of its conversation.

        `work` answers whether the update is done; False leaves it unconfirmed.
        """
        self._highest_seen = update_id
        earlier = self._last_of.get(conversation)
        task = asyncio.create_task(self._run(update_id, conversation, earlier, work))
        self._in_flight[update_id] = task
        self._last_of[conversation] = task

    async def _run(
        self,
        update_id: int,
        conversation: Hashable,
        earlier: asyncio.Task | None,
        work: Callable[[], Awaitable[bool]],
    ) -> None:
        try:
            if earlier is not None:
                await asyncio.wait({earlier})
            async with self._slots:
                if not await work():
                    self._unfinished.add(update_id)
        finally:
            del self._in_flight[update_id]
            if self._last_of.get(conversation) is asyncio.current_task():
                del self._last_of[conversation]
            self.finished.set()

    @property
    def in_flight(self) -> int:
        """How many updates are being processed (or waiting for their conversation)."""
        return len(self._in_flight)

    def watermark(self) -> int | None:
        """The offset that confirms exactly the updates processed with all before them."""
        if self._in_flight or self._unfinished:
            return min([*self._in_flight, *self._unfinished])
        return None if self._highest_seen is None else self._highest_seen + 1

    async def progress(self, stop: asyncio.Event, *, advance: int, seconds: float) -> None:
        """Wait until the watermark moves `advance` ids on, nothing is in flight, or time is up."""
        start = self.watermark() or 0
        deadline = asyncio.get_running_loop().time() + seconds
        while self.in_flight and not stop.is_set() and (self.watermark() or 0) - start < advance:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return
            self.finished.clear()
            waits = {asyncio.create_task(self.finished.wait()), asyncio.create_task(stop.wait())}
            await asyncio.wait(waits, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
            for waiting in waits:
                waiting.cancel()

    async def drain(self) -> None:
        """Wait for every update in flight."""
        while self._in_flight:
            await asyncio.wait(set(self._in_flight.values()))


async def _until(stop: asyncio.Event, seconds: float) -> None:
    """Wait `seconds`, or less if asked to stop."""
    with suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def _fetch(
    application: Application, stop: asyncio.Event, offset: int | None, wait_seconds: int
) -> list[dict[str, Any]] | None:
    """getUpdates as raw JSON, or None when asked to stop first."""
    settings = application.bot_data["settings"]
    fetch = asyncio.create_task(
        application.bot.do_api_request(
            "getUpdates",
            api_kwargs={
                "offset": offset,
                "limit": BATCH_LIMIT,
                "timeout": wait_seconds,
                "allowed_updates": list(Update.ALL_TYPES),
            },
            read_timeout=settings.telegram_timeout + wait_seconds,
        )
    )
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if not fetch.done():
        fetch.cancel()
        await asyncio.gather(fetch, return_exceptions=True)
        return None
    return fetch.result()


async def poll(
    application: Application, stop: asyncio.Event, *, poll_seconds: int = POLL_SECONDS
) -> None:
    """Fetch updates and process them, conversations concurrently, until `stop` is set."""
    await application.bot.delete_webhook(drop_pending_updates=False)
    outbox: Outbox = application.bot_data["outbox"]
    quarantine = Quarantine(application.bot_data["services"].db)

    async def handle(update: Update) -> bool:
        """Process an update, again while its storage fails; False if stopped before it could."""
        attempt = 0
        while True:
            try:
                async with outbox.replies_of(update.update_id):
                    # PTB's process_update logs and reports handler errors itself.
                    await application.process_update(update)
                return True
            except (UpdateNotStoredError, sqlite3.OperationalError) as error:
                delay = STORAGE_RETRY_SECONDS[min(attempt, len(STORAGE_RETRY_SECONDS) - 1)]
                attempt += 1
                log.warning(
                    "update %s could not be stored (%s); trying again in %.1f s",
                    update.update_id,
                    type(error).__name__,
                    delay,
                )
                await _until(stop, delay)
                if stop.is_set():
                    return False

    async def set_aside(update_id: int, raw: dict[str, Any], error: Exception) -> bool:
        """An update PTB cannot read: record it without its content, and go on."""
        kinds = [key for key in raw if key != "update_id"]
        log.error("update %s could not be read (%s); set aside", update_id, type(error).__name__)
        await quarantine.set_aside(update_id, kinds, type(error).__name__)
        return True

    dispatcher = Dispatcher()
    backoff = 0.0
    try:
        while not stop.is_set():
            # Long-poll only when nothing is in flight: otherwise Telegram answers at once.
            timeout = 0 if dispatcher.in_flight else poll_seconds
            try:
                updates = await _fetch(application, stop, dispatcher.watermark(), timeout)
            except InvalidToken:
                raise
            except TelegramError as error:
                # Network trouble, another instance polling (409), or flood limits that the
                # rate limiter's own retries did not outlast: back off and try again.
                backoff = min(MAX_BACKOFF_SECONDS, max(1.0, backoff * 2))
                log.warning("getUpdates failed (%s); retrying in %.0f s", error, backoff)
                await _until(stop, backoff)
                continue
            if updates is None:
                break
            backoff = 0.0
            for raw in updates:
                update_id = raw["update_id"]
                if dispatcher.seen(update_id):
                    continue
                try:
                    update = Update.de_json(without_pressed_keyboard(raw), application.bot)
                except Exception as error:
                    work = partial(set_aside, update_id, raw, error)
                    dispatcher.submit(update_id, ("unreadable", update_id), work)
                    continue
                dispatcher.submit(update_id, conversation_of(update), partial(handle, update))
            await dispatcher.progress(
                stop, advance=max(1, len(updates) // 2), seconds=BUSY_POLL_SECONDS
            )
    finally:
        await dispatcher.drain()
        offset = dispatcher.watermark()
        if offset is not None:
            # Confirm what was processed, so a restart does not see it again.
            with suppress(TelegramError):
                await application.bot.get_updates(offset=offset, timeout=0)
