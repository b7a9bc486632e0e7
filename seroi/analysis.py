"""The whole SEROI+ analysis of one impact map: forecast, sensitivity and, with check-in
observations, the actual (evaluative) return."""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from typing import Any, Literal

from pydantic import BaseModel

from seroi.derivations import (
    DERIVATIONS,
    Aggregates,
    MemberAggregate,
    aggregate_observations,
    derive_from_aggregates,
)
from seroi.disclosure import is_sensitive, may_show, minimum_group
from seroi.impact_map import ImpactMap
from seroi.observations import Observation, validate_observations
from seroi.returns import Evaluation, evaluate
from seroi.sensitivity import (
    MonteCarloResult,
    SwitchingValues,
    TornadoBar,
    monte_carlo,
    scenarios,
    switching_values,
    tornado,
)


class ActualQuantity(BaseModel):
    """The quantity an outcome uses in the actual return, and where it came from."""

    outcome_id: str
    quantity: float
    forecast_quantity: float
    source: Literal["observed", "forecast", "suppressed"]
    derivation: str | None
    # None when too few members answered to say how many (seroi.disclosure).
    members: int | None
    note: str


class Analysis(BaseModel):
    """Everything the report and the bot show about one impact map."""

    forecast: Evaluation
    switching_values: dict[str, SwitchingValues]
    tornado: list[TornadoBar]
    scenarios: dict[str, Evaluation]
    monte_carlo: MonteCarloResult
    actual: Evaluation | None = None
    derived_quantities: dict[str, ActualQuantity] | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: the forecast's figures at the top level, then the rest.

        JSON has no NaN or infinity: any non-finite number becomes None (undefined).
        """
        data: dict[str, Any] = self.forecast.model_dump()
        data["switching_values"] = {
            outcome_id: values.model_dump() for outcome_id, values in self.switching_values.items()
        }
        data["tornado"] = [bar.model_dump() for bar in self.tornado]
        data["scenarios"] = {name: result.model_dump() for name, result in self.scenarios.items()}
        data["monte_carlo"] = self.monte_carlo.model_dump()
        if self.actual is not None:
            data["actual"] = self.actual.model_dump()
        if self.derived_quantities is not None:
            data["derived_quantities"] = {
                outcome_id: quantity.model_dump()
                for outcome_id, quantity in self.derived_quantities.items()
            }
        return _finite(data)


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value


def validate_observations_for_map(
    impact_map: ImpactMap, observations: Sequence[Observation]
) -> list[str]:
    """Raise ObservationsError for observations outside the vocabulary; return warnings.

    Warnings name outcomes whose derivation reads indicators no observation answers.
    """
    validate_observations(observations)
    return _unanswered(impact_map, {observation.indicator for observation in observations})


def _unanswered(impact_map: ImpactMap, answered: Collection[str]) -> list[str]:
    warnings = []
    for outcome in impact_map.outcomes:
        if outcome.derive is None:
            continue
        needed = DERIVATIONS[outcome.derive.name].indicators
        if not set(answered).intersection(needed):
            warnings.append(
                f"{outcome.id}: derivation {outcome.derive.name} needs {', '.join(needed)}, "
                "but no observation answers any of them"
            )
    return warnings


def actual_quantities(
    impact_map: ImpactMap, members: Sequence[MemberAggregate]
) -> dict[str, ActualQuantity]:
    """Per outcome, the observed quantity from its derivation, else its forecast (flagged)."""
    result = {}
    for outcome in impact_map.outcomes:
        forecast = outcome.quantity
        if outcome.derive is None:
            result[outcome.id] = ActualQuantity(
                outcome_id=outcome.id,
                quantity=forecast,
                forecast_quantity=forecast,
                source="forecast",
                derivation=None,
                members=0,
                note="no derivation in the impact map: forecast quantity kept",
            )
            continue
        derived = derive_from_aggregates(outcome.derive.name, outcome.derive.params, members)
        sensitive = is_sensitive(DERIVATIONS[outcome.derive.name].indicators)
        if derived.quantity is None:
            source, quantity, members_shown = "forecast", forecast, 0
            note = "no usable observations: forecast quantity kept"
        elif not may_show(derived.members, sensitive=sensitive):
            # A quantity from a handful of villagers would describe them: not used or shown.
            source, quantity, members_shown = "suppressed", forecast, None
            note = (
                f"fewer than {minimum_group(sensitive=sensitive)} members answered: "
                "forecast quantity kept"
            )
        else:
            source, quantity, members_shown = "observed", derived.quantity, derived.members
            note = f"derived from observations of {derived.members} members"
        result[outcome.id] = ActualQuantity(
            outcome_id=outcome.id,
            quantity=quantity,
            forecast_quantity=forecast,
            source=source,
            derivation=outcome.derive.name,
            members=members_shown,
            note=note,
        )
    return result


def analyse(
    impact_map: ImpactMap,
    observations: Sequence[Observation] | None = None,
    *,
    draws: int = 10_000,
    seed: int = 0,
) -> Analysis:
    """Forecast return with sensitivity; with observations, also the actual return."""
    forecast = forecast_analysis(impact_map, draws=draws, seed=seed)
    if observations is None:
        return forecast
    validate_observations(observations)
    return with_actual(forecast, impact_map, aggregate_observations(observations))


def forecast_analysis(impact_map: ImpactMap, *, draws: int = 10_000, seed: int = 0) -> Analysis:
    """The forecast return with its sensitivity: what depends on the impact map alone."""
    return Analysis(
        forecast=evaluate(impact_map),
        switching_values=switching_values(impact_map),
        tornado=tornado(impact_map),
        scenarios=scenarios(impact_map),
        monte_carlo=monte_carlo(impact_map, draws=draws, seed=seed),
    )


def with_actual(forecast: Analysis, impact_map: ImpactMap, aggregates: Aggregates) -> Analysis:
    """`forecast` (of this map) with the actual return over the members' aggregates.

    The actual return's notes name the outcomes whose forecast quantity was kept, and those
    whose derivation reads no indicator that was answered.
    """
    derived = actual_quantities(impact_map, aggregates.members)
    actual = evaluate(
        impact_map, {outcome_id: item.quantity for outcome_id, item in derived.items()}
    )
    kept = [item.outcome_id for item in derived.values() if item.source != "observed"]
    if kept:
        actual.notes.append("Forecast quantities kept (not observed) for: " + ", ".join(kept) + ".")
    actual.notes.extend(_unanswered(impact_map, aggregates.answered))
    return forecast.model_copy(update={"actual": actual, "derived_quantities": derived})
