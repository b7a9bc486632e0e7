"""Derivations: how an outcome's actual quantity is computed from check-in observations.

An impact-map row says, for example::

    derive: {name: avoided_car_co2_tonnes, params: {weeks_per_year: 46}}

and `derive_quantity` turns the observations into that row's quantity per year. Each
derivation documents its formula. Shared conventions:

- A member's *observed weeks* are the ISO weeks in which they answered any weekly work and
  travel item; within a week the latest answer per item counts. Items not asked (home and
  hub days when no work was done) or skipped count as 0, which errs on the low side.
- *Remote days* in a week = home days + hub days (hub days optional), never more than the
  work days reported that week.
- Per-year figures = a member's mean per observed week × `weeks_per_year`, summed over members.
- A member's distance is their latest `distance_band` answer (band midpoint, see
  seroi.indicators); their commute mode is their most frequent answer (ties: the latest).
"""

from __future__ import annotations

import inspect
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from seroi.indicators import (
    COMMUTE_MODES,
    DISTANCE_BAND_MIDPOINT_KM,
    WHO5_ITEMS,
)
from seroi.observations import Observation

WHO5_PERCENT_PER_RAW_POINT = 4  # WHO-5 percentage = raw sum × 4 (checkin_instruments.md)
_WEEKLY_ITEMS = ("work_days", "home_days", "hub_days", "commute_mode")


def _known_modes(modes: list[str]) -> list[str]:
    unknown = [mode for mode in modes if mode not in COMMUTE_MODES]
    if unknown:
        raise ValueError(
            f"unknown commute mode(s) {', '.join(unknown)}; known: {', '.join(COMMUTE_MODES)}"
        )
    return modes


CommuteModes = Annotated[list[str], AfterValidator(_known_modes)]
WeeksPerYear = Annotated[float, Field(gt=0, le=53)]


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)


class CommuteParams(_Params):
    """Parameters shared by commute derivations (46 working weeks: seroi_method.md example)."""

    weeks_per_year: WeeksPerYear = 46
    trips_per_day: Annotated[float, Field(gt=0)] = 2
    include_hub_days: bool = True


class CarCo2Params(CommuteParams):
    """Car emission factor: LIPASTO/VTT average Finnish car, 165 g CO2 per vehicle-km."""

    emission_kg_per_km: Annotated[float, Field(ge=0)] = 0.165


class AvoidedKmParams(CommuteParams):
    """`modes`: count only members whose commute mode is listed (None = everyone)."""

    modes: CommuteModes | None = None


class ModeKmParams(_Params):
    """`modes`: the commute modes whose kilometres are counted."""

    modes: CommuteModes
    weeks_per_year: WeeksPerYear = 46
    trips_per_day: Annotated[float, Field(gt=0)] = 2


class RemoteWorkersParams(_Params):
    """A remote worker averages at least `min_days_per_week` remote days per observed week."""

    min_days_per_week: Annotated[float, Field(gt=0, le=7)] = 1
    include_hub_days: bool = True


class RemoteShareParams(_Params):
    """Whether hub days count as remote."""

    include_hub_days: bool = True


class LifeSatisfactionParams(_Params):
    """`points`: summed net change in points (WELLBY units); `persons`: members who improved."""

    measure: Literal["points", "persons"] = "points"


class WellbeingParams(_Params):
    """Gain in WHO-5 percentage points that counts as meaningful (10 per the instrument)."""

    min_gain_percentage_points: Annotated[float, Field(gt=0, le=100)] = 10


class HomeEnergyParams(_Params):
    """Working weeks per year used to extrapolate."""

    weeks_per_year: WeeksPerYear = 46


class DerivedQuantity(BaseModel):
    """A quantity computed from observations; None when the observations hold nothing to use."""

    quantity: float | None
    members: int = Field(description="members whose answers contributed")


@dataclass(frozen=True)
class Derivation:
    """A named way to compute a quantity, its typed parameters and the items it reads."""

    name: str
    params_model: type[BaseModel]
    compute: Callable[[list[Observation], Any], DerivedQuantity]
    indicators: tuple[str, ...]
    formula: str


DERIVATIONS: dict[str, Derivation] = {}


def _register(
    params_model: type[BaseModel], indicators: tuple[str, ...]
) -> Callable[[Callable[[list[Observation], Any], DerivedQuantity]], Any]:
    def register(function: Callable[[list[Observation], Any], DerivedQuantity]) -> Any:
        DERIVATIONS[function.__name__] = Derivation(
            function.__name__, params_model, function, indicators, inspect.getdoc(function) or ""
        )
        return function

    return register


def derive_quantity(
    name: str, params: Mapping[str, Any], observations: Iterable[Observation]
) -> DerivedQuantity:
    """Run the named derivation (params are validated by its model) over observations."""
    derivation = DERIVATIONS[name]
    return derivation.compute(list(observations), derivation.params_model.model_validate(params))


# --- shared views of the observations ---------------------------------------------------------


@dataclass
class _MemberWeeks:
    weeks: dict[tuple[int, int], dict[str, float | str]]
    distance_km: float | None
    mode: str | None


def _members(observations: list[Observation]) -> dict[str, _MemberWeeks]:
    """Per member: latest weekly answers per ISO week, latest distance, usual commute mode."""
    weeks: dict[str, dict[tuple[int, int], dict[str, float | str]]] = defaultdict(dict)
    distance: dict[str, tuple[date, str]] = {}
    modes: dict[str, list[tuple[date, str]]] = defaultdict(list)
    for observation in sorted(observations, key=lambda item: item.date):
        member = observation.member
        if observation.indicator in _WEEKLY_ITEMS:
            week = observation.date.isocalendar()[:2]
            weeks[member].setdefault(week, {})[observation.indicator] = observation.value
        if observation.indicator == "distance_band":
            distance[member] = (observation.date, str(observation.value))
        if observation.indicator == "commute_mode":
            modes[member].append((observation.date, str(observation.value)))
    return {
        member: _MemberWeeks(
            weeks=weeks.get(member, {}),
            distance_km=(
                DISTANCE_BAND_MIDPOINT_KM[distance[member][1]] if member in distance else None
            ),
            mode=_usual_mode(modes.get(member, [])),
        )
        for member in set(weeks) | set(distance)
    }


def _usual_mode(answers: list[tuple[date, str]]) -> str | None:
    if not answers:
        return None
    counts = Counter(mode for _, mode in answers)
    top = max(counts.values())
    return next(mode for _, mode in reversed(answers) if counts[mode] == top)


def _number(answers: Mapping[str, float | str], item: str) -> float:
    value = answers.get(item, 0.0)
    return float(value) if not isinstance(value, str) else 0.0


def _remote_days(answers: Mapping[str, float | str], include_hub_days: bool) -> float:
    remote = _number(answers, "home_days") + (
        _number(answers, "hub_days") if include_hub_days else 0.0
    )
    if "work_days" in answers:
        remote = min(remote, _number(answers, "work_days"))
    return remote


def _mean_remote_days(member: _MemberWeeks, include_hub_days: bool) -> float:
    days = [_remote_days(answers, include_hub_days) for answers in member.weeks.values()]
    return sum(days) / len(days)


def _avoided_km_per_year(member: _MemberWeeks, params: CommuteParams) -> float:
    return (
        _mean_remote_days(member, params.include_hub_days)
        * params.weeks_per_year
        * params.trips_per_day
        * (member.distance_km or 0.0)
    )


# --- the derivations --------------------------------------------------------------------------


@_register(CarCo2Params, ("work_days", "home_days", "hub_days", "commute_mode", "distance_band"))
def avoided_car_co2_tonnes(
    observations: list[Observation], params: CarCo2Params
) -> DerivedQuantity:
    """Tonnes of car CO2 avoided per year by remote days of members who drive to work.

    Σ over members whose usual mode is car_driver and whose distance band is known:
    mean remote days per observed week × weeks_per_year × trips_per_day × band-midpoint km
    × emission_kg_per_km ÷ 1000.
    """
    members = _members(observations)
    if not any(member.weeks for member in members.values()):
        return DerivedQuantity(quantity=None, members=0)
    drivers = [
        member
        for member in members.values()
        if member.weeks and member.mode == "car_driver" and member.distance_km is not None
    ]
    kilometres = sum(_avoided_km_per_year(member, params) for member in drivers)
    return DerivedQuantity(
        quantity=kilometres * params.emission_kg_per_km / 1000, members=len(drivers)
    )


@_register(AvoidedKmParams, ("work_days", "home_days", "hub_days", "commute_mode", "distance_band"))
def avoided_commute_km(observations: list[Observation], params: AvoidedKmParams) -> DerivedQuantity:
    """Commute kilometres avoided per year by remote days.

    Σ over members with a known distance band (and, if `modes` is given, a usual mode in it):
    mean remote days per observed week × weeks_per_year × trips_per_day × band-midpoint km.
    """
    members = _members(observations)
    if not any(member.weeks for member in members.values()):
        return DerivedQuantity(quantity=None, members=0)
    counted = [
        member
        for member in members.values()
        if member.weeks
        and member.distance_km is not None
        and (params.modes is None or member.mode in params.modes)
    ]
    return DerivedQuantity(
        quantity=sum(_avoided_km_per_year(member, params) for member in counted),
        members=len(counted),
    )


@_register(ModeKmParams, ("work_days", "home_days", "hub_days", "commute_mode", "distance_band"))
def commute_km_by_mode(observations: list[Observation], params: ModeKmParams) -> DerivedQuantity:
    """Commute kilometres per year travelled by the given modes (e.g. bicycle, car-pool, DRT).

    Per member-week whose reported mode is in `modes`: workplace days (work − home − hub, at
    least 0) × trips_per_day × band-midpoint km. Σ over members of (their total ÷ their
    observed weeks) × weeks_per_year.
    """
    members = _members(observations)
    if not any(member.weeks for member in members.values()):
        return DerivedQuantity(quantity=None, members=0)
    total, counted = 0.0, 0
    for member in members.values():
        if not member.weeks or member.distance_km is None:
            continue
        kilometres = sum(
            max(_number(answers, "work_days") - _remote_days(answers, True), 0.0)
            * params.trips_per_day
            * member.distance_km
            for answers in member.weeks.values()
            if answers.get("commute_mode") in params.modes
        )
        if kilometres > 0:
            counted += 1
            total += kilometres / len(member.weeks) * params.weeks_per_year
    return DerivedQuantity(quantity=total, members=counted)


@_register(RemoteWorkersParams, ("work_days", "home_days", "hub_days"))
def remote_workers(observations: list[Observation], params: RemoteWorkersParams) -> DerivedQuantity:
    """Number of members averaging ≥ min_days_per_week remote days per observed week."""
    weekly = [member for member in _members(observations).values() if member.weeks]
    if not weekly:
        return DerivedQuantity(quantity=None, members=0)
    count = sum(
        1
        for member in weekly
        if _mean_remote_days(member, params.include_hub_days) >= params.min_days_per_week
    )
    return DerivedQuantity(quantity=float(count), members=len(weekly))


@_register(RemoteShareParams, ("work_days", "home_days", "hub_days"))
def remote_work_share(
    observations: list[Observation], params: RemoteShareParams
) -> DerivedQuantity:
    """Share of work days worked remotely: Σ remote days ÷ Σ work days (all member-weeks)."""
    weekly = [member for member in _members(observations).values() if member.weeks]
    work = sum(_number(answers, "work_days") for m in weekly for answers in m.weeks.values())
    if work <= 0:
        return DerivedQuantity(quantity=None, members=len(weekly))
    remote = sum(
        _remote_days(answers, params.include_hub_days)
        for member in weekly
        for answers in member.weeks.values()
    )
    return DerivedQuantity(quantity=remote / work, members=len(weekly))


def _first_and_last(observations: list[Observation], item: str) -> dict[str, tuple[float, float]]:
    """Per member with answers on at least two dates: (first, last) answer to `item`."""
    answers: dict[str, dict[date, float]] = defaultdict(dict)
    for observation in sorted(observations, key=lambda item_: item_.date):
        if observation.indicator == item:
            answers[observation.member][observation.date] = float(observation.value)
    return {
        member: (by_date[min(by_date)], by_date[max(by_date)])
        for member, by_date in answers.items()
        if len(by_date) >= 2
    }


@_register(LifeSatisfactionParams, ("ons_life_satisfaction",))
def life_satisfaction_gain(
    observations: list[Observation], params: LifeSatisfactionParams
) -> DerivedQuantity:
    """Change in life satisfaction (0–10) from each member's first to last answer.

    measure = points (default): Σ (last − first) over members with two or more answers —
    declines count against gains, so the result is WELLBY point-years (points × persons) and
    never over-claims. measure = persons: the number of members whose score rose.
    """
    pairs = _first_and_last(observations, "ons_life_satisfaction")
    if not pairs:
        return DerivedQuantity(quantity=None, members=0)
    if params.measure == "points":
        quantity = sum(last - first for first, last in pairs.values())
    else:
        quantity = float(sum(1 for first, last in pairs.values() if last > first))
    return DerivedQuantity(quantity=quantity, members=len(pairs))


@_register(WellbeingParams, WHO5_ITEMS)
def wellbeing_improved(observations: list[Observation], params: WellbeingParams) -> DerivedQuantity:
    """Members whose WHO-5 score rose by ≥ min_gain_percentage_points (default 10).

    A wave is one member's five WHO-5 answers on one date (incomplete waves are skipped);
    percentage = raw sum × 4, so 10 points = 2.5 raw points. Compares each member's first
    and last complete wave.
    """
    waves: dict[str, dict[date, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    for observation in sorted(observations, key=lambda item: item.date):
        if observation.indicator in WHO5_ITEMS:
            waves[observation.member][observation.date][observation.indicator] = float(
                observation.value
            )
    improved, compared = 0, 0
    for by_date in waves.values():
        complete = sorted(day for day, items in by_date.items() if len(items) == len(WHO5_ITEMS))
        if len(complete) < 2:
            continue
        compared += 1
        first = sum(by_date[complete[0]].values()) * WHO5_PERCENT_PER_RAW_POINT
        last = sum(by_date[complete[-1]].values()) * WHO5_PERCENT_PER_RAW_POINT
        if last - first >= params.min_gain_percentage_points:
            improved += 1
    if not compared:
        return DerivedQuantity(quantity=None, members=0)
    return DerivedQuantity(quantity=float(improved), members=compared)


@_register(HomeEnergyParams, ("work_days", "home_days"))
def extra_home_energy_days(
    observations: list[Observation], params: HomeEnergyParams
) -> DerivedQuantity:
    """Days per year worked at home (for the negative home-energy rebound row).

    Σ over members: mean home days per observed week (capped by work days) × weeks_per_year.
    """
    weekly = [member for member in _members(observations).values() if member.weeks]
    if not weekly:
        return DerivedQuantity(quantity=None, members=0)
    total = sum(
        sum(_remote_days(answers, False) for answers in member.weeks.values())
        / len(member.weeks)
        * params.weeks_per_year
        for member in weekly
    )
    return DerivedQuantity(quantity=total, members=len(weekly))
