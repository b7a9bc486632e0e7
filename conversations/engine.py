"""The engine: pure functions that walk a script one answer at a time.

Every call takes the script and a `State` and returns a `Step`: the new state, the
question to show now (None once the script has ended), and — when the call changed
nothing — the `Problem` that says why, as a message id with parameters for the host
to translate. Nothing here raises on what a person sends; only `start` with bad known
answers and `resume` of a damaged state raise `StateError` (the host's mistakes).

The state is the path walked so far: each question reached, with its answer, or None
when it was skipped. Going back removes the last entry, so every recorded answer was
checked against the constraints with all answers before it, and none after it exists.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, ValidationError

from conversations import expressions
from conversations.expressions import Value
from conversations.script import (
    Constraint,
    MultipleChoice,
    Note,
    Question,
    Scale,
    Script,
    ShortText,
    SingleChoice,
    WholeNumber,
    YesNo,
)

Answer = Value
ACKNOWLEDGED = True  # the answer to a note
_WHOLE_NUMBER = re.compile(r"[+-]?\d{1,18}")


class StateError(ValueError):
    """A state (or known answers) that this script cannot continue from."""


class Entry(BaseModel):
    """One question reached: its answer, or None when it was skipped."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    question: str
    value: Answer | None = None


class State(BaseModel):
    """Where a person is in a script; `serialise` and `resume` store and restore it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    script: str
    # Answers known before the script started (not asked, not undone by `back`).
    given: dict[str, Answer] = {}
    path: tuple[Entry, ...] = ()
    # The choices toggled so far in the current multiple-choice question.
    draft: tuple[str, ...] = ()
    cancelled: bool = False


class ProblemCode(StrEnum):
    """Why a call changed nothing; each is a message the host translates."""

    WHOLE_NUMBER = "whole_number"  # {min, max}: "Please send a whole number from 0 to 7"
    UNKNOWN_CHOICE = "unknown_choice"  # {choice}: not one this question offers
    TOO_FEW_CHOICES = "too_few_choices"  # {min}
    TOO_MANY_CHOICES = "too_many_choices"  # {max}
    YES_OR_NO = "yes_or_no"
    TEXT_EXPECTED = "text_expected"
    TEXT_EMPTY = "text_empty"
    TEXT_TOO_LONG = "text_too_long"  # {max, length}
    ACKNOWLEDGE = "acknowledge"  # a note only takes ACKNOWLEDGED
    NO_TOGGLES = "no_toggles"  # choose/confirm on a question that is not multiple choice
    CONSTRAINT = "constraint"  # {constraint, and the value of each name it uses}
    NOT_CURRENT = "not_current"  # {question, current}: an old button or a double tap
    NOT_SKIPPABLE = "not_skippable"
    NOTHING_TO_GO_BACK_TO = "nothing_to_go_back_to"
    ENDED = "ended"  # the script is finished or cancelled


@dataclass(frozen=True)
class Problem:
    """A refused call: the message id, its parameters, and for a constraint the rule itself.

    A broken constraint's explanation is the script's own text (`constraint.message`), a
    format string over `params`.
    """

    code: ProblemCode
    params: Mapping[str, object] = field(default_factory=dict)
    constraint: Constraint | None = None


@dataclass(frozen=True)
class Progress:
    """The question's number and how many there will be at most ("2/5")."""

    position: int
    total: int


@dataclass(frozen=True)
class Results:
    """What a finished script collected."""

    # Every question reached or given, by id; None when skipped. Notes are left out.
    answers: dict[str, Answer | None]
    # Answers (not skipped) by the indicator or setting they are stored as.
    indicators: dict[str, Answer]
    settings: dict[str, Answer]
    derived: dict[str, Value | None]


@dataclass(frozen=True)
class Step:
    """The outcome of a call: the state to store and what to show next."""

    state: State
    question: Question | None
    progress: Progress
    problem: Problem | None = None
    results: Results | None = None
    # What the host may offer beside the answers: a Skip button, a Back button.
    skippable: bool = False

    @property
    def can_go_back(self) -> bool:
        return self.question is not None and bool(self.state.path)

    @property
    def finished(self) -> bool:
        return self.question is None and not self.state.cancelled

    @property
    def cancelled(self) -> bool:
        return self.state.cancelled


# --- the public calls --------------------------------------------------------------------


def start(script: Script, known: Mapping[str, object] | None = None) -> Step:
    """Begin a script; `known` answers (by question id) are taken as given and not asked.

    A note seen before is known as ACKNOWLEDGED.
    """
    given: dict[str, Answer] = {}
    for question_id, value in (known or {}).items():
        position = script.position(question_id)
        if position is None:
            raise StateError(f"{script.id} has no question {question_id!r}")
        accepted = _accept(script.questions[position], value)
        if isinstance(accepted, Problem):
            raise StateError(f"known answer {question_id}={value!r}: {accepted.code.value}")
        given[question_id] = accepted
    state = State(script=script.id, given=given)
    broken = _broken_constraint(script, _values(script, state))
    if broken is not None:
        raise StateError(f"known answers break the constraint {broken.params['constraint']!r}")
    return _step(script, state)


def answer(script: Script, state: State, question_id: str, value: object) -> Step:
    """Answer the current question: the next step, or the same one with a problem."""
    question = _current(script, state)
    refused = _refusal(script, state, question, question_id)
    if refused is not None:
        return refused
    accepted = _accept(question, value)
    if isinstance(accepted, Problem):
        return _step(script, state, accepted)
    moved = state.model_copy(
        update={"path": (*state.path, Entry(question=question.id, value=accepted)), "draft": ()}
    )
    broken = _broken_constraint(script, _values(script, moved))
    if broken is not None:
        return _step(script, state, broken)
    return _step(script, moved)


def choose(script: Script, state: State, question_id: str, choice: str, selected: bool) -> Step:
    """Set one toggle of the current multiple-choice question (sets, never flips)."""
    question = _current(script, state)
    refused = _refusal(script, state, question, question_id)
    if refused is not None:
        return refused
    if not isinstance(question, MultipleChoice):
        return _step(script, state, Problem(ProblemCode.NO_TOGGLES))
    codes = [option.value for option in question.choices]
    if choice not in codes:
        return _step(script, state, _unknown_choice(choice))
    wanted = (set(state.draft) - {choice}) | ({choice} if selected else set())
    most = question.max_choices or len(codes)
    if len(wanted) > most:
        return _step(script, state, Problem(ProblemCode.TOO_MANY_CHOICES, {"max": most}))
    draft = tuple(code for code in codes if code in wanted)
    return _step(script, state.model_copy(update={"draft": draft}))


def confirm(script: Script, state: State, question_id: str) -> Step:
    """Answer the current multiple-choice question with the choices toggled so far."""
    question = _current(script, state)
    current_here = question is not None and question.id == question_id
    if current_here and not isinstance(question, MultipleChoice):
        return _step(script, state, Problem(ProblemCode.NO_TOGGLES))
    return answer(script, state, question_id, state.draft)


def skip(script: Script, state: State, question_id: str) -> Step:
    """Skip the current question, if the script lets it be skipped."""
    question = _current(script, state)
    refused = _refusal(script, state, question, question_id)
    if refused is not None:
        return refused
    if not script.can_skip(question):
        return _step(script, state, Problem(ProblemCode.NOT_SKIPPABLE))
    moved = state.model_copy(
        update={"path": (*state.path, Entry(question=question.id)), "draft": ()}
    )
    return _step(script, moved)


def extend(script: Script, state: State, question_id: str, more: object) -> Step:
    """Add a continuation to the text answered last, on a new line.

    Telegram splits a message longer than 4,096 characters in two; the host decides that
    a message continues the previous one and passes it here. Works also when that answer
    finished the script: the results then include the whole text.
    """
    last = state.path[-1] if state.path else None
    if state.cancelled:
        return _step(script, state, Problem(ProblemCode.ENDED))
    if last is None or last.question != question_id:
        return _not_current(script, state, question_id)
    question = script.question(question_id)
    if not isinstance(question, ShortText) or last.value is None or not isinstance(more, str):
        return _step(script, state, Problem(ProblemCode.TEXT_EXPECTED))
    accepted = _accept(question, f"{last.value}\n{more}")
    if isinstance(accepted, Problem):
        return _step(script, state, accepted)
    moved = state.model_copy(
        update={"path": (*state.path[:-1], Entry(question=question_id, value=accepted))}
    )
    broken = _broken_constraint(script, _values(script, moved))
    return _step(script, state, broken) if broken else _step(script, moved)


def back(script: Script, state: State) -> Step:
    """Go back to the question answered last; its answer is removed (a draft keeps it)."""
    if _ended(script, state):
        return _step(script, state, Problem(ProblemCode.ENDED))
    if not state.path:
        return _step(script, state, Problem(ProblemCode.NOTHING_TO_GO_BACK_TO))
    last = state.path[-1]
    draft = last.value if isinstance(last.value, tuple) else ()
    return _step(script, state.model_copy(update={"path": state.path[:-1], "draft": draft}))


def cancel(script: Script, state: State) -> Step:
    """Stop the script; nothing it collected is meant to be kept."""
    if _ended(script, state):
        return _step(script, state, Problem(ProblemCode.ENDED))
    return _step(script, state.model_copy(update={"cancelled": True, "draft": ()}))


def show(script: Script, state: State) -> Step:
    """The step a state is at, unchanged (to show the current question again)."""
    return _step(script, state)


def collected(script: Script, state: State) -> Results:
    """What a state holds so far, as `Results` (e.g. to apply a chosen language at once)."""
    return _results(script, _values(script, state))


def serialise(state: State) -> str:
    """The state as a short JSON text."""
    return state.model_dump_json(exclude_defaults=True)


def resume(script: Script, stored: str) -> Step:
    """Continue from a serialised state, checking it against the script by replaying it."""
    try:
        saved = State.model_validate_json(stored)
    except ValidationError as exc:
        raise StateError(f"not a saved state: {exc.error_count()} problem(s)") from None
    if saved.script != script.id:
        raise StateError(f"the state belongs to script {saved.script!r}, not {script.id!r}")
    step = start(script, saved.given)
    for entry in saved.path:
        if entry.value is None:
            step = skip(script, step.state, entry.question)
        else:
            step = answer(script, step.state, entry.question, entry.value)
        if step.problem is not None:
            raise StateError(f"the script no longer accepts {entry.question}: {step.problem.code}")
    for choice in saved.draft:
        step = choose(script, step.state, _question_id(step), choice, True)
        if step.problem is not None:
            raise StateError(f"the draft choice {choice!r} is not accepted")
    if saved.cancelled:
        step = cancel(script, step.state)
    if step.state != saved:
        raise StateError("the saved state does not match the script")
    return step


# --- inside ------------------------------------------------------------------------------


def _question_id(step: Step) -> str:
    return step.question.id if step.question is not None else ""


def _values(script: Script, state: State) -> dict[str, Value | None]:
    """Every answer so far by question id, then every derived value."""
    values: dict[str, Value | None] = dict(state.given)
    for entry in state.path:
        if not isinstance(script.question(entry.question), Note):
            values[entry.question] = entry.value
    for derived in script.derived:
        values[derived.id] = expressions.evaluate(derived.value, values)
    return values


def _relevant(question: Question, values: Mapping[str, Value | None]) -> bool | None:
    if question.relevant is None:
        return True
    outcome = expressions.evaluate(question.relevant, values)
    return None if outcome is None else bool(outcome)


def _upcoming(script: Script, state: State) -> list[Question]:
    """The questions after the last one reached, not given."""
    begin = script.position(state.path[-1].question) + 1 if state.path else 0
    return [q for q in script.questions[begin:] if q.id not in state.given]


def _current(script: Script, state: State) -> Question | None:
    if state.cancelled:
        return None
    values = _values(script, state)
    return next((q for q in _upcoming(script, state) if _relevant(q, values) is True), None)


def _ended(script: Script, state: State) -> bool:
    return _current(script, state) is None


def _refusal(
    script: Script, state: State, question: Question | None, question_id: object
) -> Step | None:
    if question is None:
        return _step(script, state, Problem(ProblemCode.ENDED))
    if question_id != question.id:
        return _not_current(script, state, question_id)
    return None


def _not_current(script: Script, state: State, question_id: object) -> Step:
    current = _current(script, state)
    params = {"question": str(question_id)[:40], "current": current.id if current else ""}
    return _step(script, state, Problem(ProblemCode.NOT_CURRENT, params))


def _broken_constraint(script: Script, values: Mapping[str, Value | None]) -> Problem | None:
    for constraint in script.constraints:
        if expressions.evaluate(constraint.check, values) is False:
            used = expressions.names(expressions.parse(constraint.check))
            params = {"constraint": constraint.id, **{name: values.get(name) for name in used}}
            return Problem(ProblemCode.CONSTRAINT, params, constraint)
    return None


def _step(script: Script, state: State, problem: Problem | None = None) -> Step:
    values = _values(script, state)
    question = _current(script, state)
    done = len(state.path)
    if question is None:
        results = None if state.cancelled else _results(script, values)
        return Step(state, None, Progress(done, done), problem, results)
    # Later questions whose condition is not yet known to fail may still be asked.
    later = _upcoming(script, state)
    later = later[later.index(question) + 1 :]
    possible = sum(_relevant(q, values) is not False for q in later)
    progress = Progress(done + 1, done + 1 + possible)
    return Step(state, question, progress, problem, skippable=script.can_skip(question))


def _results(script: Script, values: Mapping[str, Value | None]) -> Results:
    answers: dict[str, Answer | None] = {}
    indicators: dict[str, Answer] = {}
    settings: dict[str, Answer] = {}
    for question in script.questions:
        if question.id not in values or isinstance(question, Note):
            continue
        value = answers[question.id] = values[question.id]
        if value is not None:
            target = indicators if question.indicator else settings
            target[question.stores] = value
    derived = {item.id: values[item.id] for item in script.derived}
    return Results(answers, indicators, settings, derived)


def _unknown_choice(choice: object) -> Problem:
    return Problem(ProblemCode.UNKNOWN_CHOICE, {"choice": str(choice)[:40]})


def _accept(question: Question, value: object) -> Answer | Problem:
    """The answer as stored, or why this value does not answer the question."""
    if isinstance(question, Note):
        return ACKNOWLEDGED if value is ACKNOWLEDGED else Problem(ProblemCode.ACKNOWLEDGE)
    if isinstance(question, SingleChoice):
        if isinstance(value, str) and value in {option.value for option in question.choices}:
            return value
        return _unknown_choice(value)
    if isinstance(question, MultipleChoice):
        return _accept_choices(question, value)
    if isinstance(question, Scale | WholeNumber):
        return _accept_whole_number(value, question.min, question.max)
    if isinstance(question, ShortText):
        return _accept_text(value, question.max_length)
    assert isinstance(question, YesNo)
    if isinstance(value, bool):
        return value
    if value in ("yes", "no"):
        return value == "yes"
    return Problem(ProblemCode.YES_OR_NO)


def _accept_choices(question: MultipleChoice, value: object) -> Answer | Problem:
    if not isinstance(value, list | tuple | set | frozenset):
        return _unknown_choice(value)
    codes = [option.value for option in question.choices]
    for item in value:
        if item not in codes:
            return _unknown_choice(item)
    chosen = tuple(code for code in codes if code in value)
    most = question.max_choices or len(codes)
    if len(chosen) < question.min_choices:
        return Problem(ProblemCode.TOO_FEW_CHOICES, {"min": question.min_choices})
    if len(chosen) > most:
        return Problem(ProblemCode.TOO_MANY_CHOICES, {"max": most})
    return chosen


def _accept_whole_number(value: object, low: int, high: int) -> int | Problem:
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value.strip()):
        number = int(value.strip())
    if number is None or not low <= number <= high:
        return Problem(ProblemCode.WHOLE_NUMBER, {"min": low, "max": high})
    return number


def _accept_text(value: object, max_length: int) -> str | Problem:
    if not isinstance(value, str):
        return Problem(ProblemCode.TEXT_EXPECTED)
    # Control characters (other than line breaks and tabs) carry nothing a person wrote.
    kept = "".join(char for char in value if char in "\n\t" or unicodedata.category(char) != "Cc")
    text = unicodedata.normalize("NFC", kept).strip()
    if not text:
        return Problem(ProblemCode.TEXT_EMPTY)
    if len(text) > max_length:
        return Problem(ProblemCode.TEXT_TOO_LONG, {"max": max_length, "length": len(text)})
    return text
