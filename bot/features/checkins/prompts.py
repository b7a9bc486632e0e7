"""What both the tick and the buttons need: scripts per module, answers as rows, speakers."""

from __future__ import annotations

from datetime import date

from bot.chat.caller import Caller
from conversations import engine
from conversations.engine import State
from conversations.script import Note, Script

CONSENT_OF_MODULE = {"weekly": "checkins", "monthly": "wellbeing"}


def script_name(module: str, wellbeing_module: str) -> str:
    """The script a module asks in a pilot."""
    return "work_travel" if module == "weekly" else wellbeing_module


def known_answers(module: str, period: date, distance_band: str | None) -> dict[str, str]:
    """Answers not asked: the commute band, except in each month's first weekly wave."""
    if module != "weekly" or distance_band is None or period.day <= 7:
        return {}
    return {"distance_band": distance_band}


def answer_rows(
    pilot_id: int,
    pseudonym: str,
    module: str,
    period: str,
    script: Script,
    state: State,
    at: str,
) -> list[tuple[int, str, str, str, str, str | None, int, str]]:
    """The rows that store what a state holds: one per item, skipped ones as NULL.

    Nothing when no question was answered or skipped (a check-in never begun).
    """
    if not state.path:
        return []
    results = engine.collected(script, state)
    rows = []
    for question in script.questions:
        if isinstance(question, Note) or question.id not in results.answers:
            continue
        value = results.answers[question.id]
        item = question.stores or question.id
        rows.append((pilot_id, pseudonym, module, period, item, _text(value), 0, at))
    for item, value in results.derived.items():
        rows.append((pilot_id, pseudonym, module, period, item, _text(value), 1, at))
    return rows


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def speaker(chat_id: int, pseudonym: str, language: str) -> Caller:
    """Whom a job writes to: enough of a Caller to sign buttons and translate."""
    return Caller(
        telegram_id=chat_id,  # a private chat's id is its person's id
        chat_id=chat_id,
        pseudonym=pseudonym,
        person=None,
        language=language,
        is_admin=False,
        pilot=None,
        roles=frozenset(),
        member=None,
    )
