"""What the bot says and asks, as data, and the pure engine that walks it.

A script (docs/scripts.md) is loaded once with `load_script`; then every call — `start`,
`answer`, `choose`, `confirm`, `extend`, `skip`, `back`, `cancel`, `show`, `resume` —
takes the script and a `State` and returns a `Step`. No Telegram, no database, no event
loop.
"""

from conversations.engine import (
    ACKNOWLEDGED,
    Answer,
    Problem,
    ProblemCode,
    Progress,
    Results,
    State,
    StateError,
    Step,
    answer,
    back,
    cancel,
    choose,
    collected,
    confirm,
    extend,
    resume,
    serialise,
    show,
    skip,
    start,
)
from conversations.loading import ScriptError, load_script, parse_script, script_from_data
from conversations.script import Question, Script

__all__ = [
    "ACKNOWLEDGED",
    "Answer",
    "Problem",
    "ProblemCode",
    "Progress",
    "Question",
    "Results",
    "Script",
    "ScriptError",
    "State",
    "StateError",
    "Step",
    "answer",
    "back",
    "cancel",
    "choose",
    "collected",
    "confirm",
    "extend",
    "load_script",
    "parse_script",
    "resume",
    "script_from_data",
    "serialise",
    "show",
    "skip",
    "start",
]
