"""Command menus (`setMyCommands`): per chat for people we know, per language for everyone else."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import Bot, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import BadRequest

from bot.chat.caller import Caller
from bot.chat.commands import Command, menu
from bot.chat.context import BotContext
from bot.i18n import translator
from bot.settings import LANGUAGES

log = logging.getLogger(__name__)


async def set_default_menus(bot: Bot, commands: Sequence[Command], default_language: str) -> None:
    """The menu of someone who has not joined yet, in each language and as a fallback."""
    for language in LANGUAGES:
        await bot.set_my_commands(
            menu(commands, "everyone", translator(language)),
            scope=BotCommandScopeDefault(),
            language_code=language,
        )
    await bot.set_my_commands(
        menu(commands, "everyone", translator(default_language)), scope=BotCommandScopeDefault()
    )


async def refresh_menu(context: BotContext, caller: Caller) -> None:
    """Show this person exactly the commands their role allows, in their language."""
    scope = BotCommandScopeChat(caller.chat_id)
    try:
        if caller.level == "everyone":
            await context.bot.delete_my_commands(scope=scope)
        else:
            await context.bot.set_my_commands(
                menu(context.commands, caller.level, caller._), scope=scope
            )
    except BadRequest:
        # A menu is a convenience; the server checks every command anyway.
        log.warning("could not update a command menu", exc_info=True)
