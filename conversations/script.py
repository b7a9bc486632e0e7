"""The script format: a questionnaire as typed data (documented in docs/scripts.md).

The models check each field's shape; `script_problems` checks what needs the whole script
(languages, references, skip logic only on earlier answers, placeholders). Load scripts
through `conversations.loading`, which runs both and reports every problem at once.
"""

from __future__ import annotations

import string
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr

from conversations import expressions
from conversations.expressions import ExpressionError, Kind, NameType

# Telegram's limit for one message, in characters.
MESSAGE_LIMIT = 4096


def _expression(source: str) -> str:
    try:
        expressions.parse(source)
    except ExpressionError as exc:
        raise ValueError(str(exc)) from None
    return source


Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
# Short enough to travel in signed callback data (64 bytes in all).
Code = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$", max_length=24)]
Language = Annotated[str, Field(pattern=r"^[a-z]{2}$")]
Texts = dict[Language, Annotated[str, Field(min_length=1, max_length=MESSAGE_LIMIT)]]
Expression = Annotated[str, Field(min_length=1), AfterValidator(_expression)]

_CONFIG = ConfigDict(extra="forbid", frozen=True)


class Choice(BaseModel):
    """One answer a choice question offers: the code stored and its text per language."""

    model_config = _CONFIG

    value: Code
    text: Texts


class _Asked(BaseModel):
    """What every question shares."""

    model_config = _CONFIG

    id: Identifier
    text: Texts
    relevant: Expression | None = None
    skippable: bool | None = None
    # Where the answer goes: an indicator of the check-in vocabulary (an observation the
    # analyses read) or a setting the host application keeps about the person.
    indicator: Identifier | None = None
    setting: Identifier | None = None

    @property
    def stores(self) -> str | None:
        return self.indicator or self.setting


class SingleChoice(_Asked):
    type: Literal["single"]
    choices: Annotated[list[Choice], Field(min_length=2)]


class MultipleChoice(_Asked):
    """Toggle any number of choices, then confirm (the answer is the chosen codes)."""

    type: Literal["multiple"]
    choices: Annotated[list[Choice], Field(min_length=1)]
    min_choices: Annotated[int, Field(ge=0)] = 0
    max_choices: Annotated[int, Field(ge=1)] | None = None


class Scale(_Asked):
    """A whole-number scale; `labels` names at least both ends."""

    type: Literal["scale"]
    min: int
    max: int
    labels: dict[int, Texts]


class WholeNumber(_Asked):
    type: Literal["number"]
    min: int
    max: int


class ShortText(_Asked):
    type: Literal["text"]
    max_length: Annotated[int, Field(ge=1, le=MESSAGE_LIMIT)]


class YesNo(_Asked):
    type: Literal["yes_no"]


class Note(BaseModel):
    """A screen the person acknowledges; it stores nothing.

    `content` names text the host application supplies (a privacy notice that depends on
    the pilot); `text` is shown as written. At least one of them is given.
    """

    model_config = _CONFIG

    type: Literal["note"]
    id: Identifier
    text: Texts | None = None
    content: Identifier | None = None
    relevant: Expression | None = None

    @property
    def stores(self) -> None:
        return None


Question = Annotated[
    SingleChoice | MultipleChoice | Scale | WholeNumber | ShortText | YesNo | Note,
    Field(discriminator="type"),
]
QUESTION_TYPES: tuple[str, ...] = (
    "single",
    "multiple",
    "scale",
    "number",
    "text",
    "yes_no",
    "note",
)


class Derived(BaseModel):
    """A value computed from answers, usable in conditions and returned with the answers."""

    model_config = _CONFIG

    id: Identifier
    value: Expression


class Constraint(BaseModel):
    """A rule across answers; `message` says why an answer breaking it is refused."""

    model_config = _CONFIG

    id: Identifier
    check: Expression
    message: Texts


class Script(BaseModel):
    """A questionnaire: questions in order, with skip logic, constraints and derived values."""

    model_config = _CONFIG

    id: Identifier
    title: Texts
    languages: Annotated[list[Language], Field(min_length=1)]
    # The default for questions that do not say; notes are never skippable.
    skippable: bool = False
    # Names the host application fills into `{name}` placeholders of question texts.
    context: list[Identifier] = Field(default_factory=list)
    questions: Annotated[list[Question], Field(min_length=1)]
    derived: list[Derived] = Field(default_factory=list)
    constraints: list[Constraint] = Field(default_factory=list)
    # A poll set is asked of a room, one poll at a time: its answers are tallied, not stored.
    poll_set: bool = False

    _index: dict[str, int] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: object, /) -> None:
        for position, question in enumerate(self.questions):
            self._index.setdefault(question.id, position)

    def position(self, question_id: str) -> int | None:
        """Where a question is in the script, or None if it has no such question."""
        return self._index.get(question_id)

    def question(self, question_id: str) -> Question:
        """The question with this id (KeyError if there is none)."""
        return self.questions[self._index[question_id]]

    def can_skip(self, question: Question) -> bool:
        if isinstance(question, Note):
            return False
        return self.skippable if question.skippable is None else question.skippable


# What an answer to each type of question is, in expression terms (a note has none).
_KINDS: dict[type, Kind] = {
    SingleChoice: "code",
    MultipleChoice: "codes",
    Scale: "number",
    WholeNumber: "number",
    ShortText: "text",
    YesNo: "bool",
}


def _name_type(question: Question) -> NameType:
    codes = frozenset(choice.value for choice in getattr(question, "choices", ()))
    return NameType(_KINDS[type(question)], codes)


# --- checks that need the whole script ---------------------------------------------------

Problem = tuple[tuple[object, ...], str]


def script_problems(script: Script, *, references: bool = True) -> list[Problem]:
    """Every problem of a script whose fields each have the right shape.

    `references=False` leaves out the checks of names used across questions, for a script
    that is only the valid part of a file (the names of the rest would look unknown).
    """
    problems: list[Problem] = []
    problems += _duplicate_problems(script)
    problems += _text_problems(script)
    problems += _question_problems(script)
    if references:
        problems += _expression_problems(script)
    return problems


def _duplicate_problems(script: Script) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for section, items in (("questions", script.questions), ("derived", script.derived)):
        for index, item in enumerate(items):
            if item.id in seen:
                problems.append(
                    ((section, index, "id"), f"{item.id!r} is already used by {seen[item.id]}")
                )
            else:
                seen[item.id] = f"{section}[{index}]"
    stored: dict[str, int] = {}
    for index, question in enumerate(script.questions):
        name = question.stores
        if name is None:
            continue
        if name in stored:
            field = "indicator" if question.indicator else "setting"
            problems.append(
                (
                    ("questions", index, field),
                    f"{name!r} is already stored by questions[{stored[name]}]",
                )
            )
        stored.setdefault(name, index)
    constraint_ids: set[str] = set()
    for index, constraint in enumerate(script.constraints):
        if constraint.id in constraint_ids:
            problems.append((("constraints", index, "id"), f"{constraint.id!r} is used twice"))
        constraint_ids.add(constraint.id)
    return problems


def _all_texts(script: Script) -> list[tuple[tuple[object, ...], Texts, set[str]]]:
    """Every per-language text with its path and the placeholders it may use."""
    context = set(script.context)
    found: list[tuple[tuple[object, ...], Texts, set[str]]] = [(("title",), script.title, context)]
    for index, question in enumerate(script.questions):
        where = ("questions", index)
        if question.text is not None:
            found.append(((*where, "text"), question.text, context))
        for number, choice in enumerate(getattr(question, "choices", ())):
            found.append(((*where, "choices", number, "text"), choice.text, context))
        for point, label in getattr(question, "labels", {}).items():
            found.append(((*where, "labels", point), label, context))
    for index, constraint in enumerate(script.constraints):
        try:
            referred = expressions.names(expressions.parse(constraint.check))
        except ExpressionError:
            referred = set()
        found.append((("constraints", index, "message"), constraint.message, referred))
    return found


def _text_problems(script: Script) -> list[Problem]:
    problems: list[Problem] = []
    languages = list(dict.fromkeys(script.languages))
    if len(languages) != len(script.languages):
        problems.append((("languages",), "a language is listed twice"))
    for where, texts, placeholders in _all_texts(script):
        missing = [language for language in languages if language not in texts]
        if missing:
            problems.append((where, f"missing the text in {', '.join(missing)}"))
        for language, text in texts.items():
            if language not in languages:
                problems.append(
                    ((*where, language), f"{language!r} is not one of the script's languages")
                )
                continue
            problem = _placeholder_problem(text, placeholders)
            if problem:
                problems.append(((*where, language), problem))
    return problems


def _placeholder_problem(text: str, allowed: set[str]) -> str | None:
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError as exc:
        return f"{exc} (write a literal brace as {{{{ or }}}})"
    unknown = [name for name in fields if name not in allowed]
    if unknown:
        known = ", ".join(sorted(allowed)) or "none"
        return f"unknown placeholder {{{unknown[0]}}} (available here: {known})"
    return None


def _question_problems(script: Script) -> list[Problem]:
    problems: list[Problem] = []
    for index, question in enumerate(script.questions):
        where = ("questions", index)
        if isinstance(question, Note):
            if question.text is None and question.content is None:
                problems.append((where, "a note needs `text`, `content` or both"))
            continue
        if script.poll_set:
            if question.stores is not None:
                problems.append((where, "a poll set stores no `indicator` or `setting`"))
        elif (question.indicator is None) == (question.setting is None):
            problems.append((where, "give exactly one of `indicator` and `setting`"))
        choices = [choice.value for choice in getattr(question, "choices", ())]
        for number, value in enumerate(choices):
            if value in choices[:number]:
                problems.append(
                    ((*where, "choices", number, "value"), f"{value!r} is offered twice")
                )
        if isinstance(question, MultipleChoice):
            most = len(choices) if question.max_choices is None else question.max_choices
            if most > len(choices):
                problems.append(((*where, "max_choices"), f"only {len(choices)} choices exist"))
            if question.min_choices > most:
                problems.append(((*where, "min_choices"), f"is above max_choices ({most})"))
        if isinstance(question, WholeNumber) and question.min > question.max:
            problems.append(((*where, "max"), f"is below min ({question.min})"))
        if isinstance(question, Scale):
            problems += _scale_problems(question, where)
    return problems


def _scale_problems(question: Scale, where: tuple[object, ...]) -> list[Problem]:
    if question.min >= question.max:
        return [((*where, "max"), f"must be above min ({question.min})")]
    # Every point of a scale becomes a button.
    if question.max - question.min > 10:
        return [((*where, "max"), "a scale has at most 11 points")]
    problems: list[Problem] = []
    for end in (question.min, question.max):
        if end not in question.labels:
            problems.append(
                ((*where, "labels"), f"needs a label for {end} (both ends are labelled)")
            )
    for point in question.labels:
        if not question.min <= point <= question.max:
            problems.append(((*where, "labels", point), "is outside the scale"))
    return problems


def _expression_problems(script: Script) -> list[Problem]:
    """Names, types and order: a question's condition may use only answers given before it."""
    problems: list[Problem] = []
    question_types = {
        question.id: _name_type(question)
        for question in script.questions
        if not isinstance(question, Note)
    }
    # Derived values, in order, with the last question each one needs.
    derived_types: dict[str, NameType] = {}
    needs_up_to: dict[str, int] = {}
    for index, derived in enumerate(script.derived):
        where = ("derived", index, "value")
        try:
            kind = expressions.check(
                derived.value, {**question_types, **derived_types}, ("number", "bool")
            )
        except ExpressionError as exc:
            problems.append((where, str(exc)))
            continue
        derived_types[derived.id] = NameType(kind)
        referred = expressions.names(expressions.parse(derived.value))
        needs_up_to[derived.id] = max(
            (needs_up_to.get(name, script.position(name) or 0) for name in referred), default=-1
        )
    every_name = {**question_types, **derived_types}
    for index, question in enumerate(script.questions):
        if question.relevant is None:
            continue
        earlier = {
            name: kind
            for name, kind in every_name.items()
            if needs_up_to.get(name, script.position(name) or 0) < index
        }
        where = ("questions", index, "relevant")
        try:
            expressions.check(question.relevant, earlier, ("bool",))
        except ExpressionError as exc:
            later = expressions.names(expressions.parse(question.relevant)) - set(earlier)
            later &= set(every_name)
            if later:
                name = sorted(later)[0]
                message = f"uses {name!r}, which is not answered before this question"
            else:
                message = str(exc)
            problems.append((where, message))
    # What every name is before anything is answered: unknown, or fixed for a constant.
    unanswered: dict[str, expressions.Value | None] = {}
    for derived in script.derived:
        if derived.id in derived_types:
            unanswered[derived.id] = expressions.evaluate(derived.value, unanswered)
    for index, constraint in enumerate(script.constraints):
        where = ("constraints", index, "check")
        try:
            expressions.check(constraint.check, every_name, ("bool",))
        except ExpressionError as exc:
            problems.append((where, str(exc)))
            continue
        if expressions.evaluate(constraint.check, unanswered) is False:
            problems.append((where, "is false whatever the answers, so no answer could pass"))
    return problems
