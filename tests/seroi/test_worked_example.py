"""The reference's worked example (seroi_method.md) reproduced to 1e-6 relative."""

from pathlib import Path

import pytest

from seroi.impact_map import load_impact_map
from seroi.returns import evaluate
from seroi.sensitivity import switching_values

WORKED_EXAMPLE = Path(__file__).with_name("worked_example.yaml")


@pytest.fixture(scope="module")
def evaluation():
    return evaluate(load_impact_map(WORKED_EXAMPLE))


def test_yearly_values_match_the_reference(evaluation):
    values = [year.value for year in evaluation.by_year]
    assert values == pytest.approx([43_813.16224, 29_613.16224, 23_853.16224], rel=1e-6)


def test_totals_match_the_reference(evaluation):
    assert evaluation.present_value == pytest.approx(91_489.95, rel=1e-6)
    assert evaluation.investment == pytest.approx(50_000, rel=1e-9)
    assert evaluation.net_present_value == pytest.approx(41_489.95, rel=1e-6)
    assert evaluation.ratio == pytest.approx(1.8298, rel=1e-4)
    assert evaluation.ratio == pytest.approx(91_489.947232017 / 50_000, rel=1e-6)
    assert evaluation.net_ratio == pytest.approx(evaluation.ratio - 1, rel=1e-9)
    assert evaluation.payback_months == pytest.approx(13.69, abs=0.005)
    assert evaluation.payback_months == pytest.approx(50_000 / (43_813.16224 / 12), rel=1e-6)


def test_breakdowns_add_up_to_the_total(evaluation):
    assert set(evaluation.by_dimension) == {"social", "economic", "environmental"}
    for breakdown in (evaluation.by_dimension, evaluation.by_stakeholder, evaluation.by_outcome):
        assert sum(breakdown.values()) == pytest.approx(evaluation.present_value, rel=1e-12)
    assert sum(y.present_value for y in evaluation.by_year) == pytest.approx(
        evaluation.present_value, rel=1e-12
    )
    assert evaluation.by_year[1].by_dimension == pytest.approx(
        {"social": 28_800, "economic": 0, "environmental": 813.16224}
    )


def test_teleworker_deadweight_switches_at_60_26_percent():
    switching = switching_values(load_impact_map(WORKED_EXAMPLE))
    assert round(switching["time_regained"].deadweight, 4) == 0.6026
