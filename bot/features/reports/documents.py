"""The documents themselves, as bytes: pure functions of their data, so they can be built in
a worker process (`bot.rendering`) without touching the database or the event loop."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from bot.i18n import N_, Translate, translator
from conversations.script import Scale, Script, SingleChoice, WholeNumber, YesNo
from seroi import charts
from seroi.analysis import Analysis
from seroi.i18n import LANGUAGES
from seroi.impact_map import ImpactMap
from seroi.names import names_for
from seroi.report import chart_figures, pdf_bytes
from seroi.workbook import write_workbook

# Questions whose answers are one code or one number; free text is never exported.
EXPORTED_QUESTIONS = (SingleChoice, Scale, WholeNumber, YesNo)
KEY_COLUMNS = ("member", "period")
TRAIT_COLUMNS = ("stakeholder_group", "distance_band")
CODEBOOK_HEADER = (
    "file",
    "column",
    "kind",
    "question",
    "option",
    *(f"text_{lang}" for lang in LANGUAGES),
    "definition",
)


def report_pdf(analysis: Analysis, impact_map: ImpactMap, lang: str) -> bytes:
    """The report's PDF in `lang`, with its charts."""
    names = names_for(impact_map, lang)
    pngs = {
        name: charts.figure_to_png(figure)
        for name, figure in chart_figures(analysis, names).items()
    }
    return pdf_bytes(analysis, impact_map, names, pngs)


def value_map_xlsx(analysis: Analysis, impact_map: ImpactMap, lang: str) -> bytes:
    """The value-map workbook in `lang`."""
    out = io.BytesIO()
    write_workbook(analysis, impact_map, names_for(impact_map, lang), out)
    return out.getvalue()


@dataclass(frozen=True)
class ScriptAnswers:
    """One check-in script's answers in closed waves, one row per member and period.

    `rows`: (export pseudonym, period, {item: value or None when skipped}, traits).
    """

    script: Script
    rows: Sequence[tuple[str, str, dict[str, str | None], tuple[str | None, ...]]]


@dataclass(frozen=True)
class ExportContents:
    """Everything an export ZIP holds, already pseudonymised and guarded."""

    answers: Sequence[ScriptAnswers]
    impact_map_yaml: str | None
    workbook: bytes | None
    # (outcome, derivation, source, forecast, actual, members or "" when not shown).
    derived_quantities: Sequence[tuple[str, ...]]
    readme: str
    lang: str  # of the codebook's definitions


class Column(NamedTuple):
    """One column of a wide CSV: an answer, one option of it, or a derived value."""

    name: str
    kind: str  # question, option or derived
    item: str  # the item stored (a question's indicator, a derived value's id)
    texts: dict[str, str]  # the question's or option's wording by language
    option: str = ""


def _columns(script: Script) -> list[Column]:
    """A script's columns in question order: each answer, then one per option of a choice."""
    columns = []
    for question in script.questions:
        if not isinstance(question, EXPORTED_QUESTIONS) or question.stores is None:
            continue
        item = question.stores
        columns.append(Column(item, "question", item, dict(question.text)))
        if isinstance(question, SingleChoice):
            columns.extend(
                Column(f"{item}={choice.value}", "option", item, dict(choice.text), choice.value)
                for choice in question.choices
            )
    columns.extend(Column(derived.id, "derived", derived.id, {}) for derived in script.derived)
    return columns


def _cell(column: Column, answers: dict[str, str | None]) -> str:
    value = answers.get(column.item)
    if value is None:
        return ""  # not asked, or skipped
    if column.kind == "option":
        return "1" if value == column.option else "0"
    return value


def _csv(rows: Sequence[Sequence[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def export_zip(contents: ExportContents) -> bytes:
    """The ZIP: one wide CSV per check-in script, the codebook, the map, the workbook."""
    _ = translator(contents.lang)
    codebook: list[tuple[str, ...]] = [CODEBOOK_HEADER]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for answers in contents.answers:
            name = f"checkins_{answers.script.id}.csv"
            columns = _columns(answers.script)
            header = [*KEY_COLUMNS, *TRAIT_COLUMNS, *(column.name for column in columns)]
            rows = [header]
            for member, period, items, traits in answers.rows:
                rows.append(
                    [member, period, *(trait or "" for trait in traits)]
                    + [_cell(column, items) for column in columns]
                )
            archive.writestr(name, _csv(rows))
            codebook.extend(_codebook_rows(name, answers.script, columns, _))
        if contents.derived_quantities:
            name = "derived_quantities.csv"
            header = (
                "outcome",
                "derivation",
                "source",
                "forecast_quantity",
                "actual_quantity",
                "members",
            )
            archive.writestr(name, _csv([header, *contents.derived_quantities]))
            codebook.extend(
                (name, column, "summary", "", "", *("",) * len(LANGUAGES), _(definition))
                for column, definition in zip(header, DERIVED_DEFINITIONS, strict=True)
            )
        archive.writestr("codebook.csv", _csv(codebook))
        if contents.impact_map_yaml is not None:
            archive.writestr("impact_map.yaml", contents.impact_map_yaml)
        if contents.workbook is not None:
            archive.writestr("value_map.xlsx", contents.workbook)
        archive.writestr("README.txt", contents.readme)
    return out.getvalue()


KEY_DEFINITIONS = {
    "member": N_(
        "pseudonym of the member, the same in every export of this pilot; not a Telegram id"
    ),
    "period": N_(
        "the period a check-in is about: the Monday of its week, the first day of its month"
    ),
    "stakeholder_group": N_("the member's stakeholder group code (onboarding)"),
    "distance_band": N_("the member's current one-way commute distance band (km)"),
}
DERIVED_DEFINITIONS = (
    N_("the impact map's outcome id"),
    N_("the SEROI+ derivation that computes its actual quantity (seroi/derivations.py)"),
    N_("observed; forecast (nothing to derive it from); suppressed (too few members to use it)"),
    N_("the quantity the impact map forecasts"),
    N_("the quantity used in the actual return (the forecast when it could not be observed)"),
    N_("members whose answers it comes from; empty unless observed from enough members to show"),
)


def _codebook_rows(
    name: str, script: Script, columns: list[Column], _: Translate
) -> list[tuple[str, ...]]:
    blank = ("",) * len(LANGUAGES)
    rows = [
        (name, column, "key" if column in KEY_COLUMNS else "trait", "", "", *blank, _(definition))
        for column, definition in KEY_DEFINITIONS.items()
    ]
    formulas = {derived.id: derived.value for derived in script.derived}
    for column in columns:
        if column.kind == "question":
            definition = _("the answer (a code or a number); empty when skipped or not asked")
        elif column.kind == "option":
            definition = _("1 if this option was chosen, 0 if not; empty when skipped or not asked")
        else:
            definition = _("derived: {formula}").format(formula=formulas[column.item])
        wording = (column.texts.get(lang, "") for lang in LANGUAGES)
        rows.append(
            (name, column.name, column.kind, column.item, column.option, *wording, definition)
        )
    return rows
