"""The SROI arithmetic: present value of outcomes, investment, NPV, ratios and payback.

Rules (SROI Guide, Social Value UK 2012; and the project's method reference):

    Impact = Q × P × (1 − DW) × (1 − DS) × (1 − AT)
    V_1 = Impact,  V_t = V_{t−1} × (1 − DO) for t = 2..D,  0 after D
    (`starts: after` shifts the whole row one year later)
    PV = Σ_t V_t / (1 + r)^t   (t − 1 instead of t with `discount_first_year: false`)
    PV(inputs) = Σ amount / (1 + r)^year   (year 0 undiscounted)
    NPV = PV − PV(inputs);  ratio = PV / PV(inputs);  net ratio = NPV / PV(inputs)
    payback months = PV(inputs) / (year-1 value / 12)
    repaid within the horizon: Σ_t V_t (undiscounted) ≥ Σ amount (undiscounted)

Everything is vectorised over outcomes: a row's yearly values are its first-year impact
times a per-row array of yearly factors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
from pydantic import BaseModel, Field

from seroi.impact_map import DIMENSIONS, ImpactMap

MONTHS_PER_YEAR = 12
# A first-year value under a cent gives no payback period: the formula would say billions
# of months, and whether such a sum is above zero at all is down to rounding.
MIN_FIRST_YEAR_VALUE = 0.01


class YearValue(BaseModel):
    """Value of all outcomes in one year (1 = first year), undiscounted and discounted."""

    year: int
    value: float
    present_value: float
    by_dimension: dict[str, float]


class Evaluation(BaseModel):
    """The return of one impact map: totals and every breakdown a report needs."""

    currency: str
    present_value: float = Field(description="PV of all outcomes")
    investment: float = Field(description="PV of inputs")
    net_present_value: float
    ratio: float | None = Field(description="SROI ratio PV / investment; None if no investment")
    net_ratio: float | None = Field(description="NPV / investment; None if no investment")
    payback_months: float | None = Field(description="None = never (year-1 value under a cent)")
    undiscounted_value: float = Field(description="Σ of every year's value, undiscounted")
    undiscounted_investment: float = Field(description="Σ of the inputs, undiscounted")
    horizon_years: int = Field(description="the last year any outcome has value")
    repaid_within_horizon: bool = Field(
        description="whether the undiscounted value over the horizon reaches the undiscounted "
        "investment; when not, payback_months (the method's formula) is no real payback",
    )
    by_dimension: dict[str, float]
    by_stakeholder: dict[str, float]
    by_outcome: dict[str, float]
    by_year: list[YearValue]
    investment_by_stakeholder: dict[str, float] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class OutcomeArrays:
    """An impact map as parallel numpy arrays, one element per outcome (map order)."""

    quantity: np.ndarray
    proxy: np.ndarray
    deadweight: np.ndarray
    displacement: np.ndarray
    attribution: np.ndarray
    drop_off: np.ndarray
    duration: np.ndarray  # whole years
    discount_rate: np.ndarray  # the row's own rate, else the map's
    shift: np.ndarray  # 1 for `starts: after`, else 0
    first_year_offset: int  # 0: year t discounted by t; 1: by t − 1

    def with_values(self, **fields: np.ndarray) -> OutcomeArrays:
        """A copy with some fields replaced (used for scenarios and sensitivity)."""
        return replace(self, **fields)


def outcome_arrays(impact_map: ImpactMap) -> OutcomeArrays:
    """Turn the map's outcomes into arrays."""
    rows = impact_map.outcomes
    map_rate = impact_map.discount_rate

    def column(values: list[float]) -> np.ndarray:
        return np.asarray(values, dtype=float)

    return OutcomeArrays(
        quantity=column([row.quantity for row in rows]),
        proxy=column([row.proxy.value for row in rows]),
        deadweight=column([row.deadweight for row in rows]),
        displacement=column([row.displacement for row in rows]),
        attribution=column([row.attribution for row in rows]),
        drop_off=column([row.drop_off for row in rows]),
        duration=np.asarray([row.duration for row in rows], dtype=np.int64),
        discount_rate=column(
            [map_rate if row.discount_rate is None else row.discount_rate for row in rows]
        ),
        shift=np.asarray([1 if row.starts == "after" else 0 for row in rows], dtype=np.int64),
        first_year_offset=0 if impact_map.discount_first_year else 1,
    )


def first_year_impact(arrays: OutcomeArrays) -> np.ndarray:
    """Impact = Q × P × (1 − DW) × (1 − DS) × (1 − AT), per outcome."""
    return (
        arrays.quantity
        * arrays.proxy
        * (1 - arrays.deadweight)
        * (1 - arrays.displacement)
        * (1 - arrays.attribution)
    )


def horizon_years(arrays: OutcomeArrays) -> int:
    """The last year any outcome still has value (N in the PV sum)."""
    return int((arrays.duration + arrays.shift).max(initial=0))


def yearly_factors(arrays: OutcomeArrays, horizon: int) -> np.ndarray:
    """(outcomes × years) factors: (1 − DO)^(t − 1 − shift) while the row lasts, else 0."""
    years = np.arange(1, horizon + 1)
    age = years[None, :] - 1 - arrays.shift[:, None]
    active = (age >= 0) & (age < arrays.duration[:, None])
    return np.where(active, (1 - arrays.drop_off[:, None]) ** np.maximum(age, 0), 0.0)


def discount_factors(arrays: OutcomeArrays, horizon: int) -> np.ndarray:
    """(outcomes × years) factors 1 / (1 + r)^(t − offset), each row at its own rate."""
    exponents = np.arange(1, horizon + 1) - arrays.first_year_offset
    return (1 + arrays.discount_rate[:, None]) ** -exponents[None, :].astype(float)


def present_value_factor(
    arrays: OutcomeArrays,
    drop_off: np.ndarray | None = None,
    duration: np.ndarray | None = None,
    discount_rate: np.ndarray | None = None,
) -> np.ndarray:
    """Closed form of Σ_t yearly factor × discount factor, so PV = Impact × this.

    With g = (1 − DO) / (1 + r) and first discount exponent e = 1 + shift − offset:
    factor = (1 + r)^−e × (1 − g^D) / (1 − g), written with expm1/log1p so it stays exact
    when g is close to 1. Arrays of any matching shape may replace DO, D and r (Monte Carlo
    passes draws × outcomes).
    """
    drop_off = arrays.drop_off if drop_off is None else drop_off
    duration = arrays.duration if duration is None else duration
    rate = arrays.discount_rate if discount_rate is None else discount_rate
    first_exponent = 1 + arrays.shift - arrays.first_year_offset
    with np.errstate(divide="ignore", invalid="ignore"):
        log_growth = np.log1p(-drop_off) - np.log1p(rate)
        geometric_sum = np.where(
            log_growth == 0, duration, np.expm1(duration * log_growth) / np.expm1(log_growth)
        )
    return np.exp(-first_exponent * np.log1p(rate)) * geometric_sum


def investment_present_value(impact_map: ImpactMap) -> float:
    """PV of all inputs, each discounted by its year at the map's rate (year 0 undiscounted)."""
    rate = impact_map.discount_rate
    return float(sum(entry.amount / (1 + rate) ** entry.year for entry in impact_map.inputs))


def evaluate(impact_map: ImpactMap, quantities: Mapping[str, float] | None = None) -> Evaluation:
    """Forecast (or, with observed `quantities` by outcome id, actual) return of a map."""
    arrays = outcome_arrays(impact_map)
    if quantities:
        index = {row.id: position for position, row in enumerate(impact_map.outcomes)}
        unknown = sorted(set(quantities) - set(index))
        if unknown:
            raise ValueError(f"quantities given for unknown outcome ids: {', '.join(unknown)}")
        quantity = arrays.quantity.copy()
        for outcome_id, value in quantities.items():
            quantity[index[outcome_id]] = value
        arrays = arrays.with_values(quantity=quantity)
    return evaluate_arrays(impact_map, arrays)


def evaluate_arrays(impact_map: ImpactMap, arrays: OutcomeArrays) -> Evaluation:
    """Evaluate a map whose numbers have been replaced by `arrays` (same outcome order)."""
    horizon = horizon_years(arrays)
    values = first_year_impact(arrays)[:, None] * yearly_factors(arrays, horizon)
    discounted = values * discount_factors(arrays, horizon)
    pv_by_outcome = discounted.sum(axis=1)

    dimension_index = np.asarray([DIMENSIONS.index(row.dimension) for row in impact_map.outcomes])
    by_dimension_per_year = np.zeros((len(DIMENSIONS), horizon))
    np.add.at(by_dimension_per_year, dimension_index, values)
    pv_by_dimension = np.bincount(dimension_index, weights=pv_by_outcome, minlength=3)

    present_value = float(pv_by_outcome.sum())
    investment = investment_present_value(impact_map)
    net = present_value - investment
    notes = []
    if investment > 0:
        ratio, net_ratio = present_value / investment, net / investment
    else:
        ratio = net_ratio = None
        notes.append(
            "No investment is recorded (inputs total 0), so the SROI ratio and the net ratio "
            "are undefined; the present value and NPV are still given."
        )
    first_year_value = float(values[:, 0].sum()) if horizon else 0.0
    undiscounted_value = float(values.sum())
    undiscounted_investment = float(sum(entry.amount for entry in impact_map.inputs))
    repaid = undiscounted_value >= undiscounted_investment
    if first_year_value >= MIN_FIRST_YEAR_VALUE:
        payback = investment / (first_year_value / MONTHS_PER_YEAR)
    else:
        payback = None
        notes.append("The year-1 value is not positive, so the payback period is not defined.")
    if not repaid:
        notes.append(
            f"The undiscounted value over the {horizon}-year horizon does not reach the "
            "investment: it is not repaid within the horizon, whatever payback_months says."
        )

    by_stakeholder: dict[str, float] = {}
    for row, pv in zip(impact_map.outcomes, pv_by_outcome.tolist(), strict=True):
        by_stakeholder[row.stakeholder] = by_stakeholder.get(row.stakeholder, 0.0) + pv
    investment_by_stakeholder: dict[str, float] = {}
    for entry in impact_map.inputs:
        discounted_amount = entry.amount / (1 + impact_map.discount_rate) ** entry.year
        investment_by_stakeholder[entry.stakeholder] = (
            investment_by_stakeholder.get(entry.stakeholder, 0.0) + discounted_amount
        )

    by_year = [
        YearValue(
            year=year + 1,
            value=float(values[:, year].sum()),
            present_value=float(discounted[:, year].sum()),
            by_dimension={
                name: float(by_dimension_per_year[position, year])
                for position, name in enumerate(DIMENSIONS)
            },
        )
        for year in range(horizon)
    ]
    return Evaluation(
        currency=impact_map.currency,
        present_value=present_value,
        investment=investment,
        net_present_value=net,
        ratio=ratio,
        net_ratio=net_ratio,
        payback_months=payback,
        undiscounted_value=undiscounted_value,
        undiscounted_investment=undiscounted_investment,
        horizon_years=horizon,
        repaid_within_horizon=repaid,
        by_dimension={name: float(pv_by_dimension[i]) for i, name in enumerate(DIMENSIONS)},
        by_stakeholder=by_stakeholder,
        by_outcome={
            row.id: pv for row, pv in zip(impact_map.outcomes, pv_by_outcome.tolist(), strict=True)
        },
        by_year=by_year,
        investment_by_stakeholder=investment_by_stakeholder,
        notes=notes,
    )
