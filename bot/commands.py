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
    # "newcomers": only in the menu of people who have not joined; "never": a synonym.
    menu: Literal["always", "newcomers", "never"] = "always"


COMMANDS: tuple[Command, ...] = (
    Command("start", "everyone", N_("Join a pilot with an invite link"), menu="newcomers"),
    Command("help", "everyone", N_("What I can do for you")),
    Command("language", "everyone", N_("Change the language")),
    Command("privacy", "everyone", N_("How your data is used")),
    Command("mydata", "everyone", N_("Get a file of everything stored about you")),
    Command("withdraw", "member", N_("Stop all processing of your data now")),
    Command("stop", "member", N_("Stop all processing of your data now"), menu="never"),
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
    shown = [
        command
        for command in COMMANDS
        if allows(level, command.level)
        and (command.menu == "always" or (command.menu == "newcomers" and level == "everyone"))
    ]
    return [BotCommand(command.name, translate(command.description)) for command in shown]
