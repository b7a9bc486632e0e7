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
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
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
class MemberAggregate:
    """One member's answers reduced to what the derivations read (the module doc's rules).

    The weekly sums run over the member's observed weeks, each week's remote days capped by
    its work days. The bot computes these rows in SQL; `aggregate_observations` computes
    them from observations; the derivations read nothing else.
    """

    member: str
    weeks: int = 0  # observed weeks
    work_days: float = 0.0
    remote_days: float = 0.0  # home + hub days
    home_days: float = 0.0  # home days alone
    # Σ workplace days (work − home − hub, at least 0) over the weeks with that week's mode.
    workplace_days_by_mode: Mapping[str, float] = field(default_factory=dict)
    usual_mode: str | None = None
    distance_band: str | None = None
    # (first, last) answer, for members who answered on two or more dates.
    life_satisfaction: tuple[float, float] | None = None
    # (first, last) raw WHO-5 sum (0–25) of complete waves, for members with two or more.
    who5: tuple[float, float] | None = None

    @property
    def distance_km(self) -> float | None:
        """One-way commute km: the band's midpoint (None when no band is known)."""
        if self.distance_band is None:
            return None
        return DISTANCE_BAND_MIDPOINT_KM[self.distance_band]

    def mean_remote_days(self, include_hub_days: bool) -> float:
        """Remote days per observed week."""
        return (self.remote_days if include_hub_days else self.home_days) / self.weeks


@dataclass(frozen=True)
class Aggregates:
    """A pilot's members as the derivations see them, and which indicators were answered."""

    members: tuple[MemberAggregate, ...]
    answered: frozenset[str]


@dataclass(frozen=True)
class Derivation:
    """A named way to compute a quantity, its typed parameters and the items it reads."""

    name: str
    params_model: type[BaseModel]
    compute: Callable[[Sequence[MemberAggregate], Any], DerivedQuantity]
    indicators: tuple[str, ...]
    formula: str


DERIVATIONS: dict[str, Derivation] = {}
_Compute = Callable[[Sequence[MemberAggregate], Any], DerivedQuantity]


def _register(
    params_model: type[BaseModel], indicators: tuple[str, ...]
) -> Callable[[_Compute], _Compute]:
    def register(function: _Compute) -> _Compute:
        DERIVATIONS[function.__name__] = Derivation(
            function.__name__, params_model, function, indicators, inspect.getdoc(function) or ""
        )
        return function

    return register


def derive_quantity(
    name: str, params: Mapping[str, Any], observations: Iterable[Observation]
) -> DerivedQuantity:
    """Run the named derivation (params are validated by its model) over observations."""
    return derive_from_aggregates(name, params, aggregate_observations(observations).members)


def derive_from_aggregates(
    name: str, params: Mapping[str, Any], members: Sequence[MemberAggregate]
) -> DerivedQuantity:
    """Run the named derivation (params are validated by its model) over member aggregates."""
    derivation = DERIVATIONS[name]
    return derivation.compute(members, derivation.params_model.model_validate(params))


# --- the per-member view, from observations (the bot computes the same rows in SQL) -----------


def week_figures(answers: Mapping[str, float | str]) -> tuple[float, float, float, float]:
    """One observed week's (work, home + hub, home, workplace) days; see the module doc."""
    work = _number(answers, "work_days")
    home = _number(answers, "home_days")
    remote = home + _number(answers, "hub_days")
    if "work_days" in answers:
        remote, home = min(remote, work), min(home, work)
    return work, remote, home, max(work - remote, 0.0)


def usual_mode(answers: Mapping[str, tuple[int, Any]]) -> str | None:
    """The most frequent commute mode, ties going to the latest answered.

    `answers`: per mode, how often it was answered and a key that orders its latest answer
    among the others (its period in the bot, its place in date order here).
    """
    if not answers:
        return None
    return max(answers, key=lambda mode: answers[mode])


def aggregate_observations(observations: Iterable[Observation]) -> Aggregates:
    """Per member: the figures of their observed weeks and their first and last wellbeing."""
    ordered = sorted(observations, key=lambda item: item.date)
    weeks: dict[str, dict[tuple[int, int], dict[str, float | str]]] = defaultdict(dict)
    distance: dict[str, str] = {}
    modes: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    for position, observation in enumerate(ordered):
        member = observation.member
        if observation.indicator in _WEEKLY_ITEMS:
            week = observation.date.isocalendar()[:2]
            weeks[member].setdefault(week, {})[observation.indicator] = observation.value
        if observation.indicator == "distance_band":
            distance[member] = str(observation.value)
        if observation.indicator == "commute_mode":
            mode = str(observation.value)
            count, _ = modes[member].get(mode, (0, ""))
            modes[member][mode] = (count + 1, position)
    life = _first_and_last(ordered, "ons_life_satisfaction")
    who5 = _first_and_last_who5(ordered)
    members = []
    for member in sorted({observation.member for observation in ordered}):
        figures = [
            (answers.get("commute_mode"), week_figures(answers))
            for answers in weeks.get(member, {}).values()
        ]
        by_mode: dict[str, float] = defaultdict(float)
        for mode, (_, _, _, workplace) in figures:
            if isinstance(mode, str):
                by_mode[mode] += workplace
        members.append(
            MemberAggregate(
                member=member,
                weeks=len(figures),
                work_days=sum(week[0] for _, week in figures),
                remote_days=sum(week[1] for _, week in figures),
                home_days=sum(week[2] for _, week in figures),
                workplace_days_by_mode=dict(by_mode),
                usual_mode=usual_mode(modes.get(member, {})),
                distance_band=distance.get(member),
                life_satisfaction=life.get(member),
                who5=who5.get(member),
            )
        )
    answered = frozenset(observation.indicator for observation in ordered)
    return Aggregates(tuple(members), answered)


def _number(answers: Mapping[str, float | str], item: str) -> float:
    value = answers.get(item, 0.0)
    return float(value) if not isinstance(value, str) else 0.0


def _first_and_last(ordered: list[Observation], item: str) -> dict[str, tuple[float, float]]:
    """Per member with answers on at least two dates: (first, last) answer to `item`."""
    answers: dict[str, dict[date, float]] = defaultdict(dict)
    for observation in ordered:
        if observation.indicator == item:
            answers[observation.member][observation.date] = float(observation.value)
    return {
        member: (by_date[min(by_date)], by_date[max(by_date)])
        for member, by_date in answers.items()
        if len(by_date) >= 2
    }


def _first_and_last_who5(ordered: list[Observation]) -> dict[str, tuple[float, float]]:
    """Per member with two or more complete waves: the raw sums of the first and the last.

    A wave is one member's five WHO-5 answers on one date (incomplete waves are skipped).
    """
    waves: dict[str, dict[date, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    for observation in ordered:
        if observation.indicator in WHO5_ITEMS:
            waves[observation.member][observation.date][observation.indicator] = float(
                observation.value
            )
    result = {}
    for member, by_date in waves.items():
        complete = sorted(day for day, items in by_date.items() if len(items) == len(WHO5_ITEMS))
        if len(complete) >= 2:
            result[member] = (
                sum(by_date[complete[0]].values()),
                sum(by_date[complete[-1]].values()),
            )
    return result


def _avoided_km_per_year(member: MemberAggregate, params: CommuteParams) -> float:
    return (
        member.mean_remote_days(params.include_hub_days)
        * params.weeks_per_year
        * params.trips_per_day
        * (member.distance_km or 0.0)
    )


# --- the derivations --------------------------------------------------------------------------


@_register(CarCo2Params, ("work_days", "home_days", "hub_days", "commute_mode", "distance_band"))
def avoided_car_co2_tonnes(
    members: Sequence[MemberAggregate], params: CarCo2Params
) -> DerivedQuantity:
    """Tonnes of car CO2 avoided per year by remote days of members who drive to work.

    Σ over members whose usual mode is car_driver and whose distance band is known:
    mean remote days per observed week × weeks_per_year × trips_per_day × band-midpoint km
    × emission_kg_per_km ÷ 1000.
    """
    if not any(member.weeks for member in members):
        return DerivedQuantity(quantity=None, members=0)
    drivers = [
        member
        for member in members
        if member.weeks and member.usual_mode == "car_driver" and member.distance_km is not None
    ]
    kilometres = sum(_avoided_km_per_year(member, params) for member in drivers)
    return DerivedQuantity(
        quantity=kilometres * params.emission_kg_per_km / 1000, members=len(drivers)
    )


@_register(AvoidedKmParams, ("work_days", "home_days", "hub_days", "commute_mode", "distance_band"))
def avoided_commute_km(
    members: Sequence[MemberAggregate], params: AvoidedKmParams
) -> DerivedQuantity:
    """Commute kilometres avoided per year by remote days.

    Σ over members with a known distance band (and, if `modes` is given, a usual mode in it):
    mean remote days per observed week × weeks_per_year × trips_per_day × band-midpoint km.
    """
    if not any(member.weeks for member in members):
        return DerivedQuantity(quantity=None, members=0)
    counted = [
        member
        for member in members
        if member.weeks
        and member.distance_km is not None
        and (params.modes is None or member.usual_mode in params.modes)
    ]
    return DerivedQuantity(
        quantity=sum(_avoided_km_per_year(member, params) for member in counted),
        members=len(counted),
    )


@_register(ModeKmParams, ("work_days", "home_days", "hub_days", "commute_mode", "distance_band"))
def commute_km_by_mode(members: Sequence[MemberAggregate], params: ModeKmParams) -> DerivedQuantity:
    """Commute kilometres per year travelled by the given modes (e.g. bicycle, car-pool, DRT).

    Per member-week whose reported mode is in `modes`: workplace days (work − home − hub, at
    least 0) × trips_per_day × band-midpoint km. Σ over members of (their total ÷ their
    observed weeks) × weeks_per_year.
    """
    if not any(member.weeks for member in members):
        return DerivedQuantity(quantity=None, members=0)
    total, counted = 0.0, 0
    for member in members:
        if not member.weeks or member.distance_km is None:
            continue
        workplace_days = sum(
            days for mode, days in member.workplace_days_by_mode.items() if mode in params.modes
        )
        kilometres = workplace_days * params.trips_per_day * member.distance_km
        if kilometres > 0:
            counted += 1
            total += kilometres / member.weeks * params.weeks_per_year
    return DerivedQuantity(quantity=total, members=counted)


@_register(RemoteWorkersParams, ("work_days", "home_days", "hub_days"))
def remote_workers(
    members: Sequence[MemberAggregate], params: RemoteWorkersParams
) -> DerivedQuantity:
    """Number of members averaging ≥ min_days_per_week remote days per observed week."""
    weekly = [member for member in members if member.weeks]
    if not weekly:
        return DerivedQuantity(quantity=None, members=0)
    count = sum(
        1
        for member in weekly
        if member.mean_remote_days(params.include_hub_days) >= params.min_days_per_week
    )
    return DerivedQuantity(quantity=float(count), members=len(weekly))


@_register(RemoteShareParams, ("work_days", "home_days", "hub_days"))
def remote_work_share(
    members: Sequence[MemberAggregate], params: RemoteShareParams
) -> DerivedQuantity:
    """Share of work days worked remotely: Σ remote days ÷ Σ work days (all member-weeks)."""
    weekly = [member for member in members if member.weeks]
    work = sum(member.work_days for member in weekly)
    if work <= 0:
        return DerivedQuantity(quantity=None, members=len(weekly))
    remote = sum(
        member.remote_days if params.include_hub_days else member.home_days for member in weekly
    )
    return DerivedQuantity(quantity=remote / work, members=len(weekly))


@_register(LifeSatisfactionParams, ("ons_life_satisfaction",))
def life_satisfaction_gain(
    members: Sequence[MemberAggregate], params: LifeSatisfactionParams
) -> DerivedQuantity:
    """Change in life satisfaction (0–10) from each member's first to last answer.

    measure = points (default): Σ (last − first) over members with two or more answers —
    declines count against gains, so the result is WELLBY point-years (points × persons) and
    never over-claims. measure = persons: the number of members whose score rose.
    """
    pairs = [member.life_satisfaction for member in members if member.life_satisfaction]
    if not pairs:
        return DerivedQuantity(quantity=None, members=0)
    if params.measure == "points":
        quantity = sum(last - first for first, last in pairs)
    else:
        quantity = float(sum(1 for first, last in pairs if last > first))
    return DerivedQuantity(quantity=quantity, members=len(pairs))


@_register(WellbeingParams, WHO5_ITEMS)
def wellbeing_improved(
    members: Sequence[MemberAggregate], params: WellbeingParams
) -> DerivedQuantity:
    """Members whose WHO-5 score rose by ≥ min_gain_percentage_points (default 10).

    A wave is one member's five WHO-5 answers on one date (incomplete waves are skipped);
    percentage = raw sum × 4, so 10 points = 2.5 raw points. Compares each member's first
    and last complete wave.
    """
    pairs = [member.who5 for member in members if member.who5]
    if not pairs:
        return DerivedQuantity(quantity=None, members=0)
    improved = sum(
        1
        for first, last in pairs
        if (last - first) * WHO5_PERCENT_PER_RAW_POINT >= params.min_gain_percentage_points
    )
    return DerivedQuantity(quantity=float(improved), members=len(pairs))


@_register(HomeEnergyParams, ("work_days", "home_days"))
def extra_home_energy_days(
    members: Sequence[MemberAggregate], params: HomeEnergyParams
) -> DerivedQuantity:
    """Days per year worked at home (for the negative home-energy rebound row).

    Σ over members: mean home days per observed week (capped by work days) × weeks_per_year.
    """
    weekly = [member for member in members if member.weeks]
    if not weekly:
        return DerivedQuantity(quantity=None, members=0)
    total = sum(member.mean_remote_days(False) * params.weeks_per_year for member in weekly)
    return DerivedQuantity(quantity=total, members=len(weekly))
