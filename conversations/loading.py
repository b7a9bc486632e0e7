"""Reading script files: every problem at once, each with the file, the field path and the line.

Lines come from the YAML nodes, as in the impact-map loader; paths are written the way a
coordinator reads the file (``questions[2].choices[0].text``).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import ValidationError

from conversations.script import (
    QUESTION_TYPES,
    Choice,
    Constraint,
    Derived,
    Problem,
    Question,
    Script,
    script_problems,
)


class ScriptError(ValueError):
    """A script file cannot be used; `problems` lists each, prefixed by the file name."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def load_script(path: str | Path) -> Script:
    """Read and check a script file (ScriptError listing every problem)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScriptError([f"{path.name}: cannot read the file: {exc}"]) from exc
    return parse_script(text, path.name)


def parse_script(text: str, source_name: str = "script") -> Script:
    """Check script YAML text; `source_name` starts every problem reported."""
    loader = None
    try:
        # The reader checks the characters as soon as it is made.
        loader = yaml.SafeLoader(text)
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ScriptError([f"{source_name}: {where}{exc.problem or exc.context}"]) from exc
    except yaml.YAMLError as exc:
        raise ScriptError([f"{source_name}: not valid YAML: {exc}"]) from exc
    finally:
        if loader is not None:
            loader.dispose()
    lines: dict[tuple[Any, ...], int] = {}
    problems: list[Problem] = []
    if node is not None:
        _walk(node, (), lines, problems)
    return script_from_data(data, source_name, lines, problems)


def script_from_data(
    data: object,
    source_name: str = "script",
    lines: dict[tuple[Any, ...], int] | None = None,
    problems: list[Problem] | None = None,
) -> Script:
    """Check a script given as plain data (what YAML reads into)."""
    lines = lines or {}
    problems = list(problems or [])
    if not isinstance(data, dict):
        raise ScriptError(
            [f"{source_name}: a script is a mapping with `id`, `title`, `questions`…"]
        )
    script = None
    try:
        script = Script.model_validate(data)
    except ValidationError as exc:
        problems.extend(_translate(error) for error in exc.errors())
        problems.extend(_problems_of_the_valid_part(data, exc.errors()))
    if script is not None:
        problems.extend(script_problems(script))
    if problems:
        ordered = sorted(problems, key=lambda problem: _sort_key(problem[0]))
        raise ScriptError(
            list(dict.fromkeys(_format(source_name, loc, text, lines) for loc, text in ordered))
        )
    assert script is not None
    return script


_LISTS = ("questions", "derived", "constraints")


def _problems_of_the_valid_part(data: dict[str, Any], errors: list[Any]) -> list[Problem]:
    """Check the valid items too, so that a missing translation comes in the same report.

    Only when every shape error is inside an item of a list: those items are left out.
    """
    broken = {error["loc"][:2] for error in errors}
    if not all(_in_a_list(key) for key in broken):
        return []
    kept: dict[str, list[int]] = {}
    for section in _LISTS:
        items = data.get(section) or []
        kept[section] = [index for index in range(len(items)) if (section, index) not in broken]
    valid = {section: [data[section][index] for index in kept[section]] for section in kept}
    try:
        partial = Script.model_validate({**data, **valid})
    except ValidationError:
        return []
    return [
        ((loc[0], kept[loc[0]][loc[1]], *loc[2:]) if _in_a_list(loc) else loc, message)
        for loc, message in script_problems(partial, references=False)
    ]


def _in_a_list(loc: tuple[Any, ...]) -> bool:
    return len(loc) > 1 and loc[0] in _LISTS and isinstance(loc[1], int)


def _walk(
    node: yaml.Node,
    path: tuple[Any, ...],
    lines: dict[tuple[Any, ...], int],
    problems: list[Problem],
) -> None:
    """Note the line of every key and list item; a key written twice is a problem."""
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            # Scale labels are numbers; pydantic reports them as numbers too.
            if key_node.tag == "tag:yaml.org,2002:int":
                key = int(key)
            if key in seen:
                problems.append(((*path, key), "this key is written twice; keep one"))
            seen.add(key)
            lines[(*path, key)] = key_node.start_mark.line + 1
            _walk(value_node, (*path, key), lines, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines, problems)


def _translate(error: Any) -> Problem:
    """One pydantic error as (path, plain words)."""
    # A question's errors carry its `type` as an extra path step; the reader never sees it.
    loc = tuple(error["loc"])
    if len(loc) > 2 and loc[0] == "questions" and loc[2] in QUESTION_TYPES:
        loc = loc[:2] + loc[3:]
    kind, ctx, given = error["type"], error.get("ctx") or {}, error.get("input")
    if loc and loc[-1] == "[key]":
        loc = loc[:-1]
    messages = {
        "missing": "required field is missing",
        "extra_forbidden": _unknown_key(loc[-1] if loc else ""),
        "string_too_short": "must not be empty",
        "too_short": "must have at least one entry",
        "union_tag_not_found": f"needs a `type`: one of {', '.join(QUESTION_TYPES)}",
        "union_tag_invalid": f"unknown type {ctx.get('tag')!r}; one of {', '.join(QUESTION_TYPES)}",
    }
    if kind in messages:
        if kind == "too_short" and ctx.get("min_length", 1) > 1:
            return loc, f"must have at least {ctx['min_length']} entries"
        return loc, messages[kind]
    if kind == "string_pattern_mismatch":
        pattern = ctx.get("pattern", "")
        if "a-z]{2}" in pattern:
            return loc, f"must be a two-letter language code such as fi (got {given!r})"
        if "A-Za-z0-9_-" in pattern:
            return loc, f"may contain only letters, digits, '_' and '-' (got {given!r})"
        return (
            loc,
            f"must be lower-case letters, digits and '_', starting with a letter (got {given!r})",
        )
    if kind == "string_too_long":
        return loc, f"is too long: at most {ctx.get('max_length')} characters"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return loc, f"must be a whole number (got {given!r})"
    if kind in ("bool_type", "bool_parsing"):
        return loc, f"must be true or false (got {given!r})"
    if kind == "string_type" and isinstance(given, bool):
        return loc, f"must be text; YAML reads yes, no, on and off as {given}: put it in quotes"
    if kind == "string_type":
        return loc, f"must be text (got {given!r})"
    if kind in ("list_type", "dict_type", "model_type", "model_attributes_type"):
        shape = "a list" if kind == "list_type" else "a mapping of keys to values"
        return loc, f"must be {shape} (got {given!r})"
    if kind in ("greater_than_equal", "less_than_equal"):
        bound = ctx.get("ge", ctx.get("le"))
        word = "at least" if kind == "greater_than_equal" else "at most"
        return loc, f"must be {word} {bound} (got {given!r})"
    if kind == "value_error":
        return loc, str(ctx.get("error", error["msg"]))
    return loc, error["msg"][:1].lower() + error["msg"][1:]


def _unknown_key(key: object) -> str:
    close = difflib.get_close_matches(str(key), _KEYS, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}?" if close else "docs/scripts.md lists the keys"
    return f"unknown key {key!r}; {hint}"


_KEYS = sorted(
    {
        name
        for model in (Script, Choice, Constraint, Derived, *get_args(get_args(Question)[0]))
        for name in model.model_fields
    }
)


def format_path(loc: tuple[Any, ...]) -> str:
    """A location as the YAML reader sees it: ``questions[2].text.fi``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _format(source_name: str, loc: tuple[Any, ...], message: str, lines: dict) -> str:
    line = next((lines[loc[:end]] for end in range(len(loc), -1, -1) if loc[:end] in lines), None)
    where = f" (line {line})" if line is not None else ""
    return f"{source_name}: {format_path(loc) or '(top level)'}: {message}{where}"


def _sort_key(loc: tuple[Any, ...]) -> tuple[tuple[int, int, str], ...]:
    return tuple((1, part, "") if isinstance(part, int) else (0, 0, str(part)) for part in loc)
