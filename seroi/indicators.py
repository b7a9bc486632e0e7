"""The check-in indicator vocabulary: the one list of what the bot's check-ins store.

Items and scales follow the project's check-in instruments reference: the weekly work and
travel module, WHO-5 (items 0–5, raw sum 0–25, percentage = raw × 4) and ONS4 (0–10).
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from typing import Literal

COMMUTE_MODES: tuple[str, ...] = (
    "car_driver",
    "car_passenger",
    "bus",
    "train",
    "drt_taxi",
    "bicycle",
    "walking",
    "motorbike",
    "other",
)
DISTANCE_BANDS: tuple[str, ...] = ("lt5", "5_14", "15_29", "30_49", "50_99", "100plus", "none")

# One-way km per band: the band midpoint, reading "5–14" as 5 to under 15 km (so 10 km).
# 100+ has no upper end: 100 km is its lower bound, a deliberately conservative value.
# "none" (no usual workplace) means no commute to avoid.
DISTANCE_BAND_MIDPOINT_KM: dict[str, float] = {
    "lt5": 2.5,
    "5_14": 10.0,
    "15_29": 22.5,
    "30_49": 40.0,
    "50_99": 75.0,
    "100plus": 100.0,
    "none": 0.0,
}

WEEKLY_WORK_TRAVEL: tuple[str, ...] = (
    "work_days",
    "home_days",
    "hub_days",
    "commute_mode",
    "distance_band",
)
WHO5_ITEMS: tuple[str, ...] = tuple(f"who5_{number}" for number in range(1, 6))
ONS4_ITEMS: tuple[str, ...] = (
    "ons_life_satisfaction",
    "ons_worthwhile",
    "ons_happy",
    "ons_anxious",
)


@dataclass(frozen=True)
class Indicator:
    """One check-in item: what it measures, its valid values, and how carefully to report it."""

    name: str
    description: str
    kind: Literal["count", "scale", "code"]
    minimum: int | None = None
    maximum: int | None = None
    codes: tuple[str, ...] = field(default=())
    # Wellbeing items get the stricter small-group threshold (n < 10) downstream.
    wellbeing: bool = False

    def problem_with(self, value: float | str) -> str | None:
        """Why `value` is not valid for this indicator, or None if it is."""
        if self.kind == "code":
            if value in self.codes:
                return None
            return f"{self.name} must be one of {', '.join(self.codes)} (got {value!r})"
        if isinstance(value, str) or not math.isfinite(value) or value != int(value):
            return f"{self.name} must be a whole number (got {value!r})"
        if not self.minimum <= value <= self.maximum:
            return f"{self.name} must be between {self.minimum} and {self.maximum} (got {value:g})"
        return None


def _count(name: str, description: str) -> Indicator:
    return Indicator(name, description, "count", 0, 7)


def _scale(name: str, description: str, maximum: int) -> Indicator:
    return Indicator(name, description, "scale", 0, maximum, wellbeing=True)


INDICATORS: dict[str, Indicator] = {
    item.name: item
    for item in (
        _count("work_days", "days of paid work last week (Mon–Sun)"),
        _count("home_days", "of those, days worked mainly at home"),
        _count("hub_days", "of those, days worked mainly at a local co-working space or hub"),
        Indicator(
            "commute_mode", "main way to the workplace last week", "code", codes=COMMUTE_MODES
        ),
        Indicator(
            "distance_band", "one-way distance to the usual workplace", "code", codes=DISTANCE_BANDS
        ),
        _scale("who5_1", "WHO-5: cheerful and in good spirits (0–5)", 5),
        _scale("who5_2", "WHO-5: calm and relaxed (0–5)", 5),
        _scale("who5_3", "WHO-5: active and vigorous (0–5)", 5),
        _scale("who5_4", "WHO-5: woke up feeling fresh and rested (0–5)", 5),
        _scale("who5_5", "WHO-5: daily life filled with things of interest (0–5)", 5),
        _scale("ons_life_satisfaction", "ONS4: satisfied with life nowadays (0–10)", 10),
        _scale("ons_worthwhile", "ONS4: things done in life are worthwhile (0–10)", 10),
        _scale("ons_happy", "ONS4: happy yesterday (0–10)", 10),
        _scale("ons_anxious", "ONS4: anxious yesterday (0–10, 0 = not at all)", 10),
    )
}


def indicator_problem(indicator: str, value: float | str) -> str | None:
    """Why (indicator, value) is not a valid observation, or None if it is."""
    known = INDICATORS.get(indicator)
    if known is None:
        close = difflib.get_close_matches(indicator, INDICATORS, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"unknown indicator {indicator!r}{hint}"
    return known.problem_with(value)
