"""Tornado, scenarios, Monte Carlo and switching-value edge cases."""

from pathlib import Path

import pytest

from seroi.impact_map import load_impact_map
from seroi.returns import evaluate
from seroi.sensitivity import monte_carlo, scenarios, switching_values, tornado
from tests.seroi.maps import make_map, outcome

WORKED_EXAMPLE = Path(__file__).with_name("worked_example.yaml")


def test_switching_values_are_none_without_investment():
    values = switching_values(make_map([outcome()], investment=0))["row"]
    assert values.model_dump() == dict.fromkeys(values.model_dump())


def test_switching_value_is_none_when_no_value_in_range_reaches_one():
    # PV 1000/1.035 against 10: even 100 % deadweight on the other row cannot pull it to 1
    impact_map = make_map([outcome("big"), outcome("small", quantity=0.001)], investment=10)
    assert switching_values(impact_map)["small"].deadweight is None
    assert switching_values(impact_map)["big"].deadweight == pytest.approx(
        1 - (10 - 0.1 / 1.035) * 1.035 / 1000
    )


def test_tornado_uses_default_twenty_percent_and_declared_ranges():
    impact_map = make_map([outcome(deadweight=0.5, ranges={"quantity": [5, 20]})], investment=500)
    bars = {bar.field: bar for bar in tornado(impact_map)}
    assert (bars["quantity"].low_value, bars["quantity"].high_value) == (5, 20)
    assert (bars["proxy"].low_value, bars["proxy"].high_value) == pytest.approx((80, 120))
    assert (bars["deadweight"].low_value, bars["deadweight"].high_value) == pytest.approx(
        (0.4, 0.6)
    )
    assert "displacement" not in bars  # zero central value: nothing to vary
    assert bars["quantity"].ratio_low == pytest.approx(5 * 100 * 0.5 / 1.035 / 500)
    assert bars["quantity"].ratio_high == pytest.approx(20 * 100 * 0.5 / 1.035 / 500)


def test_tornado_is_sorted_by_swing_largest_first():
    bars = tornado(load_impact_map(WORKED_EXAMPLE))
    swings = [abs(bar.ratio_high - bar.ratio_low) for bar in bars]
    assert swings == sorted(swings, reverse=True)
    assert (bars[0].outcome_id, bars[0].field) in {
        ("time_regained", "quantity"),
        ("time_regained", "proxy"),
    }


def test_fraction_ranges_are_clipped_to_zero_and_one():
    impact_map = make_map([outcome(attribution=0.9)])
    bar = next(bar for bar in tornado(impact_map) if bar.field == "attribution")
    assert (bar.low_value, bar.high_value) == pytest.approx((0.72, 1.0))


def test_declared_duration_and_rate_ranges_take_part():
    impact_map = make_map(
        [outcome(duration=3, ranges={"duration": [1, 5], "discount_rate": [0.0, 0.1]})]
    )
    bars = {bar.field: bar for bar in tornado(impact_map)}
    assert bars["duration"].present_value_low == pytest.approx(1000 / 1.035)
    assert bars["duration"].present_value_high == pytest.approx(
        sum(1000 / 1.035**t for t in range(1, 6))
    )
    assert bars["discount_rate"].present_value_low == pytest.approx(3000)


def test_scenarios_bracket_the_central_estimate():
    result = scenarios(load_impact_map(WORKED_EXAMPLE))
    assert list(result) == ["low", "central", "high"]
    assert result["low"].ratio < result["central"].ratio < result["high"].ratio
    assert result["central"].ratio == pytest.approx(evaluate(load_impact_map(WORKED_EXAMPLE)).ratio)


def test_pessimistic_scenario_makes_a_negative_row_larger():
    rows = [outcome("rebound", quantity=10, proxy={"value": -10, "unit": "u", "source": "s"})]
    result = scenarios(make_map(rows))
    # low: quantity 12 × proxy −12; high: quantity 8 × proxy −8
    assert result["low"].by_outcome["rebound"] == pytest.approx(-144 / 1.035)
    assert result["high"].by_outcome["rebound"] == pytest.approx(-64 / 1.035)


def test_monte_carlo_is_reproducible_and_seed_dependent():
    impact_map = load_impact_map(WORKED_EXAMPLE)
    first = monte_carlo(impact_map, draws=2000, seed=7)
    again = monte_carlo(impact_map, draws=2000, seed=7)
    other = monte_carlo(impact_map, draws=2000, seed=8)
    assert first == again
    assert first.p50 != other.p50
    assert first.p5 < first.p25 < first.p50 < first.p75 < first.p95
    assert first.p5 > evaluate(impact_map).ratio * 0.7  # ±20 % ranges cannot halve it
    assert first.share_at_least_one == 1.0
    assert (first.draws, first.seed) == (2000, 7)


def test_monte_carlo_stays_within_the_scenarios():
    impact_map = load_impact_map(WORKED_EXAMPLE)
    result = monte_carlo(impact_map, draws=3000)
    bounds = scenarios(impact_map)
    assert bounds["low"].ratio <= result.p5 <= result.p95 <= bounds["high"].ratio


def test_monte_carlo_without_investment_has_no_ratio():
    result = monte_carlo(make_map([outcome()], investment=0), draws=100)
    assert result.p50 is None
    assert result.share_at_least_one is None


def test_monte_carlo_of_a_map_with_nothing_uncertain_gives_its_one_ratio():
    # Every estimate zero: every default range has zero width, so there is nothing to draw.
    impact_map = make_map(
        [outcome("idle", quantity=0, proxy={"value": 0, "unit": "u", "source": "s"})]
    )
    result = monte_carlo(impact_map, draws=50)
    assert result.p5 == result.p95 == 0.0
    assert result.share_at_least_one == 0.0
