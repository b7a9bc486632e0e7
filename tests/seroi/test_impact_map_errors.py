"""Bad impact maps: every problem is reported, with the file name, the YAML path and a line."""

import textwrap
from pathlib import Path

import pytest

from seroi.errors import ImpactMapError
from seroi.impact_map import field_range, load_impact_map, parse_impact_map

EXAMPLES = Path(__file__).parents[2] / "examples"

VALID_ROW = """\
  - id: {id}
    stakeholder: teleworkers
    dimension: social
    description: time regained
    quantity: 40
    proxy: {{value: 1500, unit: EUR per person-year, source: test}}
    duration: 3
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(ImpactMapError) as caught:
        parse_impact_map(textwrap.dedent(text), "laitila.yaml")
    assert str(caught.value) == "\n".join(caught.value.problems)
    assert all(problem.startswith("laitila.yaml: ") for problem in caught.value.problems)
    return caught.value.problems


def map_with(row_changes: str = "", top: str = "") -> str:
    return f"name: test\n{top}outcomes:\n{VALID_ROW.format(id='a')}{row_changes}"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda path: path.name)
def test_shipped_examples_load(path):
    impact_map = load_impact_map(path)
    assert impact_map.outcomes
    assert any(row.proxy.value < 0 for row in impact_map.outcomes)  # the rebound row
    assert all(
        row.proxy.source and row.proxy.licence != "not stated"
        for row in impact_map.outcomes
        if "illustrative" not in row.proxy.source
    )


def test_malformed_yaml_gives_line_and_column():
    (problem,) = problems_of("name: x\noutcomes:\n  - id: a\n   stakeholder: [1, 2\n")
    assert problem.startswith("laitila.yaml: line 4, column 4: ")


def test_unclosed_bracket_gives_its_position():
    (problem,) = problems_of("name: x\nranges: {quantity: [1, 2}\n")
    assert "line 2, column" in problem


def test_every_schema_problem_is_listed_with_its_path():
    text = f"""\
name: test
discount_rate: 3.5
outcomes:
{VALID_ROW.format(id="a")}    deadweight: 1.5
{VALID_ROW.format(id="b")}    dimension: cultural
{VALID_ROW.format(id="c")}    duration: -2
    attribution: .nan
"""
    problems = problems_of(text.replace("    duration: 3\n    dimension", "    dimension"))
    joined = "\n".join(problems)
    assert "discount_rate: must be between 0 and 1 (write 3.5 % as 0.035) (line 2)" in joined
    assert "outcomes[0].deadweight: must be between 0 and 1" in joined
    assert "outcomes[1].dimension: must be one of 'social', 'economic' or 'environmental'" in joined
    assert "(got 'cultural')" in joined
    assert "outcomes[2].duration: must be at least 1 year" in joined
    assert "outcomes[2].attribution: must be a finite number (got nan)" in joined
    assert len(problems) >= 5


def test_a_key_written_twice_is_reported():
    problems = problems_of(map_with("    duration: 4\n"))
    assert any("outcomes[0].duration: this key is written twice" in p for p in problems)


def test_infinite_numbers_are_rejected():
    problems = problems_of(map_with().replace("quantity: 40", "quantity: .inf"))
    assert problems == [
        "laitila.yaml: outcomes[0].quantity: must be a finite number (got inf) (line 7)"
    ]


def test_missing_required_fields_are_each_named():
    problems = problems_of("name: test\noutcomes:\n  - id: a\n    dimension: social\n")
    for field in ("stakeholder", "description", "quantity", "proxy", "duration"):
        assert f"laitila.yaml: outcomes[0].{field}: required field is missing (line 3)" in problems


def test_missing_outcomes_and_empty_file():
    assert problems_of("name: test\n") == [
        "laitila.yaml: outcomes: required field is missing (line 1)"
    ]
    assert "must be a mapping" in problems_of("")[0]


def test_typo_in_a_key_is_reported_with_a_suggestion():
    problems = problems_of(map_with("    deadwieght: 0.2\n"))
    assert problems == [
        "laitila.yaml: outcomes[0].deadwieght: unknown key 'deadwieght'; "
        "did you mean 'deadweight'? (line 10)"
    ]


def test_unknown_top_level_key():
    problems = problems_of(map_with(top="discount_rte: 0.03\n"))
    assert "discount_rte: unknown key 'discount_rte'; did you mean 'discount_rate'?" in problems[0]


def test_duplicate_outcome_ids():
    text = f"name: test\noutcomes:\n{VALID_ROW.format(id='a')}{VALID_ROW.format(id='a')}"
    assert problems_of(text) == [
        "laitila.yaml: outcomes[1].id: duplicate outcome id 'a' (already used by outcomes[0]) "
        "(line 10)"
    ]


def test_unknown_derivation_name():
    problems = problems_of(map_with("    derive: {name: avoided_co2}\n"))
    assert len(problems) == 1
    assert "outcomes[0].derive.name: unknown derivation 'avoided_co2'" in problems[0]
    assert "did you mean" in problems[0]
    (problem,) = problems_of(map_with("    derive: {name: magic}\n"))
    assert "unknown derivation 'magic'; known: avoided_car_co2_tonnes, " in problem


def test_bad_derivation_params_are_each_reported():
    row = (
        "    derive:\n      name: avoided_car_co2_tonnes\n"
        "      params: {weeks_per_yaer: 46, emission_kg_per_km: -1}\n"
    )
    problems = problems_of(map_with(row))
    assert any(
        "outcomes[0].derive.params.weeks_per_yaer: unknown key 'weeks_per_yaer'; "
        "did you mean 'weeks_per_year'?" in p
        for p in problems
    )
    assert any(
        "outcomes[0].derive.params.emission_kg_per_km: must be at least 0" in p for p in problems
    )


def test_unknown_commute_mode_in_params():
    row = "    derive: {name: commute_km_by_mode, params: {modes: [bicycle, hovercraft]}}\n"
    (problem,) = problems_of(map_with(row))
    assert "derive.params.modes: unknown commute mode(s) hovercraft" in problem


def test_bad_ranges():
    problems = problems_of(map_with("    ranges: {quantity: [50, 30], deadweight: [0.1, 2]}\n"))
    assert any("outcomes[0].ranges.deadweight[1]: must be between 0 and 1" in p for p in problems)
    problems = problems_of(map_with("    ranges: {quantity: [50, 30]}\n"))
    assert problems == [
        "laitila.yaml: outcomes[0].ranges.quantity: low 50 is above high 30 (line 10)"
    ]
    problems = problems_of(map_with("    ranges: {quantity: [50, 60]}\n"))
    assert "the value used, 40, is outside [50, 60]" in problems[0]
    problems = problems_of(map_with("    ranges: {quantity: [50]}\n"))
    assert "ranges.quantity: must be a list of exactly two numbers [low, high]" in problems[0]


def test_wrong_types_are_named_plainly():
    text = (
        map_with()
        .replace("duration: 3", "duration: 2.5")
        .replace("quantity: 40", "quantity: forty")
    )
    problems = problems_of(text)
    assert "laitila.yaml: outcomes[0].quantity: must be a number (got 'forty') (line 7)" in problems
    assert (
        "laitila.yaml: outcomes[0].duration: must be a whole number (got 2.5) (line 9)" in problems
    )


def test_missing_file_is_an_impact_map_error(tmp_path):
    with pytest.raises(ImpactMapError, match=r"nothere.yaml: cannot read the file"):
        load_impact_map(tmp_path / "nothere.yaml")


def test_defaults_are_filled_in():
    impact_map = parse_impact_map(map_with(), "laitila.yaml")
    row = impact_map.outcomes[0]
    assert impact_map.discount_rate == 0.035
    assert impact_map.discount_first_year is True
    assert impact_map.currency == "EUR"
    assert (row.deadweight, row.starts, row.discount_rate) == (0.0, "during", None)
    assert field_range(row, "quantity", 0.035) == pytest.approx((32, 48))
    assert field_range(row, "duration", 0.035) == (3, 3)
