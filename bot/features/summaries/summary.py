"""A pilot's summary for its coordinators: participation, indicators, the SEROI+ return
forecast vs actual, goals and ideas — as a short text and the core's charts.

Every figure passes the disclosure guard (`seroi.disclosure`); results come from closed
waves only (`bot.live`), and the open wave shows participation alone. The chat command,
the digest and `seroi-bot summary` all build their summary here.
"""

from __future__ import annotations

import asyncio
import dataclasses
from dataclasses import dataclass, field

from bot.i18n import format_day, translator
from bot.live import LiveAnalysis, live_analysis
from bot.rendering import Chart, Renderer, chart
from bot.services import Services
from bot.storage.models import Pilot
from bot.storage.repositories.summaries import Summaries, WaveFigure, WaveParticipation
from seroi import charts
from seroi.disclosure import (
    Guarded,
    change_between,
    guard_mean,
    is_sensitive,
    may_show,
)
from seroi.i18n import format_money, format_number, format_share
from seroi.indicators import INDICATORS

# How many waves the participation lines show (the newest).
WAVES_LISTED = 4
# Telegram's limit on a message's text; a summary of a very large map is cut short.
MESSAGE_LIMIT = 4096


def summaries_of(services: Services) -> Summaries:
    """The summaries' reads and writes over the services' database."""
    return Summaries(services.db)


@dataclass(frozen=True)
class Summary:
    """What a coordinator is shown: the text, and the charts still to render (name, job)."""

    text: str
    charts: list[tuple[str, Chart]] = field(default_factory=list)
    forecast_ratio: float | None = None
    actual_ratio: float | None = None


@dataclass(frozen=True)
class IndicatorSeries:
    """One indicator's published figure per closed wave, oldest first."""

    item: str
    periods: list[str]
    figures: list[Guarded]


@dataclass(frozen=True)
class _Facts:
    """What a summary is composed from, read from the database beforehand."""

    pilot: Pilot
    live: LiveAnalysis
    waves: list[WaveParticipation]
    joined: int
    active: int
    timezone: str
    figures: list[WaveFigure] = field(default_factory=list)
    proposals: dict[tuple[str, str], int] = field(default_factory=dict)
    actions: dict[str, int] = field(default_factory=dict)


async def build_summary(services: Services, pilot: Pilot, lang: str) -> Summary:
    """The pilot's summary in `lang`, with its charts described but not yet drawn."""
    live = await live_analysis(services, pilot.id, lang=lang, write_back=False)
    summaries = summaries_of(services)
    try:
        joined, active = await summaries.members(pilot.id)
        facts = _Facts(
            pilot,
            live,
            await summaries.participation(pilot.id),
            joined,
            active,
            services.settings.timezone,
        )
        if live.closed_waves:
            facts = dataclasses.replace(
                facts,
                figures=await _wave_figures(summaries, pilot.id, live),
                proposals=await summaries.proposal_status(pilot.id),
                actions=await summaries.action_status(pilot.id),
            )
    finally:
        # Once the figures are published: the sums' write-back would hold up their
        # transaction.
        services.analysis.write_back(pilot.id)
    # Composing is Python over every wave, item and figure: in a worker thread, so the
    # event loop goes on answering residents meanwhile.
    return await asyncio.to_thread(_composed, facts, lang)


async def prepare(services: Services, pilot_id: int) -> LiveAnalysis:
    """Publish what the pilot's next summary reads from its closed waves, before anyone asks:
    the actual return (`live_analysis` folds a newly closed wave into the kept sums) and
    each closed wave's figures. The analysis it made, names in the default language."""
    live = await live_analysis(
        services, pilot_id, lang=services.settings.default_language, write_back=False
    )
    try:
        if live.closed_waves:
            await _wave_figures(summaries_of(services), pilot_id, live)
    finally:
        # As in build_summary.
        services.analysis.write_back(pilot_id)
    return live


def _composed(facts: _Facts, lang: str) -> Summary:
    _ = translator(lang)
    live = facts.live
    lines = [_("Summary of {pilot}").format(pilot=facts.pilot.name), ""]
    lines += _participation_lines(live, facts.waves, facts.joined, facts.active, lang)
    if not live.closed_waves:
        lines += ["", _nothing_yet(facts.timezone, live, lang)]
        lines += _map_problem_lines(live, lang)
        return Summary("\n".join(lines))
    series = _indicator_series(live, facts.figures)
    jobs: list[tuple[str, Chart]] = []
    lines += _indicator_lines(live, series, lang)
    jobs += _indicator_charts(live, series, lang)
    lines += _map_problem_lines(live, lang)
    forecast_ratio = actual_ratio = None
    if live.analysis is not None:
        return_lines, return_jobs = _return_lines_and_charts(live, lang)
        lines += return_lines
        jobs = return_jobs + jobs
        forecast_ratio = live.analysis.forecast.ratio
        actual_ratio = live.analysis.actual.ratio if live.analysis.actual else None
    lines += _proposal_lines(facts.proposals, facts.actions, lang)
    text = "\n".join(lines)
    if len(text) > MESSAGE_LIMIT:
        text = text[: MESSAGE_LIMIT - 1] + "…"
    return Summary(text, jobs[:10], forecast_ratio, actual_ratio)


async def render_charts(renderer: Renderer, summary: Summary) -> list[tuple[str, bytes]]:
    """The summary's charts as (file name, PNG), drawn in the renderer's worker processes."""
    pngs = await renderer.render_all([job for _name, job in summary.charts])
    return [(name, png) for (name, _job), png in zip(summary.charts, pngs, strict=True)]


async def summary_of_pilot(
    services: Services, slug: str, lang: str
) -> tuple[Summary, list[tuple[str, bytes]]] | None:
    """A pilot's summary with its charts drawn (`seroi-bot summary`); None if no such pilot."""
    pilot = await services.pilots.by_slug(slug)
    if pilot is None:
        return None
    built = await build_summary(services, pilot, lang)
    renderer = Renderer()
    try:
        return built, await render_charts(renderer, built)
    finally:
        renderer.close()


def _participation_lines(
    live: LiveAnalysis,
    waves: list[WaveParticipation],
    joined: int,
    active: int,
    lang: str,
) -> list[str]:
    _ = translator(lang)
    lines = [
        _("Participation"),
        _("Members: {joined} joined, {active} active").format(joined=joined, active=active),
    ]
    open_keys = {(wave.module, wave.period) for wave in live.open_waves}
    for wave in waves[-WAVES_LISTED:]:
        name = _wave_name(wave.module, wave.period, lang)
        if (wave.module, wave.period) in open_keys:
            lines.append(
                _("{wave} (open): {answered} of {prompted} answered so far").format(
                    wave=name, answered=wave.answered, prompted=wave.prompted
                )
            )
            continue
        line = _("{wave}: {answered} of {prompted} answered").format(
            wave=name, answered=wave.answered, prompted=wave.prompted
        )
        # A rate on fewer than 5 people would read 0 % or 100 % of a handful.
        if may_show(wave.prompted, sensitive=False):
            line += f" ({format_share(wave.answered / wave.prompted, lang, decimals=0)})"
        line += " · " + _("reminders {reminders}, blocked the bot {blocked}").format(
            reminders=wave.reminders, blocked=wave.blocked
        )
        lines.append(line)
    if not waves:
        lines.append(_("No check-in wave has started yet."))
    return lines


def _wave_name(module: str, period: str, lang: str) -> str:
    _ = translator(lang)
    if module == "weekly":
        return _("Week of {day}").format(day=period)
    return _("Month {month}").format(month=period[:7])


def _nothing_yet(timezone: str, live: LiveAnalysis, lang: str) -> str:
    _ = translator(lang)
    if live.next_close is None:
        return _("Nothing to show yet: no check-in wave is running.")
    day = format_day(live.next_close.isoformat(), lang, timezone)
    return _("Nothing to show yet — the first wave closes on {day}.").format(day=day)


def _map_problem_lines(live: LiveAnalysis, lang: str) -> list[str]:
    _ = translator(lang)
    if "impact_map" in live.missing:
        return [
            "",
            _(
                "No impact map yet, so no indicators or SEROI+ return: upload one with /map "
                "(participation is above)."
            ),
        ]
    if "valid_impact_map" in live.missing:
        problems = "\n".join(f"• {problem}" for problem in live.map_problems[:5])
        return [
            "",
            _(
                "The impact map no longer validates, so no indicators or SEROI+ return "
                "until it is fixed with /map:"
            ),
            problems,
        ]
    return []


def _indicator_items(live: LiveAnalysis) -> list[str]:
    """The map's indicators that a check-in asks (not the coded ones), in map order."""
    if live.impact_map is None:
        return []
    return list(
        dict.fromkeys(
            outcome.indicator
            for outcome in live.impact_map.outcomes
            if outcome.indicator in INDICATORS and INDICATORS[outcome.indicator].kind != "code"
        )
    )


# Wellbeing items are asked in the monthly waves, the others in the weekly ones.
_MODULE_OF = {False: "weekly", True: "monthly"}


async def _wave_figures(
    summaries: Summaries, pilot_id: int, live: LiveAnalysis
) -> list[WaveFigure]:
    items = _indicator_items(live)
    figures = []
    for wellbeing, module in _MODULE_OF.items():
        asked = [item for item in items if INDICATORS[item].wellbeing == wellbeing]
        waves = [(wave.module, wave.period) for wave in live.closed_waves if wave.module == module]
        if asked and waves:
            figures += await summaries.wave_figures(pilot_id, waves, asked)
    return figures


def _indicator_series(live: LiveAnalysis, figures: list[WaveFigure]) -> list[IndicatorSeries]:
    by_item: dict[str, list[WaveFigure]] = {}
    for figure in figures:
        by_item.setdefault(figure.item, []).append(figure)
    items = _indicator_items(live)
    series = []
    for wellbeing in _MODULE_OF:
        for item in (item for item in items if INDICATORS[item].wellbeing == wellbeing):
            mine = by_item.get(item, [])
            sensitive = is_sensitive([item])
            series.append(
                IndicatorSeries(
                    item,
                    [figure.period for figure in mine],
                    [guard_mean(f.answered, f.mean, sensitive=sensitive) for f in mine],
                )
            )
    return series


def _indicator_lines(live: LiveAnalysis, series: list[IndicatorSeries], lang: str) -> list[str]:
    _ = translator(lang)
    if not series:
        return []
    lines = ["", _("Indicators (closed waves)")]
    outcomes = {
        outcome.indicator: outcome for outcome in live.impact_map.outcomes if outcome.indicator
    }
    for one in series:
        outcome = outcomes[one.item]
        latest = one.figures[-1] if one.figures else None
        if latest is None:
            text = _("{item}: no closed wave has asked it yet").format(item=one.item)
        elif latest.shown:
            text = _("{item}: {value} (n = {count})").format(
                item=one.item,
                value=format_number(latest.value, lang, decimals=1),
                count=latest.count,
            )
        else:
            text = _("{item}: fewer than {threshold} answers in the last closed wave").format(
                item=one.item, threshold=latest.threshold
            )
        change = change_between(*one.figures[-2:]) if len(one.figures) >= 2 else None
        if change is not None:
            text += " · " + _("change {change}").format(change=signed(change, lang, decimals=1))
        for label, level in ((_("baseline"), outcome.baseline), (_("target"), outcome.target)):
            if level is not None:
                text += f" · {label} {format_number(level, lang, decimals=1)}"
        lines.append(text)
    return lines


def _indicator_charts(
    live: LiveAnalysis, series: list[IndicatorSeries], lang: str
) -> list[tuple[str, Chart]]:
    outcomes = (
        {outcome.indicator: outcome for outcome in live.impact_map.outcomes if outcome.indicator}
        if live.impact_map
        else {}
    )
    jobs = []
    for one in series:
        if not any(figure.shown for figure in one.figures):
            continue  # never an empty chart
        indicator = INDICATORS[one.item]
        outcome = outcomes[one.item]
        jobs.append(
            (
                f"indicator-{one.item}.png",
                chart(
                    charts.indicator_trend_png,
                    one.periods,
                    [figure.value for figure in one.figures],
                    # Hidden waves are drawn as gaps labelled "n < 10", never with a count.
                    [figure.count or 0 for figure in one.figures],
                    indicator=one.item,
                    sensitive=indicator.wellbeing,
                    lang=lang,
                    baseline=outcome.baseline,
                    target=outcome.target,
                    scale=(float(indicator.minimum), float(indicator.maximum)),
                ),
            )
        )
    return jobs


def _return_lines_and_charts(
    live: LiveAnalysis, lang: str
) -> tuple[list[str], list[tuple[str, Chart]]]:
    """The published return (`bot.live`): the same figures as the report's and export's."""
    _ = translator(lang)
    names, forecast, actual = live.names, live.analysis.forecast, live.analysis.actual
    currency = forecast.currency
    lines = ["", _("SEROI+ return")]
    lines.append(
        _("Forecast: {ratio} of value per euro invested").format(ratio=_ratio(forecast.ratio, lang))
    )
    if actual is not None:
        lines.append(
            _("Actual so far: {ratio} (from {waves} closed waves)").format(
                ratio=_ratio(actual.ratio, lang), waves=len(live.used_waves)
            )
        )
    lines.append(_("By dimension (forecast → actual):"))
    for dimension in charts.DIMENSIONS:
        lines.append(
            f"• {charts.dimension_label(dimension, lang)}: "
            + _forecast_and_actual(
                forecast.by_dimension.get(dimension, 0.0),
                (actual.by_dimension if actual else {}).get(dimension),
                currency,
                lang,
            )
        )
    lines.append(_("By stakeholder (forecast → actual):"))
    named_forecast = names.by_stakeholder(forecast.by_stakeholder)
    named_actual = names.by_stakeholder(actual.by_stakeholder if actual else {})
    for name, before in named_forecast.items():
        after = named_actual.get(name)
        lines.append(f"• {name}: " + _forecast_and_actual(before, after, currency, lang))
    suppressed = [
        item.outcome_id
        for item in (live.analysis.derived_quantities or {}).values()
        if item.source == "suppressed"
    ]
    if suppressed:
        outcomes = ", ".join(names.outcomes.get(outcome, outcome) for outcome in suppressed)
        lines.append(
            _("Too few members answered for {outcomes}: their forecast is kept.").format(
                outcomes=outcomes
            )
        )
    jobs: list[tuple[str, Chart]] = []
    if actual is not None:
        jobs.append(
            (
                "forecast-vs-actual.png",
                chart(
                    charts.forecast_vs_actual_png,
                    forecast.by_dimension,
                    actual.by_dimension,
                    lang=lang,
                    currency=currency,
                ),
            )
        )
    jobs.append(
        (
            "value-by-stakeholder.png",
            chart(
                charts.value_by_stakeholder_png,
                named_actual or named_forecast,
                lang=lang,
                currency=currency,
            ),
        )
    )
    return lines, jobs


def _forecast_and_actual(before: float, after: float | None, currency: str, lang: str) -> str:
    text = format_money(before, currency, lang)
    return text if after is None else f"{text} → {format_money(after, currency, lang)}"


def signed(value: float, lang: str, *, decimals: int) -> str:
    """A change with its sign written out: +0,4 or −1,2 (a true minus sign)."""
    return ("+" if value >= 0 else "−") + format_number(abs(value), lang, decimals=decimals)


def _ratio(ratio: float | None, lang: str) -> str:
    _ = translator(lang)
    if ratio is None:
        return _("not defined (no investment)")
    return f"{format_number(ratio, lang, decimals=2)} : 1"


_PROPOSAL_STATUS = ("pending", "approved", "shortlisted", "action", "merged", "rejected")


def _proposal_lines(
    proposals: dict[tuple[str, str], int], actions: dict[str, int], lang: str
) -> list[str]:
    _ = translator(lang)
    if not proposals and not actions:
        return []
    status_names = {
        "pending": _("waiting for review"),
        "approved": _("approved"),
        "shortlisted": _("shortlisted"),
        "action": _("became actions"),
        "merged": _("merged"),
        "rejected": _("not taken up"),
        "planned": _("planned"),
        "started": _("started"),
        "done": _("done"),
    }
    lines = ["", _("Goals and ideas")]
    for kind, title in (("goal", _("Goals")), ("idea", _("Ideas"))):
        counts = [
            f"{proposals[(kind, status)]} {status_names[status]}"
            for status in _PROPOSAL_STATUS
            if proposals.get((kind, status))
        ]
        if counts:
            lines.append(f"{title}: " + ", ".join(counts))
    if actions:
        counts = [
            f"{actions[status]} {status_names[status]}"
            for status in ("planned", "started", "done")
            if actions.get(status)
        ]
        lines.append(_("Actions") + ": " + ", ".join(counts))
    return lines
