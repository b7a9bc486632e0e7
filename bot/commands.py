"""The one table of commands × who may use them × description.

It feeds both the permission check of every command and the command menu
(`setMyCommands`) each person sees, per chat and per language.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from telegram import BotCommand

from bot.i18n import N_, Translate

Level = Literal["everyone", "member", "facilitator", "coordinator", "admin"]
LEVELS: tuple[Level, ...] = ("everyone", "member", "facilitator", "coordinator", "admin")


class Command(NamedTuple):
    name: str
    level: Level
    description: str


COMMANDS: tuple[Command, ...] = (
    Command("start", "everyone", N_("Join a pilot with an invite link")),
    Command("help", "everyone", N_("What I can do for you")),
    Command("language", "everyone", N_("Change the language")),
    Command("privacy", "everyone", N_("How your data is used")),
    Command("mydata", "everyone", N_("Get a file of everything stored about you")),
    Command("withdraw", "member", N_("Stop all processing of your data now")),
    Command("stop", "member", N_("Stop all processing of your data now")),
    Command("delete", "everyone", N_("Erase your data")),
    Command("pilots", "member", N_("Switch between your pilots")),
    Command("invite", "coordinator", N_("Create an invite link and QR code")),
    Command("newpilot", "admin", N_("Create a new pilot")),
)
COMMANDS_BY_NAME = {command.name: command for command in COMMANDS}


def allows(level: Level, required: Level) -> bool:
    """Whether someone at `level` may use a command that requires `required`."""
    return LEVELS.index(level) >= LEVELS.index(required)


def menu(level: Level, translate: Translate) -> list[BotCommand]:
    """The command menu for one level, in one language."""
    shown = [c for c in COMMANDS if allows(level, c.level) and c.name not in ("start", "stop")]
    if level == "everyone":
        shown.insert(0, COMMANDS_BY_NAME["start"])
    return [BotCommand(c.name, translate(c.description)) for c in shown]
