"""Reading `/poll` and turning a poll set's questions into polls (no Telegram, no storage)."""

from __future__ import annotations

from telegram.constants import PollLimit

from bot.chat.labels import short
from bot.i18n import N_
from bot.storage.repositories.workshops import NewPoll
from conversations.script import MultipleChoice, Scale, Script, SingleChoice

FLAGS = {"named", "multi", "hidden"}
SCALES = {"5": (1, 5), "10": (0, 10)}
ROUNDS = {"goals": "goal", "ideas": "idea"}
MIN_OPTIONS = 2  # Bot API sendPoll: 2–12 options (PTB has no constant for the lower bound)

USAGE = N_(
    "To ask a poll: /poll Question? | Option 1 | Option 2\n"
    "Before the question you may write: named (names visible), multi (several answers), "
    "hidden (results only at the close), timer 60 (seconds).\n"
    "A scale: /poll scale 5 Question? (1–5) or /poll scale 10 Question? (0–10).\n"
    "Over the goal or idea round: /poll goals or /poll ideas (its votes count in the ranking).\n"
    "A prepared set: /poll set <name>."
)


def _problem(message: str, **values: object) -> tuple[str, dict[str, object]]:
    return (message, values)


def parse(text: str) -> tuple[NewPoll | None, list[tuple[str, dict[str, object]]]]:
    """A poll from what followed `/poll`, or every problem with it (limits named)."""
    words = text.split()
    flags: set[str] = set()
    timer: int | None = None
    problems: list[tuple[str, dict[str, object]]] = []
    while words and (words[0].lower() in FLAGS or words[0].lower() == "timer"):
        word = words.pop(0).lower()
        if word != "timer":
            flags.add(word)
            continue
        seconds = words.pop(0) if words else ""
        low, high = PollLimit.MIN_OPEN_PERIOD, PollLimit.MAX_OPEN_PERIOD
        if not seconds.isascii() or not seconds.isdigit() or not low <= int(seconds) <= high:
            problems.append(
                _problem(
                    N_("The timer is a number of seconds from {low} to {high}."), low=low, high=high
                )
            )
        else:
            timer = int(seconds)
    flagged = {
        "named": "named" in flags,
        "multiple": "multi" in flags,
        "hidden": "hidden" in flags,
        "open_period": timer,
    }
    if words and words[0].lower() in ROUNDS and len(words) == 1:
        # Its question and options come from the round (`over_round`).
        poll = NewPoll(question="", options=[], subject_kind=ROUNDS[words[0].lower()], **flagged)
        return (None, problems) if problems else (poll, [])
    scale = None
    if words and words[0].lower() == "scale":
        words.pop(0)
        scale = SCALES.get(words.pop(0) if words else "")
        if scale is None:
            return None, [_problem(N_("A scale is 5 (1–5) or 10 (0–10): /poll scale 5 Question?"))]
    rest = " ".join(words)
    if scale is not None:
        question, options = rest.strip(), [str(point) for point in range(scale[0], scale[1] + 1)]
    else:
        if "|" not in rest:
            return None, [_problem(USAGE)]
        question, *options = (part.strip() for part in rest.split("|"))
    problems += _limit_problems(question, options)
    if problems:
        return None, problems
    return (
        NewPoll(
            question=question,
            options=options,
            kind="scale" if scale else "choice",
            scale_min=scale[0] if scale else None,
            **{**flagged, "multiple": flagged["multiple"] and scale is None},
        ),
        [],
    )


def _limit_problems(question: str, options: list[str]) -> list[tuple[str, dict[str, object]]]:
    """Where a poll breaks Telegram's limits, each limit named."""
    problems = []
    if not question:
        problems.append(_problem(N_("The question is empty.")))
    elif len(question) > PollLimit.MAX_QUESTION_LENGTH:
        problems.append(
            _problem(
                N_("The question is {length} characters long; at most {limit} fit."),
                length=len(question),
                limit=PollLimit.MAX_QUESTION_LENGTH,
            )
        )
    if not MIN_OPTIONS <= len(options) <= PollLimit.MAX_OPTION_NUMBER:
        problems.append(
            _problem(
                N_("A poll has {low} to {high} options; this one has {count}."),
                low=MIN_OPTIONS,
                high=PollLimit.MAX_OPTION_NUMBER,
                count=len(options),
            )
        )
    for number, option in enumerate(options, start=1):
        if not option:
            problems.append(_problem(N_("Option {number} is empty."), number=number))
        elif len(option) > PollLimit.MAX_OPTION_LENGTH:
            problems.append(
                _problem(
                    N_("Option {number} is {length} characters long; at most {limit} fit."),
                    number=number,
                    length=len(option),
                    limit=PollLimit.MAX_OPTION_LENGTH,
                )
            )
    seen: dict[str, int] = {}
    for number, option in enumerate(options, start=1):
        if option and option in seen:
            problems.append(
                _problem(
                    N_("Options {first} and {second} are the same; each option must differ."),
                    first=seen[option],
                    second=number,
                )
            )
        seen.setdefault(option, number)
    return problems


def over_round(
    poll: NewPoll, round_id: int, prompt: str, subjects: list[tuple[int, str]]
) -> NewPoll:
    """The poll over a round: its question, and one option per goal or idea (the first 12).

    `subjects` are (id, text) in ranking order. Options begin with the proposal's number,
    so two proposals that start alike stay two options (Telegram refuses duplicates).
    """
    chosen = subjects[: PollLimit.MAX_OPTION_NUMBER]
    return poll.model_copy(
        update={
            "question": short(prompt, PollLimit.MAX_QUESTION_LENGTH),
            "options": [
                short(f"#{number} {text}", PollLimit.MAX_OPTION_LENGTH) for number, text in chosen
            ],
            "subject_id": round_id,
            "option_subjects": [number for number, _text in chosen],
        }
    )


def from_script(script: Script, position: int, language: str) -> NewPoll | None:
    """The poll of a poll set's question at `position`, in `language`; None past the end."""
    askable = [q for q in script.questions if isinstance(q, SingleChoice | MultipleChoice | Scale)]
    if position >= len(askable):
        return None
    question = askable[position]
    if isinstance(question, Scale):
        points = range(question.min, question.max + 1)
        return NewPoll(
            question=question.text[language],
            options=[str(point) for point in points],
            kind="scale",
            scale_min=question.min,
        )
    return NewPoll(
        question=question.text[language],
        options=[choice.text[language] for choice in question.choices],
        multiple=isinstance(question, MultipleChoice),
    )
