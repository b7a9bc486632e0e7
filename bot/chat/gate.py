"""Runs before every handler: drop redelivered updates and identify the caller, once; and
the role guard that every command row is registered through.

(An update is marked answered by the outbox, when its replies are stored.)
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, CommandHandler, TypeHandler, filters

from bot.chat.caller import identify
from bot.chat.commands import Command, allows
from bot.chat.context import BotContext
from bot.chat.flood import FloodGuard, Verdict
from bot.chat.render import say
from bot.storage.db import UpdateProgress

log = logging.getLogger(__name__)

# Commands are new messages in a private chat: an edited message is never run again, and
# a caption is not a command (PTB reads the command entity of the text only).
COMMAND_MESSAGES = filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE
GROUP_COMMAND_MESSAGES = filters.UpdateType.MESSAGE & filters.ChatType.GROUPS

# Answers a redelivered update that was applied but not answered before a crash.
Resume = Callable[[Update, BotContext], Awaitable[None]]


def before(resume: Resume, flood: FloodGuard) -> list[BaseHandler]:
    """The handler for the group that runs first."""

    async def gate(update: Update, context: BotContext) -> None:
        """Hold back a flood; identify the caller; drop a redelivered update."""
        user = update.effective_user
        # Messages count against the budget; presses are bounded by the buttons on screen.
        counted = user is not None and update.callback_query is None
        verdict = flood.check(user.id) if counted else Verdict.HANDLE
        if verdict is Verdict.IGNORE:
            raise ApplicationHandlerStop
        if user is not None:
            context.caller = await identify(context.services, update)
        if verdict is Verdict.WARN:
            log.info("a person sent too many updates at once: paused")
            if update.effective_chat is not None and update.effective_chat.type == "private":
                caller = context.caller
                await say(
                    context,
                    caller,
                    caller._("That is a lot at once. I will answer again in a minute."),
                )
            raise ApplicationHandlerStop
        progress = await context.services.db.update_progress(update.update_id)
        if progress is UpdateProgress.NEW:
            return
        # Telegram redelivers updates not yet confirmed when the bot crashed. The effect is
        # stored already; if the crash came before the reply, show where the person is.
        log.info("update %s was already %s", update.update_id, progress.value)
        private = update.effective_chat is not None and update.effective_chat.type == "private"
        if progress is UpdateProgress.APPLIED and private and context.caller is not None:
            await resume(update, context)
        raise ApplicationHandlerStop

    return [TypeHandler(Update, gate)]


def guarded(command: Command) -> CommandHandler:
    """The handler of one command row, refusing (in the caller's language) whom it does not allow.

    The check runs where PTB has matched the command entity, so it reads the command
    exactly as the handler does: `/invite-x` is `/invite` to both.
    """

    async def run(update: Update, context: BotContext) -> None:
        caller = context.caller
        if not allows(caller.level, command.level):
            log.info("refused /%s to a caller at level %s", command.name, caller.level)
            await say(context, caller, caller._("Sorry, that command is not available to you."))
            return
        await command.callback(update, context)

    where = GROUP_COMMAND_MESSAGES if command.chat == "group" else COMMAND_MESSAGES
    return CommandHandler(command.name, run, where)


async def group_only(update: Update, context: BotContext) -> None:
    """A group's command sent in a private chat: say where it works."""
    caller = context.caller
    await say(
        context,
        caller,
        caller._(
            "That command works in a workshop's group chat: add me to the group and send it there."
        ),
    )


def commands(rows: Iterable[Command]) -> list[BaseHandler]:
    """One guarded handler per command row (and, for a group's command, a private pointer)."""
    handlers: list[BaseHandler] = [guarded(row) for row in rows]
    handlers += [
        CommandHandler(row.name, group_only, COMMAND_MESSAGES)
        for row in rows
        if row.chat == "group"
    ]
    return handlers
