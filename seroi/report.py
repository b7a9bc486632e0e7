"""The offline SEROI+ report: chart PNGs, a PDF and a markdown summary, in one language.

The PDF holds, in order: a summary whose ratio is given as a range (Monte Carlo p5–p95 and
the low/high scenarios) with the net ratio labelled as such, the charts, the impact map,
every assumption with its source and licence, and the sensitivity analysis (switching values,
scenarios, tornado). The method follows the SROI Guide (Social Value UK, 2012), which warns
against quoting a single ratio.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from seroi import charts
from seroi.analysis import Analysis
from seroi.i18n import format_money, format_number, format_share, translator
from seroi.impact_map import ImpactMap
from seroi.returns import Evaluation

A4_PORTRAIT_IN = (8.27, 11.69)
PAGE_PT = 10
HEADING_PT = 16
TABLE_ROWS_PER_PAGE = 28
TEXT_LINES_PER_PAGE = 58
WRAP_CHARS = 88
# Smallest group whose size a report prints (privacy_and_roles.md: suppress n < 5).

SWITCHING_FIELDS: tuple[str, ...] = (
    "deadweight",
    "displacement",
    "attribution",
    "drop_off",
    "quantity_factor",
    "proxy_factor",
)


@dataclass(frozen=True)
class ReportFiles:
    """Where a report was written."""

    directory: Path
    pdf: Path
    summary: Path
    charts: dict[str, Path]

    def all_paths(self) -> list[Path]:
        """Every file of the report: PDF, summary, then the chart images."""
        return [self.pdf, self.summary, *self.charts.values()]


@dataclass(frozen=True)
class _Formatter:
    """Numbers of one report in one language and currency."""

    lang: str
    currency: str

    def money(self, value: float) -> str:
        return format_money(value, self.currency, self.lang)

    def ratio(self, value: float | None) -> str:
        _ = translator(self.lang)
        if value is None:
            return _("not defined (no investment)")
        return f"{format_number(value, self.lang)} : 1"

    def share(self, value: float) -> str:
        return format_share(value, self.lang)

    def months(self, value: float | None) -> str:
        _ = translator(self.lang)
        if value is None:
            return _("never (the first-year value is not positive)")
        return _("{months} months").format(months=format_number(value, self.lang, decimals=1))

    def number(self, value: float, decimals: int = 2) -> str:
        return format_number(value, self.lang, decimals=decimals)


def write_report(
    analysis: Analysis, impact_map: ImpactMap, out_dir: str | Path, lang: str
) -> ReportFiles:
    """Write the chart PNGs, report.pdf and summary.md for one analysis into `out_dir`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    figures = chart_figures(analysis, lang)
    chart_paths = {}
    for name, figure in figures.items():
        path = out_dir / f"{name}.png"
        path.write_bytes(charts.figure_to_png(figure))
        chart_paths[name] = path
    pdf_path = out_dir / "report.pdf"
    _write_pdf(
        pdf_path, f"SEROI+ {impact_map.name}", pdf_pages(analysis, impact_map, lang, figures)
    )
    summary_path = out_dir / "summary.md"
    summary_path.write_text(
        summary_markdown(analysis, impact_map, lang, chart_paths), encoding="utf-8"
    )
    return ReportFiles(out_dir, pdf_path, summary_path, chart_paths)


def chart_figures(analysis: Analysis, lang: str) -> dict[str, Figure]:
    """The report's charts by file stem, in reading order."""
    forecast = analysis.forecast
    currency = forecast.currency
    figures = {
        "value_by_dimension": charts.value_by_dimension_figure(
            forecast.by_dimension, lang=lang, currency=currency
        ),
        "value_by_stakeholder": charts.value_by_stakeholder_figure(
            forecast.by_stakeholder, lang=lang, currency=currency
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
                (bar.outcome_id, bar.field, bar.ratio_low, bar.ratio_high)
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
            (_("Payback period"), fmt.months(forecast.payback_months)),
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


def _quantity_rows(analysis: Analysis, fmt: _Formatter) -> list[list[str]]:
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
                outcome_id,
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
    if any(evaluation.payback_months is None for evaluation in returns):
        notes.append(_("The year-1 value is not positive, so the investment is never paid back."))
    return notes


def _switching_cell(field: str, value: float | None, fmt: _Formatter) -> str:
    if value is None:
        return "—"
    if field.endswith("_factor"):
        return f"× {fmt.number(value)}"
    return fmt.share(value)


def _switching_rows(analysis: Analysis, fmt: _Formatter) -> list[list[str]]:
    return [
        [outcome_id]
        + [_switching_cell(field, getattr(values, field), fmt) for field in SWITCHING_FIELDS]
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
    ]


# --- markdown ---------------------------------------------------------------------------------


def _markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    return [line(header), "|" + "---|" * len(header), *(line(row) for row in rows)]


def summary_markdown(
    analysis: Analysis, impact_map: ImpactMap, lang: str, chart_paths: dict[str, Path]
) -> str:
    """The summary.md text: key figures, breakdowns, forecast vs actual, switching values."""
    _ = translator(lang)
    fmt = _Formatter(lang, analysis.forecast.currency)
    forecast = analysis.forecast
    lines = ["# " + _("SEROI+ report: {name}").format(name=impact_map.name), ""]
    lines += _markdown_table([_("Key figure"), _("Value")], key_figures(analysis, lang))
    lines += ["", "## " + _("Value by dimension"), ""]
    lines += _markdown_table([_("Dimension"), _("Present value")], _dimension_rows(forecast, fmt))
    lines += ["", "## " + _("Value by stakeholder"), ""]
    lines += _markdown_table(
        [_("Stakeholder"), _("Present value")],
        [(name, fmt.money(value)) for name, value in forecast.by_stakeholder.items()],
    )
    comparison = _comparison_rows(analysis, fmt)
    if comparison:
        lines += ["", "## " + _("Forecast and actual value"), ""]
        lines += _markdown_table(["", _("Forecast"), _("Actual")], comparison)
        lines += ["", "### " + _("Quantities in the actual return"), ""]
        lines += _markdown_table(_quantity_header(lang), _quantity_rows(analysis, fmt))
    lines += ["", "## " + _("Switching values"), "", _switching_explanation(lang), ""]
    lines += _markdown_table(
        [_("Outcome"), *(charts.field_label(field, lang) for field in SWITCHING_FIELDS)],
        _switching_rows(analysis, fmt),
    )
    notes = _notes(analysis, lang)
    if notes:
        lines += ["", "## " + _("Notes"), "", *(f"- {note}" for note in notes)]
    lines += ["", "## " + _("Method"), ""]
    for paragraph in _method_lines(impact_map, fmt):
        lines += [paragraph, ""]
    lines += ["## " + _("Charts"), ""]
    lines += [f"![{name}]({path.name})" for name, path in chart_paths.items()]
    return "\n".join(lines) + "\n"


def _switching_explanation(lang: str) -> str:
    _ = translator(lang)
    return _(
        "The value at which one estimate, changed alone, brings the SROI ratio to 1 : 1; "
        "— means no value in range does. Multipliers apply to the quantity or the proxy."
    )


# --- PDF --------------------------------------------------------------------------------------


def _page(title: str) -> tuple[Figure, float]:
    """A blank A4 page with a heading; returns it and the y (figure fraction) below the heading."""
    page = Figure(figsize=A4_PORTRAIT_IN)
    FigureCanvasAgg(page)
    page.text(0.07, 0.95, title, fontsize=HEADING_PT, fontweight="bold", va="top")
    return page, 0.91


def _text_pages(title: str, paragraphs: Sequence[str]) -> list[Figure]:
    """Wrapped paragraphs on as many A4 pages as they need."""
    lines: list[str] = []
    for paragraph in paragraphs:
        lines.extend(textwrap.wrap(paragraph, WRAP_CHARS, subsequent_indent="  ") or [""])
    pages = []
    for start in range(0, max(len(lines), 1), TEXT_LINES_PER_PAGE):
        page, top = _page(title)
        chunk = lines[start : start + TEXT_LINES_PER_PAGE]
        page.text(0.07, top, "\n".join(chunk), fontsize=PAGE_PT, va="top", linespacing=1.5)
        pages.append(page)
    return pages


def _table_pages(
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    intro: str = "",
) -> list[Figure]:
    """A table split over A4 pages, the header repeated on each."""
    pages = []
    for start in range(0, max(len(rows), 1), TABLE_ROWS_PER_PAGE):
        page, top = _page(title)
        if intro:
            wrapped = "\n".join(textwrap.wrap(intro, WRAP_CHARS))
            page.text(0.07, top, wrapped, fontsize=PAGE_PT, va="top", linespacing=1.4)
            top -= 0.02 * (wrapped.count("\n") + 2)
        chunk = [list(row) for row in rows[start : start + TABLE_ROWS_PER_PAGE]] or [
            [""] * len(header)
        ]
        labels = [
            "\n".join(textwrap.wrap(label, 14, break_long_words=False)) or " " for label in header
        ]
        # Columns as wide as their longest line, scaled so the table fits the page width.
        widths = [
            max(len(line) for cell in column for line in cell.split("\n")) + 3
            for column in zip(labels, *chunk, strict=True)
        ]
        height = 0.024 * (len(chunk) + 2)
        axes = page.add_axes((0.05, top - height, 0.9, height))
        axes.axis("off")
        table = axes.table(
            cellText=chunk,
            colLabels=labels,
            colWidths=[width / sum(widths) for width in widths],
            bbox=(0, 0, 1, 1),
            cellLoc="left",
        )
        table.auto_set_font_size(False)
        table.set_fontsize(PAGE_PT - 3 if len(header) > 8 else PAGE_PT - 1)
        for (row, _column), cell in table.get_celld().items():
            cell.PAD = 0.04  # matplotlib's default 10 % per side truncates narrow columns
            if row == 0:
                cell.set_text_props(fontweight="bold")
        pages.append(page)
    return pages


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _impact_map_pages(impact_map: ImpactMap, analysis: Analysis, fmt: _Formatter) -> list[Figure]:
    _ = translator(fmt.lang)
    header = [
        _("Outcome"),
        _("Stakeholder"),
        _("Dimension"),
        charts.field_label("quantity", fmt.lang),
        charts.field_label("proxy", fmt.lang),
        _("Years"),
        _("DW"),
        _("DS"),
        _("AT"),
        _("DO"),
        _("Present value"),
    ]
    rows = [
        [
            _short(outcome.id, 22),
            _short(outcome.stakeholder, 20),
            charts.dimension_label(outcome.dimension, fmt.lang),
            fmt.number(outcome.quantity),
            format_money(outcome.proxy.value, fmt.currency, fmt.lang, decimals=2),
            str(outcome.duration) + ("+1" if outcome.starts == "after" else ""),
            fmt.share(outcome.deadweight),
            fmt.share(outcome.displacement),
            fmt.share(outcome.attribution),
            fmt.share(outcome.drop_off),
            fmt.money(analysis.forecast.by_outcome.get(outcome.id, 0.0)),
        ]
        for outcome in impact_map.outcomes
    ]
    legend = _(
        "DW deadweight, DS displacement, AT attribution, DO drop-off per year. "
        "Years marked +1 start after the activity period."
    )
    return _table_pages(_("Impact map"), header, rows, legend)


def _assumption_paragraphs(impact_map: ImpactMap, fmt: _Formatter) -> list[str]:
    _ = translator(fmt.lang)
    paragraphs = [_("Investment"), ""]
    for item in impact_map.inputs:
        kind = _("in kind") if item.in_kind else _("cash")
        paragraphs.append(
            _("• {stakeholder}: {description}, {amount} ({kind}), year {year}").format(
                stakeholder=item.stakeholder,
                description=item.description,
                amount=fmt.money(item.amount),
                kind=kind,
                year=item.year,
            )
            + (_(" — source: {source}").format(source=item.source) if item.source else "")
        )
    paragraphs += ["", _("Outcomes and their financial proxies"), ""]
    for outcome in impact_map.outcomes:
        proxy = outcome.proxy
        paragraphs += [
            f"{outcome.id} — {outcome.description}",
            _("  proxy {value} {unit}{year}").format(
                value=fmt.number(proxy.value),
                unit=proxy.unit,
                year=f" ({proxy.price_year})" if proxy.price_year else "",
            ),
            _("  source: {source}").format(source=proxy.source),
            _("  licence: {licence}").format(licence=proxy.licence),
        ]
        if outcome.notes:
            paragraphs.append(f"  {outcome.notes}")
        paragraphs.append("")
    return paragraphs


def _sensitivity_pages(analysis: Analysis, fmt: _Formatter) -> list[Figure]:
    _ = translator(fmt.lang)
    pages = _table_pages(
        _("Switching values"),
        [_("Outcome"), *(charts.field_label(field, fmt.lang) for field in SWITCHING_FIELDS)],
        _switching_rows(analysis, fmt),
        _switching_explanation(fmt.lang),
    )
    scenario_names = {
        "low": _("Pessimistic"),
        "central": _("Central"),
        "high": _("Optimistic"),
    }
    scenario_rows = [
        [
            scenario_names.get(name, name),
            fmt.money(evaluation.present_value),
            fmt.money(evaluation.net_present_value),
            fmt.ratio(evaluation.ratio),
        ]
        for name, evaluation in analysis.scenarios.items()
    ]
    carlo = analysis.monte_carlo
    for label, value in (
        ("p5", carlo.p5),
        ("p25", carlo.p25),
        ("p50", carlo.p50),
        ("p75", carlo.p75),
        ("p95", carlo.p95),
    ):
        scenario_rows.append(
            [_("Monte Carlo {percentile}").format(percentile=label), "", "", fmt.ratio(value)]
        )
    pages += _table_pages(
        _("Scenarios and Monte Carlo range"),
        [_("Case"), _("Present value"), _("Net present value"), _("SROI ratio")],
        scenario_rows,
        _(
            "Scenarios set every estimate to its pessimistic, central or optimistic end at once; "
            "the Monte Carlo draws each estimate within its range ({draws} draws, seed {seed})."
        ).format(draws=fmt.number(carlo.draws, decimals=0), seed=carlo.seed),
    )
    return pages


def _summary_pages(analysis: Analysis, impact_map: ImpactMap, fmt: _Formatter) -> list[Figure]:
    _ = translator(fmt.lang)
    paragraphs = [f"{label}: {value}" for label, value in key_figures(analysis, fmt.lang)]
    paragraphs += ["", _("Value by dimension"), ""]
    paragraphs += [
        f"  {label}: {value}" for label, value in _dimension_rows(analysis.forecast, fmt)
    ]
    comparison = _comparison_rows(analysis, fmt)
    if comparison:
        paragraphs += ["", _("Forecast and actual value"), ""]
        paragraphs += [
            _("  {label}: forecast {forecast}, actual {actual}").format(
                label=label, forecast=forecast, actual=actual
            )
            for label, forecast, actual in comparison
        ]
    notes = _notes(analysis, fmt.lang)
    if notes:
        paragraphs += ["", _("Notes"), "", *(f"• {note}" for note in notes)]
    paragraphs += ["", *_method_lines(impact_map, fmt)]
    return _text_pages(_("SEROI+ report: {name}").format(name=impact_map.name), paragraphs)


def pdf_pages(
    analysis: Analysis,
    impact_map: ImpactMap,
    lang: str,
    figures: Mapping[str, Figure] | None = None,
) -> list[Figure]:
    """The report's PDF pages in order; `figures` reuses charts already drawn."""
    _ = translator(lang)
    fmt = _Formatter(lang, analysis.forecast.currency)
    figures = chart_figures(analysis, lang) if figures is None else figures
    return [
        *_summary_pages(analysis, impact_map, fmt),
        *(figure for name, figure in figures.items() if name != "tornado"),
        *_impact_map_pages(impact_map, analysis, fmt),
        *(
            _table_pages(
                _("Quantities in the actual return"),
                _quantity_header(lang),
                _quantity_rows(analysis, fmt),
            )
            if analysis.derived_quantities
            else []
        ),
        *_text_pages(
            _("Assumptions, sources and licences"), _assumption_paragraphs(impact_map, fmt)
        ),
        *_sensitivity_pages(analysis, fmt),
        *([figures["tornado"]] if "tornado" in figures else []),
    ]


def _write_pdf(path: Path, title: str, pages: Sequence[Figure]) -> None:
    # No creation date: the same analysis gives the same PDF.
    metadata = {"Title": title, "Creator": "seroi-bot", "CreationDate": None}
    with PdfPages(path, metadata=metadata) as pdf:
        for page in pages:
            pdf.savefig(page)
