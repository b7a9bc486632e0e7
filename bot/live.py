"""The pilot's live SEROI+ analysis: its current impact map over its closed check-in waves.

Summaries, reports and exports all read a pilot through `live_analysis`, so the numbers a
coordinator sees in chat, in the PDF and in the workbook are the same numbers.
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from bot.services import Services
from bot.storage.models import MapVersion
from bot.storage.repositories.analysis import WaveStatus
from seroi.analysis import Analysis, forecast_analysis, with_actual
from seroi.derivations import Aggregates
from seroi.errors import ImpactMapError
from seroi.impact_map import ImpactMap, parse_impact_map
from seroi.names import Names, names_for

# What keeps the analysis from being complete, in the order a coordinator can fix it.
Missing = Literal["impact_map", "valid_impact_map", "closed_wave"]


@dataclass(frozen=True)
class LiveAnalysis:
    """What the bot can say about a pilot now.

    - `map_version`: the pilot's current impact-map version (None: it has none).
    - `impact_map`, `names`: that version parsed, and its names in the requested language
      (None when there is no map or it no longer validates; `map_problems` says why).
    - `analysis`: the SEROI+ forecast with sensitivity, and, once a wave has closed, the
      actual return (`analysis.actual`) and the derived quantities with the number of
      members behind each (`analysis.derived_quantities`). None without a valid map.
    - `closed_waves`: the waves whose answers the actual return uses (their closing time
      has passed and none of their prompts is still open, so no answer can join them and
      their counts no longer change); `open_waves`: the waves still running, which show
      participation alone.
    - `next_close`: when the earliest open wave closes (UTC), None if none is open.
    - `missing`: what keeps the analysis from being complete, empty when nothing does.
    """

    pilot_id: int
    map_version: MapVersion | None
    impact_map: ImpactMap | None
    names: Names | None
    analysis: Analysis | None
    closed_waves: tuple[WaveStatus, ...]
    open_waves: tuple[WaveStatus, ...]
    next_close: datetime | None
    missing: tuple[Missing, ...]
    map_problems: tuple[str, ...] = field(default=())


async def live_analysis(services: Services, pilot_id: int, *, lang: str) -> LiveAnalysis:
    """The pilot's current impact map analysed over its closed waves, names in `lang`.

    Reads committed data only (the read-only connection); the SEROI+ evaluation runs in a
    worker thread, so the event loop stays free while it computes.
    """
    closed_waves, open_waves = await services.analysis.waves(
        pilot_id, services.clock.now().astimezone(UTC).isoformat(timespec="seconds")
    )
    closed, still_open = tuple(closed_waves), tuple(open_waves)
    next_close = min((datetime.fromisoformat(wave.closes_at) for wave in still_open), default=None)
    missing: list[Missing] = [] if closed else ["closed_wave"]
    found = functools.partial(
        LiveAnalysis,
        pilot_id=pilot_id,
        closed_waves=closed,
        open_waves=still_open,
        next_close=next_close,
    )
    version = await services.impact_maps.current(pilot_id)
    if version is None:
        return found(
            map_version=None,
            impact_map=None,
            names=None,
            analysis=None,
            missing=("impact_map", *missing),
        )
    aggregates = await services.analysis.aggregates(pilot_id, closed) if closed else None
    try:
        impact_map, names, analysis = await asyncio.to_thread(
            _analyse, version.yaml, version.number, aggregates, lang
        )
    except ImpactMapError as error:
        return found(
            map_version=version,
            impact_map=None,
            names=None,
            analysis=None,
            missing=("valid_impact_map", *missing),
            map_problems=tuple(error.problems),
        )
    return found(
        map_version=version,
        impact_map=impact_map,
        names=names,
        analysis=analysis,
        missing=tuple(missing),
    )


def _analyse(
    yaml: str, number: int, aggregates: Aggregates | None, lang: str
) -> tuple[ImpactMap, Names, Analysis]:
    impact_map, forecast = _forecast(yaml, number)
    analysis = forecast if aggregates is None else with_actual(forecast, impact_map, aggregates)
    return impact_map, names_for(impact_map, lang), analysis


@functools.lru_cache(maxsize=32)
def _forecast(yaml: str, number: int) -> tuple[ImpactMap, Analysis]:
    """The map of a version and its forecast with sensitivity, which depend on it alone.

    A stored version never changes, so both are computed once per version, not per request
    (the Monte Carlo draws take most of the evaluation's time).
    """
    impact_map = parse_impact_map(yaml, f"impact map version {number}")
    return impact_map, forecast_analysis(impact_map)
