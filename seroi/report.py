"""The offline SEROI+ report: chart PNGs, a PDF, a markdown summary and an Excel value map.

The PDF holds, in order: a summary whose ratio is given as a range (Monte Carlo p5–p95 and
the low/high scenarios) with the net ratio labelled as such, the charts, the impact map,
every assumption with its source and licence, and the sensitivity analysis (switching values,
scenarios, tornado). The method follows the SROI Guide (Social Value UK, 2012), which warns
against quoting a single ratio.

The PDF is laid out by fpdf2: text flows, table cells wrap their text and tables split over
pages with their header repeated. The font is the DejaVu Sans that matplotlib ships, embedded,
so Nordic and Italian letters print without any system font.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib
from fpdf import FPDF, FontFace
from matplotlib.figure import Figure
from PIL import Image

from seroi import charts
from seroi.analysis import Analysis
from seroi.i18n import format_money, format_number, format_proxy, format_share, translator
from seroi.impact_map import ImpactMap
from seroi.names import Names, names_for
from seroi.returns import Evaluation
from seroi.wording import (
    PERCENTILES,
    SWITCHING_FIELDS,
    no_investment,
    scenario_name,
    switching_explanation,
)
from seroi.workbook import write_workbook

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT = "DejaVuSans"
MARGIN_MM = 15.0
CELL_PADDING_MM = 1.2
BODY_PT = 10
TABLE_PT = 8.5
HEADING_PT = 16
SUBHEADING_PT = 12
LINE_MM = 5.0
NEGATIVE_COLOUR = (153, 0, 0)  # a harm or cost: dark red, readable in black-and-white print
HEADER_FILL = (230, 230, 230)


@dataclass(frozen=True)
class ReportFiles:
    """Where a report was written, and the names that fell back to another language."""

    directory: Path
    pdf: Path
    summary: Path
    workbook: Path
    charts: dict[str, Path]
    warnings: list[str] = field(default_factory=list)

    def all_paths(self) -> list[Path]:
        """Every file of the report: PDF, summary, workbook, then the chart images."""
        return [self.pdf, self.summary, self.workbook, *self.charts.values()]


@dataclass(frozen=True)
class _Formatter:
    """Numbers of one report in one language and currency."""

    lang: str
    currency: str

    def money(self, value: float) -> str:
        return format_money(value, self.currency, self.lang)

    def proxy(self, value: float) -> str:
        return format_proxy(value, self.currency, self.lang)

    def ratio(self, value: float | None) -> str:
        if value is None:
            return no_investment(self.lang)
        return f"{format_number(value, self.lang)} : 1"

    def share(self, value: float) -> str:
        return format_share(value, self.lang)

    def payback(self, evaluation: Evaluation) -> str:
        """The payback period, unless the investment is not repaid within the horizon."""
        _ = translator(self.lang)
        if evaluation.investment <= 0:
            return no_investment(self.lang)
        if not evaluation.repaid_within_horizon:
            return _("not repaid within the horizon ({years} years)").format(
                years=evaluation.horizon_years
            )
        if evaluation.payback_months is None:
            return _("not defined (the first-year value is not positive)")
        return _("{months} months").format(
            months=format_number(evaluation.payback_months, self.lang, decimals=1)
        )

    def number(self, value: float, decimals: int = 2) -> str:
        return format_number(value, self.lang, decimals=decimals)


def write_report(
    analysis: Analysis, impact_map: ImpactMap, out_dir: str | Path, lang: str
) -> ReportFiles:
    """Write the chart PNGs, report.pdf, summary.md and value_map.xlsx into `out_dir`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    names = names_for(impact_map, lang)
    chart_pngs = {
        name: charts.figure_to_png(figure)
        for name, figure in chart_figures(analysis, names).items()
    }
    chart_paths = {}
    for name, png in chart_pngs.items():
        path = out_dir / f"{name}.png"
        path.write_bytes(png)
        chart_paths[name] = path
    pdf_path = out_dir / "report.pdf"
    pdf_path.write_bytes(pdf_bytes(analysis, impact_map, names, chart_pngs))
    summary_path = out_dir / "summary.md"
    summary_path.write_text(
        summary_markdown(analysis, impact_map, names, chart_paths), encoding="utf-8"
    )
    workbook_path = out_dir / "value_map.xlsx"
    write_workbook(analysis, impact_map, names, workbook_path)
    return ReportFiles(
        out_dir, pdf_path, summary_path, workbook_path, chart_paths, list(names.warnings)
    )


def chart_figures(analysis: Analysis, names: Names) -> dict[str, Figure]:
    """The report's charts by file stem, in reading order."""
    forecast = analysis.forecast
    currency = forecast.currency
    lang = names.lang
    figures = {
        "value_by_dimension": charts.value_by_dimension_figure(
            forecast.by_dimension, lang=lang, currency=currency
        ),
        "value_by_stakeholder": charts.value_by_stakeholder_figure(
            names.by_stakeholder(forecast.by_stakeholder), lang=lang, currency=currency
        ),
        "value_by_year": charts.value_by_year_figure(
            [year.year for year in forecast.by_year],
            [year.by_dimension for year in forecast.by_year],
            lang=lang,
            currency=currency,
        ),
    }
    if analysis.actual is not None:
        figures["forecast_vs_actual"] = charts.forecast_vs_actual_figure(
            forecast.by_dimension, analysis.actual.by_dimension, lang=lang, currency=currency
        )
    if analysis.tornado and forecast.ratio is not None:
        figures["tornado"] = charts.tornado_figure(
            [
                (names.outcomes[bar.outcome_id], bar.field, bar.ratio_low, bar.ratio_high)
                for bar in analysis.tornado
            ],
            forecast.ratio,
            lang=lang,
        )
    return figures


def key_figures(analysis: Analysis, lang: str) -> list[tuple[str, str]]:
    """(label, value) pairs for the headline numbers, shared by the PDF and the summary."""
    _ = translator(lang)
    forecast = analysis.forecast
    fmt = _Formatter(lang, forecast.currency)
    rows = [
        (_("Present value of outcomes"), fmt.money(forecast.present_value)),
        (_("Investment (present value)"), fmt.money(forecast.investment)),
        (_("Net present value"), fmt.money(forecast.net_present_value)),
        (_("SROI ratio, central estimate"), fmt.ratio(forecast.ratio)),
    ]
    carlo = analysis.monte_carlo
    if forecast.ratio is not None and carlo.share_at_least_one is not None:
        rows.append(
            (
                _("SROI ratio, likely range (Monte Carlo p5–p95, {draws} draws)").format(
                    draws=fmt.number(carlo.draws, decimals=0)
                ),
                _("{low} to {high}").format(low=fmt.ratio(carlo.p5), high=fmt.ratio(carlo.p95)),
            )
        )
        rows.append(
            (
                _("Share of draws with a ratio of at least 1 : 1"),
                fmt.share(carlo.share_at_least_one),
            )
        )
    low, high = analysis.scenarios.get("low"), analysis.scenarios.get("high")
    if low is not None and high is not None and low.ratio is not None and high.ratio is not None:
        rows.append(
            (
                _("SROI ratio, pessimistic to optimistic scenario"),
                _("{low} to {high}").format(low=fmt.ratio(low.ratio), high=fmt.ratio(high.ratio)),
            )
        )
    rows.extend(
        [
            (
                _("Net SROI ratio (net present value ÷ investment, not the SROI ratio)"),
                fmt.number(forecast.net_ratio)
                if forecast.net_ratio is not None
                else fmt.ratio(None),
            ),
            (
                _("Value over the horizon, not discounted, against the investment"),
                _("{value} of {investment}").format(
                    value=fmt.money(forecast.undiscounted_value),
                    investment=fmt.money(forecast.undiscounted_investment),
                ),
            ),
            (_("Payback period"), fmt.payback(forecast)),
        ]
    )
    return rows


def _dimension_rows(evaluation: Evaluation, fmt: _Formatter) -> list[tuple[str, str]]:
    return [
        (
            charts.dimension_label(dimension, fmt.lang),
            fmt.money(evaluation.by_dimension.get(dimension, 0.0)),
        )
        for dimension in charts.DIMENSIONS
    ]


def forecast_and_actual(analysis: Analysis, lang: str) -> list[tuple[str, str, str]]:
    """(label, forecast, actual) as the PDF's summary shows them; empty without an actual."""
    return _comparison_rows(analysis, _Formatter(lang, analysis.forecast.currency))


def _comparison_rows(analysis: Analysis, fmt: _Formatter) -> list[tuple[str, str, str]]:
    """(label, forecast, actual) rows; empty when there is no actual return."""
    actual = analysis.actual
    if actual is None:
        return []
    _ = translator(fmt.lang)
    forecast = analysis.forecast
    rows = [
        (
            _("Present value of outcomes"),
            fmt.money(forecast.present_value),
            fmt.money(actual.present_value),
        ),
        (
            _("Net present value"),
            fmt.money(forecast.net_present_value),
            fmt.money(actual.net_present_value),
        ),
        (_("SROI ratio"), fmt.ratio(forecast.ratio), fmt.ratio(actual.ratio)),
        (_("Payback period"), fmt.payback(forecast), fmt.payback(actual)),
    ]
    for dimension in charts.DIMENSIONS:
        rows.append(
            (
                charts.dimension_label(dimension, fmt.lang),
                fmt.money(forecast.by_dimension.get(dimension, 0.0)),
                fmt.money(actual.by_dimension.get(dimension, 0.0)),
            )
        )
    return rows


def _quantity_header(lang: str) -> list[str]:
    _ = translator(lang)
    return [_("Outcome"), _("Forecast"), _("Actual"), _("Source"), _("Members")]


def _quantity_rows(analysis: Analysis, fmt: _Formatter, names: Names) -> list[list[str]]:
    """Forecast and actual quantity per outcome, with where the actual one came from.

    Quantities from groups too small to show (`seroi.disclosure`) were never used: the
    row says so, without their count.
    """
    _ = translator(fmt.lang)
    rows = []
    for outcome_id, item in (analysis.derived_quantities or {}).items():
        if item.source == "observed":
            source = _("observed ({derivation})").format(derivation=item.derivation)
            members = str(item.members)
        elif item.source == "suppressed":
            source = _("forecast kept (too few answers to show)")
            members = _("too few")
        else:
            source = _("forecast kept (not observed)")
            members = "—"
        rows.append(
            [
                names.outcomes.get(outcome_id, outcome_id),
                fmt.number(item.forecast_quantity),
                fmt.number(item.quantity),
                source,
                members,
            ]
        )
    return rows


def _notes(analysis: Analysis, lang: str) -> list[str]:
    """What a reader must know to read the figures, in the report's language."""
    _ = translator(lang)
    notes = []
    if analysis.forecast.ratio is None:
        notes.append(
            _(
                "No investment is recorded, so the SROI ratio and the net ratio are undefined; "
                "the present value and the net present value are still given."
            )
        )
    returns = [analysis.forecast, *([analysis.actual] if analysis.actual else [])]
    not_repaid = [evaluation for evaluation in returns if not evaluation.repaid_within_horizon]
    if not_repaid:
        notes.append(
            _(
                "The value over the horizon, not discounted, does not reach the investment: "
                "it is not repaid within the horizon, so no payback period is given. The "
                "method's formula (investment ÷ monthly first-year value) would give {months}."
            ).format(months=_payback_formula(not_repaid[0], lang))
        )
    elif any(
        evaluation.payback_months is None and evaluation.investment > 0 for evaluation in returns
    ):
        notes.append(
            _(
                "The year-1 value is not positive, so the payback period (investment ÷ "
                "monthly first-year value) is not defined."
            )
        )
    return notes


def _payback_formula(evaluation: Evaluation, lang: str) -> str:
    _ = translator(lang)
    if evaluation.payback_months is None:
        return "—"
    return _("{months} months").format(
        months=format_number(evaluation.payback_months, lang, decimals=1)
    )


def _switching_cell(field_name: str, value: float | None, fmt: _Formatter) -> str:
    if value is None:
        return "—"
    if field_name.endswith("_factor"):
        return f"× {fmt.number(value)}"
    return fmt.share(value)


def _switching_header(lang: str) -> list[str]:
    _ = translator(lang)
    return [_("Outcome"), *(charts.field_label(name, lang) for name in SWITCHING_FIELDS)]


def _switching_rows(analysis: Analysis, fmt: _Formatter, names: Names) -> list[list[str]]:
    return [
        [names.outcomes.get(outcome_id, outcome_id)]
        + [_switching_cell(name, getattr(values, name), fmt) for name in SWITCHING_FIELDS]
        for outcome_id, values in analysis.switching_values.items()
    ]


def _method_lines(impact_map: ImpactMap, fmt: _Formatter) -> list[str]:
    _ = translator(fmt.lang)
    first_year = (
        _("Year 1 is discounted.")
        if impact_map.discount_first_year
        else _("Year 1 is not discounted.")
    )
    return [
        _(
            "Method: SROI (Social Value UK, A Guide to Social Return on Investment, 2012) "
            "as used by SEROI+; impact = quantity × proxy × (1 − deadweight) × "
            "(1 − displacement) × (1 − attribution), reduced each later year by the drop-off."
        ),
        _("Discount rate {rate}. {first_year}").format(
            rate=fmt.share(impact_map.discount_rate), first_year=first_year
        ),
        _(
            "The SROI ratio is present value ÷ investment; the net SROI ratio is net present "
            "value ÷ investment. Quote the range, not one number."
        ),
        _(
            "Payback period = investment ÷ (first-year value ÷ 12), given only when the value "
            "over the horizon, not discounted, reaches the investment."
        ),
    ]


# --- markdown ---------------------------------------------------------------------------------


def _markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    return [line(header), "|" + "---|" * len(header), *(line(row) for row in rows)]


def summary_markdown(
    analysis: Analysis, impact_map: ImpactMap, names: Names, chart_paths: dict[str, Path]
) -> str:
    """The summary.md text: key figures, breakdowns, forecast vs actual, switching values."""
    lang = names.lang
    _ = translator(lang)
    fmt = _Formatter(lang, analysis.forecast.currency)
    forecast = analysis.forecast
    lines = ["# " + _("SEROI+ report: {name}").format(name=names.pilot), ""]
    lines += _markdown_table([_("Key figure"), _("Value")], key_figures(analysis, lang))
    lines += ["", "## " + _("Value by dimension"), ""]
    lines += _markdown_table([_("Dimension"), _("Present value")], _dimension_rows(forecast, fmt))
    lines += ["", "## " + _("Value by stakeholder"), ""]
    lines += _markdown_table(
        [_("Stakeholder"), _("Present value")],
        [
            (name, fmt.money(value))
            for name, value in names.by_stakeholder(forecast.by_stakeholder).items()
        ],
    )
    comparison = _comparison_rows(analysis, fmt)
    if comparison:
        lines += ["", "## " + _("Forecast and actual value"), ""]
        lines += _markdown_table(["", _("Forecast"), _("Actual")], comparison)
        lines += ["", "### " + _("Quantities in the actual return"), ""]
        lines += _markdown_table(_quantity_header(lang), _quantity_rows(analysis, fmt, names))
    lines += ["", "## " + _("Switching values"), "", switching_explanation(lang), ""]
    lines += _markdown_table(_switching_header(lang), _switching_rows(analysis, fmt, names))
    notes = _notes(analysis, lang)
    if notes:
        lines += ["", "## " + _("Notes"), "", *(f"- {note}" for note in notes)]
    lines += ["", "## " + _("Method"), ""]
    for paragraph in _method_lines(impact_map, fmt):
        lines += [paragraph, ""]
    lines += ["## " + _("Charts"), ""]
    lines += [f"![{name}]({path.name})" for name, path in chart_paths.items()]
    return "\n".join(lines) + "\n"


# --- PDF --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A table column: its header and whether its cells are numbers (set flush right)."""

    header: str
    numeric: bool = False


def _document(title: str, lang: str) -> FPDF:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(True, margin=MARGIN_MM)
    pdf.add_font(FONT, "", FONT_DIR / "DejaVuSans.ttf")
    pdf.add_font(FONT, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
    pdf.set_title(title)
    pdf.set_creator("seroi-bot")
    pdf.set_lang(lang)
    pdf.set_font(FONT, size=BODY_PT)
    return pdf


def _heading(pdf: FPDF, text: str, size: float = HEADING_PT) -> None:
    # A heading never sits alone at the foot of a page.
    if pdf.get_y() + 3 * LINE_MM > pdf.page_break_trigger:
        pdf.add_page()
    pdf.set_font(FONT, "B", size)
    pdf.multi_cell(0, size * 0.5, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(FONT, "", BODY_PT)


def _paragraph(pdf: FPDF, text: str, *, bold: bool = False, indent: float = 0.0) -> None:
    pdf.set_font(FONT, "B" if bold else "", BODY_PT)
    pdf.set_x(pdf.l_margin + indent)
    pdf.multi_cell(0, LINE_MM, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", BODY_PT)


def _column_widths(
    pdf: FPDF, columns: Sequence[Column], rows: Sequence[Sequence[str]]
) -> list[float]:
    """Widths that never split a word when the page allows it, and share the rest by need.

    Words are split at plain spaces only: the no-break spaces Babel puts in `43 056` and
    `50,0 %` hold a number together.
    """
    padding = 2 * CELL_PADDING_MM + 0.5
    least, wanted = [], []
    for index, column in enumerate(columns):
        pdf.set_font(FONT, "B", TABLE_PT)
        header_words = [pdf.get_string_width(word) for word in column.header.split(" ")] or [0.0]
        header_line = pdf.get_string_width(column.header)
        pdf.set_font(FONT, "", TABLE_PT)
        cells = [row[index] for row in rows]
        words = [pdf.get_string_width(word) for cell in cells for word in cell.split(" ")] or [0.0]
        lines = [pdf.get_string_width(cell) for cell in cells] or [0.0]
        least.append(max(*header_words, *words) + padding)
        wanted.append(max(header_line, *lines) + padding)
    available = pdf.epw
    if sum(least) >= available:
        return [available * width / sum(least) for width in least]
    if sum(wanted) <= available:
        return wanted
    spare = available - sum(least)
    extra = [high - low for low, high in zip(least, wanted, strict=True)]
    return [low + spare * more / sum(extra) for low, more in zip(least, extra, strict=True)]


def _is_negative(text: str) -> bool:
    return text.lstrip().startswith(("-", "−"))


def _table(pdf: FPDF, columns: Sequence[Column], rows: Sequence[Sequence[str]]) -> None:
    """A table whose cells wrap their text; it splits over pages with the header repeated."""
    widths = _column_widths(pdf, columns, rows)
    pdf.set_font(FONT, "", TABLE_PT)
    negative = FontFace(color=NEGATIVE_COLOUR)
    with pdf.table(
        width=min(sum(widths), pdf.epw),  # sums may exceed it by rounding
        col_widths=widths,
        align="LEFT",
        text_align=tuple("RIGHT" if column.numeric else "LEFT" for column in columns),
        line_height=TABLE_PT * 0.45,
        padding=CELL_PADDING_MM,
        headings_style=FontFace(emphasis="BOLD", fill_color=HEADER_FILL),
        repeat_headings=1,
    ) as table:
        header = table.row()
        for column in columns:
            header.cell(column.header)
        for row in rows:
            cells = table.row()
            for column, text in zip(columns, row, strict=True):
                style = negative if column.numeric and _is_negative(text) else None
                cells.cell(text, style=style)
    pdf.ln(4)
    pdf.set_font(FONT, "", BODY_PT)


def _chart(pdf: FPDF, png: bytes) -> None:
    """A chart as wide as the text, on a new page when it does not fit below."""
    with Image.open(io.BytesIO(png)) as image:
        width_px, height_px = image.size
    width = pdf.epw
    height = width * height_px / width_px
    room = pdf.eph
    if height > room:
        width, height = width * room / height, room
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()
    pdf.image(io.BytesIO(png), x=pdf.l_margin, w=width, h=height)
    pdf.ln(4)


def _summary_section(
    pdf: FPDF, analysis: Analysis, impact_map: ImpactMap, fmt: _Formatter, names: Names
) -> None:
    _ = translator(fmt.lang)
    _heading(pdf, _("SEROI+ report: {name}").format(name=names.pilot))
    _table(
        pdf,
        [Column(_("Key figure")), Column(_("Value"), numeric=True)],
        key_figures(analysis, fmt.lang),
    )
    _heading(pdf, _("Value by dimension"), SUBHEADING_PT)
    _table(
        pdf,
        [Column(_("Dimension")), Column(_("Present value"), numeric=True)],
        _dimension_rows(analysis.forecast, fmt),
    )
    comparison = _comparison_rows(analysis, fmt)
    if comparison:
        _heading(pdf, _("Forecast and actual value"), SUBHEADING_PT)
        _table(
            pdf,
            [Column(""), Column(_("Forecast"), numeric=True), Column(_("Actual"), numeric=True)],
            comparison,
        )
    notes = _notes(analysis, fmt.lang)
    if notes:
        _heading(pdf, _("Notes"), SUBHEADING_PT)
        for note in notes:
            _paragraph(pdf, f"• {note}")
        pdf.ln(2)
    _heading(pdf, _("Method"), SUBHEADING_PT)
    for line in _method_lines(impact_map, fmt):
        _paragraph(pdf, line)
        pdf.ln(1)


def _impact_map_section(
    pdf: FPDF, impact_map: ImpactMap, analysis: Analysis, fmt: _Formatter, names: Names
) -> None:
    _ = translator(fmt.lang)
    columns = [
        Column(_("Outcome")),
        Column(_("Stakeholder")),
        Column(_("Dimension")),
        Column(charts.field_label("quantity", fmt.lang), numeric=True),
        Column(charts.field_label("proxy", fmt.lang), numeric=True),
        Column(_("Years"), numeric=True),
        Column(_("DW"), numeric=True),
        Column(_("DS"), numeric=True),
        Column(_("AT"), numeric=True),
        Column(_("DO"), numeric=True),
        Column(_("Present value"), numeric=True),
    ]
    rows = [
        [
            names.outcomes[outcome.id],
            names.stakeholders.get(outcome.stakeholder, outcome.stakeholder),
            charts.dimension_label(outcome.dimension, fmt.lang),
            fmt.number(outcome.quantity),
            fmt.proxy(outcome.proxy.value),
            str(outcome.duration) + ("+1" if outcome.starts == "after" else ""),
            fmt.share(outcome.deadweight),
            fmt.share(outcome.displacement),
            fmt.share(outcome.attribution),
            fmt.share(outcome.drop_off),
            fmt.money(analysis.forecast.by_outcome.get(outcome.id, 0.0)),
        ]
        for outcome in impact_map.outcomes
    ]
    _heading(pdf, _("Impact map"))
    _paragraph(
        pdf,
        _(
            "DW deadweight, DS displacement, AT attribution, DO drop-off per year. "
            "Years marked +1 start after the activity period."
        ),
    )
    _paragraph(pdf, _("A negative present value (in red) is a harm or a cost."))
    pdf.ln(2)
    _table(pdf, columns, rows)


def _assumptions_section(pdf: FPDF, impact_map: ImpactMap, fmt: _Formatter, names: Names) -> None:
    _ = translator(fmt.lang)
    _heading(pdf, _("Assumptions, sources and licences"))
    _heading(pdf, _("Investment"), SUBHEADING_PT)
    for item in impact_map.inputs:
        kind = _("in kind") if item.in_kind else _("cash")
        _paragraph(
            pdf,
            _("• {stakeholder}: {description}, {amount} ({kind}), year {year}").format(
                stakeholder=names.stakeholders.get(item.stakeholder, item.stakeholder),
                description=item.description,
                amount=fmt.money(item.amount),
                kind=kind,
                year=item.year,
            )
            + (_(" — source: {source}").format(source=item.source) if item.source else ""),
        )
    pdf.ln(2)
    _heading(pdf, _("Outcomes and their financial proxies"), SUBHEADING_PT)
    for outcome in impact_map.outcomes:
        proxy = outcome.proxy
        _paragraph(pdf, f"{names.outcomes[outcome.id]} — {outcome.description}", bold=True)
        for line in (
            _("proxy {value} {unit}{year}").format(
                value=fmt.proxy(proxy.value),
                unit=proxy.unit,
                year=f" ({proxy.price_year})" if proxy.price_year else "",
            ),
            _("source: {source}").format(source=proxy.source.strip()),
            _("licence: {licence}").format(licence=proxy.licence),
            *([outcome.notes] if outcome.notes else []),
        ):
            _paragraph(pdf, line, indent=5)
        pdf.ln(2)


def _sensitivity_section(pdf: FPDF, analysis: Analysis, fmt: _Formatter, names: Names) -> None:
    _ = translator(fmt.lang)
    _heading(pdf, _("Switching values"))
    _paragraph(pdf, switching_explanation(fmt.lang))
    pdf.ln(2)
    header = _switching_header(fmt.lang)
    _table(
        pdf,
        [Column(header[0]), *(Column(label, numeric=True) for label in header[1:])],
        _switching_rows(analysis, fmt, names),
    )
    rows = [
        [
            scenario_name(name, fmt.lang),
            fmt.money(evaluation.present_value),
            fmt.money(evaluation.net_present_value),
            fmt.ratio(evaluation.ratio),
        ]
        for name, evaluation in analysis.scenarios.items()
    ]
    carlo = analysis.monte_carlo
    for label in PERCENTILES:
        rows.append(
            [
                _("Monte Carlo {percentile}").format(percentile=label),
                "",
                "",
                fmt.ratio(getattr(carlo, label)),
            ]
        )
    _heading(pdf, _("Scenarios and Monte Carlo range"), SUBHEADING_PT)
    _paragraph(
        pdf,
        _(
            "Scenarios set every estimate to its pessimistic, central or optimistic end at once; "
            "the Monte Carlo draws each estimate within its range ({draws} draws, seed {seed})."
        ).format(draws=fmt.number(carlo.draws, decimals=0), seed=carlo.seed),
    )
    pdf.ln(2)
    _table(
        pdf,
        [
            Column(_("Case")),
            Column(_("Present value"), numeric=True),
            Column(_("Net present value"), numeric=True),
            Column(_("SROI ratio"), numeric=True),
        ],
        rows,
    )


def pdf_bytes(
    analysis: Analysis, impact_map: ImpactMap, names: Names, chart_pngs: dict[str, bytes]
) -> bytes:
    """The report's PDF: summary, charts, impact map, assumptions, sensitivity, tornado."""
    _ = translator(names.lang)
    fmt = _Formatter(names.lang, analysis.forecast.currency)
    pdf = _document(_("SEROI+ report: {name}").format(name=names.pilot), names.lang)
    pdf.add_page()
    _summary_section(pdf, analysis, impact_map, fmt, names)
    pdf.add_page()
    for name, png in chart_pngs.items():
        if name != "tornado":
            _chart(pdf, png)
    # The wide tables get landscape pages, so their columns need not squeeze their words.
    pdf.add_page(orientation="landscape")
    _impact_map_section(pdf, impact_map, analysis, fmt, names)
    if analysis.derived_quantities:
        _heading(pdf, _("Quantities in the actual return"), SUBHEADING_PT)
        _table(
            pdf,
            [
                Column(label, numeric=index in (1, 2, 4))
                for index, label in enumerate(_quantity_header(names.lang))
            ],
            _quantity_rows(analysis, fmt, names),
        )
    pdf.add_page(orientation="portrait")
    _assumptions_section(pdf, impact_map, fmt, names)
    pdf.add_page(orientation="landscape")
    _sensitivity_section(pdf, analysis, fmt, names)
    if "tornado" in chart_pngs:
        pdf.add_page(orientation="portrait")
        _chart(pdf, chart_pngs["tornado"])
    return bytes(pdf.output())
