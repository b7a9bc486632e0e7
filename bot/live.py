"""The pilot's live SEROI+ analysis: its current impact map over its closed check-in waves.

Summaries, reports and exports all read a pilot through `live_analysis`, so the numbers a
coordinator sees in chat, in the PDF and in the workbook are the same numbers: the actual
return is published once per map version and set of waves it reads, and shown as published
from then on, whatever is erased meanwhile (the difference of two would give the erased
member away).
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel

from bot.services import Services
from bot.storage.models import MapVersion
from bot.storage.repositories.analysis import WaveStatus
from bot.storage.repositories.summaries import Summaries
from seroi.analysis import ActualQuantity, Analysis, forecast_analysis, with_actual
from seroi.disclosure import cumulative_waves
from seroi.errors import ImpactMapError
from seroi.impact_map import ImpactMap, parse_impact_map
from seroi.names import Names, names_for
from seroi.returns import Evaluation

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
    - `closed_waves`: the waves that are over (their closing time has passed and none of
      their prompts is still open, so no answer can join them and their counts no longer
      change); `open_waves`: the waves still running, which show participation alone.
    - `used_waves`: the closed waves the actual return reads: those big enough to show
      (`seroi.disclosure.cumulative_waves`), since a return taken before and after a small
      wave would differ by that wave's few members alone.
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
    used_waves: tuple[WaveStatus, ...]
    next_close: datetime | None
    missing: tuple[Missing, ...]
    map_problems: tuple[str, ...] = field(default=())


async def live_analysis(
    services: Services, pilot_id: int, *, lang: str, write_back: bool = True
) -> LiveAnalysis:
    """The pilot's current impact map analysed over its closed waves, names in `lang`.

    Reads committed data only (the read-only connections); the SEROI+ evaluation runs in
    a worker thread, so the event loop stays free while it computes. The actual return is
    the one published for the map version and the waves it reads, computed and published
    by the first request that needs it. Then the new sums behind it are written to disk
    in the background, unless `write_back` is false (the caller starts that later, with
    `services.analysis.write_back`, once it has published more).
    """
    closed_waves, open_waves = await services.analysis.waves(
        pilot_id, services.clock.now().astimezone(UTC).isoformat(timespec="seconds")
    )
    closed, still_open = tuple(closed_waves), tuple(open_waves)
    used = _big_enough(closed)
    next_close = min((datetime.fromisoformat(wave.closes_at) for wave in still_open), default=None)
    missing: list[Missing] = [] if closed else ["closed_wave"]
    found = functools.partial(
        LiveAnalysis,
        pilot_id=pilot_id,
        closed_waves=closed,
        open_waves=still_open,
        used_waves=used,
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
    try:
        impact_map, forecast = await asyncio.to_thread(_forecast, version.yaml, version.number)
    except ImpactMapError as error:
        return found(
            map_version=version,
            impact_map=None,
            names=None,
            analysis=None,
            missing=("valid_impact_map", *missing),
            map_problems=tuple(error.problems),
        )
    analysis = forecast
    if used:
        actual = await _published_actual(services, pilot_id, version, impact_map, forecast, used)
        analysis = forecast.model_copy(update=dict(actual))
        if write_back:
            services.analysis.write_back(pilot_id)
    return found(
        map_version=version,
        impact_map=impact_map,
        names=names_for(impact_map, lang),
        analysis=analysis,
        missing=tuple(missing),
    )


def _big_enough(closed: tuple[WaveStatus, ...]) -> tuple[WaveStatus, ...]:
    """The closed waves that may enter the actual return (monthly waves ask wellbeing)."""
    used = set()
    for module in ("weekly", "monthly"):
        waves = [wave for wave in closed if wave.module == module]
        shown = cumulative_waves([wave.answered for wave in waves], sensitive=module == "monthly")
        used.update(wave for wave, show in zip(waves, shown, strict=True) if show)
    return tuple(wave for wave in closed if wave in used)


class PublishedActual(BaseModel):
    """The actual return as published: the evaluation and where each quantity came from."""

    actual: Evaluation
    derived_quantities: dict[str, ActualQuantity]


async def _published_actual(
    services: Services,
    pilot_id: int,
    version: MapVersion,
    impact_map: ImpactMap,
    forecast: Analysis,
    used: tuple[WaveStatus, ...],
) -> PublishedActual:
    """The actual return published for this map version over these waves, published now
    (the first to store it wins) if it was not yet; no answer is read once it was."""
    summaries = Summaries(services.db)
    waves = [(wave.module, wave.period) for wave in used]
    stored = await summaries.published_return_of(pilot_id, version.number, waves)
    if stored is None:
        aggregates = await services.analysis.aggregates(pilot_id, used)
        computed = await asyncio.to_thread(with_actual, forecast, impact_map, aggregates)
        now = PublishedActual(
            actual=computed.actual, derived_quantities=computed.derived_quantities
        )
        stored = await summaries.published_return(
            pilot_id, version.number, waves, now.model_dump_json()
        )
    return PublishedActual.model_validate_json(stored)


@functools.lru_cache(maxsize=32)
def _forecast(yaml: str, number: int) -> tuple[ImpactMap, Analysis]:
    """The map of a version and its forecast with sensitivity, which depend on it alone.

    A stored version never changes, so both are computed once per version, not per request
    (the Monte Carlo draws take most of the evaluation's time).
    """
    impact_map = parse_impact_map(yaml, f"impact map version {number}")
    return impact_map, forecast_analysis(impact_map)
