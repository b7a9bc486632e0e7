"""/help, and a helpful answer to anything the bot did not expect."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.chat.commands import Command, menu
from bot.chat.context import BotContext
from bot.chat.render import say, say_in
from bot.i18n import N_


async def help_command(update: Update, context: BotContext) -> None:
    """List the commands this person may use, in their language."""
    caller = context.caller
    lines = [
        f"/{command.command} — {command.description}"
        for command in menu(context.commands, caller.level, caller._)
    ]
    await say(context, caller, caller._("What you can do here:") + "\n" + "\n".join(lines))


async def unknown_command(update: Update, context: BotContext) -> None:
    """An unknown command: a short hint, and the current buttons again."""
    caller = context.caller
    await say(context, caller, caller._("I do not know that command. /help lists what you can do."))
    await context.reprompt(caller)


async def free_text(update: Update, context: BotContext) -> None:
    """Text where a button is expected: a hint and the buttons again."""
    caller = context.caller
    if caller.person is None:
        await say(
            context, caller, caller._("To join a pilot, open the invite link you were given.")
        )
        return
    if await context.reprompt(caller, caller._("Please answer with the buttons.")):
        return
    await say(context, caller, caller._("Please use the buttons or a command. /help"))


async def private_only(update: Update, context: BotContext) -> None:
    """Personal commands in a group chat: point to the private chat, reveal nothing."""
    caller = context.caller
    text = caller._("Please write to me in a private chat: {link}").format(
        link=f"https://t.me/{context.bot.username}"
    )
    await say_in(context, update.effective_chat.id, text)


COMMANDS = (Command("help", "everyone", N_("What I can do for you"), help_command),)


def handlers() -> list[BaseHandler]:
    """The catch-alls, registered after every other handler so that those match first.

    Only new messages: an edited message is never answered as if it were sent again.
    """
    new = filters.UpdateType.MESSAGE
    return [
        MessageHandler(new & filters.COMMAND & filters.ChatType.GROUPS, private_only),
        MessageHandler(new & filters.COMMAND & filters.ChatType.PRIVATE, unknown_command),
        MessageHandler(new & filters.ChatType.PRIVATE & ~filters.COMMAND, free_text),
    ]
