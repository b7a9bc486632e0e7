"""Hypothesis strategies: any script the format allows, as the plain data a YAML file holds."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conversations import expressions

QUESTION_TYPES = ("single", "multiple", "scale", "number", "text", "yes_no", "note")
KINDS = {
    "single": "code",
    "multiple": "codes",
    "scale": "number",
    "number": "number",
    "text": "text",
    "yes_no": "bool",
}


def texts(languages: list[str]) -> dict[str, str]:
    return {language: f"text in {language}" for language in languages}


@st.composite
def number_term(draw: st.DrawFn, numbers: list[str]) -> str:
    if numbers and draw(st.booleans()):
        parts = draw(st.lists(st.sampled_from(numbers), min_size=1, max_size=3))
        operators = draw(st.lists(st.sampled_from(["+", "-", "*"]), min_size=2, max_size=2))
        text = parts[0]
        for part, operator in zip(parts[1:], operators, strict=False):
            text += f" {operator} {part}"
        return text
    return str(draw(st.integers(-10, 20)))


@st.composite
def condition(draw: st.DrawFn, names: list[tuple[str, str, list[str]]], depth: int = 0) -> str:
    """A true-or-false expression over `names` (id, kind, codes) that type-checks."""
    numbers = [name for name, kind, _ in names if kind == "number"]
    options = ["literal", "number"]
    options += [kind for _, kind, _ in names if kind in ("code", "codes", "bool", "text")]
    if depth < 2:
        options += ["and", "or", "not"]
    option = draw(st.sampled_from(options))
    if option == "literal":
        return draw(st.sampled_from(["True", "False"]))
    if option == "number":
        left, right = draw(number_term(numbers)), draw(number_term(numbers))
        return f"{left} {draw(st.sampled_from(['<', '<=', '>', '>=', '==', '!=']))} {right}"
    if option in ("and", "or"):
        parts = draw(st.lists(condition(names, depth + 1), min_size=2, max_size=3))
        return f" {option} ".join(f"({part})" for part in parts)
    if option == "not":
        return f"not ({draw(condition(names, depth + 1))})"
    name, _, codes = draw(st.sampled_from([item for item in names if item[1] == option]))
    if option == "bool":
        return draw(st.sampled_from([name, f"not {name}", f"{name} == True"]))
    if option == "text":
        return f"{name} {draw(st.sampled_from(['==', '!=']))} 'x'"
    code = draw(st.sampled_from(codes))
    if option == "codes":
        return f"'{code}' {draw(st.sampled_from(['in', 'not in']))} {name}"
    if draw(st.booleans()):
        chosen = draw(st.lists(st.sampled_from(codes), min_size=1, max_size=3, unique=True))
        return f"{name} in ({', '.join(repr(item) for item in chosen)},)"
    return f"{name} {draw(st.sampled_from(['==', '!=']))} '{code}'"


@st.composite
def question(draw: st.DrawFn, index: int, languages: list[str]) -> dict[str, Any]:
    kind = draw(st.sampled_from(QUESTION_TYPES))
    data: dict[str, Any] = {"id": f"q{index}", "type": kind}
    if kind == "note":
        if draw(st.booleans()):
            data["content"] = "host_text"
        if "content" not in data or draw(st.booleans()):
            data["text"] = texts(languages)
        return data
    data["text"] = texts(languages)
    data["indicator" if draw(st.booleans()) else "setting"] = f"stored_{index}"
    skippable = draw(st.sampled_from([None, True, False]))
    if skippable is not None:
        data["skippable"] = skippable
    if kind in ("single", "multiple"):
        count = draw(st.integers(2 if kind == "single" else 1, 4))
        data["choices"] = [{"value": f"c{n}", "text": texts(languages)} for n in range(count)]
        if kind == "multiple":
            least = draw(st.integers(0, count))
            data["min_choices"] = least
            if draw(st.booleans()):
                data["max_choices"] = draw(st.integers(max(1, least), count))
    elif kind == "scale":
        low = draw(st.integers(-3, 3))
        high = low + draw(st.integers(1, 10))
        data.update(min=low, max=high, labels={low: texts(languages), high: texts(languages)})
    elif kind == "number":
        low = draw(st.integers(-5, 5))
        data.update(min=low, max=low + draw(st.integers(0, 20)))
    elif kind == "text":
        data["max_length"] = draw(st.sampled_from([1, 5, 200, 4096]))
    return data


def _name(data: dict[str, Any]) -> tuple[str, str, list[str]]:
    codes = [choice["value"] for choice in data.get("choices", [])]
    return data["id"], KINDS[data["type"]], codes


@st.composite
def scripts(draw: st.DrawFn) -> dict[str, Any]:
    """A valid script: conditions use only earlier answers, and everything type-checks."""
    languages = draw(st.sampled_from([["en"], ["fi", "en", "it", "sv"]]))
    questions = [draw(question(index, languages)) for index in range(draw(st.integers(1, 7)))]
    names = [_name(item) for item in questions if item["type"] != "note"]
    position = {item["id"]: index for index, item in enumerate(questions)}
    # Derived values, each with the last question it needs (so conditions may use it after).
    derived: list[dict[str, Any]] = []
    needs: dict[str, int] = {}
    for number in range(draw(st.integers(0, 2))):
        numbers = [name for name, kind, _ in names if kind == "number"]
        if draw(st.booleans()):
            value, kind = draw(number_term(numbers)), "number"
        else:
            value, kind = draw(condition(names)), "bool"
        used = expressions.names(expressions.parse(value))
        needs[f"d{number}"] = max(
            (needs.get(name, position.get(name, -1)) for name in used), default=-1
        )
        derived.append({"id": f"d{number}", "value": value})
        names.append((f"d{number}", kind, []))
    for index, data in enumerate(questions):
        earlier = [item for item in names if needs.get(item[0], position.get(item[0], 0)) < index]
        if draw(st.integers(0, 2)) == 0:
            data["relevant"] = draw(condition(earlier))
    # The format refuses a constraint that is false before anything is answered.
    unanswered: dict[str, Any] = {}
    for item in derived:
        unanswered[item["id"]] = expressions.evaluate(item["value"], unanswered)
    checks = condition(names).filter(
        lambda check: expressions.evaluate(check, unanswered) is not False
    )
    constraints = [
        {"id": f"rule{n}", "check": draw(checks), "message": texts(languages)}
        for n in range(draw(st.integers(0, 3)))
    ]
    return {
        "id": "generated",
        "title": texts(languages),
        "languages": languages,
        "skippable": draw(st.booleans()),
        "questions": questions,
        "derived": derived,
        "constraints": constraints,
    }


# Anything a person or an old button might send.
garbage = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.sampled_from(["", " ", "7", " 3 ", "-1", "1e3", "٣", "😀", "c0", "c1", "yes", "no"]),
    st.lists(st.sampled_from(["c0", "c1", "c2", "c9", ""]), max_size=4),
    st.text(min_size=4090, max_size=4100, alphabet="ab😀 \n"),
)


def valid_answer(data: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values that suit the question (constraints may still refuse them)."""
    kind = data["type"]
    if kind == "note":
        return st.just(True)
    if kind == "single":
        return st.sampled_from([choice["value"] for choice in data["choices"]])
    if kind == "multiple":
        codes = [choice["value"] for choice in data["choices"]]
        return st.lists(st.sampled_from(codes), unique=True)
    if kind in ("scale", "number"):
        values = st.integers(data["min"], data["max"])
        return values | values.map(str)
    if kind == "text":
        return st.text(min_size=1, max_size=data["max_length"] + 2)
    return st.booleans() | st.sampled_from(["yes", "no"])
