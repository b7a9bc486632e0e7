"""The member's rights in chat: /privacy, /mydata, /delete, /withdraw, /language."""

from __future__ import annotations

import json
from dataclasses import replace

from telegram import Update

from bot.chat.callbacks import Press
from bot.chat.caller import Caller
from bot.chat.commands import Button, Command
from bot.chat.context import BotContext
from bot.chat.menus import refresh_menu
from bot.chat.render import button, keyboard, say, send_file
from bot.features.privacy import rights
from bot.i18n import LANGUAGE_NAMES, N_
from bot.settings import LANGUAGES


def full_notice(caller: Caller) -> str:
    """The full privacy notice: controller, purposes, data, retention, Telegram, rights."""
    _ = caller._
    controller = caller.pilot.controller if caller.pilot else _("the pilot's organiser")
    return _(
        "Privacy notice\n\n"
        "Controller: {controller}.\n\n"
        "Purposes: to run the pilot's SEROI+ process (local goals, stakeholders, co-design, "
        "indicators and values, monitoring) and to measure the social, economic and "
        "environmental value of its actions.\n\n"
        "What we store: your answers, your choices of consent (what, when, notice version, "
        "language), your stakeholder group, your roles, your language, and the Telegram chat id "
        "needed to message you, kept apart from your answers. Answers are stored under a "
        "pseudonym (a keyed hash of your Telegram id); we never store your name, username, "
        "phone number or photo.\n\n"
        "Wellbeing answers are health-related data: we collect them only with your separate, "
        "explicit consent.\n\n"
        "Who sees what: coordinators see only summaries; a group of fewer than five people "
        "(fewer than ten for wellbeing) is never shown.\n\n"
        "Telegram: messages travel through Telegram's cloud and are not end-to-end encrypted.\n\n"
        "Retention: until the pilot's evaluation is finished, then deleted; published results "
        "contain only aggregates.\n\n"
        "Your rights: /mydata gives you a file of everything stored about you; /withdraw stops "
        "all processing at once; /delete erases your data; /language changes the language. "
        "You can correct an answer by answering the same check-in again."
    ).format(controller=controller)


async def privacy(update: Update, context: BotContext) -> None:
    """Show the full notice and, to members, a way to change their consents."""
    caller = context.caller
    markup = None
    if caller.member and caller.member.status == "active":
        markup = keyboard([[button(caller, context, caller._("Change my choices"), "rechoose")]])
    await say(context, caller, full_notice(caller), markup)


async def known_caller(context: BotContext) -> Caller | None:
    """The caller, or None after telling them that nothing is stored about them."""
    caller = context.caller
    if caller.person is None:
        await say(context, caller, caller._("I store nothing about you."))
        return None
    return caller


async def mydata(update: Update, context: BotContext) -> None:
    """Send a file with everything stored about the caller."""
    caller = await known_caller(context)
    if caller is None:
        return
    document = await rights.everything_about(context.services, caller)
    await send_file(
        context,
        caller,
        "document",
        json.dumps(document, ensure_ascii=False, indent=2).encode(),
        filename="my-data.json",
        caption=caller._("Everything stored about you, as of today."),
    )


async def delete(update: Update, context: BotContext) -> None:
    """Ask for confirmation before erasing."""
    caller = await known_caller(context)
    if caller is None:
        return
    _ = caller._
    rows = [
        [button(caller, context, _("Yes, erase my data"), "erase")],
        [button(caller, context, _("No, keep it"), "keep")],
    ]
    await say(
        context,
        caller,
        _(
            "This erases your answers, your consents, your roles and the link between you and "
            "your pseudonym, in every pilot. It cannot be undone. Erase?"
        ),
        keyboard(rows),
    )


async def withdraw(update: Update, context: BotContext) -> None:
    """Stop all processing at once: consents withdrawn, memberships stopped."""
    caller = await known_caller(context)
    if caller is None:
        return
    await rights.withdraw(context.services, caller, update.update_id)
    await say(
        context,
        caller,
        caller._(
            "Done: I have stopped all processing of your data and will not send you check-ins. "
            "Your earlier answers stay stored until the end of the pilot unless you /delete them. "
            "To take part again, open an invite link."
        ),
    )


async def language(update: Update, context: BotContext) -> None:
    """Offer the four languages."""
    caller = context.caller
    rows = [[button(caller, context, LANGUAGE_NAMES[code], "setlang", code)] for code in LANGUAGES]
    await say(context, caller, caller._("Which language would you like to use?"), keyboard(rows))


async def on_press(update: Update, context: BotContext, caller: Caller, press: Press) -> bool:
    """Handle the privacy buttons; False when the button is not valid any more."""
    services = context.services
    pressed = update.callback_query.message
    if press.action == "setlang":
        if press.argument not in LANGUAGES:
            return False
        await rights.set_language(services, caller, press.argument, update.update_id)
        speaking = replace(caller, language=press.argument)
        await refresh_menu(context, speaking)
        await say(
            context,
            speaking,
            speaking._("From now on I will speak English with you."),
            replacing=pressed,
        )
        return True
    if caller.person is None:
        return False
    if press.action == "keep":
        await say(context, caller, caller._("Nothing was erased."), replacing=pressed)
        return True
    if press.action == "erase":
        await rights.erase(services, caller, update.update_id)
        await say(
            context,
            caller,
            caller._(
                "Your data has been erased. What remains are results that were already "
                "published as aggregates of at least five people, which do not identify you."
            ),
            replacing=pressed,
        )
        await refresh_menu(context, replace(caller, roles=frozenset()))
        return True
    if press.action == "rechoose" and await rights.choose_consents_again(
        services, caller, update.update_id
    ):
        member = caller.member.model_copy(update={"onboarding_step": "consent"})
        return await context.reprompt(replace(caller, member=member), replacing=pressed)
    return False


STOP_PROCESSING = N_("Stop all processing of your data now")
COMMANDS = (
    Command("language", "everyone", N_("Change the language"), language),
    Command("privacy", "everyone", N_("How your data is used"), privacy),
    Command("mydata", "everyone", N_("Get a file of everything stored about you"), mydata),
    Command("withdraw", "member", STOP_PROCESSING, withdraw),
    Command("stop", "member", STOP_PROCESSING, withdraw, menu="never"),
    Command("delete", "everyone", N_("Erase your data"), delete),
)
BUTTONS = tuple(
    Button(action, "everyone", on_press) for action in ("setlang", "erase", "keep", "rechoose")
)
