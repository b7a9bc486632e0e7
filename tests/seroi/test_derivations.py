"""Derivations on tiny observation sets whose answers are worked out by hand below."""

from datetime import date
from pathlib import Path

import pytest

from seroi.derivations import DERIVATIONS, derive_quantity
from seroi.observations import Observation, load_observations

SYNTHETIC = Path(__file__).parents[2] / "examples" / "observations_synthetic.csv"
WEEK1, WEEK2 = date(2025, 3, 3), date(2025, 3, 10)


def answers(member: str, day: date, **items) -> list[Observation]:
    return [
        Observation(member=member, date=day, indicator=name, value=value)
        for name, value in items.items()
    ]


# a: 22.5 km (band 15_29), drives; remote days 3 (week 1) and 1 (week 2) → mean 2 a week
# b: 10 km (band 5_14), cycles; no remote days
# c: no distance band, no commute answer; 3 home days of 3 work days
OBSERVATIONS = [
    *answers("a", WEEK1, distance_band="15_29"),
    *answers("a", WEEK1, work_days=5, home_days=2, hub_days=1, commute_mode="car_driver"),
    *answers("a", WEEK2, work_days=4, home_days=1, hub_days=0, commute_mode="car_driver"),
    *answers("b", WEEK1, distance_band="5_14"),
    *answers("b", WEEK1, work_days=5, home_days=0, hub_days=0, commute_mode="bicycle"),
    *answers("c", WEEK1, work_days=3, home_days=3),
]


def run(name: str, observations=OBSERVATIONS, **params):
    return derive_quantity(name, params, observations)


def test_avoided_car_co2_counts_only_drivers():
    result = run("avoided_car_co2_tonnes")
    assert result.quantity == pytest.approx(2 * 46 * 2 * 22.5 * 0.165 / 1000)
    assert result.members == 1
    tuned = run("avoided_car_co2_tonnes", weeks_per_year=40, emission_kg_per_km=0.2)
    assert tuned.quantity == pytest.approx(2 * 40 * 2 * 22.5 * 0.2 / 1000)


def test_avoided_commute_km_for_everyone_with_a_distance():
    assert run("avoided_commute_km").quantity == pytest.approx(2 * 46 * 2 * 22.5)
    assert run("avoided_commute_km").members == 2
    assert run("avoided_commute_km", modes=["bicycle"]).quantity == 0
    only_home = run("avoided_commute_km", include_hub_days=False).quantity
    assert only_home == pytest.approx((2 + 1) / 2 * 46 * 2 * 22.5)


def test_commute_km_by_mode_counts_workplace_days():
    assert run("commute_km_by_mode", modes=["bicycle"]).quantity == pytest.approx(5 * 2 * 10 * 46)
    driven = run("commute_km_by_mode", modes=["car_driver"])
    # week 1: 5 − 3 remote = 2 days; week 2: 4 − 1 = 3 days; × 2 trips × 22.5 km over 2 weeks
    assert driven.quantity == pytest.approx((2 + 3) * 2 * 22.5 / 2 * 46)
    assert driven.members == 1


def test_remote_workers_and_share():
    assert run("remote_workers").quantity == 2  # a (2 a week) and c (3), not b
    assert run("remote_workers", min_days_per_week=2.5).quantity == 1
    assert run("remote_work_share").quantity == pytest.approx(7 / 17)
    assert run("remote_work_share", include_hub_days=False).quantity == pytest.approx(6 / 17)


def test_extra_home_energy_days():
    assert run("extra_home_energy_days").quantity == pytest.approx((1.5 + 0 + 3) * 46)


def test_latest_answer_in_a_week_wins():
    corrected = [*OBSERVATIONS, *answers("c", date(2025, 3, 7), home_days=1)]
    assert run("extra_home_energy_days", corrected).quantity == pytest.approx((1.5 + 0 + 1) * 46)


def satisfaction(member: str, *scores: int) -> list[Observation]:
    days = (date(2025, 3, 5), date(2025, 4, 2), date(2025, 4, 30))
    return [
        Observation(member=member, date=day, indicator="ons_life_satisfaction", value=score)
        for day, score in zip(days, scores, strict=False)
    ]


def test_life_satisfaction_gain_nets_declines_against_gains():
    observations = satisfaction("a", 6, 7, 8) + satisfaction("b", 7, 6) + satisfaction("c", 5)
    points = run("life_satisfaction_gain", observations)
    assert (points.quantity, points.members) == (1, 2)  # +2 and −1; c answered once
    assert run("life_satisfaction_gain", observations, measure="persons").quantity == 1


def who5(member: str, day: date, *scores: int) -> list[Observation]:
    return [
        Observation(member=member, date=day, indicator=f"who5_{item}", value=score)
        for item, score in enumerate(scores, start=1)
    ]


def test_wellbeing_improved_needs_ten_percentage_points():
    first, second = date(2025, 3, 5), date(2025, 4, 2)
    observations = [
        *who5("a", first, 2, 2, 2, 2, 2),  # 10 raw = 40 %
        *who5("a", second, 3, 3, 3, 3, 2),  # 14 raw = 56 %: +16 points
        *who5("b", first, 3, 3, 3, 3, 3),  # 60 %
        *who5("b", second, 4, 3, 3, 3, 3),  # 64 %: +4 points
        *who5("c", first, 1, 1, 1, 1, 1),
        *who5("c", second, 5, 5, 5, 5),  # incomplete wave: c is not compared
    ]
    result = run("wellbeing_improved", observations)
    assert (result.quantity, result.members) == (1, 2)
    assert run("wellbeing_improved", observations, min_gain_percentage_points=16).quantity == 1
    assert run("wellbeing_improved", observations, min_gain_percentage_points=17).quantity == 0


def test_no_usable_observations_gives_no_quantity():
    for name, params in (
        ("avoided_car_co2_tonnes", {}),
        ("commute_km_by_mode", {"modes": ["bus"]}),
        ("remote_workers", {}),
        ("remote_work_share", {}),
        ("life_satisfaction_gain", {}),
        ("wellbeing_improved", {}),
        ("extra_home_energy_days", {}),
    ):
        assert derive_quantity(name, params, []).quantity is None, name


def test_every_derivation_documents_its_formula_and_inputs():
    expected = {
        "avoided_car_co2_tonnes",
        "avoided_commute_km",
        "commute_km_by_mode",
        "remote_workers",
        "remote_work_share",
        "life_satisfaction_gain",
        "wellbeing_improved",
        "extra_home_energy_days",
    }
    assert set(DERIVATIONS) == expected
    for derivation in DERIVATIONS.values():
        assert len(derivation.formula) > 40
        assert derivation.indicators


# Each derivation over examples/observations_synthetic.csv, as computed before the
# derivations were rewritten over the per-member view (MemberAggregate).
BEFORE_THE_MEMBER_VIEW = [
    ("avoided_car_co2_tonnes", {}, 10.7379525, 21),
    ("avoided_commute_km", {}, 111382.70238095237, 40),
    ("commute_km_by_mode", {"modes": ["car_driver"]}, 145264.7142857143, 21),
    ("remote_workers", {}, 34.0, 40),
    ("remote_work_share", {}, 0.30016863406408095, 40),
    ("life_satisfaction_gain", {}, 6.0, 40),
    ("wellbeing_improved", {}, 13.0, 40),
    ("extra_home_energy_days", {}, 1751.8333333333333, 40),
]


@pytest.mark.parametrize(("name", "params", "quantity", "members"), BEFORE_THE_MEMBER_VIEW)
def test_the_example_observations_give_the_same_results_as_before(
    name: str, params: dict, quantity: float, members: int
) -> None:
    result = derive_quantity(name, params, load_observations(SYNTHETIC))
    assert result.quantity == pytest.approx(quantity, rel=1e-12)
    assert result.members == members
