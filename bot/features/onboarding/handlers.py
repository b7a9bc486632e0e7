"""Joining a pilot: invite → language → privacy notice → consents → stakeholder group."""

from __future__ import annotations

import logging
from dataclasses import replace

from telegram import InlineKeyboardMarkup, Message, Update

from bot.chat import callbacks
from bot.chat.callbacks import Press
from bot.chat.caller import Caller, identify
from bot.chat.commands import ROLE_NAMES, Button, Command, menu
from bot.chat.context import BotContext
from bot.chat.labels import CONSENT_LABELS, GROUP_LABELS
from bot.chat.menus import refresh_menu
from bot.chat.render import acknowledge, button, keyboard, say, show_keyboard
from bot.features.onboarding import joining
from bot.features.onboarding.joining import STEP_OF_ACTION
from bot.i18n import LANGUAGE_NAMES, N_
from bot.settings import LANGUAGES
from bot.storage.models import CONSENT_PURPOSES, STAKEHOLDER_GROUPS, Member, Pilot, Role
from bot.storage.repositories.invites import InviteProblem

log = logging.getLogger(__name__)


INVITE_PROBLEMS = {
    InviteProblem.UNKNOWN: N_(
        "This invite link is not valid. Please check that you opened the whole link, "
        "or ask the pilot's coordinator for a new one."
    ),
    InviteProblem.EXPIRED: N_(
        "This invite link has expired. Please ask the pilot's coordinator for a new one."
    ),
    InviteProblem.REVOKED: N_(
        "This invite link has been revoked by the pilot's coordinator. "
        "Please ask them for a new one if you should still join."
    ),
    InviteProblem.USED_UP: N_(
        "This invite link has already been used as many times as allowed. "
        "Please ask the pilot's coordinator for a new one."
    ),
}
HOW_TO_JOIN = N_(
    "Hello! I help the Smart Villages pilots measure what their actions are worth "
    "(SEROI+). To join a pilot you need an invite link or QR code from its "
    "coordinator: open it and press Start. Until you do, I store nothing about you."
)


def short_notice(caller: Caller, pilot: Pilot) -> str:
    """The short privacy notice shown before any consent is asked (GDPR Art. 13)."""
    _ = caller._
    return _(
        "Before we start, how your data is used in “{pilot}”:\n\n"
        "• Controller: {controller}; contact: {contact}.\n"
        "• Purpose: to measure the social, economic and environmental value of the "
        "pilot's actions (SEROI+).\n"
        "• Legal basis: your consent (GDPR Art. 6(1)(a)); for the wellbeing questions, "
        "your explicit consent (Art. 9(2)(a)). You can withdraw it at any time.\n"
        "• Your answers are stored under a pseudonym, never with your name or Telegram id, "
        "and results are never shown for groups of fewer than five people.\n"
        "• Messages travel through Telegram's cloud and are not end-to-end encrypted.\n"
        "• Answers are kept until the pilot's evaluation is finished, then deleted.\n"
        "• You may lodge a complaint with a supervisory authority: in Finland the Data "
        "Protection Ombudsman (tietosuojavaltuutettu, tietosuoja.fi).\n"
        "• At any time: /mydata gives you a copy, /withdraw stops everything, "
        "/delete erases your data. The full notice: /privacy."
    ).format(
        pilot=pilot.name,
        controller=pilot.controller,
        contact=pilot.controller_contact or _("see /privacy"),
    )


async def show_step(
    context: BotContext,
    caller: Caller,
    pilot: Pilot,
    member: Member,
    *,
    replacing: Message | None = None,
) -> None:
    """Show the prompt of the member's current onboarding step (in place of `replacing`)."""
    _ = caller._
    step = member.onboarding_step
    if step == "language":
        preferred = caller.language
        order = [preferred, *[code for code in LANGUAGES if code != preferred]]
        rows = [
            [
                button(
                    caller,
                    context,
                    ("✓ " if code == preferred else "") + LANGUAGE_NAMES[code],
                    "lang",
                    f"{pilot.id}:{code}",
                )
            ]
            for code in order
        ]
        text = _("Welcome to the pilot “{pilot}”! Which language would you like to use?")
        await say(
            context, caller, text.format(pilot=pilot.name), keyboard(rows), replacing=replacing
        )
    elif step == "notice":
        rows = [[button(caller, context, _("Continue"), "notice", str(pilot.id))]]
        await say(context, caller, short_notice(caller, pilot), keyboard(rows), replacing=replacing)
    elif step == "consent":
        await say(
            context,
            caller,
            consent_text(caller),
            consent_keyboard(context, caller, member),
            replacing=replacing,
        )
    elif step == "group":
        rows = [
            [button(caller, context, _(GROUP_LABELS[group]), "group", f"{pilot.id}:{group}")]
            for group in STAKEHOLDER_GROUPS
        ]
        await say(
            context,
            caller,
            _("Which group do you mainly belong to in this pilot?"),
            keyboard(rows),
            replacing=replacing,
        )


def recorded_text(caller: Caller, decisions: dict[str, bool]) -> str:
    """What was recorded, purpose by purpose, after the person confirmed."""
    _ = caller._
    lines = [_("Your choices are saved:")]
    for purpose, granted in decisions.items():
        line = _("{purpose}: yes") if granted else _("{purpose}: no")
        lines.append("• " + line.format(purpose=_(CONSENT_LABELS[purpose])))
    return "\n".join(lines)


def consent_text(caller: Caller) -> str:
    """The consent question."""
    return caller._(
        "You decide what you take part in. Tap each item you agree to, then confirm. "
        "Saying no to one does not stop the others, and you can change your mind later "
        "with /privacy."
    )


def consent_keyboard(context: BotContext, caller: Caller, member: Member) -> InlineKeyboardMarkup:
    """One toggle per purpose, then a confirm button.

    Each toggle carries the state it sets (`…:checkins:1`), not "flip": pressing a button
    whose update was lost in a crash, or delivered twice, still does what it showed. The
    confirm button carries the toggles it was drawn with (`…:101`), so what is recorded
    is what the person saw.
    """
    _ = caller._
    rows = []
    for purpose in CONSENT_PURPOSES:
        chosen = purpose in member.pending_consents
        label = ("☑ " if chosen else "☐ ") + _(CONSENT_LABELS[purpose])
        argument = f"{member.pilot_id}:{purpose}:{0 if chosen else 1}"
        rows.append([button(caller, context, label, "consent", argument)])
    rows.append(
        [
            button(
                caller,
                context,
                _("Confirm my choices"),
                "consented",
                f"{member.pilot_id}:{joining.shown_consents(member.pending_consents)}",
            )
        ]
    )
    return keyboard(rows)


async def start(update: Update, context: BotContext) -> None:
    """`/start [invite]`: explain how to join, or redeem an invite and begin onboarding."""
    caller = context.caller
    _ = caller._
    if not context.args:
        if caller.person is None:
            await say(context, caller, _(HOW_TO_JOIN))
        elif not await reprompt(context, caller):
            await say(context, caller, _("Welcome back! /help shows what you can do."))
        return
    outcome = await joining.join(
        context.services,
        caller,
        context.args[0],
        update.update_id,
        context.bot_data["invite_attempts"],
    )
    if isinstance(outcome, joining.TooManyAttempts):
        text = _(
            "Too many invite codes that did not work. Please try again in {minutes} min, "
            "or ask the pilot's coordinator for a new link."
        )
        await say(context, caller, text.format(minutes=outcome.minutes))
        return
    if isinstance(outcome, InviteProblem):
        log.info("rejected invite: %s", outcome.value)
        await say(context, caller, _(INVITE_PROBLEMS[outcome]))
        return
    if isinstance(outcome, joining.AlreadyIn):
        await say(
            context, caller, _("You are already in “{pilot}”.").format(pilot=outcome.pilot.name)
        )
        if outcome.member.status == "onboarding":
            await show_step(context, caller, outcome.pilot, outcome.member)
        return
    joined = await identify(context.services, update)
    if joined.member.status != "onboarding":
        await refresh_menu(context, joined)
        role = joined._(ROLE_NAMES[outcome.role])
        gained = joined._("You are now also a {role} in “{pilot}”.").format(
            role=role, pilot=outcome.pilot.name
        )
        adds = what_the_role_adds(context, joined, outcome.role)
        await say(context, joined, f"{gained}\n\n{adds}")
        return
    await show_step(context, joined, outcome.pilot, joined.member)


async def on_press(update: Update, context: BotContext, caller: Caller, press: Press) -> bool:
    """Handle an onboarding button; False when the button is not (or no longer) valid."""
    query = update.callback_query
    outcome = await joining.take_step(
        context.services, caller, press.action, press.argument, update.update_id
    )
    if outcome is None:
        return False
    if isinstance(outcome, joining.Toggled):
        await show_keyboard(
            context, caller, query.message, consent_keyboard(context, caller, outcome.member)
        )
    elif isinstance(outcome, joining.OutOfDate):
        await say(
            context,
            caller,
            caller._(
                "The screen was out of date, so nothing was recorded. Here are your choices "
                "as they stand: check them and confirm again."
            ),
            consent_keyboard(context, caller, outcome.member),
            replacing=query.message,
        )
    elif isinstance(outcome, joining.Confirmed):
        # The consent message becomes the record of what was decided; the next step follows.
        await say(
            context, caller, recorded_text(caller, outcome.decisions), replacing=query.message
        )
        await show_step(context, caller, outcome.pilot, outcome.member)
    elif outcome.finished:
        # The command menu changes once, when the member is in, not at every step.
        await refresh_menu(context, await identify(context.services, update))
        await welcome(context, caller, outcome.pilot, outcome.member, replacing=query.message)
    else:
        speaking = replace(caller, language=outcome.language)
        await show_step(context, speaking, outcome.pilot, outcome.member, replacing=query.message)
    return True


async def welcome(
    context: BotContext,
    caller: Caller,
    pilot: Pilot,
    member: Member,
    *,
    replacing: Message | None = None,
) -> None:
    """Say what happens next, according to the consents the member confirmed."""
    _ = caller._
    granted = await joining.granted_consents(context.services, member)
    lines = [_("Thank you, you are now part of “{pilot}”!").format(pilot=pilot.name)]
    if "checkins" in granted:
        lines.append(_("Each week I will send you a short check-in about work and travel."))
    if "wellbeing" in granted:
        lines.append(_("Once a month I will ask a few questions about your wellbeing."))
    if "workshops" in granted:
        lines.append(_("I will let you know when there is a workshop."))
    if not granted:
        lines.append(
            _("You have not chosen any check-ins; you can change that at any time with /privacy.")
        )
    role = caller.role
    if role is None or role == "member":
        lines.append(
            _("The coordinators will invite you to the next steps. /help shows what you can do.")
        )
    else:
        lines.append(
            _("Your role in “{pilot}”: {role}.").format(pilot=pilot.name, role=_(ROLE_NAMES[role]))
        )
        lines.append(what_the_role_adds(context, caller, role))
    await say(context, caller, "\n\n".join(lines), replacing=replacing)


def what_the_role_adds(context: BotContext, caller: Caller, role: Role) -> str:
    """The commands a role has beyond a member's, read from the command table."""
    _ = caller._
    members_have = {command.command for command in menu(context.commands, "member", _)}
    added = [
        f"/{command.command} — {command.description}"
        for command in menu(context.commands, role, _)
        if command.command not in members_have
    ]
    if not added:
        return _("/help shows what you can do.")
    return "\n".join([_("What you can do now:"), *added, _("/help shows everything.")])


async def reprompt(
    context: BotContext,
    caller: Caller,
    hint: str | None = None,
    replacing: Message | None = None,
) -> bool:
    """Show the step the member is at again (after a hint); False if they are at none.

    A member is at a step while onboarding, and while re-choosing consents from /privacy.
    """
    member = caller.member
    if member is None or member.onboarding_step == "done":
        return False
    if hint:
        await say(context, caller, hint)
    await show_step(context, caller, caller.pilot, member, replacing=replacing)
    return True


async def resume(update: Update, context: BotContext) -> None:
    """After a crash between storing an answer and replying, show the step the person is at.

    A consent toggle's lost reply was an edit of the toggles: they are drawn again as
    stored, so the screen (and its Confirm) is never behind what was stored. A confirm's
    lost reply was the record of what was decided: it is shown, then the next step.
    """
    caller = context.caller
    query = update.callback_query
    member = caller.member
    if query is not None:
        await acknowledge(query)
        try:
            press = callbacks.decode(context.services.button_key, caller.telegram_id, query.data)
        except callbacks.InvalidCallbackError:
            return
        if press.action not in STEP_OF_ACTION:
            return
        if press.action == "consent":
            if member is not None and member.onboarding_step == "consent":
                markup = consent_keyboard(context, caller, member)
                await show_keyboard(context, caller, query.message, markup)
            return
        if press.action == "consented" and member is not None and caller.pilot is not None:
            granted = await joining.granted_consents(context.services, member)
            decisions = {purpose: purpose in granted for purpose in CONSENT_PURPOSES}
            await say(context, caller, recorded_text(caller, decisions), replacing=query.message)
        finished_now = press.action == "group"
    else:
        finished_now = (update.message.text or "").startswith("/start")
    if caller.pilot is None or await reprompt(context, caller):
        return
    if finished_now and member and member.status == "active":
        await refresh_menu(context, caller)
        # In place of the pressed prompt, as when not interrupted: sent again after
        # another crash, an edit changes nothing, where a new message would be a second.
        pressed = query.message if query is not None else None
        await welcome(context, caller, caller.pilot, member, replacing=pressed)


COMMANDS = (
    Command("start", "everyone", N_("Join a pilot with an invite link"), start, menu="newcomers"),
)
BUTTONS = tuple(Button(action, "everyone", on_press) for action in STEP_OF_ACTION)
