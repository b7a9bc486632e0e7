"""Runs before every handler: drop redelivered updates and refuse commands a role does not allow."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

from bot.commands import COMMANDS_BY_NAME, allows
from bot.render import say
from bot.services import BotContext, identify

log = logging.getLogger(__name__)


async def gate(update: Update, context: BotContext) -> None:
    """Drop a redelivered update; refuse, in the caller's language, a command not allowed."""
    if await context.services.db.was_processed(update.update_id):
        # Telegram redelivers updates not yet confirmed when the bot crashed.
        log.info("update %s was already applied; ignoring it", update.update_id)
        raise ApplicationHandlerStop
    message = update.effective_message
    if not (message and message.text and message.text.startswith("/") and update.effective_user):
        return
    name = message.text.split()[0][1:].split("@")[0].lower()
    command = COMMANDS_BY_NAME.get(name)
    if command is None or command.level == "everyone":
        return
    caller = await identify(context.services, update)
    if not allows(caller.level, command.level):
        log.info("refused /%s to a caller at level %s", name, caller.level)
        await say(context, caller, caller._("Sorry, that command is not available to you."))
        raise ApplicationHandlerStop


async def mark_processed(update: Update, context: BotContext) -> None:
    """Record updates whose handlers wrote nothing, so a redelivery is not answered twice."""
    await context.services.db.mark_processed(update.update_id)


def before() -> list[BaseHandler]:
    """Handlers for the group that runs first."""
    return [TypeHandler(Update, gate)]


def after() -> list[BaseHandler]:
    """Handlers for the group that runs last."""
    return [TypeHandler(Update, mark_processed)]
