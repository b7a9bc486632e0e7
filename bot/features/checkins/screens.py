"""What a check-in looks like in the chat: a question with its buttons, and the trend."""

from __future__ import annotations

from datetime import datetime
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.chat import callbacks
from bot.chat.caller import Caller
from bot.chat.context import BotContext
from bot.chat.render import button, keyboard
from bot.features.checkins.waves import PAUSE_WEEKS
from bot.i18n import translator
from bot.storage.models import SIGNED_FOR
from conversations import engine
from conversations.engine import Problem, ProblemCode, Step
from conversations.script import Note, Scale, Script, SingleChoice, WholeNumber
from conversations.scripts import shipped

SPARKS = "▁▂▃▄▅▆▇█"
TREND_WAVES = 8
# The item each module's trend shows, and its range.
TREND_ITEM = {
    "work_travel": ("remote_days", 7),
    "who5": ("who5_percent", 100),
    "ons4": ("ons_life_satisfaction", 10),
}
# Actions of the check-in buttons (callback data `ck…|prompt:value:position`).
ANSWER, SKIP, BACK, LATER, RETURN, SNOOZE, PAUSE = "ck", "cks", "ckb", "ckl", "ckr", "ckz", "ckp"


@cache
def script_of(name: str) -> Script:
    """A shipped check-in script, loaded once."""
    return shipped(name)


def load_scripts() -> None:
    """Load every check-in script now: a broken one stops the start, not a wave's tick."""
    for name in TREND_ITEM:
        script_of(name)


# The engine is pure and its steps immutable, so members at the same point share one:
# a wave's prompts start alike, and answers repeat across members.
@lru_cache(maxsize=4096)
def resumed(name: str, state: str) -> Step:
    """The step a stored state is at (engine.resume, remembered)."""
    return engine.resume(script_of(name), state)


@lru_cache(maxsize=4096)
def moved(name: str, state: str, action: str, question: str, value: str) -> Step:
    """The step after an answer, skip or Back from a stored state (remembered)."""
    script = script_of(name)
    step = resumed(name, state)
    if action == BACK:
        return engine.back(script, step.state)
    if action == SKIP:
        return engine.skip(script, step.state, question)
    return engine.answer(script, step.state, question, True if value == "ok" else value)


@lru_cache(maxsize=64)
def started(name: str, known: tuple[tuple[str, str], ...]) -> Step:
    """The first step of a script with these known answers (engine.start, remembered)."""
    return engine.start(script_of(name), dict(known))


def position_of(script: Script, step: Step) -> int:
    """The index of the step's question in its script."""
    return script.position(step.question.id) if step.question is not None else -1


@lru_cache(maxsize=4096)
def _allowed(name: str, state: str) -> list[str]:
    """The numbers the current question offers: those its constraints allow.

    Home days no more than work days: each number is tried, once per state.
    """
    script = script_of(name)
    step = resumed(name, state)
    question = step.question
    if not isinstance(question, Scale | WholeNumber):
        raise ValueError(f"check-ins cannot show a {question.type} question as numbers")
    return [
        str(value)
        for value in range(question.min, question.max + 1)
        if engine.answer(script, step.state, question.id, value).problem is None
    ]


def question_text(caller: Caller, script: Script, step: Step, before: str | None = None) -> str:
    """The title with the progress ("2/5"), then the question (and a scale's end labels)."""
    language = caller.language
    question = step.question
    lines = [before, ""] if before else []
    lines.append(f"{script.title[language]} · {step.progress.position}/{step.progress.total}")
    lines += ["", question.text[language]]
    if isinstance(question, Scale) and len(question.labels) < question.max - question.min + 1:
        ends = [f"{point} = {text[language]}" for point, text in sorted(question.labels.items())]
        lines += ["", " · ".join(ends)]
    return "\n".join(lines)


def question_message(
    caller: Caller, prompt_id: int, name: str, state: str, before: str | None = None
) -> dict:
    """A prompt's current question (script `name`, stored `state`) as Bot API parameters.

    The outbox signs its buttons as it sends them.
    """
    keyboard = [
        [
            {"text": label, "callback_data": f"{data_before}{prompt_id}{data_after}"}
            for label, data_before, data_after in row
        ]
        for row in _layout(name, state, caller.language)
    ]
    return {
        "text": question_text(caller, script_of(name), resumed(name, state), before),
        # Plain Bot API buttons: PTB objects for every prompt of a wave would cost more.
        "reply_markup": {"inline_keyboard": keyboard},
        SIGNED_FOR: caller.telegram_id,
    }


# A button as laid out for any prompt at a question: its label, and its (unsigned) callback
# data before and after the prompt's id.
_Layout = tuple[tuple[tuple[str, str, str], ...], ...]
# SQLite's largest row id: callback data checked to fit with it fits with any prompt's id.
_LONGEST_ID = str(2**63 - 1)


@lru_cache(maxsize=4096)
def _layout(name: str, state: str, language: str) -> _Layout:
    """The answers as buttons, then Back, Skip (or "Prefer not to say") and Later.

    The same for every member at this question (a wave's prompts start alike): laid out
    once, each prompt then puts its id in.
    """
    _ = translator(language)
    script = script_of(name)
    step = resumed(name, state)
    question = step.question
    at = position_of(script, step)

    def laid_out(label: str, action: str, rest: str) -> tuple[str, str, str]:
        data_before, data_after = callbacks.unsigned(action, _LONGEST_ID + rest).split(_LONGEST_ID)
        return (label, data_before, data_after)

    def answer(label: str, code: str) -> tuple[str, str, str]:
        return laid_out(label, ANSWER, f":{code}:{at}")

    rows: list[list[tuple[str, str, str]]] = []
    if isinstance(question, Note):
        rows.append([answer(_("Continue"), "ok")])
    elif isinstance(question, SingleChoice):
        rows += [[answer(choice.text[language], choice.value)] for choice in question.choices]
    elif isinstance(question, Scale) and len(question.labels) == question.max - question.min + 1:
        # Every point named (WHO-5): one per row, highest first as on the paper form.
        rows += [
            [answer(question.labels[int(code)][language], code)]
            for code in reversed(_allowed(name, state))
        ]
    else:
        numbers = _allowed(name, state)
        per_row = 6 if len(numbers) > 8 else 4
        rows += [
            [answer(code, code) for code in numbers[start : start + per_row]]
            for start in range(0, len(numbers), per_row)
        ]
    last = []
    if step.can_go_back:
        last.append(laid_out(_("◀ Back"), BACK, f":{at}"))
    if step.skippable:
        skip = _("Prefer not to say") if script.id != "work_travel" else _("Skip")
        last.append(laid_out(skip, SKIP, f":{at}"))
    last.append(laid_out(_("Later…"), LATER, ""))
    rows.append(last)
    return tuple(tuple(row) for row in rows)


def later_keyboard(context: BotContext, caller: Caller, prompt_id: int) -> InlineKeyboardMarkup:
    """Snooze (an hour, this evening, tomorrow), pause (2/4/8 weeks), or back to it."""
    _ = caller._

    def snooze(label: str, kind: str) -> InlineKeyboardButton:
        return button(caller, context, label, SNOOZE, f"{prompt_id}:{kind}")

    pauses = [
        button(
            caller,
            context,
            _("Pause {weeks} weeks").format(weeks=weeks),
            PAUSE,
            f"{prompt_id}:{weeks}",
        )
        for weeks in PAUSE_WEEKS
    ]
    return keyboard(
        [
            [snooze(_("In an hour"), "hour"), snooze(_("This evening"), "evening")],
            [snooze(_("Tomorrow"), "tomorrow")],
            pauses,
            [button(caller, context, _("◀ Back to the question"), RETURN, str(prompt_id))],
        ]
    )


def problem_text(caller: Caller, problem: Problem) -> str:
    """Why an answer was not taken, in the caller's words."""
    _ = caller._
    if problem.code is ProblemCode.CONSTRAINT and problem.constraint is not None:
        return problem.constraint.message[caller.language].format(**problem.params)
    return _("That answer does not fit this question; please use the buttons.")


def sparkline(values: list[float | None], top: float) -> str:
    """One character per wave, low to high; · where there is no answer."""
    marks = []
    for value in values:
        if value is None:
            marks.append("·")
        else:
            marks.append(SPARKS[min(len(SPARKS) - 1, int(value / top * (len(SPARKS) - 1) + 0.5))])
    return "".join(marks)


def trend_text(caller: Caller, script_id: str, trend: list[tuple[str, str | None]]) -> str:
    """The member's own values over their last waves, with no label on what they mean."""
    _ = caller._
    _item, top = TREND_ITEM[script_id]
    values = [float(value) if value is not None else None for _period, value in trend]
    line = sparkline(values, top)
    latest = next((value for value in reversed(values) if value is not None), None)
    shown = "–" if latest is None else f"{latest:g}"
    if script_id == "work_travel":
        text = _(
            "Your days working at home or at a hub, last {count} weeks: {line} (latest: {value})"
        )
    elif script_id == "who5":
        text = _("Your WHO-5 score (0–100), last {count} months: {line} (latest: {value})")
    else:
        text = _("Your life satisfaction (0–10), last {count} months: {line} (latest: {value})")
    return text.format(count=len(values), line=line, value=shown)


def when(moment: datetime, language: str, zone: ZoneInfo) -> str:
    """A moment as the member reads it in their zone: "ti 8. jouluk. 08.00"."""
    return format_datetime(moment.astimezone(zone), "EEE d MMM HH:mm", locale=language)


def on_day(moment: datetime, language: str, zone: ZoneInfo) -> str:
    """The local date of a moment: "8.12.2026" in Finnish."""
    return format_date(moment.astimezone(zone).date(), format="medium", locale=language)
