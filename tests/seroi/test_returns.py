"""Calculation rules beyond the worked example: each option changes the numbers as documented."""

import pytest

from seroi.impact_map import ImpactMap
from seroi.returns import evaluate
from tests.seroi.maps import make_map, outcome


def test_zero_investment_gives_no_ratio_and_says_why():
    result = evaluate(make_map([outcome()], investment=0))
    assert result.present_value == pytest.approx(1000 / 1.035)
    assert result.ratio is None
    assert result.net_ratio is None
    assert result.net_present_value == pytest.approx(result.present_value)
    assert any("ratio" in note and "undefined" in note for note in result.notes)


def test_negative_row_lowers_the_value_and_its_dimension():
    rows = [
        outcome("gain", dimension="environmental"),
        outcome(
            "rebound", dimension="environmental", proxy={"value": -40, "unit": "u", "source": "s"}
        ),
    ]
    result = evaluate(make_map(rows))
    assert result.by_outcome["rebound"] == pytest.approx(-400 / 1.035)
    assert result.by_dimension["environmental"] == pytest.approx(600 / 1.035)
    assert result.by_dimension == {
        "social": 0.0,
        "economic": 0.0,
        "environmental": pytest.approx(600 / 1.035),
    }


def test_payback_is_never_when_year_one_value_is_not_positive():
    rows = [outcome(proxy={"value": -1, "unit": "u", "source": "s"})]
    result = evaluate(make_map(rows))
    assert result.payback_months is None
    assert result.ratio < 0


def test_starts_after_shifts_the_row_one_year():
    during = evaluate(make_map([outcome(duration=2, drop_off=0.5)]))
    after = evaluate(make_map([outcome(duration=2, drop_off=0.5, starts="after")]))
    assert [y.value for y in during.by_year] == pytest.approx([1000, 500])
    assert [y.value for y in after.by_year] == pytest.approx([0, 1000, 500])
    assert after.present_value == pytest.approx(1000 / 1.035**2 + 500 / 1.035**3)
    assert after.payback_months is None  # nothing in year 1


def test_year_one_undiscounted_option():
    result = evaluate(make_map([outcome(duration=2)], discount_first_year=False))
    assert result.present_value == pytest.approx(1000 + 1000 / 1.035)
    assert result.by_year[0].present_value == pytest.approx(1000)


def test_row_rate_overrides_map_rate():
    rows = [outcome("wellbeing", discount_rate=0.015), outcome("money")]
    result = evaluate(make_map(rows, discount_rate=0.05))
    assert result.by_outcome["wellbeing"] == pytest.approx(1000 / 1.015)
    assert result.by_outcome["money"] == pytest.approx(1000 / 1.05)


def test_inputs_are_discounted_by_their_year():
    impact_map = ImpactMap.model_validate(
        {
            "name": "m",
            "inputs": [
                {"stakeholder": "city", "description": "now", "amount": 1000},
                {"stakeholder": "city", "description": "later", "amount": 1035, "year": 1},
                {
                    "stakeholder": "club",
                    "description": "volunteers",
                    "amount": 500,
                    "in_kind": True,
                },
            ],
            "outcomes": [outcome()],
        }
    )
    result = evaluate(impact_map)
    assert result.investment == pytest.approx(2500)
    assert result.investment_by_stakeholder == pytest.approx({"city": 2000, "club": 500})
    assert result.payback_months == pytest.approx(2500 / (1000 / 12))


def test_breakdowns_by_stakeholder_and_year():
    rows = [
        outcome("a", stakeholder="teleworkers", duration=3),
        outcome("b", stakeholder="teleworkers", dimension="economic"),
        outcome("c", stakeholder="cafe", dimension="economic"),
    ]
    result = evaluate(make_map(rows))
    assert result.by_stakeholder == pytest.approx(
        {"teleworkers": 2000 / 1.035 + 1000 / 1.035**2 + 1000 / 1.035**3, "cafe": 1000 / 1.035}
    )
    assert [y.year for y in result.by_year] == [1, 2, 3]
    assert result.by_year[0].by_dimension == pytest.approx(
        {"social": 1000, "economic": 2000, "environmental": 0}
    )


def test_quantities_override_forecast_quantities():
    impact_map = make_map([outcome("a"), outcome("b")])
    result = evaluate(impact_map, {"a": 20})
    assert result.by_outcome == pytest.approx({"a": 2000 / 1.035, "b": 1000 / 1.035})
    with pytest.raises(ValueError, match="unknown outcome ids: zzz"):
        evaluate(impact_map, {"zzz": 1})


def test_repaid_within_the_horizon_compares_undiscounted_value_and_investment():
    # 1,000 a year for two years against 2,500 invested: the formula says 30 months, but
    # the pilot ends after 24 with 2,000 of value.
    short = evaluate(make_map([outcome(duration=2)], investment=2500))
    assert short.payback_months == pytest.approx(30)
    assert short.undiscounted_value == pytest.approx(2000)
    assert short.undiscounted_investment == 2500
    assert short.horizon_years == 2
    assert short.repaid_within_horizon is False
    assert any("not repaid within the horizon" in note for note in short.notes)
    longer = evaluate(make_map([outcome(duration=3)], investment=2500))
    assert longer.repaid_within_horizon is True


def test_a_later_first_year_can_still_repay_the_investment():
    result = evaluate(make_map([outcome(duration=3, starts="after")], investment=2500))
    assert result.payback_months is None  # the method's formula needs year-1 value
    assert result.repaid_within_horizon is True
