"""Joining a pilot: an invite, then the onboarding script's questions, asked by the engine.

The questions are conversations/scripts/onboarding.yaml; these handlers render whatever
question the engine is at (single choice → buttons, multiple → toggles and Confirm, a
note → its text and Continue) and pass each press back to it (bot.features.onboarding.steps).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.chat import callbacks
from bot.chat.callbacks import Press
from bot.chat.caller import Caller, identify
from bot.chat.commands import ROLE_NAMES, Button, Command, menu
from bot.chat.context import BotContext
from bot.chat.gate import COMMAND_MESSAGES
from bot.chat.labels import CONSENT_LABELS
from bot.chat.menus import refresh_menu
from bot.chat.onboarding import SCRIPT
from bot.chat.render import acknowledge, button, keyboard, say, show_keyboard
from bot.features.onboarding import joining, steps
from bot.i18n import N_
from bot.storage.models import CONSENT_PURPOSES, Member, Pilot, Role
from bot.storage.repositories.invites import InviteProblem
from conversations import ACKNOWLEDGED, Step, engine
from conversations.script import MultipleChoice, Note, Question, SingleChoice

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


# Button actions are named after the question they answer; the questions that had
# buttons before the engine keep those names, so buttons on screen at an upgrade still work.
_NAMED = {"language": "lang", "consents": "consent", "stakeholder_group": "group"}
_CONFIRM_NAMED = {"consents": "consented"}
SKIP, BACK = "ob_skip", "ob_back"
# Questions whose answer takes effect when given (the language, the consent log): Back
# never leads to them. The first questions are shown as they were: no progress, no Back.
_ACTED_ON = frozenset({"language", "notice", "consents"})
_AS_BEFORE = _ACTED_ON | {"stakeholder_group"}


def answer_action(question: Question) -> str:
    """The action of the buttons that answer (or toggle a choice of) `question`."""
    return _NAMED.get(question.id, question.id)


def confirm_action(question: Question) -> str:
    """The action of the Confirm button of a multiple-choice question."""
    return _CONFIRM_NAMED.get(question.id, f"{question.id}_ok")


def _actions() -> dict[str, tuple[str, str]]:
    """Each button action → (question id, what a press does); Skip and Back name theirs."""
    actions = {SKIP: ("", "skip"), BACK: ("", "back")}
    for question in SCRIPT.questions:
        if isinstance(question, MultipleChoice):
            actions[answer_action(question)] = (question.id, "toggle")
            actions[confirm_action(question)] = (question.id, "confirm")
        else:
            actions[answer_action(question)] = (question.id, "answer")
    return actions


ACTIONS = _actions()


def question_text(caller: Caller, pilot: Pilot, question: Question) -> str:
    """The question's words in the caller's language (a note's content is written here)."""
    if isinstance(question, Note) and question.content == "privacy_notice":
        return short_notice(caller, pilot)
    texts = question.text or {}
    text = texts.get(caller.language) or texts[SCRIPT.languages[0]]
    return text.format(pilot=pilot.name)


def shown_choices(question: MultipleChoice, chosen: tuple[str, ...]) -> str:
    """The toggles a Confirm button is drawn with, for its callback data: `101`."""
    return "".join("1" if choice.value in chosen else "0" for choice in question.choices)


def choices_shown(question: MultipleChoice, code: str) -> tuple[str, ...] | None:
    """The toggles a Confirm button was drawn with; None if the code is not one."""
    if len(code) != len(question.choices) or not set(code) <= {"0", "1"}:
        return None
    pairs = zip(question.choices, code, strict=True)
    return tuple(choice.value for choice, bit in pairs if bit == "1")


def question_keyboard(
    context: BotContext, caller: Caller, pilot: Pilot, step: Step
) -> InlineKeyboardMarkup:
    """The buttons of the step's question, then Skip and Back where the engine allows them.

    A toggle carries the state it sets (`…:checkins:1`), not "flip": a press whose update
    was lost in a crash, or delivered twice, still does what it showed. Confirm carries
    the toggles it was drawn with, so what is recorded is what the person saw.
    """
    _ = caller._
    question = step.question

    def press(label: str, action: str, *value: str) -> list[InlineKeyboardButton]:
        return [button(caller, context, label, action, ":".join((str(pilot.id), *value)))]

    rows: list[list[InlineKeyboardButton]] = []
    if isinstance(question, Note):
        rows.append(press(_("Continue"), answer_action(question)))
    elif isinstance(question, SingleChoice):
        choices = list(question.choices)
        if question.stores == "language":
            # The language the person reads now comes first, ticked.
            choices.sort(key=lambda choice: choice.value != caller.language)
        for choice in choices:
            label = choice.text.get(caller.language) or choice.text[SCRIPT.languages[0]]
            if question.stores == "language" and choice.value == caller.language:
                label = "✓ " + label
            rows.append(press(label, answer_action(question), choice.value))
    elif isinstance(question, MultipleChoice):
        for choice in question.choices:
            chosen = choice.value in step.state.draft
            label = ("☑ " if chosen else "☐ ") + (
                choice.text.get(caller.language) or choice.text[SCRIPT.languages[0]]
            )
            rows.append(press(label, answer_action(question), choice.value, str(int(not chosen))))
        drawn = shown_choices(question, step.state.draft)
        rows.append(press(_("Confirm my choices"), confirm_action(question), drawn))
    if step.skippable:
        rows.append(press(_("Skip"), SKIP, question.id))
    if step.can_go_back and step.state.path[-1].question not in _ACTED_ON:
        rows.append(press(_("Back"), BACK, question.id))
    return keyboard(rows)


async def show_question(
    context: BotContext,
    caller: Caller,
    pilot: Pilot,
    step: Step,
    *,
    replacing: Message | None = None,
) -> None:
    """Show the step's question with its buttons (in place of `replacing`)."""
    text = question_text(caller, pilot, step.question)
    if step.question.id not in _AS_BEFORE:
        progress = caller._("Question {position} of {total}").format(
            position=step.progress.position, total=step.progress.total
        )
        text = f"{progress}\n\n{text}"
    markup = question_keyboard(context, caller, pilot, step)
    await say(context, caller, text, markup, replacing=replacing)


async def show_where(
    context: BotContext,
    caller: Caller,
    pilot: Pilot,
    member: Member,
    *,
    hint: str | None = None,
    replacing: Message | None = None,
) -> bool:
    """Show the onboarding question the member is at (after `hint`); False if at none."""
    step = await steps.where(context.services, caller, pilot, member)
    if step is None:
        return False
    if hint:
        await say(context, caller, hint)
    await show_question(context, caller, pilot, step, replacing=replacing)
    return True


def recorded_text(caller: Caller, decisions: dict[str, bool]) -> str:
    """What was recorded, purpose by purpose, after the person confirmed."""
    _ = caller._
    lines = [_("Your choices are saved:")]
    for purpose, granted in decisions.items():
        line = _("{purpose}: yes") if granted else _("{purpose}: no")
        lines.append("• " + line.format(purpose=_(CONSENT_LABELS[purpose])))
    return "\n".join(lines)


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
            await show_where(context, caller, outcome.pilot, outcome.member)
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
    await show_where(context, joined, outcome.pilot, joined.member)


def _engine_press(step: Step, action: str, value: str) -> Step | None:
    """The engine's step after a press on `step`; None if the press is not one it takes."""
    question_id, kind = ACTIONS[action]
    state = step.state
    if kind == "answer":
        question = SCRIPT.question(question_id)
        given = ACKNOWLEDGED if isinstance(question, Note) else value
        return engine.answer(SCRIPT, state, question_id, given)
    if kind == "toggle":
        choice, _sep, wanted = value.partition(":")
        if wanted not in ("0", "1"):
            return None
        return engine.choose(SCRIPT, state, question_id, choice, wanted == "1")
    if kind == "confirm":
        return engine.confirm(SCRIPT, state, question_id)
    if step.question is None or step.question.id != value:
        return None
    return engine.skip(SCRIPT, state, value) if kind == "skip" else engine.back(SCRIPT, state)


async def on_press(update: Update, context: BotContext, caller: Caller, press: Press) -> bool:
    """Handle an onboarding button; False when it is not (or no longer) the current question's."""
    query = update.callback_query
    pilot_id, _sep, value = press.argument.partition(":")
    at = await steps.at_question(context.services, caller, pilot_id)
    if at is None:
        return False
    question_id, kind = ACTIONS[press.action]
    if kind == "confirm" and at.step.question is not None and at.step.question.id == question_id:
        # Record what the screen showed, and only if it is what is stored: an edit of the
        # toggles may still be on its way, or have been refused (health data needs
        # explicit consent, so never one the person did not see).
        shown = choices_shown(at.step.question, value)
        if shown is None:
            return False
        if shown != at.step.state.draft:
            await say(
                context,
                caller,
                caller._(
                    "The screen was out of date, so nothing was recorded. Here are your "
                    "choices as they stand: check them and confirm again."
                ),
                question_keyboard(context, caller, at.pilot, at.step),
                replacing=query.message,
            )
            return True
    after = _engine_press(at.step, press.action, value)
    if after is None or after.problem is not None:
        return False
    moved = await steps.move(context.services, caller, at, after, update.update_id)
    speaking = replace(caller, language=moved.language)
    if kind == "toggle":
        markup = question_keyboard(context, speaking, at.pilot, after)
        await show_keyboard(context, speaking, query.message, markup)
        return True
    replacing = query.message
    if moved.decisions is not None:
        # The consent message becomes the record of what was decided; the next step follows.
        await say(context, speaking, recorded_text(speaking, moved.decisions), replacing=replacing)
        replacing = None
    if after.question is not None:
        await show_question(context, speaking, at.pilot, after, replacing=replacing)
    elif moved.joined:
        # The command menu changes once, when the member is in, not at every step.
        await refresh_menu(context, await identify(context.services, update))
        member = at.member.model_copy(update={"status": "active"})
        await welcome(context, speaking, at.pilot, member, replacing=replacing)
    elif moved.decisions is None:
        await say(context, speaking, speaking._("Thank you, that is saved."), replacing=replacing)
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
    """Show the question the member is at again (after a hint); False if they are at none.

    A member is at a question while onboarding, while re-choosing consents from /privacy,
    and, if they joined before check-in times were asked and get check-ins, until they
    have answered those questions.
    """
    if caller.member is None or caller.pilot is None:
        return False
    return await show_where(
        context, caller, caller.pilot, caller.member, hint=hint, replacing=replacing
    )


async def resume(update: Update, context: BotContext) -> None:
    """After a crash between storing an answer and replying, show the question the person is at.

    A toggle's lost reply was an edit of the toggles: they are drawn again as stored, so
    the screen (and its Confirm) is never behind what was stored. A confirm's lost reply
    was the record of what was decided: it is shown, then the question after it.
    """
    caller = context.caller
    query = update.callback_query
    member = caller.member
    pilot = caller.pilot
    if query is not None:
        await acknowledge(query)
        try:
            press = callbacks.decode(context.services.button_key, caller.telegram_id, query.data)
        except callbacks.InvalidCallbackError:
            return
        if press.action not in ACTIONS:
            return
        question_id, kind = ACTIONS[press.action]
        if kind == "toggle":
            step = (
                None
                if member is None
                else await steps.where(context.services, caller, pilot, member)
            )
            if step is not None and step.question.id == question_id:
                markup = question_keyboard(context, caller, pilot, step)
                await show_keyboard(context, caller, query.message, markup)
            return
        if kind == "confirm" and member is not None and pilot is not None:
            granted = await joining.granted_consents(context.services, member)
            decisions = {purpose: purpose in granted for purpose in CONSENT_PURPOSES}
            await say(context, caller, recorded_text(caller, decisions), replacing=query.message)
        finished_now = kind == "answer"
    else:
        finished_now = (update.message.text or "").startswith("/start")
    if pilot is None or await reprompt(context, caller):
        return
    if finished_now and member and member.status == "active":
        await refresh_menu(context, caller)
        # In place of the pressed prompt, as when not interrupted: sent again after
        # another crash, an edit changes nothing, where a new message would be a second.
        pressed = query.message if query is not None else None
        await welcome(context, caller, pilot, member, replacing=pressed)


async def cancel(update: Update, context: BotContext) -> None:
    """/cancel: stop the onboarding questions (someone joining stops joining)."""
    caller = context.caller
    _ = caller._
    cancelled = await steps.cancel(context.services, caller, update.update_id)
    if cancelled is None:
        await say(context, caller, _("There is nothing to cancel."))
    elif cancelled.joining:
        await refresh_menu(context, await identify(context.services, update))
        text = _(
            "You have stopped joining “{pilot}”; nothing more will be asked, and the "
            "consents you gave on the way are withdrawn. To join later, open the invite "
            "link again."
        )
        await say(context, caller, text.format(pilot=cancelled.pilot.name))
    else:
        await say(context, caller, _("Stopped; nothing was changed."))


async def ask_what_is_missing(update: Update, context: BotContext) -> None:
    """After a member's command, the questions added since they joined, if they concern them.

    Commands that show the question themselves (/start, an unknown one) or stop it
    (/cancel) are left alone.
    """
    caller = context.caller
    if caller is None or caller.member is None or caller.member.status != "active":
        return
    name = (update.message.text or "").split(maxsplit=1)[0][1:].partition("@")[0].lower()
    known = {command.name for command in context.commands}
    if name not in known or name in {"start", "cancel"}:
        return
    # Read again: the command may have changed the membership (/withdraw, /delete).
    await reprompt(context, await identify(context.services, update))


def handlers() -> list[BaseHandler]:
    """What runs after every other handler of a private command."""
    return [MessageHandler(COMMAND_MESSAGES & filters.COMMAND, ask_what_is_missing)]


COMMANDS = (
    Command("start", "everyone", N_("Join a pilot with an invite link"), start, menu="newcomers"),
    Command("cancel", "everyone", N_("Stop the questions you are answering"), cancel, menu="never"),
)
BUTTONS = tuple(Button(action, "everyone", on_press) for action in ACTIONS)
