"""What happens when something goes wrong: blocked users, Telegram errors, our own bugs."""

from __future__ import annotations

import logging
import sqlite3

from telegram import Update
from telegram.error import Forbidden

from bot.chat.context import BotContext
from bot.chat.render import acknowledge
from bot.i18n import resolve_language, translator
from bot.services import services_of
from bot.storage.db import AlreadyProcessedError

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    """Log the detail; tell the person, in their language, that their answers are safe."""
    services = services_of(context.application)
    chat = update.effective_chat if isinstance(update, Update) else None
    if isinstance(context.error, Forbidden):
        if chat is not None:
            async with services.db.transaction():
                changed = await services.people.mark_blocked(chat.id)
            if changed:
                log.info("a person blocked the bot: contact marked inactive")
        return
    if isinstance(context.error, sqlite3.OperationalError):
        # Locked for too long, or the disk is full: nothing was stored. No apology (it
        # could not be true); the update is handled again until it can be stored.
        log.warning("storage failed while handling an update (%s); will retry", context.error)
        context.outbox.storage_failed()
        return
    if isinstance(context.error, AlreadyProcessedError):
        # A redelivered update that slipped past the gate: its effect is stored already,
        # and so are its replies; what it said this time before finding out is dropped.
        log.info("update %s was already applied", context.error)
        context.outbox.discard_replies()
        return
    log.error("error while handling an update", exc_info=context.error)
    if chat is None or chat.type != "private":
        return
    try:
        if not await services.people.contact_active(chat.id):
            return
        user = update.effective_user
        person = await services.people.get(services.pseudonym(user.id)) if user else None
        language = resolve_language(
            person.language if person else None,
            user.language_code if user else None,
            services.settings.default_language,
        )
        _ = translator(language)
        await context.bot.send_message(
            chat.id,
            _(
                "Sorry, something went wrong on my side. Your answers so far are saved; "
                "you can carry on where you left off."
            ),
        )
        if update.callback_query:
            # Stop the spinner on the pressed button (last, as every answered press ends).
            await acknowledge(update.callback_query)
    except Exception:
        log.exception("could not tell the person about the error")
