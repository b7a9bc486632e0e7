"""Malformed scripts: every problem at once, each with the file, the field path and the line."""

from __future__ import annotations

import textwrap

import pytest

from conversations import ScriptError, load_script, parse_script

VALID = """\
id: weekly
title: {en: Weekly, fi: Viikko}
languages: [en, fi]
questions:
  - id: work_days
    type: number
    min: 0
    max: 7
    indicator: work_days
    text: {en: Days worked, fi: Työpäivät}
  - id: mode
    type: single
    relevant: work_days > 0
    indicator: commute_mode
    text: {en: How, fi: Miten}
    choices:
      - {value: bus, text: {en: Bus, fi: Bussi}}
      - {value: train, text: {en: Train, fi: Juna}}
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(ScriptError) as caught:
        parse_script(textwrap.dedent(text), "weekly.yaml")
    assert str(caught.value) == "\n".join(caught.value.problems)
    assert all(problem.startswith("weekly.yaml: ") for problem in caught.value.problems)
    return caught.value.problems


def test_the_valid_example_loads():
    script = parse_script(VALID, "weekly.yaml")
    assert [question.id for question in script.questions] == ["work_days", "mode"]


def test_every_shape_problem_is_listed_with_its_path_and_line():
    text = VALID.replace("    min: 0\n", "    min: none\n").replace(
        "type: single", "type: dropdown"
    )
    text += "  - id: comment\n    type: text\n    text: {en: Why, fi: Miksi}\n    setting: why\n"
    problems = problems_of(text)
    assert "weekly.yaml: questions[0].min: must be a whole number (got 'none') (line 7)" in problems
    assert any(
        problem.startswith("weekly.yaml: questions[1]: unknown type 'dropdown'")
        and problem.endswith("(line 11)")
        for problem in problems
    )
    assert "weekly.yaml: questions[2].max_length: required field is missing (line 19)" in problems
    assert len(problems) == 3


def test_every_whole_script_problem_is_listed_at_once():
    text = (
        VALID.replace("text: {en: How, fi: Miten}", "text: {en: How}")
        .replace("relevant: work_days > 0", "relevant: mode == 'bus'")
        .replace(
            "{value: train, text: {en: Train, fi: Juna}}", "{value: bus, text: {en: B, fi: B}}"
        )
    )
    text += """\
constraints:
  - id: sane
    check: work_dayz <= 7
    message: {en: "Too many {days}", fi: Liikaa}
"""
    problems = problems_of(text)
    assert problems == [
        "weekly.yaml: constraints[0].check: unknown name 'work_dayz'; did you mean 'work_days'? "
        "(line 21)",
        "weekly.yaml: constraints[0].message.en: unknown placeholder {days} (available here: "
        "work_dayz) (line 22)",
        "weekly.yaml: questions[1].choices[1].value: 'bus' is offered twice (line 18)",
        "weekly.yaml: questions[1].relevant: uses 'mode', which is not answered before this "
        "question (line 13)",
        "weekly.yaml: questions[1].text: missing the text in fi (line 15)",
    ]


def test_a_misspelt_key_gets_a_suggestion():
    (problem,) = problems_of(VALID.replace("    relevant:", "    relevent:"))
    assert problem == (
        "weekly.yaml: questions[1].relevent: unknown key 'relevent'; did you mean 'relevant'? "
        "(line 13)"
    )


def test_a_key_written_twice_is_reported():
    (problem,) = problems_of(VALID.replace("    max: 7\n", "    max: 7\n    max: 5\n"))
    assert problem == "weekly.yaml: questions[0].max: this key is written twice; keep one (line 9)"


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("work_days > 'many'", "'many'"),
        ("work_days", "must compute true or false"),
        ("work_days / 2 > 1", "is not allowed"),
        ("__import__('os')", "is not allowed"),
        ("work_days >", "cannot read"),
        ("work_days in (1, work_days)", "fixed values"),
    ],
)
def test_conditions_are_checked_when_the_script_loads(condition, expected):
    (problem,) = problems_of(VALID.replace("work_days > 0", condition))
    assert problem.startswith("weekly.yaml: questions[1].relevant: ")
    assert expected in problem


def test_a_code_that_a_question_does_not_offer_is_caught_in_a_condition():
    text = (
        VALID
        + """\
  - id: ticket
    type: yes_no
    relevant: mode == 'tram'
    setting: ticket
    text: {en: Ticket, fi: Lippu}
"""
    )
    (problem,) = problems_of(text)
    assert "'mode' has no choice 'tram' (its choices: bus, train)" in problem


def test_a_constraint_that_nothing_could_satisfy_is_refused():
    text = VALID + "constraints:\n  - {id: never, check: 1 > 2, message: {en: Never, fi: Ei}}\n"
    (problem,) = problems_of(text)
    assert "constraints[0].check: is false whatever the answers" in problem


def test_yes_and_no_read_as_true_and_false_by_yaml_get_a_hint():
    (problem,) = problems_of(VALID.replace("{en: Bus, fi: Bussi}", "{en: Bus, fi: no}"))
    assert problem == (
        "weekly.yaml: questions[1].choices[0].text.fi: must be text; YAML reads yes, no, on and "
        "off as False: put it in quotes (line 17)"
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("    max: 7\n", "    max: -1\n"), "questions[0].max: is below min (0)"),
        (("    indicator: work_days\n", ""), "give exactly one of `indicator` and `setting`"),
        (("indicator: commute_mode", "indicator: work_days"), "'work_days' is already stored"),
        (("id: mode", "id: work_days"), "'work_days' is already used by questions[0]"),
        (("languages: [en, fi]", "languages: [en, fi, xx1]"), "two-letter language code"),
        (("{en: Bus, fi: Bussi}", "{en: Bus, fi: Bussi, de: Bus}"), "'de' is not one of"),
        (("{en: Bus,", "{en: 'Bus {x',"), "write a literal brace as"),
    ],
)
def test_field_problems_name_the_field(change, expected):
    problems = problems_of(VALID.replace(*change))
    assert any(expected in problem for problem in problems), problems


def test_scale_ends_must_be_labelled():
    text = (
        VALID
        + """\
  - id: mood
    type: scale
    min: 0
    max: 12
    setting: mood
    text: {en: Mood, fi: Mieliala}
    labels: {0: {en: Low, fi: Matala}, 13: {en: High, fi: Korkea}}
"""
    )
    problems = problems_of(text)
    assert problems == ["weekly.yaml: questions[2].max: a scale has at most 11 points (line 22)"]
    problems = problems_of(text.replace("max: 12", "max: 10"))
    assert "weekly.yaml: questions[2].labels: needs a label for 10 (both ends are labelled) " in (
        problems[0] + " "
    )
    assert problems[1] == "weekly.yaml: questions[2].labels[13]: is outside the scale (line 25)"


def test_a_note_needs_something_to_show():
    text = VALID + "  - {id: hello, type: note}\n"
    (problem,) = problems_of(text)
    assert problem == "weekly.yaml: questions[2]: a note needs `text`, `content` or both (line 19)"


def test_broken_yaml_gives_line_and_column():
    (problem,) = problems_of("id: x\nquestions:\n  - id: a\n   type: [1, 2\n")
    assert problem.startswith("weekly.yaml: line 4, column 4: ")


@pytest.mark.parametrize("text", ["", "- just\n- a list\n", "plain text"])
def test_a_file_that_is_not_a_mapping_says_what_a_script_is(text):
    (problem,) = problems_of(text)
    assert "a script is a mapping" in problem


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ScriptError, match=r"^absent\.yaml: cannot read the file"):
        load_script(tmp_path / "absent.yaml")


def test_the_command_line_check_lists_problems_and_fails(tmp_path, capsys):
    from conversations.__main__ import main
    from conversations.scripts import SCRIPTS_DIR

    broken = tmp_path / "broken.yaml"
    broken.write_text(VALID.replace("text: {en: How, fi: Miten}", "text: {en: How}"))
    assert main([str(SCRIPTS_DIR / "who5.yaml"), str(broken)]) == 1
    out, err = capsys.readouterr()
    assert "who5.yaml: ok, 6 questions in fi, en, it, sv" in out
    assert err.strip() == "broken.yaml: questions[1].text: missing the text in fi (line 15)"


def test_the_annotated_example_in_the_docs_loads():
    from pathlib import Path

    docs = (Path(__file__).parents[2] / "docs" / "scripts.md").read_text(encoding="utf-8")
    example = docs.split("```yaml\n", 1)[1].split("```", 1)[0]
    script = parse_script(example, "docs/scripts.md")
    assert [question.id for question in script.questions] == [
        "work_days",
        "home_days",
        "hub_days",
        "commute_mode",
    ]


def test_shape_problems_and_missing_translations_come_in_one_report():
    text = VALID.replace("    min: 0\n", "    min: zero\n").replace(
        "{en: Bus, fi: Bussi}", "{en: Bus}"
    )
    assert problems_of(text) == [
        "weekly.yaml: questions[0].min: must be a whole number (got 'zero') (line 7)",
        "weekly.yaml: questions[1].choices[0].text: missing the text in fi (line 17)",
    ]


def test_a_control_character_in_the_file_is_a_problem_not_a_crash():
    (problem,) = problems_of("id: x\x1f\n")
    assert problem.startswith("weekly.yaml: not valid YAML: unacceptable character #x001f")
