"""Long polling that never loses an update.

PTB's Updater confirms a batch to Telegram as soon as it asks for the next one, usually
before the batch has been handled: a crash then loses those updates for good. Here an
update is confirmed (by the offset of the next getUpdates) only after it was processed,
one at a time. A crash can therefore make Telegram deliver an update again; the
`processed_updates` table makes that second delivery harmless.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application

log = logging.getLogger(__name__)

POLL_SECONDS = 10
MAX_BACKOFF_SECONDS = 30.0


@asynccontextmanager
async def started(application: Application) -> AsyncIterator[Application]:
    """The application initialised and started (post_init run); stopped and closed on exit."""
    async with application:
        if application.post_init:
            await application.post_init(application)
        await application.start()
        try:
            yield application
        finally:
            await application.stop()
    if application.post_shutdown:
        await application.post_shutdown(application)


async def _until(stop: asyncio.Event, seconds: float) -> None:
    """Wait `seconds`, or less if asked to stop."""
    with suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def poll(
    application: Application, stop: asyncio.Event, *, poll_seconds: int = POLL_SECONDS
) -> None:
    """Fetch updates and process them one by one until `stop` is set."""
    bot = application.bot
    await bot.delete_webhook(drop_pending_updates=False)
    offset: int | None = None
    backoff = 0.0
    while not stop.is_set():
        fetch = asyncio.create_task(
            bot.get_updates(offset=offset, timeout=poll_seconds, allowed_updates=Update.ALL_TYPES)
        )
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not fetch.done():
            fetch.cancel()
            await asyncio.gather(fetch, return_exceptions=True)
            break
        try:
            updates = fetch.result()
        except InvalidToken:
            raise
        except TelegramError as error:
            # Network trouble, another instance polling (409), or flood limits that the
            # rate limiter's own retries did not outlast: back off and try again.
            backoff = min(MAX_BACKOFF_SECONDS, max(1.0, backoff * 2))
            log.warning("getUpdates failed (%s); retrying in %.0f s", error, backoff)
            await _until(stop, backoff)
            continue
        backoff = 0.0
        for update in updates:
            await application.process_update(update)
            offset = update.update_id + 1
    if offset is not None:
        # Confirm what was processed, so a restart does not see it again.
        await bot.get_updates(offset=offset, timeout=0)
