"""The onboarding script and where a member stands in it (shared by onboarding and /privacy).

The script is loaded when the bot is: a malformed file stops it there, with the file,
the field path and the problem (conversations.ScriptError).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import lru_cache

from bot.storage.models import Member
from conversations import ACKNOWLEDGED, State, StateError, Step, engine, serialise
from conversations.script import MultipleChoice
from conversations.scripts import shipped

log = logging.getLogger(__name__)

SCRIPT = shipped("onboarding")
# Consents under which a member is sent check-ins, so is asked when they suit them.
CHECKIN_CONSENTS = frozenset({"checkins", "wellbeing"})
CONSENTS = "consents"


# The engine is pure and its steps immutable, so members at the same point share one
# (members answer the same few choices): replaying a stored state is done once.
@lru_cache(maxsize=4096)
def resumed(state: str) -> Step:
    """The step a stored onboarding state is at (engine.resume, remembered)."""
    return engine.resume(SCRIPT, state)


def in_script_order(question_id: str, codes: Iterable[str]) -> tuple[str, ...]:
    """The codes of a multiple-choice question, in the order the script lists them."""
    question = SCRIPT.question(question_id)
    assert isinstance(question, MultipleChoice)
    chosen = set(codes)
    return tuple(choice.value for choice in question.choices if choice.value in chosen)


def known_answers(member: Member, language: str, granted: frozenset[str]) -> dict[str, object]:
    """What a member who finished onboarding has answered, by question id (not asked again)."""
    known: dict[str, object] = {
        "language": language,
        "notice": ACKNOWLEDGED,
        CONSENTS: in_script_order(CONSENTS, granted),
    }
    for question in SCRIPT.questions:
        stored = getattr(member, question.stores, None) if question.stores else None
        if question.id not in known and stored is not None:
            known[question.id] = stored
    return known


def step_of(member: Member | None, language: str, granted: frozenset[str]) -> Step | None:
    """The onboarding question the member is at (its engine step), or None if at none.

    Someone still joining is at their stored state, or at the start (knowing the group an
    invite gave them). Someone who joined before check-in times were asked, and gets
    check-ins, is asked those questions once.
    """
    if member is None or member.status == "withdrawn":
        return None
    if member.onboarding_state is not None:
        try:
            return resumed(member.onboarding_state)
        except StateError as error:
            # The script changed under a stored state: start over from what is known.
            log.warning("onboarding state no longer fits the script: %s", error)
    if member.status == "onboarding":
        group = member.stakeholder_group
        return engine.start(SCRIPT, {"stakeholder_group": group} if group else None)
    if member.checkin_day is not None or not granted & CHECKIN_CONSENTS:
        return None
    step = engine.start(SCRIPT, known_answers(member, language, granted))
    return step if step.question is not None else None


def rechoosing(member: Member, language: str, granted: frozenset[str]) -> str:
    """The serialised state of an active member back at the consents, toggled as granted."""
    known = known_answers(member, language, granted)
    del known[CONSENTS]
    state: State = engine.start(SCRIPT, known).state
    state = state.model_copy(update={"draft": in_script_order(CONSENTS, granted)})
    return serialise(state)
