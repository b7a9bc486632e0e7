"""Properties of the calculation that must hold for any sensible impact map (hypothesis)."""

import math
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seroi.impact_map import ImpactMap
from seroi.returns import (
    discount_factors,
    evaluate,
    first_year_impact,
    horizon_years,
    outcome_arrays,
    present_value_factor,
    yearly_factors,
)
from seroi.sensitivity import switching_values
from tests.seroi.maps import FRACTION_FIELDS, build, fractions, maps

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def replace_row(impact_map: ImpactMap, index: int, **fields) -> ImpactMap:
    rows = list(impact_map.outcomes)
    rows[index] = rows[index].model_copy(update=fields)
    return impact_map.model_copy(update={"outcomes": rows})


@SETTINGS
@given(maps, st.floats(0, 10))
def test_present_value_is_linear_in_quantity_and_proxy(spec, scale):
    impact_map = build(spec)
    base = evaluate(impact_map).by_outcome
    row = impact_map.outcomes[0]
    more_quantity = replace_row(impact_map, 0, quantity=row.quantity * scale)
    more_proxy = replace_row(
        impact_map, 0, proxy=row.proxy.model_copy(update={"value": row.proxy.value * scale})
    )
    expected = base["r0"] * scale
    assert evaluate(more_quantity).by_outcome["r0"] == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert evaluate(more_proxy).by_outcome["r0"] == pytest.approx(expected, rel=1e-9, abs=1e-9)


@SETTINGS
@given(maps, st.sampled_from(FRACTION_FIELDS), fractions, fractions)
def test_ratio_never_rises_when_a_reduction_rises(spec, field, first, second):
    # A reduction can raise the ratio only on a negative row, so use positive proxies here.
    for row in spec["rows"]:
        row["proxy"] = abs(row["proxy"])
    impact_map = build(spec)
    low, high = sorted((first, second))
    ratio_low = evaluate(replace_row(impact_map, 0, **{field: low})).ratio
    ratio_high = evaluate(replace_row(impact_map, 0, **{field: high})).ratio
    assert ratio_high <= ratio_low * (1 + 1e-12) + 1e-12


def assert_ratio_is_one(impact_map: ImpactMap, fraction: float = 0.0) -> None:
    """Ratio 1 within 1e-9, widened only by what floating point cannot avoid.

    Rows of opposite sign that cancel lose digits (eps × Σ|PV| / investment), and a fraction
    close to 1 holds only 16 digits, so (1 − x) carries eps / (1 − x) relative error.
    """
    result = evaluate(impact_map)
    eps = sys.float_info.epsilon
    cancellation = sum(abs(pv) for pv in result.by_outcome.values()) / result.investment
    unavoidable = 16 * eps * cancellation * (1 + 1 / max(1 - fraction, eps))
    assert abs(result.ratio - 1) <= 1e-9 + unavoidable


@SETTINGS
@given(maps)
def test_substituting_a_switching_value_gives_a_ratio_of_one(spec):
    impact_map = build(spec)
    for index, values in enumerate(switching_values(impact_map).values()):
        row = impact_map.outcomes[index]
        for field in FRACTION_FIELDS:
            value = getattr(values, field)
            if value is not None:
                assert 0 <= value <= 1
                assert_ratio_is_one(replace_row(impact_map, index, **{field: value}), value)
        if values.quantity_factor is not None:
            quantity = row.quantity * values.quantity_factor
            assert_ratio_is_one(replace_row(impact_map, index, quantity=quantity))
        if values.proxy_factor is not None:
            proxy = row.proxy.model_copy(update={"value": row.proxy.value * values.proxy_factor})
            assert_ratio_is_one(replace_row(impact_map, index, proxy=proxy))


def test_switching_values_reach_one_exactly_on_a_plain_map():
    spec = {
        "rows": [
            {
                "quantity": 40,
                "proxy": 1500,
                "duration": 3,
                "starts": "during",
                "deadweight": 0.2,
                "displacement": 0.1,
                "attribution": 0.25,
                "drop_off": 0.2,
                "discount_rate": None,
                "dimension": "social",
            },
            {
                "quantity": 100,
                "proxy": -20,
                "duration": 2,
                "starts": "after",
                "deadweight": 0.1,
                "displacement": 0.0,
                "attribution": 0.0,
                "drop_off": 0.1,
                "discount_rate": 0.015,
                "dimension": "environmental",
            },
        ],
        "investment": 50_000,
        "rate": 0.035,
        "first_year": True,
    }
    impact_map = build(spec)
    values = switching_values(impact_map)["r0"]
    for field in FRACTION_FIELDS:
        changed = replace_row(impact_map, 0, **{field: getattr(values, field)})
        assert evaluate(changed).ratio == pytest.approx(1, rel=1e-9)


@SETTINGS
@given(maps)
def test_closed_form_present_value_matches_the_year_by_year_sum(spec):
    arrays = outcome_arrays(build(spec))
    horizon = horizon_years(arrays)
    yearly = (yearly_factors(arrays, horizon) * discount_factors(arrays, horizon)).sum(axis=1)
    closed = present_value_factor(arrays)
    for by_year, formula in zip(yearly, closed, strict=True):
        assert math.isclose(by_year, formula, rel_tol=1e-12)
    assert first_year_impact(arrays).shape == closed.shape
