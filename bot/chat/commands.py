"""The command table and the button table: what each feature adds, and who may use it.

Each feature declares its rows (`COMMANDS`, `BUTTONS`) beside its handlers; `bot.app`
merges them. One row registers the handler, guards it with the row's role, and feeds
the command menu (`setMyCommands`) each person sees, per chat and per language.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from telegram import BotCommand, Update

from bot.i18n import N_, Translate

if TYPE_CHECKING:
    from bot.chat.callbacks import Press
    from bot.chat.caller import Caller
    from bot.chat.context import BotContext

Level = Literal["everyone", "member", "facilitator", "coordinator", "admin"]
LEVELS: tuple[Level, ...] = ("everyone", "member", "facilitator", "coordinator", "admin")

ROLE_NAMES = {
    "member": N_("member"),
    "facilitator": N_("facilitator"),
    "coordinator": N_("coordinator"),
}

CommandCallback = Callable[[Update, "BotContext"], Awaitable[None]]
# A button's handler answers whether the press was still valid (False: stale or refused),
# or how to answer it (`bot.chat.render.Answer`).
ButtonCallback = Callable[[Update, "BotContext", "Caller", "Press"], Awaitable[Any]]


class Command(NamedTuple):
    name: str
    level: Level
    description: str
    callback: CommandCallback
    # "newcomers": only in the menu of people who have not joined; "never": a synonym.
    menu: Literal["always", "newcomers", "never"] = "always"
    # Where the command is used: a private chat, or a group (a workshop's commands).
    chat: Literal["private", "group"] = "private"


class Button(NamedTuple):
    action: str
    level: Level
    callback: ButtonCallback


def allows(level: Level, required: Level) -> bool:
    """Whether someone at `level` may use a command that requires `required`."""
    return LEVELS.index(level) >= LEVELS.index(required)


def unique_by(rows: Iterable[Any], key: str) -> dict[str, Any]:
    """Rows by name; two features claiming one name is a wiring mistake, caught at start."""
    found: dict[str, Any] = {}
    for row in rows:
        name = getattr(row, key)
        if name in found:
            raise ValueError(f"{key} {name!r} is declared twice")
        found[name] = row
    return found


def menu(commands: Iterable[Command], level: Level, translate: Translate) -> list[BotCommand]:
    """The command menu for one level, in one language."""
    shown = [
        command
        for command in commands
        if allows(level, command.level)
        and command.chat == "private"
        and (command.menu == "always" or (command.menu == "newcomers" and level == "everyone"))
    ]
    return [BotCommand(command.name, translate(command.description)) for command in shown]
