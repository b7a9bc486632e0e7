"""analyse(): forecast, sensitivity and actual return together, and the JSON the CLI prints."""

import json
from datetime import date
from pathlib import Path

import pytest

from seroi.analysis import analyse, validate_observations_for_map
from seroi.errors import ObservationsError
from seroi.impact_map import load_impact_map
from seroi.observations import Observation, load_observations
from tests.seroi.maps import make_map, outcome

EXAMPLES = Path(__file__).parents[2] / "examples"
LAITILA = EXAMPLES / "laitila_remote_work.yaml"
SYNTHETIC = EXAMPLES / "observations_synthetic.csv"
TOP_LEVEL_KEYS = {
    "present_value",
    "net_present_value",
    "ratio",
    "net_ratio",
    "payback_months",
    "by_dimension",
    "by_stakeholder",
    "by_year",
    "switching_values",
    "tornado",
    "scenarios",
    "monte_carlo",
}


@pytest.fixture(scope="module")
def laitila_with_observations():
    return analyse(load_impact_map(LAITILA), load_observations(SYNTHETIC), draws=2000)


def test_json_has_the_promised_keys_and_only_finite_numbers(laitila_with_observations):
    data = laitila_with_observations.to_json()
    assert TOP_LEVEL_KEYS | {"actual", "derived_quantities"} <= set(data)
    assert set(data["by_dimension"]) == {"social", "economic", "environmental"}
    assert set(data["actual"]) >= TOP_LEVEL_KEYS - {
        "switching_values",
        "tornado",
        "scenarios",
        "monte_carlo",
    }
    assert set(data["switching_values"]["car_co2_avoided"]) == {
        "deadweight",
        "attribution",
        "displacement",
        "drop_off",
        "quantity_factor",
        "proxy_factor",
    }
    assert set(data["scenarios"]) == {"low", "central", "high"}
    assert data["monte_carlo"]["draws"] == 2000
    json.dumps(data, allow_nan=False)  # raises on NaN or infinity


def test_actual_return_uses_observed_quantities_and_flags_the_rest(laitila_with_observations):
    derived = laitila_with_observations.derived_quantities
    assert derived["car_co2_avoided"].source == "observed"
    assert derived["car_co2_avoided"].members > 0
    assert derived["hub_cafe_spend"].source == "forecast"
    assert derived["hub_cafe_spend"].quantity == 20000
    actual = laitila_with_observations.actual
    forecast = laitila_with_observations.forecast
    assert actual.investment == forecast.investment
    assert actual.by_outcome["hub_cafe_spend"] == pytest.approx(
        forecast.by_outcome["hub_cafe_spend"]
    )
    assert actual.by_outcome["car_co2_avoided"] != pytest.approx(
        forecast.by_outcome["car_co2_avoided"]
    )
    assert any("hub_cafe_spend" in note for note in actual.notes)


def test_without_observations_there_is_no_actual_return():
    analysis = analyse(load_impact_map(LAITILA), draws=200)
    assert analysis.actual is None
    data = analysis.to_json()
    assert "actual" not in data
    assert "derived_quantities" not in data


def test_zero_investment_json_has_nulls_not_infinity():
    data = analyse(make_map([outcome()], investment=0), draws=100).to_json()
    assert data["ratio"] is None
    assert data["monte_carlo"]["p50"] is None
    assert data["switching_values"]["row"]["deadweight"] is None
    json.dumps(data, allow_nan=False)


def test_observations_outside_the_vocabulary_are_an_error():
    impact_map = load_impact_map(LAITILA)
    bad = [Observation(member="m1", date=date(2025, 3, 3), indicator="steps", value=1000)]
    with pytest.raises(ObservationsError, match="unknown indicator 'steps'"):
        analyse(impact_map, bad, draws=100)
    with pytest.raises(ObservationsError):
        validate_observations_for_map(impact_map, bad)


def test_derivations_without_their_indicators_are_warned_about():
    impact_map = load_impact_map(LAITILA)
    only_wellbeing = [
        Observation(member="m1", date=date(2025, 3, 3), indicator="ons_life_satisfaction", value=7)
    ]
    warnings = validate_observations_for_map(impact_map, only_wellbeing)
    assert any(
        warning.startswith("car_co2_avoided: derivation avoided_car_co2_tonnes")
        for warning in warnings
    )
    assert not any(warning.startswith("teleworker_wellbeing") for warning in warnings)
    analysis = analyse(impact_map, only_wellbeing, draws=100)
    assert analysis.derived_quantities["car_co2_avoided"].source == "forecast"


def test_rauma_example_runs_end_to_end():
    analysis = analyse(
        load_impact_map(EXAMPLES / "rauma_mobility.yaml"), load_observations(SYNTHETIC), draws=500
    )
    data = analysis.to_json()
    assert data["actual"]["by_dimension"]["environmental"] != data["by_dimension"]["environmental"]
    assert data["derived_quantities"]["drt_car_km_replaced"]["derivation"] == "commute_km_by_mode"
