"""Questions to the panel: asked in private, approved by the facilitator, upvoted in the
group, the top ones shown and marked answered (Slido's core, without an account)."""

from __future__ import annotations

from telegram import Update

from bot.chat.callbacks import Press, ascii_number, id_argument
from bot.chat.caller import Caller
from bot.chat.context import BotContext
from bot.chat.render import Answer, group_button, keyboard, say, say_in
from bot.features.workshops import sessions
from bot.features.workshops.group import (
    MUTED,
    moderation_keyboard,
    show_decision,
    workshop_or_say,
)
from bot.i18n import N_, translator

MAX_QUESTION = 500
TOP = 5


async def ask_command(update: Update, context: BotContext) -> None:
    """A question for the panel of the running workshop of the caller's pilot."""
    caller = context.caller
    _ = caller._
    parts = (update.message.text or "").split(maxsplit=1)
    text = parts[1].strip() if len(parts) == 2 else ""
    if not text:
        await say(context, caller, _("To ask the panel: /ask <your question>"))
        return
    if len(text) > MAX_QUESTION:
        await say(
            context,
            caller,
            _("A question is at most {limit} characters.").format(limit=MAX_QUESTION),
        )
        return
    asked = await sessions.ask_panel(context.services, caller, text, update.update_id)
    if asked is None:
        await say(context, caller, _("No workshop of your pilot is running."))
        return
    workshop, question_id, facilitator_chat = asked
    await say(
        context,
        caller,
        _("Thank you: your question goes to the facilitator, and to the group once approved."),
    )
    if facilitator_chat is None:
        return
    await say_in(
        context,
        facilitator_chat,
        translator(workshop.language)(N_("Question to the panel: {text}")).format(text=text),
        moderation_keyboard(context, facilitator_chat, workshop.language, "q", question_id),
    )


async def on_moderate(update: Update, context: BotContext, caller: Caller, press: Press) -> bool:
    """The facilitator approves (it goes to the group, with an upvote button) or rejects."""
    approve = press.action == "qok"
    moderated = await sessions.moderate(
        context.services, caller, id_argument(press.argument), approve, update.update_id
    )
    if moderated is None:
        return False
    workshop, text = moderated
    await show_decision(context, caller, update, approve, text)
    if approve and workshop.muted:
        await say(context, caller, caller._(MUTED).format(title=workshop.title))
    elif approve:
        g_ = translator(workshop.language)
        upvote = group_button(context, workshop.chat_id, g_(N_("Upvote")), "qup", press.argument)
        await say_in(
            context,
            workshop.chat_id,
            g_(N_("Question to the panel: {text}\nUpvote it if you want it answered.")).format(
                text=text
            ),
            keyboard([[upvote]]),
        )
    return True


async def on_upvote(
    update: Update, context: BotContext, caller: Caller, press: Press
) -> Answer | bool:
    """One upvote per person for an approved question of the group's workshop."""
    chat_id = update.callback_query.message.chat.id
    counted = await sessions.upvote(
        context.services, caller, chat_id, id_argument(press.argument), update.update_id
    )
    if counted is None:
        return False
    return Answer(caller._("Upvoted.") if counted else caller._("You upvoted this already."))


async def questions_command(update: Update, context: BotContext) -> None:
    """The top questions to the panel, most upvoted first."""
    caller = context.caller
    workshop = await workshop_or_say(context, update)
    if workshop is None:
        return
    top = await context.services.workshops.top_questions(workshop.id, TOP)
    if not top:
        await say_in(context, workshop.chat_id, caller._("No questions to the panel yet."))
        return
    lines = [caller._("Top questions to the panel:")]
    lines += [
        caller._("#{number} {text} — {votes} upvotes").format(number=q, text=text, votes=votes)
        for q, text, votes in top
    ]
    await say_in(context, workshop.chat_id, "\n".join(lines))


async def answered_command(update: Update, context: BotContext) -> None:
    """Mark a question to the panel answered (it leaves the top list)."""
    caller = context.caller
    workshop = await workshop_or_say(context, update)
    if workshop is None:
        return
    number = ascii_number(context.args[0]) if len(context.args) == 1 else None
    text = None
    if number is not None:
        text = await sessions.mark_answered(context.services, workshop, number, update.update_id)
    if text is None:
        await say_in(
            context, workshop.chat_id, caller._("To mark a question answered: /answered <number>")
        )
        return
    await say_in(
        context, workshop.chat_id, caller._("Marked as answered: {text}").format(text=text)
    )
