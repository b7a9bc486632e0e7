"""Sensitivity: switching values, one-way (tornado) ranges, scenarios and Monte Carlo.

PV is linear in Q, P, (1 − DW), (1 − DS) and (1 − AT), so switching values for those are
closed-form; drop-off enters through a geometric sum and is found by a vectorised bisection
(the present-value factor falls monotonically as drop-off rises).
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel

from seroi.impact_map import FRACTION_FIELDS, RANGED_FIELDS, ImpactMap, field_range
from seroi.returns import (
    Evaluation,
    OutcomeArrays,
    evaluate,
    evaluate_arrays,
    first_year_impact,
    investment_present_value,
    outcome_arrays,
    present_value_factor,
)

_BISECTION_STEPS = 64  # halves [0, 1] to below double precision
_MONTE_CARLO_CELLS_PER_CHUNK = 50_000  # draws × outcomes per step: small enough to stay in cache


class SwitchingValues(BaseModel):
    """Per outcome, the value of each estimate at which the SROI ratio becomes exactly 1.

    Fractions are in [0, 1]; `quantity_factor` and `proxy_factor` multiply the central value.
    None: no value in range reaches 1 (or there is no investment).
    """

    deadweight: float | None
    attribution: float | None
    displacement: float | None
    drop_off: float | None
    quantity_factor: float | None
    proxy_factor: float | None


class TornadoBar(BaseModel):
    """One-way sensitivity of the ratio to one field of one outcome over its [low, high]."""

    outcome_id: str
    field: str
    low_value: float
    high_value: float
    ratio_low: float | None
    ratio_high: float | None
    present_value_low: float
    present_value_high: float


class MonteCarloResult(BaseModel):
    """Distribution of the SROI ratio when every ranged field is drawn at random."""

    draws: int
    seed: int
    distribution: str = "triangular(low, central, high), independent per field and outcome"
    p5: float | None
    p25: float | None
    p50: float | None
    p75: float | None
    p95: float | None
    mean: float | None
    share_at_least_one: float | None


def _base(impact_map: ImpactMap) -> tuple[OutcomeArrays, np.ndarray, float]:
    arrays = outcome_arrays(impact_map)
    pv_by_outcome = first_year_impact(arrays) * present_value_factor(arrays)
    return arrays, pv_by_outcome, investment_present_value(impact_map)


def switching_values(impact_map: ImpactMap) -> dict[str, SwitchingValues]:
    """Switching value of every estimate of every outcome, keyed by outcome id."""
    arrays, pv_by_outcome, investment = _base(impact_map)
    ids = [row.id for row in impact_map.outcomes]
    if investment <= 0:
        empty = dict.fromkeys(SwitchingValues.model_fields)
        return {outcome_id: SwitchingValues(**empty) for outcome_id in ids}

    # The row's PV must become `needed` for the total to equal the investment.
    needed = investment - _sum_of_others(pv_by_outcome)
    factor = present_value_factor(arrays)
    fractions = {}
    for field in ("deadweight", "attribution", "displacement"):
        # PV of the row with this factor at 0: PV = without × (1 − x)
        others = [name for name in ("deadweight", "displacement", "attribution") if name != field]
        without = arrays.quantity * arrays.proxy * factor
        for name in others:
            without = without * (1 - getattr(arrays, name))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            value = 1 - needed / without
        fractions[field] = np.where((without != 0) & (value >= 0) & (value <= 1), value, np.nan)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        multiplier = needed / pv_by_outcome
    # a multiplier too large to represent cannot be reached either
    multiplier = np.where(np.isfinite(multiplier) & (multiplier >= 0), multiplier, np.nan)
    drop_off = _drop_off_switch(arrays, needed)

    columns = {
        "deadweight": fractions["deadweight"].tolist(),
        "attribution": fractions["attribution"].tolist(),
        "displacement": fractions["displacement"].tolist(),
        "drop_off": drop_off.tolist(),
        "quantity_factor": multiplier.tolist(),
        "proxy_factor": multiplier.tolist(),
    }
    return {
        outcome_id: SwitchingValues(
            **{name: _none_if_nan(values[index]) for name, values in columns.items()}
        )
        for index, outcome_id in enumerate(ids)
    }


def _sum_of_others(values: np.ndarray) -> np.ndarray:
    """Per element, the sum of all the others, from prefix and suffix sums.

    Subtracting each element from the grand total would lose every digit of the small rows
    when one row is large; the switching values must hit a ratio of 1 to 1e-9.
    """
    before = np.concatenate(([0.0], np.cumsum(values)[:-1]))
    after = np.concatenate((np.cumsum(values[::-1])[::-1][1:], [0.0]))
    return before + after


def _drop_off_switch(arrays: OutcomeArrays, needed: np.ndarray) -> np.ndarray:
    """Drop-off in [0, 1] where impact × PV factor(DO) = needed, by bisection; NaN if none."""
    impact = first_year_impact(arrays)

    def gap(drop_off: np.ndarray) -> np.ndarray:
        return impact * present_value_factor(arrays, drop_off=drop_off) - needed

    low = np.zeros_like(impact)
    high = np.ones_like(impact)
    gap_low, gap_high = gap(low), gap(high)
    has_root = (impact != 0) & (np.sign(gap_low) * np.sign(gap_high) <= 0)
    for _ in range(_BISECTION_STEPS):
        middle = (low + high) / 2
        gap_middle = gap(middle)
        same_side = np.sign(gap_middle) == np.sign(gap_low)
        low = np.where(same_side, middle, low)
        gap_low = np.where(same_side, gap_middle, gap_low)
        high = np.where(same_side, high, middle)
    root = np.where(np.abs(gap(low)) <= np.abs(gap(high)), low, high)
    return np.where(has_root, root, np.nan)


def _none_if_nan(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def _range_arrays(impact_map: ImpactMap) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    rate = impact_map.discount_rate
    ranges = {}
    for field in RANGED_FIELDS:
        bounds = [field_range(row, field, rate) for row in impact_map.outcomes]
        ranges[field] = (
            np.asarray([low for low, _ in bounds]),
            np.asarray([high for _, high in bounds]),
        )
    return ranges


def _pv_with(arrays: OutcomeArrays, **fields: np.ndarray) -> np.ndarray:
    """PV per outcome (or per draw × outcome) with some fields replaced."""
    changed = arrays.with_values(**{k: v for k, v in fields.items() if k not in _FACTOR_FIELDS})
    factor = present_value_factor(
        arrays,
        drop_off=fields.get("drop_off"),
        duration=fields.get("duration"),
        discount_rate=fields.get("discount_rate"),
    )
    return first_year_impact(changed) * factor


_FACTOR_FIELDS = ("drop_off", "duration", "discount_rate")


def tornado(impact_map: ImpactMap) -> list[TornadoBar]:
    """One-way ratio at each field's low and high, largest swing first (zero-width omitted)."""
    arrays, pv_by_outcome, investment = _base(impact_map)
    others = _sum_of_others(pv_by_outcome)
    bars = []
    for field, (low, high) in _range_arrays(impact_map).items():
        if field == "duration":
            low, high = np.rint(low).astype(np.int64), np.rint(high).astype(np.int64)
        pv_low = _pv_with(arrays, **{field: low})
        pv_high = _pv_with(arrays, **{field: high})
        total_low = others + pv_low
        total_high = others + pv_high
        for index in np.flatnonzero(low != high):
            bars.append(
                TornadoBar(
                    outcome_id=impact_map.outcomes[index].id,
                    field=field,
                    low_value=float(low[index]),
                    high_value=float(high[index]),
                    ratio_low=_ratio(total_low[index], investment),
                    ratio_high=_ratio(total_high[index], investment),
                    present_value_low=float(total_low[index]),
                    present_value_high=float(total_high[index]),
                )
            )
    bars.sort(key=lambda bar: abs(bar.present_value_high - bar.present_value_low), reverse=True)
    return bars


def _ratio(present_value: float, investment: float) -> float | None:
    return float(present_value / investment) if investment > 0 else None


def scenarios(impact_map: ImpactMap) -> dict[str, Evaluation]:
    """Evaluations with every field at its pessimistic ("low") or optimistic ("high") end.

    A row's PV is P × (a non-negative product of the other factors), so its lowest value
    takes P at its low end and, if that P is negative, the other factors at their largest.
    """
    arrays = outcome_arrays(impact_map)
    ranges = _range_arrays(impact_map)
    result = {}
    for name, proxy_end in (("low", 0), ("high", 1)):
        proxy = ranges["proxy"][proxy_end]
        # maximise the magnitude when it helps: optimistic and P ≥ 0, or pessimistic and P < 0
        grow = (proxy >= 0) if name == "high" else (proxy < 0)
        fields: dict[str, np.ndarray] = {"proxy": proxy}
        for field in ("quantity", "duration"):
            low, high = ranges[field]
            fields[field] = np.where(grow, high, low)
        for field in (*FRACTION_FIELDS, "discount_rate"):
            low, high = ranges[field]
            fields[field] = np.where(grow, low, high)
        fields["duration"] = np.rint(fields["duration"]).astype(np.int64)
        result[name] = evaluate_arrays(impact_map, arrays.with_values(**fields))
        if name == "low":
            result["central"] = evaluate(impact_map)
    return {key: result[key] for key in ("low", "central", "high")}


def monte_carlo(impact_map: ImpactMap, draws: int = 10_000, seed: int = 0) -> MonteCarloResult:
    """Draw every ranged field from a triangular(low, central, high) distribution.

    Fields and outcomes are drawn independently; durations are rounded to whole years.
    Fields whose range has zero width stay at their central value. Reproducible per seed.
    """
    arrays, _, investment = _base(impact_map)
    ranges = _range_arrays(impact_map)
    rng = np.random.default_rng(seed)
    count = len(impact_map.outcomes)
    chunk = max(1, _MONTE_CARLO_CELLS_PER_CHUNK // max(count, 1))
    totals = np.empty(draws)
    for start in range(0, draws, chunk):
        size = min(chunk, draws - start)
        sampled = {
            field: _triangular(rng, low, _central_array(arrays, field), high, size)
            for field, (low, high) in ranges.items()
            if np.any(low < high)  # fields fixed everywhere stay 1-D and broadcast
        }
        if "duration" in sampled:
            sampled["duration"] = np.rint(sampled["duration"]).astype(np.int64)
        # With nothing to draw (every range has zero width) each draw is the central map.
        totals[start : start + size] = np.atleast_2d(_pv_with(arrays, **sampled)).sum(axis=1)
    if investment <= 0:
        empty = dict.fromkeys(("p5", "p25", "p50", "p75", "p95", "mean", "share_at_least_one"))
        return MonteCarloResult(draws=draws, seed=seed, **empty)
    ratios = totals / investment
    p5, p25, p50, p75, p95 = np.percentile(ratios, [5, 25, 50, 75, 95]).tolist()
    return MonteCarloResult(
        draws=draws,
        seed=seed,
        p5=p5,
        p25=p25,
        p50=p50,
        p75=p75,
        p95=p95,
        mean=float(ratios.mean()),
        share_at_least_one=float((ratios >= 1).mean()),
    )


def _triangular(
    rng: np.random.Generator, low: np.ndarray, mode: np.ndarray, high: np.ndarray, size: int
) -> np.ndarray:
    """(size × outcomes) triangular draws by the inverse CDF; zero-width columns give `mode`.

    Single precision (7 digits, ample for sampling an estimate) halves the memory traffic,
    which is what limits speed here; the sums that follow are in double precision.
    """
    width = high - low
    split = np.divide(mode - low, width, out=np.zeros_like(width), where=width > 0)
    left_scale = ((mode - low) * width).astype(np.float32)
    right_scale = ((high - mode) * width).astype(np.float32)
    uniform = rng.random((size, low.size), dtype=np.float32)
    left = uniform < split.astype(np.float32)
    scaled = np.where(left, uniform * left_scale, (1 - uniform) * right_scale)
    np.sqrt(scaled, out=scaled)
    return np.where(left, low.astype(np.float32) + scaled, high.astype(np.float32) - scaled)


def _central_array(arrays: OutcomeArrays, field: str) -> np.ndarray:
    return np.asarray(getattr(arrays, field), dtype=float)
