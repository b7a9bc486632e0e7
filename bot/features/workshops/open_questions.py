"""Open questions ("what should the village hub offer?"): asked in the group, answered in
private, moderated by the facilitator, and shown in the group as a chart of the most
frequent words and a list of the approved answers (no names)."""

from __future__ import annotations

import asyncio
import re

from telegram import ForceReply, Message, Update
from telegram.constants import MessageLimit
from telegram.ext import filters

from bot.chat.callbacks import Press, ascii_number, id_argument
from bot.chat.caller import Caller
from bot.chat.context import BotContext
from bot.chat.labels import short
from bot.chat.render import keyboard, link_button, say, say_in, send_file_in
from bot.features.workshops import sessions
from bot.features.workshops.group import (
    args,
    deep_link,
    moderation_keyboard,
    not_a_member,
    show_decision,
    workshop_or_say,
)
from bot.features.workshops.sessions import Answering, Words
from bot.i18n import Translate, translator
from bot.storage.repositories.workshops import Workshop
from seroi.charts import word_frequency_png

# The deep link's payload: /start wsq-<question id>.
LINK = "wsq"
MAX_QUESTION = 300
MAX_ANSWER = 300
# The approved answers are listed in one message, which holds 4096 characters.
LIST_CHARACTERS = 3500
# The prompt in private begins with its question's number in a form every language shares:
# a reply to the prompt finds its question by it.
PROMPT_MARK = "❓ #"
_PROMPT = re.compile(rf"^{re.escape(PROMPT_MARK)}([0-9]{{1,18}}) ")


class _RepliesToPrompt(filters.MessageFilter):
    """A message that replies to one of our open-question prompts."""

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        return (
            replied is not None
            and replied.from_user is not None
            and replied.from_user.is_bot
            and _PROMPT.match(replied.text or "") is not None
        )


REPLIES_TO_PROMPT = _RepliesToPrompt()


async def open_command(update: Update, context: BotContext) -> None:
    """`/open <question>`: ask the group an open question, answered in private."""
    caller = context.caller
    workshop = await workshop_or_say(context, update)
    if workshop is None:
        return
    text = " ".join(args(update).split())
    if not text or len(text) > MAX_QUESTION:
        usage = caller._(
            "To ask an open question: /open <question>, in at most {limit} characters."
        )
        await say_in(context, workshop.chat_id, usage.format(limit=MAX_QUESTION))
        return
    question = await sessions.ask_open(context.services, workshop, text, update.update_id)
    _ = translator(workshop.language)
    answer = link_button(_("Answer in private"), deep_link(context, f"{LINK}-{question.id}"))
    await say_in(
        context,
        workshop.chat_id,
        _(
            "Open question: {question}\nAnswer in a private chat with me: press the button. "
            "The facilitator reviews the answers; the approved ones are shown here without names."
        ).format(question=text),
        keyboard([[answer]]),
    )


def _prompt(_: Translate, answering: Answering) -> str:
    return "\n".join(
        [
            f"{PROMPT_MARK}{answering.question.id} {answering.workshop.title}",
            answering.question.text,
            "",
            _(
                "Reply to this message with your answer, in at most {limit} characters. Once "
                "the facilitator approves it, it is shown in the group without your name."
            ).format(limit=MAX_ANSWER),
        ]
    )


async def _answering_or_say(
    context: BotContext, caller: Caller, question_id: int | None
) -> Answering | None:
    """The question if it takes answers and the caller may answer it; else a note why not."""
    services = context.services
    answering = None if question_id is None else await sessions.answerable(services, question_id)
    if answering is None:
        await say(context, caller, caller._("This question no longer takes answers."))
        return None
    if not await sessions.member_of(services, caller, answering.workshop):
        await say(context, caller, not_a_member(caller._, context, answering.workshop))
        return None
    return answering


async def on_start(update: Update, context: BotContext) -> None:
    """`/start wsq-<id>` from the group's button: the question, to answer with a reply."""
    caller = context.caller
    question_id = ascii_number(context.args[0].removeprefix(f"{LINK}-"))
    answering = await _answering_or_say(context, caller, question_id)
    if answering is None:
        return
    placeholder = caller._("Your answer")
    await say(
        context,
        caller,
        _prompt(caller._, answering),
        ForceReply(input_field_placeholder=placeholder),
    )


async def on_reply(update: Update, context: BotContext) -> None:
    """A reply to the prompt: the answer, kept for the facilitator to approve or reject."""
    caller = context.caller
    _ = caller._
    message = update.message
    question_id = ascii_number(_PROMPT.match(message.reply_to_message.text).group(1))
    answering = await _answering_or_say(context, caller, question_id)
    if answering is None:
        return
    text = " ".join((message.text or "").split())
    if not text or len(text) > MAX_ANSWER:
        await say(
            context,
            caller,
            _(
                "An answer is text of at most {limit} characters (yours has {length}). "
                "Please reply to the question again."
            ).format(limit=MAX_ANSWER, length=len(text)),
        )
        return
    answer = await sessions.answer_open(context.services, caller, answering, text, update.update_id)
    if answer is None:
        await say(
            context,
            caller,
            _("The facilitator has already decided on your answer to this question."),
        )
        return
    await say(
        context,
        caller,
        _(
            "Thank you! Your answer goes to the facilitator, and to the group without your "
            "name once approved. To change it before then, reply to the question again."
        ),
    )
    workshop = answering.workshop
    facilitator_chat = await context.services.workshops.chat_of(workshop.facilitator)
    if facilitator_chat is None:
        return
    f_ = translator(workshop.language)
    await say_in(
        context,
        facilitator_chat,
        f_("Answer to “{question}”: {text}").format(question=answering.question.text, text=text),
        moderation_keyboard(context, facilitator_chat, workshop.language, "oa", answer.id),
    )


async def on_moderate(update: Update, context: BotContext, caller: Caller, press: Press) -> bool:
    """The facilitator approves an answer (it counts in the words and the list) or rejects it."""
    approve = press.action == "oaok"
    answer = await sessions.moderate_answer(
        context.services, caller, id_argument(press.argument), approve, update.update_id
    )
    if answer is None:
        return False
    await show_decision(context, caller, update, approve, answer.text)
    return True


async def words_command(update: Update, context: BotContext) -> None:
    """`/words`: the latest open question's word chart and approved answers, so far."""
    workshop = await workshop_or_say(context, update)
    if workshop is None:
        return
    question = await context.services.workshops.latest_question(workshop.id)
    if question is None:
        await say_in(
            context,
            workshop.chat_id,
            context.caller._("No open question has been asked yet: /open <question>."),
        )
        return
    words = await sessions.words_of(context.services, question)
    await post_words(context, workshop.chat_id, workshop.language, words)


def _answer_list(_: Translate, words: Words) -> str:
    """The approved answers, one a line, as many as one message holds."""
    lines = [_("Approved answers to “{question}”:").format(question=words.question.text)]
    length = len(lines[0])
    for shown, answer in enumerate(words.answers):
        line = f"• {answer.text}"
        if length + len(line) > LIST_CHARACTERS:
            more = len(words.answers) - shown
            lines.append(_("…and {count} more.").format(count=more))
            break
        lines.append(line)
        length += len(line) + 1
    return "\n".join(lines)


async def post_words(context: BotContext, chat_id: int, language: str, words: Words) -> None:
    """The word chart and the answer list, or "not enough responses" under five answers."""
    _ = translator(language)
    if not words.showable:
        text = _(
            "“{question}”: not enough responses to show (fewer than 5 approved answers)."
        ).format(question=words.question.text)
        await say_in(context, chat_id, text)
        return
    caption = _("{count} approved answers; common little words are left out.").format(
        count=len(words.answers)
    )
    # The words in text as well, for screen readers and a projector too far to read.
    mentioned = ", ".join(f"{word} ({count})" for word, count in words.words)
    listed = _("Most mentioned: {words}").format(words=mentioned)
    # Rendering takes a moment: off the event loop, so other chats are answered meanwhile.
    chart = await asyncio.to_thread(
        word_frequency_png, words.words, lang=language, title=words.question.text, subtitle=caption
    )
    await send_file_in(
        context,
        chat_id,
        chart,
        filename=f"words-{words.question.id}.png",
        caption=short(f"{words.question.text}\n{caption}\n{listed}", MessageLimit.CAPTION_LENGTH),
    )
    await say_in(context, chat_id, _answer_list(_, words))


async def post_record(context: BotContext, chat_id: int, language: str, workshop: Workshop) -> None:
    """Every open question of a workshop, for the facilitator's record."""
    for question in await context.services.workshops.questions_asked(workshop.id):
        await post_words(
            context, chat_id, language, await sessions.words_of(context.services, question)
        )
