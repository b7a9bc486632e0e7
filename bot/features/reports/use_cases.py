"""/report and /export as use cases: who may have which pilot's documents, and building them
from the pilot's live analysis (`bot.live`) in a worker process (`bot.rendering`)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass

from bot.features.reports.documents import (
    ExportContents,
    ScriptAnswers,
    export_zip,
    report_pdf,
    value_map_xlsx,
)
from bot.i18n import local_date, translator
from bot.live import LiveAnalysis, live_analysis
from bot.rendering import Renderer, chart
from bot.services import Services
from bot.storage.models import Pilot
from bot.storage.repositories.summaries import Summaries
from conversations.scripts import shipped
from seroi.analysis import ActualQuantity
from seroi.derivations import DERIVATIONS
from seroi.disclosure import is_sensitive, may_show
from seroi.report import forecast_and_actual, key_figures

# Telegram takes documents of up to 50 MB from a bot (Bot API sendDocument).
MAX_DOCUMENT_BYTES = 50_000_000
# The problems of an invalid map shown in chat; the log and the /map upload show them all.
PROBLEMS_SHOWN = 5


async def coordinated(services: Services, pseudonym: str) -> list[Pilot]:
    """The pilots whose documents this person may have: those they coordinate now."""
    return await Summaries(services.db).coordinated(pseudonym)


@dataclass(frozen=True)
class Document:
    """A file to send: its name, its bytes and its caption."""

    filename: str
    data: bytes
    caption: str


@dataclass(frozen=True)
class Documents:
    """The chat text (what the documents hold, or what is missing) and the documents."""

    text: str
    documents: tuple[Document, ...] = ()


def _missing_text(live: LiveAnalysis, pilot: Pilot, lang: str) -> str | None:
    """Why no analysis can be made (no map, or an invalid one), or None if one can."""
    _ = translator(lang)
    if "impact_map" in live.missing:
        return _(
            "{pilot} has no impact map yet, so there is no SEROI+ analysis to report. "
            "Upload one with /map, then ask again."
        ).format(pilot=pilot.name)
    if "valid_impact_map" in live.missing:
        problems = "\n".join(f"• {problem}" for problem in live.map_problems[:PROBLEMS_SHOWN])
        return _(
            "The current impact map of {pilot} (version {number}) is not valid, so no SEROI+ "
            "analysis can be made from it. Upload a corrected map with /map. The problems:\n"
            "{problems}"
        ).format(pilot=pilot.name, number=live.map_version.number, problems=problems)
    return None


def _waves_text(live: LiveAnalysis, lang: str) -> str:
    """Which waves the actual return reads, or when the first one closes."""
    _ = translator(lang)
    if live.used_waves:
        return _(
            "Actual return from {count} closed check-in waves, the last about {period}."
        ).format(
            count=len(live.used_waves),
            period=local_date(max(wave.period for wave in live.used_waves), lang),
        )
    if live.closed_waves:
        return _(
            "No closed check-in wave has had enough answers to show yet, so this is the "
            "forecast only."
        )
    if live.next_close is not None:
        return _(
            "No check-in wave has closed yet, so this is the forecast only: the first wave "
            "closes on {day}."
        ).format(day=local_date(live.next_close.isoformat(), lang))
    return _("No check-in wave has started yet, so this is the forecast only.")


def figures_text(live: LiveAnalysis, pilot: Pilot, lang: str) -> str:
    """The report's headline figures in chat, worded and formatted as in its PDF."""
    _ = translator(lang)
    lines = [
        _("SEROI+ report of {pilot}, impact map version {number}.").format(
            pilot=pilot.name, number=live.map_version.number
        ),
        _waves_text(live, lang),
        "",
    ]
    compared = forecast_and_actual(live.analysis, lang)
    if compared:
        lines.extend(
            _("{label}: forecast {forecast}, actual {actual}").format(
                label=label, forecast=forecast, actual=actual
            )
            for label, forecast, actual in compared[:4]
        )
    else:
        lines.extend(f"{label}: {value}" for label, value in key_figures(live.analysis, lang)[:4])
    return "\n".join(lines)


async def build_report(
    services: Services, renderer: Renderer, pilot: Pilot, lang: str
) -> Documents:
    """The PDF and the value-map workbook over the pilot's live analysis, in `lang`."""
    live = await live_analysis(services, pilot.id, lang=lang)
    missing = _missing_text(live, pilot, lang)
    if missing is not None:
        return Documents(missing)
    _ = translator(lang)
    pdf, workbook = await renderer.render_all(
        [
            chart(report_pdf, live.analysis, live.impact_map, lang),
            chart(value_map_xlsx, live.analysis, live.impact_map, lang),
        ]
    )
    stem = f"seroi-{pilot.slug}-v{live.map_version.number}"
    return _sendable(
        Documents(
            figures_text(live, pilot, lang),
            (
                Document(
                    f"{stem}.pdf", pdf, _("SEROI+ report of {pilot}").format(pilot=pilot.name)
                ),
                Document(
                    f"{stem}.xlsx", workbook, _("Value map of {pilot}").format(pilot=pilot.name)
                ),
            ),
        ),
        lang,
    )


def _sendable(documents: Documents, lang: str) -> Documents:
    """The documents, or a plain refusal when one is larger than Telegram takes."""
    if all(len(document.data) <= MAX_DOCUMENT_BYTES for document in documents.documents):
        return documents
    _ = translator(lang)
    return Documents(
        _(
            "The file is larger than the 50 MB Telegram lets a bot send. Ask the pilot's "
            "operator for it: `seroi-bot export` writes it on the server."
        )
    )


async def build_export(
    services: Services, renderer: Renderer, pilot: Pilot, actor: str | None, lang: str
) -> Documents:
    """The pilot's export ZIP over its closed waves, recorded in the audit log (by `actor`,
    a coordinator's pseudonym; None: the operator's command line)."""
    _ = translator(lang)
    live = await live_analysis(services, pilot.id, lang=lang)
    if not live.closed_waves:
        return Documents(
            _("There is nothing to export from {pilot} yet. {waves}").format(
                pilot=pilot.name, waves=_waves_text(live, lang)
            )
        )
    contents = await _export_contents(services, renderer, pilot, live, lang)
    data = await asyncio.to_thread(export_zip, contents)
    members = {row[0] for answers in contents.answers for row in answers.rows}
    async with services.db.transaction():
        await services.audit.add(
            "export",
            actor=actor,
            pilot_id=pilot.id,
            detail=f"{len(members)} members, {len(live.closed_waves)} closed waves, "
            f"{len(data)} bytes" + ("" if actor else ", from the command line"),
        )
    text = _("The data of {pilot}: {members} members' answers in {waves} closed waves.").format(
        pilot=pilot.name, members=len(members), waves=len(live.closed_waves)
    )
    missing = _missing_text(live, pilot, lang)
    if missing is not None:
        text += "\n\n" + missing
    caption = _("Pseudonymised data of {pilot}, with its codebook").format(pilot=pilot.name)
    return _sendable(
        Documents(text, (Document(f"seroi-{pilot.slug}-data.zip", data, caption),)), lang
    )


def _guarded_quantity(outcome_id: str, item: ActualQuantity) -> tuple[str, ...]:
    """One derived quantity's row: its member count only when observed and big enough."""
    sensitive = is_sensitive(DERIVATIONS[item.derivation].indicators)
    shown = item.source == "observed" and may_show(item.members or 0, sensitive=sensitive)
    return (
        outcome_id,
        item.derivation,
        item.source,
        repr(item.forecast_quantity),
        repr(item.quantity),
        str(item.members) if shown else "",
    )


async def export_of_pilot(services: Services, slug: str, lang: str) -> Documents | None:
    """`seroi-bot export`: the pilot's export as /export builds it; None if no such pilot."""
    pilot = await services.pilots.by_slug(slug)
    if pilot is None:
        return None
    renderer = Renderer()
    try:
        return await build_export(services, renderer, pilot, None, lang)
    finally:
        renderer.close()


async def _export_contents(
    services: Services, renderer: Renderer, pilot: Pilot, live: LiveAnalysis, lang: str
) -> ExportContents:
    rows = await services.analysis.export_rows(pilot.id, live.closed_waves)
    by_script: dict[str, dict[tuple[str, str], dict]] = defaultdict(dict)
    for row in rows:
        member = services.export_pseudonym(pilot.id, row["pseudonym"])
        entry = by_script[row["script"]].setdefault(
            (member, row["period"]),
            {"items": {}, "traits": (row["stakeholder_group"], row["distance_band"])},
        )
        entry["items"][row["item"]] = row["value"]
    answers = [
        ScriptAnswers(
            shipped(script),
            [
                (member, period, entry["items"], entry["traits"])
                for (member, period), entry in sorted(entries.items())
            ],
        )
        for script, entries in sorted(by_script.items())
    ]
    workbook, derived = None, []
    if live.analysis is not None:
        [workbook] = await renderer.render_all(
            [chart(value_map_xlsx, live.analysis, live.impact_map, lang)]
        )
        derived = [
            _guarded_quantity(outcome_id, item)
            for outcome_id, item in (live.analysis.derived_quantities or {}).items()
            if item.derivation is not None
        ]
    _ = translator(lang)
    readme = _(
        "Pseudonymised check-in answers of {pilot} for its data controller, {controller}: "
        "one row per member and period, closed waves only. Members appear under export "
        "pseudonyms only. codebook.csv describes every column in every language."
    ).format(pilot=pilot.name, controller=pilot.controller)
    return ExportContents(
        answers=answers,
        impact_map_yaml=live.map_version.yaml if live.map_version else None,
        workbook=workbook,
        derived_quantities=derived,
        readme=readme + "\n",
        lang=lang,
    )
