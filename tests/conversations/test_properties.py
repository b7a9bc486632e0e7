"""For any script the format allows and any sequence of answers, skips, backs and resumes,
the engine never raises, always asks something or has ended, never records an answer that
breaks the question or a constraint, and a serialised state resumes exactly where it was."""

from __future__ import annotations

import re
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conversations import (
    Script,
    ScriptError,
    State,
    StateError,
    Step,
    answer,
    back,
    cancel,
    choose,
    confirm,
    extend,
    parse_script,
    resume,
    script_from_data,
    serialise,
    skip,
    start,
)
from conversations.expressions import evaluate
from tests.conversations.strategies import garbage, scripts, valid_answer

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(scripts())
def test_every_generated_script_loads_from_data_and_from_yaml(data):
    script = script_from_data(data)
    assert parse_script(yaml.safe_dump(data, allow_unicode=True), "generated.yaml") == script


def values_of(script: Script, state: State) -> dict[str, Any]:
    """The answers a state holds, worked out here rather than by the engine."""
    values: dict[str, Any] = dict(state.given)
    for entry in state.path:
        if script.question(entry.question).type != "note":
            values[entry.question] = entry.value
    for derived in script.derived:
        values[derived.id] = evaluate(derived.value, values)
    return values


def answer_fits(question: Any, value: Any) -> bool:
    kind = question.type
    if kind == "note":
        return value is True
    if kind == "single":
        return value in [choice.value for choice in question.choices]
    if kind == "multiple":
        codes = [choice.value for choice in question.choices]
        most = question.max_choices or len(codes)
        return (
            isinstance(value, tuple)
            and all(code in codes for code in value)
            and len(set(value)) == len(value)
            and question.min_choices <= len(value) <= most
        )
    if kind in ("scale", "number"):
        return type(value) is int and question.min <= value <= question.max
    if kind == "text":
        return isinstance(value, str) and 1 <= len(value) <= question.max_length
    return isinstance(value, bool)


def check_invariants(script: Script, step: Step) -> None:
    state = step.state
    # Exactly one of: a question to answer, finished, cancelled.
    assert [step.question is not None, step.finished, step.cancelled].count(True) == 1
    assert (step.results is not None) == step.finished
    assert 1 <= step.progress.position <= step.progress.total or step.question is None
    assert step.skippable == (step.question is not None and script.can_skip(step.question))
    # Every entry was relevant when reached, fits its question, and was skipped only if
    # the question may be skipped; no constraint is broken by what is recorded.
    so_far: dict[str, Any] = dict(state.given)
    for entry in state.path:
        question = script.question(entry.question)
        if question.relevant is not None:
            partial = State(script=state.script, given=state.given, path=state.path[: len(so_far)])
            assert evaluate(question.relevant, values_of(script, partial)) is True
        if entry.value is None:
            assert script.can_skip(question)
        else:
            assert answer_fits(question, entry.value)
        so_far[entry.question] = entry.value
    values = values_of(script, state)
    for constraint in script.constraints:
        assert evaluate(constraint.check, values) is not False, constraint.id
    if step.question is not None and step.question.type == "multiple":
        codes = [choice.value for choice in step.question.choices]
        assert all(code in codes for code in state.draft)
    else:
        assert state.draft == ()


def act(script: Script, step: Step, data: st.DataObject) -> Step:
    """One thing a person (or a stale button) might do, drawn for the current step."""
    state, current = step.state, step.question
    question_ids = [question.id for question in script.questions]
    target = current.id if current is not None else "q0"
    if data.draw(st.integers(0, 9)) == 0:
        target = data.draw(st.sampled_from([*question_ids, "nope"]))
    action = data.draw(
        st.sampled_from(
            [
                "answer",
                "answer",
                "answer",
                "garbage",
                "skip",
                "back",
                "choose",
                "confirm",
                "extend",
                "cancel",
            ]
        )
    )
    if action == "answer" and current is not None and target == current.id:
        return answer(script, state, target, data.draw(valid_answer(current.model_dump())))
    if action in ("answer", "garbage"):
        return answer(script, state, target, data.draw(garbage))
    if action == "skip":
        return skip(script, state, target)
    if action == "back":
        return back(script, state)
    if action == "choose":
        code = data.draw(st.sampled_from(["c0", "c1", "c2", "c3", "c9"]))
        return choose(script, state, target, code, data.draw(st.booleans()))
    if action == "confirm":
        return confirm(script, state, target)
    if action == "extend":
        last = state.path[-1].question if state.path and data.draw(st.booleans()) else target
        return extend(script, state, last, data.draw(garbage))
    # Cancel rarely, so that walks go deep.
    if data.draw(st.integers(0, 4)) == 0:
        return cancel(script, state)
    return step


def start_with_some_known(script: Script, data: st.DataObject) -> Step:
    """Start, sometimes with answers known beforehand (refused when they break a rule)."""
    chosen = data.draw(st.lists(st.sampled_from(script.questions), unique_by=lambda q: q.id))
    known = {question.id: data.draw(valid_answer(question.model_dump())) for question in chosen}
    try:
        return start(script, known)
    except StateError as exc:
        refusal = str(exc)
    # Only a constraint, or the question's own limits, may refuse a fitting value.
    assert re.search(r"constraint|text_too_long|text_empty|too_few|too_many", refusal)
    return start(script)


@SETTINGS
@given(scripts(), st.data())
def test_any_walk_keeps_the_engine_sound(script_data, data):
    script = script_from_data(script_data)
    step = start_with_some_known(script, data)
    check_invariants(script, step)
    for _ in range(data.draw(st.integers(1, 40))):
        before = step
        step = act(script, step, data)
        check_invariants(script, step)
        if step.problem is not None:
            assert step.state == before.state, "a refused call changes nothing"
        restored = resume(script, serialise(step.state))
        assert restored.state == step.state
        assert restored.question == step.question
        assert restored.progress == step.progress
        assert restored.results == step.results
        # Carry on from the restored state: it must behave exactly as the original.
        step = restored


@SETTINGS
@given(scripts(), st.data())
def test_answering_everything_validly_finishes_or_meets_a_constraint(script_data, data):
    script = script_from_data(script_data)
    step = start(script)
    for _ in range(len(script.questions)):
        if step.question is None:
            break
        current = step.question
        step = answer(script, step.state, current.id, data.draw(valid_answer(current.model_dump())))
        if step.problem is not None:
            # Only a constraint (or the question's own limits) may refuse a fitting value.
            assert step.problem.code.value in (
                "constraint",
                "too_few_choices",
                "too_many_choices",
                "text_too_long",
                "text_empty",
            )
            return
    assert step.finished
    assert set(step.results.answers) == {
        entry.question
        for entry in step.state.path
        if script.question(entry.question).type != "note"
    }


yaml_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(["id", "type", "text", "questions", "en", "0"]), children)
    ),
    max_leaves=20,
)


def problems_or_none(load: Any, *arguments: Any) -> list[str] | None:
    """The problems a loader reports, or None when it accepts the input."""
    try:
        load(*arguments)
    except ScriptError as exc:
        return exc.problems
    return None


@SETTINGS
@given(scripts(), st.sampled_from(["id", "type", "text", "choices", "min", "relevant"]), yaml_like)
def test_a_damaged_script_is_refused_with_problems_never_with_a_crash(data, key, damage):
    data["questions"][0][key] = damage
    problems = problems_or_none(script_from_data, data, "damaged.yaml")
    assert problems is None or problems
    assert all(problem.startswith("damaged.yaml: ") for problem in problems or [])


@SETTINGS
@given(st.text(max_size=300))
def test_any_text_is_read_as_a_script_or_refused_with_problems(text):
    problems = problems_or_none(parse_script, text, "any.yaml")
    assert all(problem.startswith("any.yaml: ") for problem in problems or [])
