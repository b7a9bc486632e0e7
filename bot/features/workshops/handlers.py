"""Workshops in a group chat: the facilitator's commands, the group's buttons, poll answers
and tallies, and what the bot hears about its own membership of the group."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time

from telegram import ChatMember, Update
from telegram.constants import PollLimit
from telegram.ext import (
    BaseHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    PollAnswerHandler,
    PollHandler,
    filters,
)

from bot.chat.callbacks import Press, id_argument
from bot.chat.caller import Caller
from bot.chat.commands import Button, Command
from bot.chat.context import BotContext
from bot.chat.gate import COMMAND_MESSAGES
from bot.chat.render import (
    Answer,
    edit_in,
    group_button,
    keyboard,
    link_button,
    say_in,
    send_file_in,
    send_poll,
    stop_poll,
)
from bot.features.workshops import dot_votes, open_questions, panel, polls, sessions
from bot.features.workshops.group import args, join_link, workshop_or_say
from bot.i18n import N_, Translate, format_day, translator
from bot.outbox import Outbox, PollSent
from bot.services import Services
from bot.storage.models import Invite, Reply
from bot.storage.repositories.workshops import NewPoll, Workshop, WorkshopPoll
from seroi.charts import poll_results_png
from seroi.i18n import format_number

log = logging.getLogger(__name__)


def _attendance_text(_: Translate, workshop: Workshop, count: int) -> str:
    return _("{title}: press “I'm here” when you arrive. Here: {count}.").format(
        title=workshop.title, count=count
    )


def _attendance_keyboard(context: BotContext, workshop: Workshop, _: Translate):
    return keyboard(
        [
            [group_button(context, workshop.chat_id, _("I'm here"), "here", str(workshop.id))],
            [link_button(_("Join the pilot"), join_link(context, workshop))],
        ]
    )


async def workshop_command(update: Update, context: BotContext) -> None:
    """Bind this group to the facilitator's pilot as a workshop, and show the attendance."""
    caller = context.caller
    chat_id = update.effective_chat.id
    title = args(update).strip()
    if caller.pilot is None or not title:
        await say_in(context, chat_id, caller._("To start a workshop here: /workshop <title>"))
        return
    workshop = await sessions.start(context.services, caller, chat_id, title, update.update_id)
    if workshop is None:
        await say_in(
            context,
            chat_id,
            caller._("A workshop is running in this group already; /endworkshop ends it."),
        )
        return
    _ = caller._
    await say_in(
        context,
        chat_id,
        _attendance_text(_, workshop, 0),
        _attendance_keyboard(context, workshop, _),
    )


async def _post_poll(context: BotContext, workshop: Workshop, poll_id: int, poll: NewPoll) -> None:
    """Announce a named poll, then send it; both through the outbox, in this order."""
    _ = translator(workshop.language)
    if poll.named:
        await say_in(
            context,
            workshop.chat_id,
            _("Named vote: your name and your answer will be visible to everyone in this group."),
        )
    params: dict = {
        "question": poll.question,
        "options": [{"text": option} for option in poll.options],
        "is_anonymous": not poll.named,
        "allows_multiple_answers": poll.multiple,
    }
    if poll.open_period is not None:
        params["open_period"] = poll.open_period
    await send_poll(context, workshop.chat_id, poll_id, params)


async def poll_command(update: Update, context: BotContext) -> None:
    """An ad hoc poll, a scale, or a prepared poll set."""
    caller = context.caller
    workshop = await workshop_or_say(context, update)
    if workshop is None:
        return
    chat_id = workshop.chat_id
    if await context.services.workshops.current_poll(workshop.id) is not None:
        await say_in(context, chat_id, caller._("A poll is open: /close it first."))
        return
    text = args(update).strip()
    words = text.split()
    if words[:1] == ["set"]:
        names = sessions.poll_set_names()
        if len(words) != 2 or words[1] not in names:
            await say_in(
                context,
                chat_id,
                caller._("Prepared poll sets: {names}. Start one with /poll set <name>.").format(
                    names=", ".join(names)
                ),
            )
            return
        await _next_of_set(context, workshop, update.update_id, words[1])
        return
    poll, problems = polls.parse(text)
    if poll is None:
        lines = [caller._(message).format(**values) for message, values in problems]
        await say_in(context, chat_id, "\n".join(lines))
        return
    if poll.subject_kind is not None:
        poll = await _over_round(context, workshop, poll)
        if poll is None:
            return
    poll_id = await sessions.ask(context.services, workshop, poll, update.update_id)
    await _post_poll(context, workshop, poll_id, poll)


async def _over_round(context: BotContext, workshop: Workshop, poll: NewPoll) -> NewPoll | None:
    """A poll over the pilot's goal or idea round, or a note why there is none to ask."""
    _ = context.caller._
    found = await sessions.round_for_poll(context.services, workshop, poll.subject_kind)
    if found is None:
        await say_in(context, workshop.chat_id, _("There is no open round of that kind."))
        return None
    its_round, subjects = found
    if len(subjects) < polls.MIN_OPTIONS:
        text = _("A poll needs at least 2 approved goals or ideas; this round has {count}.")
        await say_in(context, workshop.chat_id, text.format(count=len(subjects)))
        return None
    if len(subjects) > PollLimit.MAX_OPTION_NUMBER:
        text = _("A poll has at most {limit} options: the first {limit} of the ranking are asked.")
        await say_in(context, workshop.chat_id, text.format(limit=PollLimit.MAX_OPTION_NUMBER))
    return polls.over_round(
        poll, its_round.id, its_round.prompt, [(r.proposal.id, r.proposal.text) for r in subjects]
    )


async def _next_of_set(
    context: BotContext, workshop: Workshop, update_id: int, name: str | None = None
) -> None:
    """Send the next poll of the set (the facilitator's "next")."""
    _ = translator(workshop.language)
    following = await sessions.next_of_set(context.services, workshop, update_id, name)
    if following is None:
        await say_in(context, workshop.chat_id, _("That was the last poll of the set."))
        return
    poll_id, poll = following
    await _post_poll(context, workshop, poll_id, poll)
    next_button = group_button(
        context, workshop.chat_id, _("Next poll"), "wsnext", str(workshop.id)
    )
    await say_in(
        context,
        workshop.chat_id,
        _("Facilitator: close this poll and go on:"),
        keyboard([[next_button]]),
    )


async def next_command(update: Update, context: BotContext) -> None:
    """Close the open poll of the set (with its results) and send the next one."""
    workshop = await workshop_or_say(context, update)
    if workshop is not None:
        await _close_and_next(context, workshop, update.update_id)


async def _close_and_next(context: BotContext, workshop: Workshop, update_id: int) -> None:
    _ = translator(workshop.language)
    if workshop.poll_set is None:
        await say_in(
            context, workshop.chat_id, _("No poll set is running: /poll set <name> starts one.")
        )
        return
    current = await context.services.workshops.current_poll(workshop.id)
    if current is not None:
        await _close(context, workshop, current, None)
    await _next_of_set(context, workshop, update_id)


async def on_next(update: Update, context: BotContext, caller: Caller, press: Press) -> bool:
    """The "Next poll" button: only the workshop's own facilitators may press it."""
    workshop = await sessions.run_by(context.services, caller, update.effective_chat.id)
    if workshop is None or workshop.id != id_argument(press.argument) or workshop.muted:
        return False
    await _close_and_next(context, workshop, update.update_id)
    return True


async def _close(
    context: BotContext, workshop: Workshop, poll: WorkshopPoll, update_id: int | None
) -> None:
    """Stop the poll in the group; its results follow Telegram's final tally (`on_poll`)."""
    stopped = await sessions.close(context.services, poll, update_id)
    # A poll still on its way to Telegram is stopped once it arrives (`poll_sent_hook`).
    if stopped is not None and stopped.message_id is not None:
        await stop_poll(context, workshop.chat_id, stopped.message_id)


async def _post_results(
    context: BotContext, chat_id: int, language: str, poll: WorkshopPoll
) -> None:
    """The results chart, or "not enough responses" under the small-group threshold."""
    _ = translator(language)
    result = sessions.tally(poll)
    if not result.showable:
        text = _("“{question}”: not enough responses to show results (fewer than 5).").format(
            question=poll.question
        )
        await say_in(context, chat_id, text)
        return
    caption = _("{voters} voters").format(voters=result.voters)
    if result.paper:
        caption += " · " + _("{paper} on paper or by hands").format(paper=result.paper)
    if result.mean is not None:
        caption += " · " + _("mean {mean}").format(
            mean=format_number(result.mean, language, decimals=1)
        )
    # Rendering takes a moment: off the event loop, so other chats are answered meanwhile.
    chart = await asyncio.to_thread(
        poll_results_png,
        poll.options,
        result.counts,
        lang=language,
        title=poll.question,
        subtitle=caption,
    )
    await send_file_in(
        context,
        chat_id,
        chart,
        filename=f"poll-{poll.id}.png",
        caption=f"{poll.question}\n{caption}",
    )


async def close_command(update: Update, context: BotContext) -> None:
    """Close the open poll and post its results."""
    workshop = await workshop_or_say(context, update)
    if workshop is None:
        return
    poll = await context.services.workshops.current_poll(workshop.id)
    if poll is None:
        await say_in(context, workshop.chat_id, context.caller._("There is no open poll to close."))
        return
    await _close(context, workshop, poll, update.update_id)


async def results_command(update: Update, context: BotContext) -> None:
    """The results so far of the open poll (unless hidden), or of the last one."""
    workshop = await workshop_or_say(context, update)
    if workshop is None:
        return
    poll = await context.services.workshops.last_poll(workshop.id)
    if poll is None:
        await say_in(context, workshop.chat_id, context.caller._("No poll has been asked yet."))
        return
    if poll.hidden and poll.status != "closed":
        await say_in(
            context,
            workshop.chat_id,
            context.caller._("The results are shown when the poll closes."),
        )
        return
    await _post_results(context, workshop.chat_id, workshop.language, poll)


async def reset_command(update: Update, context: BotContext) -> None:
    """Start the open poll again from nothing (before it is closed)."""
    caller = context.caller
    workshop = await workshop_or_say(context, update)
    if workshop is None:
        return
    poll = await context.services.workshops.current_poll(workshop.id)
    if poll is None:
        await say_in(context, workshop.chat_id, caller._("There is no open poll to reset."))
        return
    await sessions.reset(context.services, poll, update.update_id)
    if poll.message_id is not None:
        await stop_poll(context, workshop.chat_id, poll.message_id)
    await say_in(context, workshop.chat_id, caller._("The poll starts again: please vote anew."))
    await _post_poll(
        context, workshop, poll.id, NewPoll(**poll.model_dump(include=set(NewPoll.model_fields)))
    )


async def paper_command(update: Update, context: BotContext) -> None:
    """Add the counts of a paper or hands-up vote to the open poll, one number per option."""
    caller = context.caller
    workshop = await workshop_or_say(context, update)
    if workshop is None:
        return
    poll = await context.services.workshops.current_poll(workshop.id)
    if poll is None:
        await say_in(
            context, workshop.chat_id, caller._("There is no open poll to add paper votes to.")
        )
        return
    words = args(update).split()
    counts = [
        int(word) if word.isascii() and word.isdigit() and len(word) <= 4 else -1 for word in words
    ]
    if len(counts) != len(poll.options) or min(counts, default=-1) < 0:
        text = caller._(
            "Give one whole number per option, in order ({count} numbers): /tally 3 0 5"
        ).format(count=len(poll.options))
        await say_in(context, workshop.chat_id, text)
        return
    await sessions.add_paper(context.services, poll, counts, update.update_id)
    await say_in(
        context,
        workshop.chat_id,
        caller._(
            "Added a paper or hands-up vote of {total} to “{question}” (marked as such)."
        ).format(total=sum(counts), question=poll.question),
    )


async def slide_command(update: Update, context: BotContext) -> None:
    """The join QR code as a projector slide: pilot, workshop title, code, link, expiry."""
    workshop = await workshop_or_say(context, update)
    if workshop is None:
        return
    _ = translator(workshop.language)
    invite = await context.services.invites.check(workshop.join_code)
    if not isinstance(invite, Invite) or invite.used_up:
        await say_in(context, workshop.chat_id, _("The workshop's invite can no longer be used."))
        return
    pilot = await context.services.pilots.by_id(workshop.pilot_id)
    link = join_link(context, workshop)
    expires = format_day(invite.expires_at, workshop.language, context.services.settings.timezone)
    details = [workshop.title, link, _("Valid until {expires}").format(expires=expires)]
    # The admin feature's invite card, wired in bot.app (features do not import each other).
    make_card = context.application.bot_data["invite_card"]
    card = await asyncio.to_thread(make_card, link, pilot.name, details)
    caption = _("Scan to join “{pilot}”: {link}").format(pilot=pilot.name, link=link)
    await send_file_in(
        context, workshop.chat_id, card, filename=f"join-{pilot.slug}.png", caption=caption
    )


async def end_command(update: Update, context: BotContext) -> None:
    """End the workshop; the facilitator gets a short record in private."""
    caller = context.caller
    # Ending needs no message in the group, so it works while the group mutes the bot.
    workshop = await workshop_or_say(context, update, muted_too=True)
    if workshop is None:
        return
    still_open, attendance = await sessions.end(context.services, workshop, update.update_id)
    if not workshop.muted:
        for poll in still_open:
            if poll.message_id is not None:
                await stop_poll(context, workshop.chat_id, poll.message_id)
        await say_in(
            context,
            workshop.chat_id,
            caller._("The workshop “{title}” has ended. Thank you!").format(title=workshop.title),
        )
    every_poll = await context.services.workshops.polls_of(workshop.id)
    record = caller._(
        "Record of “{title}”: {attendance} people said they were here; {polls} polls."
    ).format(title=workshop.title, attendance=attendance, polls=len(every_poll))
    await say_in(context, caller.telegram_id, record)
    for poll in every_poll:
        await _post_results(context, caller.telegram_id, caller.language, poll)
    await open_questions.post_record(context, caller.telegram_id, caller.language, workshop)


async def on_here(
    update: Update, context: BotContext, caller: Caller, press: Press
) -> Answer | bool:
    """ "I'm here": counted once; someone outside the pilot is offered to join, in private."""
    workshop = await context.services.workshops.get(id_argument(press.argument))
    message = update.callback_query.message
    if workshop is None or workshop.status != "open" or workshop.chat_id != message.chat.id:
        return False
    is_member, new, shown = await sessions.attend(
        context.services, caller, workshop, message.message_id, time.time(), update.update_id
    )
    if shown is not None:
        await _show_attendance(context, workshop, message.message_id, shown)
    elif not workshop.muted:  # else the message is brought up to date once it may write
        _schedule_attendance_edit(context, workshop.id)
    if not is_member:
        return Answer(url=join_link(context, workshop))
    if new:
        return Answer(caller._("Thank you, you are counted."))
    return Answer(caller._("You are counted already."))


async def _show_attendance(
    context: BotContext, workshop: Workshop, message_id: int, count: int
) -> None:
    _ = translator(workshop.language)
    text = _attendance_text(_, workshop, count)
    await edit_in(
        context, workshop.chat_id, message_id, text, _attendance_keyboard(context, workshop, _)
    )


def _schedule_attendance_edit(context: BotContext, workshop_id: int) -> None:
    """One deferred edit per workshop, so forty presses in a second make two edits, not forty."""
    name = f"attendance-{workshop_id}"
    if not context.job_queue.get_jobs_by_name(name):
        context.job_queue.run_once(
            _deferred_attendance_edit, sessions.ATTENDANCE_EDIT_GAP, data=workshop_id, name=name
        )


async def _deferred_attendance_edit(context: BotContext) -> None:
    # The scheduler runs this in the context of the press that scheduled it, where the
    # outbox would still collect that finished update's replies: run it in a fresh one.
    await asyncio.create_task(_edit_attendance(context), context=contextvars.Context())


async def _edit_attendance(context: BotContext) -> None:
    workshop_id = context.job.data
    workshop = await context.services.workshops.get(workshop_id)
    if workshop is None or workshop.muted or workshop.attendance_message_id is None:
        return
    shown = await sessions.claim_edit(context.services, workshop_id, time.time())
    if shown is not None:
        await _show_attendance(context, workshop, workshop.attendance_message_id, shown)


async def on_poll_answer(update: Update, context: BotContext) -> None:
    """A named poll's answer (or its retraction): kept for pilot members, else only counted."""
    answer = update.poll_answer
    if context.caller is None:
        return
    await sessions.record_answer(
        context.services, context.caller, answer.poll_id, list(answer.option_ids), update.update_id
    )


async def on_poll(update: Update, context: BotContext) -> None:
    """Telegram's tally of a poll; once it is closed (/close or its timer), the results."""
    poll = update.poll
    counts = [option.voter_count for option in poll.options]
    closed = await sessions.record_tally(
        context.services, poll.id, counts, poll.total_voter_count, poll.is_closed, update.update_id
    )
    if closed is None:
        return
    stored, workshop = closed
    chat_id = workshop.chat_id
    if workshop.muted:  # the results go to the facilitator, who may show them otherwise
        chat_id = await context.services.workshops.chat_of(workshop.facilitator)
    if chat_id is not None:
        await _post_results(context, chat_id, workshop.language, stored)


async def on_my_membership(update: Update, context: BotContext) -> None:
    """Added, promoted, restricted or removed in a group: act, and tell the facilitator."""
    change = update.my_chat_member
    chat = change.chat
    if chat.type == "private":
        return
    status = change.new_chat_member.status
    workshop = await context.services.workshops.open_in(chat.id)
    if workshop is None:
        if status == ChatMember.MEMBER and change.old_chat_member.status in (
            ChatMember.LEFT,
            ChatMember.BANNED,
        ):
            language = (
                context.caller.language
                if context.caller
                else context.services.settings.default_language
            )
            _ = translator(language)
            await say_in(
                context,
                chat.id,
                _("Hello! A facilitator can start a workshop here with /workshop <title>."),
            )
        return
    _ = translator(workshop.language)
    services = context.services
    may_write = status != ChatMember.RESTRICTED or change.new_chat_member.can_send_messages
    if status in (ChatMember.LEFT, ChatMember.BANNED):
        await sessions.end(services, workshop, update.update_id)
        note = _(
            "I was removed from the group of the workshop “{title}”: the workshop and its "
            "open polls are closed."
        )
    elif not may_write:
        if not await sessions.set_muted(services, workshop, True, update.update_id):
            return
        note = _(
            "I may no longer write in the group of the workshop “{title}”: please let me "
            "write there again."
        )
    elif workshop.muted:
        await sessions.set_muted(services, workshop, False, update.update_id)
        # Presses counted meanwhile are shown once the edit's gap allows.
        _schedule_attendance_edit(context, workshop.id)
        note = _("I may write in the group of the workshop “{title}” again.")
    elif status == ChatMember.ADMINISTRATOR:
        note = _("I am now an administrator of the group of the workshop “{title}”.")
    else:
        return
    chat_id = await context.services.workshops.chat_of(workshop.facilitator)
    if chat_id is not None:
        await say_in(context, chat_id, note.format(title=workshop.title))


def poll_sent_hook(services: Services, outbox: Outbox) -> PollSent:
    """What the outbox calls once Telegram has one of our polls."""

    async def poll_sent(poll_id: int, telegram_poll_id: str, message_id: int) -> None:
        chat_id = await sessions.poll_sent(services, poll_id, telegram_poll_id, message_id)
        if chat_id is not None:  # /close came before Telegram had the poll
            stop = Reply(chat_id=chat_id, kind="stop_poll", params={"message_id": message_id})
            # A fresh context: this runs in a sender's task, not in an update being handled.
            await asyncio.create_task(outbox.post(stop), context=contextvars.Context())

    return poll_sent


def _group(name: str, description: str, callback) -> Command:
    return Command(name, "facilitator", description, callback, chat="group")


COMMANDS = (
    _group("workshop", N_("Start a workshop in this group"), workshop_command),
    _group("poll", N_("Ask a poll in the workshop"), poll_command),
    _group("next", N_("Next poll of the set"), next_command),
    _group("close", N_("Close the open poll and show its results"), close_command),
    _group("results", N_("Show the results so far"), results_command),
    _group("resetpoll", N_("Start the open poll again"), reset_command),
    _group("tally", N_("Add a paper or hands-up vote"), paper_command),
    _group("endworkshop", N_("End the workshop"), end_command),
    _group("qr", N_("Show the join QR code as a slide"), slide_command),
    _group("questions", N_("Show the top questions to the panel"), panel.questions_command),
    _group("answered", N_("Mark a question to the panel answered"), panel.answered_command),
    _group("open", N_("Ask an open question, answered in private"), open_questions.open_command),
    _group("words", N_("Show the open question's words and answers"), open_questions.words_command),
    _group("dots", N_("Dot voting on the goals, in private"), dot_votes.dots_command),
    Command(
        "ask",
        "member",
        N_("Send a question to the panel of the running workshop"),
        panel.ask_command,
    ),
)

BUTTONS = (
    Button("here", "everyone", on_here),
    Button("wsnext", "facilitator", on_next),
    Button("qok", "facilitator", panel.on_moderate),
    Button("qno", "facilitator", panel.on_moderate),
    Button("qup", "everyone", panel.on_upvote),
    Button("oaok", "facilitator", open_questions.on_moderate),
    Button("oano", "facilitator", open_questions.on_moderate),
    # Membership of the workshop's pilot is checked by the use case: it need not be the
    # pilot the person has chosen.
    Button("wdadd", "everyone", dot_votes.on_dot),
    Button("wddel", "everyone", dot_votes.on_dot),
    Button("wsdres", "facilitator", dot_votes.on_results),
)


def handlers() -> list[BaseHandler]:
    """Poll answers and tallies (they carry no chat) and the bot's own group membership."""
    return [
        PollAnswerHandler(on_poll_answer),
        PollHandler(on_poll),
        ChatMemberHandler(on_my_membership, ChatMemberHandler.MY_CHAT_MEMBER),
    ]


def _start_link(prefix: str, callback) -> CommandHandler:
    payload = filters.Regex(rf"^/start {prefix}-[0-9]{{1,18}}$")
    return CommandHandler("start", callback, COMMAND_MESSAGES & payload)


def private_handlers() -> list[BaseHandler]:
    """The group's deep links (`/start wsq-12`), and replies to an open question's prompt.

    Registered before the command rows, whose /start reads any payload as an invite, and
    before the catch-alls, which would take a reply for text out of place.
    """
    return [
        _start_link(open_questions.LINK, open_questions.on_start),
        _start_link(dot_votes.LINK, dot_votes.on_start),
        MessageHandler(
            COMMAND_MESSAGES & filters.TEXT & ~filters.COMMAND & open_questions.REPLIES_TO_PROMPT,
            open_questions.on_reply,
        ),
    ]
