"""Observations CSV: comments skipped, every bad row reported with its line number."""

from datetime import date
from pathlib import Path

import pytest

from seroi.errors import ObservationsError
from seroi.indicators import DISTANCE_BAND_MIDPOINT_KM, INDICATORS
from seroi.observations import (
    Observation,
    load_observations,
    parse_observations,
    validate_observations,
)

SYNTHETIC = Path(__file__).parents[2] / "examples" / "observations_synthetic.csv"


def problems_of(text: str) -> list[str]:
    with pytest.raises(ObservationsError) as caught:
        parse_observations(text, "obs.csv")
    return caught.value.problems


def test_comments_and_blank_lines_are_skipped():
    text = "# synthetic\nmember,date,indicator,value\n\nm1,2025-03-03,work_days,5\n# note\n"
    text += "m1,2025-03-03,commute_mode,bicycle\n"
    assert parse_observations(text) == [
        Observation(member="m1", date=date(2025, 3, 3), indicator="work_days", value=5.0),
        Observation(member="m1", date=date(2025, 3, 3), indicator="commute_mode", value="bicycle"),
    ]


def test_columns_may_come_in_any_order_with_extras():
    text = "wave,value,indicator,date,member\n1,7,ons_happy,2025-03-03,m9\n"
    (observation,) = parse_observations(text)
    assert (observation.member, observation.value) == ("m9", 7.0)


def test_missing_columns_are_named():
    assert problems_of("member,date,value\nm1,2025-03-03,4\n") == [
        "obs.csv: line 1: missing column(s) indicator (the header must name member, date, "
        "indicator, value)"
    ]


def test_every_bad_row_is_reported_with_its_line():
    text = (
        "# comment line counts\n"
        "member,date,indicator,value\n"
        "m1,2025-03-03,hom_days,2\n"
        "m1,03/03/2025,work_days,5\n"
        "m1,2025-03-03,work_days,8\n"
        "m1,2025-03-03,who5_1,2.5\n"
        "m1,2025-03-03,commute_mode,rocket\n"
        "m1,2025-03-03,work_days,5\n"
        ",2025-03-03,ons_happy,11\n"
        "m1,2025-03-03\n"
    )
    assert problems_of(text) == [
        "obs.csv: line 3: unknown indicator 'hom_days'; did you mean 'home_days'?",
        "obs.csv: line 4: date '03/03/2025' is not a date like 2025-03-17",
        "obs.csv: line 5: work_days must be between 0 and 7 (got 8)",
        "obs.csv: line 6: who5_1 must be a whole number (got 2.5)",
        "obs.csv: line 7: commute_mode must be one of car_driver, car_passenger, bus, train, "
        "drt_taxi, bicycle, walking, motorbike, other (got 'rocket')",
        "obs.csv: line 9: member is empty; ons_happy must be between 0 and 10 (got 11)",
        "obs.csv: line 10: expected 4 values, found 2",
    ]


def test_empty_file_and_missing_file(tmp_path):
    assert "no header row" in problems_of("# only a comment\n")[0]
    with pytest.raises(ObservationsError, match=r"missing\.csv: cannot read the file"):
        load_observations(tmp_path / "missing.csv")


def test_constructed_observations_are_checked_against_the_vocabulary():
    good = Observation(member="m", date=date(2025, 1, 1), indicator="home_days", value=2)
    bad = Observation(member="m", date=date(2025, 1, 1), indicator="steps", value=9000)
    validate_observations([good])
    with pytest.raises(ObservationsError, match=r"observation 2 \(m, 2025-01-01\): unknown"):
        validate_observations([good, bad])


def test_the_synthetic_example_loads_and_is_marked_synthetic():
    assert SYNTHETIC.read_text(encoding="utf-8").startswith("# SYNTHETIC")
    observations = load_observations(SYNTHETIC)
    assert len({o.member for o in observations}) == 40
    assert {o.indicator for o in observations} <= set(INDICATORS)


def test_vocabulary_marks_wellbeing_items_and_band_midpoints():
    assert INDICATORS["who5_3"].wellbeing
    assert INDICATORS["ons_anxious"].wellbeing
    assert not INDICATORS["home_days"].wellbeing
    assert INDICATORS["ons_life_satisfaction"].maximum == 10
    assert DISTANCE_BAND_MIDPOINT_KM["5_14"] == 10
    assert DISTANCE_BAND_MIDPOINT_KM["100plus"] == 100
