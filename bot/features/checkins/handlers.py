"""Check-ins in the chat: the buttons on a prompt, /checkin and /schedule."""

from __future__ import annotations

import re
from dataclasses import replace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from telegram import Message, Update

from bot.chat.callbacks import Press, ascii_number, id_argument
from bot.chat.caller import Caller
from bot.chat.commands import Button, Command
from bot.chat.context import BotContext
from bot.chat.render import button, keyboard, say, show_keyboard
from bot.features.checkins import answering, planning, screens, waves
from bot.features.checkins.answering import Closed, Finished, Shown, Snoozed
from bot.i18n import N_
from bot.storage.models import Reply
from conversations import engine
from conversations.engine import ProblemCode

DAY_NAMES = dict(
    zip(
        waves.DAYS,
        (
            N_("Monday"),
            N_("Tuesday"),
            N_("Wednesday"),
            N_("Thursday"),
            N_("Friday"),
            N_("Saturday"),
            N_("Sunday"),
        ),
        strict=True,
    )
)
DAY, WINDOW, RESUME = "ckd", "ckw", "ckg"
_TIME = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?", re.ASCII)


def _closed_text(caller: Caller) -> str:
    return caller._("This check-in has closed. Thank you all the same!")


async def _show(
    context: BotContext, caller: Caller, shown: Shown, replacing: Message | None
) -> None:
    """The prompt's current question, in place of `replacing` or as a new, tracked message."""
    before = screens.problem_text(caller, shown.problem) if shown.problem else None
    state = engine.serialise(shown.step.state)
    params = screens.question_message(caller, shown.prompt_id, shown.script.id, state, before)
    if replacing is not None:
        params["message_id"] = replacing.message_id
        await context.outbox.post(Reply(chat_id=caller.chat_id, kind="edit", params=params))
        return
    on_sent = f"checkin:{shown.prompt_id}"
    await context.outbox.post(
        Reply(chat_id=caller.chat_id, kind="send", params=params, on_sent=on_sent)
    )


async def _finished(
    context: BotContext, caller: Caller, finished: Finished, message: Message
) -> None:
    _ = caller._
    lines = [
        _("Thank you! Your answers are saved."),
        "",
        screens.trend_text(caller, finished.script.id, finished.trend),
    ]
    if finished.support:
        lines += ["", finished.support]
    await say(context, caller, "\n".join(lines), replacing=message)


async def on_answer(update: Update, context: BotContext, caller: Caller, press: Press) -> bool:
    """An answer, Skip or Back on a check-in question."""
    parts = press.argument.split(":")
    if press.action == screens.ANSWER and len(parts) == 3:
        prompt_id, value, at = id_argument(parts[0]), parts[1], id_argument(parts[2])
    elif press.action != screens.ANSWER and len(parts) == 2:
        prompt_id, value, at = id_argument(parts[0]), "", id_argument(parts[1])
    else:
        return False
    message = update.callback_query.message
    outcome = await answering.press(
        context.services,
        caller,
        prompt_id,
        press.action,
        at,
        value,
        message.message_id,
        update.update_id,
    )
    if outcome is None:
        return False
    if isinstance(outcome, Closed):
        await say(context, caller, _closed_text(caller), replacing=message)
    elif isinstance(outcome, Finished):
        await _finished(context, caller, outcome, message)
    elif outcome.problem is not None and outcome.problem.code is ProblemCode.NOT_CURRENT:
        # A double tap, or a press whose reply a crash lost: the message shows the current
        # question (an edit that changes nothing is no error).
        await _show(context, caller, replace(outcome, problem=None), message)
    else:
        await _show(context, caller, outcome, message)
    return True


async def on_later(update: Update, context: BotContext, caller: Caller, press: Press) -> bool:
    """Later… opens snooze and pause; Back to the question closes them."""
    message = update.callback_query.message
    outcome = await answering.current(context.services, caller, id_argument(press.argument))
    if outcome is None:
        return False
    if isinstance(outcome, Closed):
        await say(context, caller, _closed_text(caller), replacing=message)
    elif press.action == screens.LATER:
        await show_keyboard(
            context, caller, message, screens.later_keyboard(context, caller, outcome.prompt_id)
        )
    else:
        await _show(context, caller, outcome, message)
    return True


async def on_snooze(update: Update, context: BotContext, caller: Caller, press: Press) -> bool:
    """Snooze a prompt for an hour, to this evening or to tomorrow."""
    prompt, _sep, kind = press.argument.partition(":")
    if kind not in ("hour", "evening", "tomorrow"):
        return False
    message = update.callback_query.message
    outcome = await answering.snooze(
        context.services, caller, id_argument(prompt), kind, update.update_id
    )
    if outcome is None:
        return False
    _ = caller._
    zone = await _zone(context, caller)
    if isinstance(outcome, Closed):
        await say(context, caller, _closed_text(caller), replacing=message)
    elif isinstance(outcome, Snoozed) and outcome.refused:
        closes = screens.when(outcome.closes_at, caller.language, zone)
        await say(
            context,
            caller,
            _(
                "That would be after this check-in closes ({closes}). Please answer before "
                "then, or skip the questions."
            ).format(closes=closes),
            screens.later_keyboard(context, caller, id_argument(prompt)),
            replacing=message,
        )
    else:
        until = screens.when(outcome.until, caller.language, zone)
        await say(
            context,
            caller,
            _("All right, I will ask again {until}.").format(until=until),
            replacing=message,
        )
    return True


async def on_pause(update: Update, context: BotContext, caller: Caller, press: Press) -> bool:
    """Pause check-ins for 2, 4 or 8 weeks."""
    prompt, _sep, weeks = press.argument.partition(":")
    count = ascii_number(weeks)
    if count not in waves.PAUSE_WEEKS:
        return False
    prompt_id = id_argument(prompt)
    until = await answering.pause(
        context.services, caller, count, prompt_id or None, update.update_id
    )
    if until is None:
        return False
    day = screens.on_day(until, caller.language, await _zone(context, caller))
    text = caller._("Check-ins are paused until {day}. /schedule resumes them sooner.").format(
        day=day
    )
    await say(context, caller, text, replacing=update.callback_query.message)
    return True


async def _is_active_member(context: BotContext, caller: Caller) -> bool:
    """Whether the caller takes part in a pilot now; if not, says check-ins are for members."""
    if caller.member is not None and caller.member.status == "active":
        return True
    text = caller._("Check-ins are for members of a pilot. /help shows what you can do.")
    await say(context, caller, text)
    return False


async def checkin(update: Update, context: BotContext) -> None:
    """/checkin: answer the open check-in now."""
    caller = context.caller
    _ = caller._
    if not await _is_active_member(context, caller):
        return
    outcome = await answering.checkin_now(context.services, caller, update.update_id)
    if isinstance(outcome, Shown):
        await _show(context, caller, outcome, None)
    elif outcome.next_opens is None:
        await say(
            context,
            caller,
            _("You have not chosen any check-ins; you can change that with /privacy."),
        )
    else:
        opens = screens.when(outcome.next_opens, caller.language, await _zone(context, caller))
        await say(
            context,
            caller,
            _("No check-in is open right now. The next one opens {opens}.").format(opens=opens),
        )


async def _zone(context: BotContext, caller: Caller) -> ZoneInfo:
    if caller.member is None:
        return ZoneInfo(context.services.settings.timezone)
    return await answering.zone_of(context.services, caller.member.pilot_id, caller.pseudonym)


def _find_zone(text: str) -> str | None:
    """An IANA zone name, whatever its capitals (europe/rome is Europe/Rome)."""
    try:
        ZoneInfo(text)
        return text
    except (ZoneInfoNotFoundError, ValueError):
        pass
    lowered = text.lower()
    return next((zone for zone in available_timezones() if zone.lower() == lowered), None)


def _read(caller: Caller, args: list[str]) -> tuple[dict[str, str], list[str]]:
    """What /schedule's words ask for (day, window, zone), and what could not be read."""
    _ = caller._
    names = {name.lower(): day for day, name in DAY_NAMES.items()}
    names |= {_(name).lower(): day for day, name in DAY_NAMES.items()}
    wanted: dict[str, str] = {}
    problems: list[str] = []
    for word in args:
        lowered = word.lower()
        time_match = _TIME.fullmatch(word)
        if lowered in waves.DAYS:
            wanted["day"] = lowered
        elif lowered in names:
            wanted["day"] = names[lowered]
        elif word.replace("–", "-") in waves.WINDOWS:
            wanted["window"] = word.replace("–", "-")
        elif time_match or re.fullmatch(r"[\d:.\-–]+", word):
            hour = int(time_match.group(1)) if time_match else -1
            minutes = int(time_match.group(2) or 0) if time_match else 0
            window = (
                next((w for w in waves.WINDOWS if int(w[:2]) <= hour < int(w[3:])), None)
                if minutes < 60
                else None
            )
            if window is None:
                problems.append(
                    _("{time} is not a time I can use. Check-in times: {windows}.").format(
                        time=word, windows=", ".join(waves.WINDOWS)
                    )
                )
            else:
                wanted["window"] = window
        elif (zone := _find_zone(word)) is not None:
            wanted["zone"] = zone
        else:
            problems.append(
                _(
                    "I do not know “{word}”. Days: {days}; times: {windows}; a time zone "
                    "such as Europe/Helsinki, Europe/Stockholm, Europe/Rome or Europe/Dublin."
                ).format(
                    word=word[:40],
                    days=", ".join(_(name) for name in DAY_NAMES.values()),
                    windows=", ".join(waves.WINDOWS),
                )
            )
    return wanted, problems


async def schedule(update: Update, context: BotContext) -> None:
    """/schedule [day] [time] [time zone]: when check-ins come; pause or resume them."""
    caller = context.caller
    _ = caller._
    if not await _is_active_member(context, caller):
        return
    wanted, problems = _read(caller, context.args or [])
    if problems:
        await say(context, caller, "\n".join(problems))
        return
    if wanted:
        await answering.set_schedule(
            context.services,
            caller,
            wanted.get("day"),
            wanted.get("window"),
            wanted.get("zone"),
            update.update_id,
        )
    await _schedule_screen(context, caller, None, saved=bool(wanted))


async def _schedule_screen(
    context: BotContext, caller: Caller, replacing: Message | None, *, saved: bool = False
) -> None:
    _ = caller._
    current = await answering.schedule_of(context.services, caller)
    lines = [_("Your check-ins are saved.")] if saved else []
    lines.append(
        _("Check-ins: {day}, {window}, time zone {zone}.").format(
            day=_(DAY_NAMES[current.day]), window=current.window, zone=current.zone
        )
    )
    if current.paused_until is not None:
        lines.append(
            _("They are paused until {day}.").format(
                day=screens.on_day(current.paused_until, caller.language, ZoneInfo(current.zone))
            )
        )
    lines.append(
        _(
            "Tap a day or a time to change it. For another time zone, send /schedule with "
            "its name, e.g. /schedule Europe/Rome."
        )
    )
    days = [
        button(caller, context, ("✓ " if day == current.day else "") + _(name)[:3], DAY, f"0:{day}")
        for day, name in DAY_NAMES.items()
    ]
    windows = [
        button(
            caller,
            context,
            ("✓ " if window == current.window else "") + window,
            WINDOW,
            f"0:{window}",
        )
        for window in waves.WINDOWS
    ]
    if current.paused_until is None:
        last = [
            button(
                caller,
                context,
                _("Pause {weeks} weeks").format(weeks=weeks),
                screens.PAUSE,
                f"0:{weeks}",
            )
            for weeks in waves.PAUSE_WEEKS
        ]
    else:
        last = [button(caller, context, _("Resume now"), RESUME, "0")]
    markup = keyboard([days[:4], days[4:], windows, last])
    await say(context, caller, "\n\n".join(lines), markup, replacing=replacing)


async def on_schedule(update: Update, context: BotContext, caller: Caller, press: Press) -> bool:
    """A day, a time window or Resume on the /schedule screen."""
    if caller.member is None or caller.member.status != "active":
        return False
    _zero, _sep, value = press.argument.partition(":")
    if press.action == DAY and value in waves.DAYS:
        await answering.set_schedule(context.services, caller, value, None, None, update.update_id)
    elif press.action == WINDOW and value in waves.WINDOWS:
        await answering.set_schedule(context.services, caller, None, value, None, update.update_id)
    elif press.action == RESUME:
        await answering.resume_checkins(context.services, caller, update.update_id)
    else:
        return False
    await _schedule_screen(context, caller, update.callback_query.message, saved=True)
    return True


COMMANDS = (
    Command("checkin", "member", N_("Answer the open check-in now"), checkin),
    Command("schedule", "member", N_("When check-ins come; pause them"), schedule),
)
BUTTONS = (
    *(
        Button(action, "member", on_answer)
        for action in (screens.ANSWER, screens.SKIP, screens.BACK)
    ),
    Button(screens.LATER, "member", on_later),
    Button(screens.RETURN, "member", on_later),
    Button(screens.SNOOZE, "member", on_snooze),
    Button(screens.PAUSE, "member", on_pause),
    *(Button(action, "member", on_schedule) for action in (DAY, WINDOW, RESUME)),
)
# The tick's work (bot.scheduling).
DUE = (planning.handle_due,)
