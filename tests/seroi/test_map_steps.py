"""Step 2 and 4 in the core: a stakeholder's onboarding groups, the proxy library, chat edits."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seroi.derivations import DERIVATIONS
from seroi.errors import ImpactMapError
from seroi.impact_map import load_impact_map, parse_impact_map, stakeholder_groups
from seroi.indicators import INDICATORS
from seroi.map_edits import (
    INDICATOR_LIBRARY,
    Change,
    changes,
    link_indicator,
    set_proxy,
    to_yaml,
    with_action_budgets,
)
from seroi.proxies import PROXIES, library_proxy, proxies_for

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.yaml"))
LAITILA = Path(__file__).parents[2] / "examples" / "laitila_remote_work.yaml"

GROUPED = """\
name: Village walks
outcomes:
  - id: walks
    stakeholder: residents
    groups: [resident, other]
    dimension: social
    description: walks together
    quantity: 10
    proxy: {value: 20, unit: EUR per walk, source: test}
    duration: 1
    actions: [1]
  - id: paths
    stakeholder: residents
    dimension: social
    description: paths kept clear
    quantity: 5
    proxy: {value: 10, unit: EUR per path, source: test}
    duration: 1
"""


def test_a_stakeholder_names_its_onboarding_groups_on_any_of_its_outcomes():
    impact_map = parse_impact_map(GROUPED)
    assert stakeholder_groups(impact_map) == {"residents": ("resident", "other")}
    assert impact_map.outcomes[0].actions == [1]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("groups: [resident, other]", None),
        ("groups: []", "outcomes[0].groups: must have at least one entry (line 5)"),
        ("groups: [Resident]", "outcomes[0].groups[0]: must be a group code in small letters"),
        ("groups: resident", "outcomes[0].groups: must be a list"),
        ("groups: [resident, resident]", "outcomes[0].groups: a group is listed twice"),
    ],
)
def test_the_groups_field_is_validated_in_shape(change: str, expected: str | None):
    text = GROUPED.replace("groups: [resident, other]", change)
    if expected is None:
        parse_impact_map(text)
        return
    with pytest.raises(ImpactMapError) as raised:
        parse_impact_map(text, "map.yaml")
    assert any(expected in problem for problem in raised.value.problems), raised.value.problems


def test_two_outcomes_of_one_stakeholder_must_give_the_same_groups():
    text = GROUPED.replace(
        "    stakeholder: residents\n    dimension: social\n    description: paths",
        "    stakeholder: residents\n    groups: [entrepreneur]\n    dimension: social\n"
        "    description: paths",
    )
    with pytest.raises(ImpactMapError) as raised:
        parse_impact_map(text, "map.yaml")
    [problem] = raised.value.problems
    assert problem.startswith("map.yaml: outcomes[1].groups: 'residents' has groups")
    assert "(line 14)" in problem


def test_groups_and_actions_are_checked_against_what_the_caller_knows():
    with pytest.raises(ImpactMapError) as raised:
        parse_impact_map(GROUPED, "map.yaml", known_groups=("resident",), known_actions=(2,))
    assert raised.value.problems == [
        "map.yaml: outcomes[0].actions[0]: the pilot has no action 1 (line 11)",
        "map.yaml: outcomes[0].groups[1]: unknown group 'other'; use one of resident (line 5)",
    ]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_a_map_written_back_as_yaml_reads_as_the_same_map(path: Path):
    impact_map = load_impact_map(path)
    assert parse_impact_map(to_yaml(impact_map)) == impact_map


def test_every_library_proxy_has_a_source_and_values_something_the_library_knows():
    assert len({entry.key for entry in PROXIES}) == len(PROXIES)
    for entry in PROXIES:
        assert entry.proxy.source
        assert entry.proxy.unit
        assert entry.proxy.price_year
        assert set(entry.values) <= set(INDICATORS) | set(DERIVATIONS)


def test_the_library_holds_the_method_references_figures():
    assert library_proxy("wellby").proxy.value == 14820  # £13,000 × 1.14 (2019)
    assert library_proxy("eu_ets_2023").proxy.value == 85
    assert library_proxy("home_energy_day").proxy.value == pytest.approx(-0.1683)
    assert [entry.key for entry in proxies_for("avoided_car_co2_tonnes")] == [
        "eu_ets_2023",
        "eu_ets_2022",
        "uk_carbon_2021",
        "ireland_carbon_2020",
    ]
    assert proxies_for("who5_1") == []
    assert set(INDICATOR_LIBRARY) == set(INDICATORS) | set(DERIVATIONS)


def test_linking_an_indicator_sets_the_outcome_and_names_the_action():
    old = load_impact_map(LAITILA)
    new = parse_impact_map(link_indicator(old, "hub_cafe_spend", "remote_workers", 0, 40, 7))
    row = new.outcome("hub_cafe_spend")
    assert (row.derive.name, row.indicator, row.baseline, row.target) == (
        "remote_workers",
        "work_days",
        0,
        40,
    )
    assert row.actions == [7]
    assert changes(old, new) == [
        Change(
            "outcome changed",
            "hub_cafe_spend",
            ("actions", "baseline", "derive", "indicator", "target"),
        )
    ]


def test_a_library_proxy_replaces_the_outcomes_proxy():
    old = load_impact_map(LAITILA)
    proxy = library_proxy("eu_ets_2022").proxy
    new = parse_impact_map(set_proxy(old, "car_co2_avoided", proxy))
    assert new.outcome("car_co2_avoided").proxy == proxy
    assert changes(old, new) == [Change("outcome changed", "car_co2_avoided", ("proxy",))]


def test_action_budgets_become_the_pilots_inputs_and_replace_the_old_ones():
    old = load_impact_map(LAITILA)
    funded = with_action_budgets(old, [(1, "Hub opening", 5000.0), (2, "Idea", 0.0)], "Laitila")
    assert funded.inputs[:3] == old.inputs[:3]
    assert [(row.action, row.amount, row.stakeholder) for row in funded.inputs[3:]] == [
        (1, 5000.0, "Laitila")
    ]
    again = with_action_budgets(funded, [(1, "Hub opening", 6000.0)], "Laitila")
    assert [row.amount for row in again.inputs if row.action] == [6000.0]
    assert changes(funded, again) == [Change("inputs")]
    assert changes(None, old) == [Change("outcome added", row.id) for row in old.outcomes]


@settings(max_examples=60, deadline=None)
@given(
    baseline=st.floats(-1e6, 1e6, allow_nan=False),
    target=st.floats(-1e6, 1e6, allow_nan=False),
    value=st.floats(32, 285, allow_nan=False),
    action=st.integers(1, 10**6),
)
def test_chat_edits_read_back_as_the_map_they_describe(
    baseline: float, target: float, value: float, action: int
):
    old = load_impact_map(LAITILA)
    linked = parse_impact_map(
        link_indicator(old, "car_co2_avoided", "home_days", baseline, target, action)
    )
    row = linked.outcome("car_co2_avoided")
    assert (row.indicator, row.baseline, row.target, row.actions) == (
        "home_days",
        baseline,
        target,
        [action],
    )
    proxy = library_proxy("eu_ets_2023").proxy.model_copy(update={"value": value})
    priced = parse_impact_map(set_proxy(linked, "car_co2_avoided", proxy))
    assert priced.outcome("car_co2_avoided").proxy.value == value
    assert parse_impact_map(to_yaml(priced)) == priced
    assert [c.kind for c in changes(linked, priced)] == ["outcome changed"]
