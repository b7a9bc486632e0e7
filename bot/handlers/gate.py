"""Runs before every handler: drop redelivered updates and refuse commands a role does not allow."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

from bot.commands import COMMANDS_BY_NAME, allows
from bot.handlers import onboarding
from bot.render import say
from bot.services import BotContext, identify
from bot.storage.db import UpdateProgress

log = logging.getLogger(__name__)


async def gate(update: Update, context: BotContext) -> None:
    """Drop a redelivered update; refuse, in the caller's language, a command not allowed."""
    private = update.effective_chat is not None and update.effective_chat.type == "private"
    progress = await context.services.db.update_progress(update.update_id)
    if progress is not UpdateProgress.NEW:
        # Telegram redelivers updates not yet confirmed when the bot crashed. The effect is
        # stored already; if the crash came before the reply, show where the person is.
        log.info("update %s was already %s", update.update_id, progress.value)
        if progress is UpdateProgress.APPLIED and private and update.effective_user:
            await onboarding.resume(update, context)
        raise ApplicationHandlerStop
    message = update.effective_message
    # Commands in groups are answered by `common.private_only`, never by role.
    if not (private and message and message.text and message.text.startswith("/")):
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


async def mark_answered(update: Update, context: BotContext) -> None:
    """Every handler has run: a redelivery of this update needs no answer at all."""
    await context.services.db.mark_answered(update.update_id)


def before() -> list[BaseHandler]:
    """Handlers for the group that runs first."""
    return [TypeHandler(Update, gate)]


def after() -> list[BaseHandler]:
    """Handlers for the group that runs last."""
    return [TypeHandler(Update, mark_answered)]
