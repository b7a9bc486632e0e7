"""Runs before every handler: drop redelivered updates; and the role guard that every
command row is registered through. (An update is marked answered by the outbox.)"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, CommandHandler, TypeHandler, filters

from bot.commands import Command, allows
from bot.handlers import onboarding
from bot.render import say
from bot.services import BotContext, identify
from bot.storage.db import UpdateProgress

log = logging.getLogger(__name__)

# Commands are new messages in a private chat: an edited message is never run again, and
# a caption is not a command (PTB reads the command entity of the text only).
COMMAND_MESSAGES = filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE


async def gate(update: Update, context: BotContext) -> None:
    """Drop a redelivered update (its effect is stored), showing the step if unanswered."""
    progress = await context.services.db.update_progress(update.update_id)
    if progress is UpdateProgress.NEW:
        return
    # Telegram redelivers updates not yet confirmed when the bot crashed. The effect is
    # stored already; if the crash came before the reply, show where the person is.
    log.info("update %s was already %s", update.update_id, progress.value)
    private = update.effective_chat is not None and update.effective_chat.type == "private"
    if progress is UpdateProgress.APPLIED and private and update.effective_user:
        await onboarding.resume(update, context)
    raise ApplicationHandlerStop


def guarded(command: Command) -> CommandHandler:
    """The handler of one command row, refusing (in the caller's language) whom it does not allow.

    The check runs where PTB has matched the command entity, so it reads the command
    exactly as the handler does: `/invite-x` is `/invite` to both.
    """

    async def run(update: Update, context: BotContext) -> None:
        if command.level != "everyone":
            caller = await identify(context.services, update)
            if not allows(caller.level, command.level):
                log.info("refused /%s to a caller at level %s", command.name, caller.level)
                await say(context, caller, caller._("Sorry, that command is not available to you."))
                return
        await command.callback(update, context)

    return CommandHandler(command.name, run, COMMAND_MESSAGES)


def commands(rows: Iterable[Command]) -> list[BaseHandler]:
    """One guarded handler per command row."""
    return [guarded(row) for row in rows]


def before() -> list[BaseHandler]:
    """Handlers for the group that runs first."""
    return [TypeHandler(Update, gate)]
