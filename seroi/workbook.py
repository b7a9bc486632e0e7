"""The Excel value map: the impact map as practitioners lay it out, with live formulas.

Sheet one is the value map (Social Value UK's layout): the inputs, then one row per outcome
with its stakeholder, indicator, quantity, duration, financial proxy and source, deadweight,
displacement, attribution and drop-off, its impact in each year and its present value; the
totals and the ratio below. Every derived number is a formula, so a coordinator who changes
an estimate sees the ratio move. Sheet two holds the sensitivity analysis as values.

The formulas are the core's (seroi.returns): impact = Q × P × (1 − DW) × (1 − DS) × (1 − AT);
a row's year-t value is impact × (1 − DO)^(t − first year) while it lasts; its present value
discounts year t by (1 + r)^(t − 1 + C), C = 1 when year 1 is discounted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from babel.numbers import get_currency_symbol
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from seroi import charts
from seroi.analysis import Analysis
from seroi.i18n import babel_locale, significant_decimals, translator
from seroi.impact_map import ImpactMap
from seroi.names import Names
from seroi.returns import MIN_FIRST_YEAR_VALUE
from seroi.wording import (
    PERCENTILES,
    SWITCHING_FIELDS,
    no_investment,
    scenario_name,
    switching_explanation,
)

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
HEADER_FILL = PatternFill("solid", fgColor="E6E6E6")
WRAP = Alignment(wrap_text=True, vertical="top")
PERCENT = "0.0%"
FACTOR = '"×" 0.00'

# Outcome table columns, left to right; the year columns follow "impact".
_OUTCOME_COLUMNS = (
    "stakeholder",
    "outcome",
    "description",
    "indicator",
    "dimension",
    "quantity",
    "duration",
    "first_year",
    "proxy",
    "unit",
    "source",
    "deadweight",
    "displacement",
    "attribution",
    "drop_off",
    "discount_rate",
    "impact",
)


@dataclass(frozen=True)
class ValueMapCells:
    """Where the workbook's computed figures are (sheet title and A1 addresses)."""

    sheet: str
    present_values: dict[str, str]  # by outcome id
    total_present_value: str
    investment: str
    net_present_value: str
    ratio: str
    payback_months: str


def _money_format(currency: str, lang: str, decimals: int = 2) -> str:
    symbol = get_currency_symbol(currency, locale=babel_locale(lang)).replace('"', "")
    number = "#,##0" + ("." + "0" * decimals if decimals else "")
    # Negative amounts (a harm or a cost) print in red with their minus sign.
    return f'{number} "{symbol}";[Red]-{number} "{symbol}"'


def _excel_text(text: str) -> str:
    """A text constant inside a formula (quotes doubled, as Excel writes them)."""
    return '"' + text.replace('"', '""') + '"'


def _header(sheet: Worksheet, row: int, labels: list[str]) -> None:
    for column, label in enumerate(labels, start=1):
        cell = sheet.cell(row, column, label)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = WRAP


def write_workbook(
    analysis: Analysis, impact_map: ImpactMap, names: Names, path: str | Path
) -> ValueMapCells:
    """Write value_map.xlsx for one analysis; returns where its key figures are."""
    workbook = Workbook()
    value_map = workbook.active
    cells = _value_map_sheet(value_map, analysis, impact_map, names)
    _sensitivity_sheet(workbook.create_sheet(), analysis, names)
    workbook.save(path)
    return cells


def _value_map_sheet(
    sheet: Worksheet, analysis: Analysis, impact_map: ImpactMap, names: Names
) -> ValueMapCells:
    lang = names.lang
    _ = translator(lang)
    money = _money_format(impact_map.currency, lang)
    sheet.title = _("Value map")[:31]
    sheet.cell(1, 1, _("SEROI+ value map: {name}").format(name=names.pilot)).font = TITLE
    sheet.cell(2, 1, _("Change the estimates in the outcome rows: every total is a formula."))
    sheet.cell(3, 1, charts.field_label("discount_rate", lang)).font = BOLD
    rate = sheet.cell(3, 3, impact_map.discount_rate)
    rate.number_format = PERCENT
    sheet.cell(4, 1, _("Year 1 discounted (1 = yes, 0 = no)")).font = BOLD
    sheet.cell(4, 3, 1 if impact_map.discount_first_year else 0)
    rate_ref, first_discounted_ref = "$C$3", "$C$4"

    row = 6
    sheet.cell(row, 1, _("Investment")).font = BOLD
    row += 1
    _header(
        sheet,
        row,
        [
            _("Stakeholder"),
            _("Description"),
            _("Cash or in kind"),
            _("Year"),
            _("Amount"),
            _("Present value"),
        ],
    )
    first_input = row + 1
    for item in impact_map.inputs:
        row += 1
        sheet.cell(row, 1, names.stakeholders.get(item.stakeholder, item.stakeholder))
        sheet.cell(row, 2, item.description)
        sheet.cell(row, 3, _("in kind") if item.in_kind else _("cash"))
        sheet.cell(row, 4, item.year)
        sheet.cell(row, 5, item.amount).number_format = money
        sheet.cell(row, 6, f"=E{row}/(1+{rate_ref})^D{row}").number_format = money
    last_input = row
    row += 1
    sheet.cell(row, 1, _("Total investment")).font = BOLD
    has_inputs = last_input >= first_input
    investment = sheet.cell(row, 6, f"=SUM(F{first_input}:F{last_input})" if has_inputs else 0)
    investment.number_format = money
    investment.font = BOLD
    nominal_investment = f"SUM(E{first_input}:E{last_input})" if has_inputs else "0"
    investment_ref = f"$F${row}"

    row += 2
    sheet.cell(row, 1, _("Outcomes")).font = BOLD
    row += 1
    horizon = max(analysis.forecast.horizon_years, 1)
    column = {name: index for index, name in enumerate(_OUTCOME_COLUMNS, start=1)}
    first_year_column = len(_OUTCOME_COLUMNS) + 1
    pv_column = first_year_column + horizon
    letter = {name: get_column_letter(index) for name, index in column.items()}
    _header(
        sheet,
        row,
        [
            _("Stakeholder"),
            _("Outcome"),
            _("Description"),
            _("Indicator"),
            _("Dimension"),
            charts.field_label("quantity", lang),
            _("Duration (years)"),
            _("First year"),
            charts.field_label("proxy", lang),
            _("Proxy unit"),
            _("Proxy source"),
            charts.field_label("deadweight", lang),
            charts.field_label("displacement", lang),
            charts.field_label("attribution", lang),
            charts.field_label("drop_off", lang),
            charts.field_label("discount_rate", lang),
            _("Impact (year 1 before drop-off)"),
            *(_("Year {year}").format(year=year) for year in range(1, horizon + 1)),
            _("Present value"),
        ],
    )
    first_outcome = row + 1
    present_values = {}
    for outcome in impact_map.outcomes:
        row += 1
        values = {
            "stakeholder": names.stakeholders.get(outcome.stakeholder, outcome.stakeholder),
            "outcome": names.outcomes[outcome.id],
            "description": outcome.description,
            "indicator": outcome.indicator or "",
            "dimension": charts.dimension_label(outcome.dimension, lang),
            "quantity": outcome.quantity,
            "duration": outcome.duration,
            "first_year": 2 if outcome.starts == "after" else 1,
            "proxy": outcome.proxy.value,
            "unit": outcome.proxy.unit,
            "source": outcome.proxy.source.strip(),
            "deadweight": outcome.deadweight,
            "displacement": outcome.displacement,
            "attribution": outcome.attribution,
            "drop_off": outcome.drop_off,
            # A row without its own rate follows the map's rate cell.
            "discount_rate": f"={rate_ref}"
            if outcome.discount_rate is None
            else outcome.discount_rate,
            "impact": "={q}{r}*{p}{r}*(1-{dw}{r})*(1-{ds}{r})*(1-{at}{r})".format(
                q=letter["quantity"],
                p=letter["proxy"],
                dw=letter["deadweight"],
                ds=letter["displacement"],
                at=letter["attribution"],
                r=row,
            ),
        }
        for name, value in values.items():
            sheet.cell(row, column[name], value)
        for name in ("deadweight", "displacement", "attribution", "drop_off", "discount_rate"):
            sheet.cell(row, column[name]).number_format = PERCENT
        decimals = significant_decimals(outcome.proxy.value)
        sheet.cell(row, column["proxy"]).number_format = _money_format(
            impact_map.currency, lang, max(decimals, 2)
        )
        sheet.cell(row, column["impact"]).number_format = money
        discounted = []
        for year in range(1, horizon + 1):
            year_column = first_year_column + year - 1
            start, duration = f"${letter['first_year']}{row}", f"${letter['duration']}{row}"
            formula = (
                f"=IF(AND({year}>={start},{year}<{start}+{duration}),"
                f"${letter['impact']}{row}*(1-${letter['drop_off']}{row})^({year}-{start}),0)"
            )
            sheet.cell(row, year_column, formula).number_format = money
            discounted.append(
                f"{get_column_letter(year_column)}{row}"
                f"/(1+${letter['discount_rate']}{row})^({year}-1+{first_discounted_ref})"
            )
        pv = sheet.cell(row, pv_column, "=" + "+".join(discounted))
        pv.number_format = money
        present_values[outcome.id] = f"{get_column_letter(pv_column)}{row}"
    last_outcome = row

    row += 1
    sheet.cell(row, 1, _("Total")).font = BOLD
    for total_column in range(first_year_column, pv_column + 1):
        column_letter = get_column_letter(total_column)
        total = sheet.cell(
            row, total_column, f"=SUM({column_letter}{first_outcome}:{column_letter}{last_outcome})"
        )
        total.number_format = money
        total.font = BOLD
    totals_row = row
    total_pv_ref = f"${get_column_letter(pv_column)}${totals_row}"
    year_one_ref = f"${get_column_letter(first_year_column)}${totals_row}"
    undiscounted = (
        f"SUM(${get_column_letter(first_year_column)}${totals_row}:"
        f"${get_column_letter(pv_column - 1)}${totals_row})"
    )

    not_defined = _excel_text(no_investment(lang))
    yes, no = _excel_text(_("yes")), _excel_text(_("no"))
    not_repaid = _excel_text(_("not repaid within the horizon"))
    no_first_year = _excel_text(_("not defined (the first-year value is not positive)"))
    row += 2
    figures = [
        (_("Present value of outcomes"), f"={total_pv_ref}", money),
        (_("Investment (present value)"), f"={investment_ref}", money),
        (_("Net present value"), f"={total_pv_ref}-{investment_ref}", money),
        (
            _("SROI ratio"),
            f"=IF({investment_ref}>0,{total_pv_ref}/{investment_ref},{not_defined})",
            '0.00 ": 1"',
        ),
        (
            _("Net SROI ratio (net present value ÷ investment, not the SROI ratio)"),
            f"=IF({investment_ref}>0,({total_pv_ref}-{investment_ref})/{investment_ref},"
            f"{not_defined})",
            "0.00",
        ),
        (
            _("Value over the horizon, not discounted"),
            f"={undiscounted}",
            money,
        ),
        (
            _("Repaid within the horizon"),
            f"=IF({undiscounted}>={nominal_investment},{yes},{no})",
            "General",
        ),
        (
            _("Payback period (months)"),
            # As the report: nothing invested, not repaid, no year-1 value, else the formula.
            f"=IF({investment_ref}<=0,{not_defined},"
            f"IF({undiscounted}<{nominal_investment},{not_repaid},"
            f"IF({year_one_ref}<{MIN_FIRST_YEAR_VALUE},{no_first_year},"
            f"{investment_ref}/({year_one_ref}/12))))",
            "0.0",
        ),
    ]
    addresses = []
    for label, formula, number_format in figures:
        sheet.cell(row, 1, label).font = BOLD
        cell = sheet.cell(row, 3, formula)
        cell.number_format = number_format
        cell.font = BOLD
        addresses.append(f"C{row}")
        row += 1

    widths = {"stakeholder": 22, "outcome": 28, "description": 36, "unit": 24, "source": 36}
    for name, index in column.items():
        sheet.column_dimensions[get_column_letter(index)].width = widths.get(name, 13)
    for year_column in range(first_year_column, pv_column + 1):
        sheet.column_dimensions[get_column_letter(year_column)].width = 13
    sheet.freeze_panes = f"C{first_outcome}"
    return ValueMapCells(
        sheet=sheet.title,
        present_values=present_values,
        total_present_value=f"{get_column_letter(pv_column)}{totals_row}",
        investment=investment_ref.replace("$", ""),
        net_present_value=addresses[2],
        ratio=addresses[3],
        payback_months=addresses[-1],
    )


def _sensitivity_sheet(sheet: Worksheet, analysis: Analysis, names: Names) -> None:
    """Switching values, scenarios and the Monte Carlo range, as values."""
    lang = names.lang
    _ = translator(lang)
    money = _money_format(analysis.forecast.currency, lang)
    sheet.title = _("Sensitivity")[:31]
    sheet.cell(1, 1, _("Switching values")).font = TITLE
    sheet.cell(2, 1, switching_explanation(lang))
    fields = SWITCHING_FIELDS
    _header(sheet, 4, [_("Outcome"), *(charts.field_label(name, lang) for name in fields)])
    row = 4
    for outcome_id, values in analysis.switching_values.items():
        row += 1
        sheet.cell(row, 1, names.outcomes.get(outcome_id, outcome_id))
        for column, name in enumerate(fields, start=2):
            value = getattr(values, name)
            cell = sheet.cell(row, column, "—" if value is None else value)
            cell.number_format = FACTOR if name.endswith("_factor") else PERCENT
    row += 2
    sheet.cell(row, 1, _("Scenarios and Monte Carlo range")).font = BOLD
    row += 1
    _header(sheet, row, [_("Case"), _("Present value"), _("Net present value"), _("SROI ratio")])
    for name, evaluation in analysis.scenarios.items():
        row += 1
        sheet.cell(row, 1, scenario_name(name, lang))
        sheet.cell(row, 2, evaluation.present_value).number_format = money
        sheet.cell(row, 3, evaluation.net_present_value).number_format = money
        sheet.cell(
            row, 4, "—" if evaluation.ratio is None else evaluation.ratio
        ).number_format = "0.00"
    carlo = analysis.monte_carlo
    for label in PERCENTILES:
        row += 1
        value = getattr(carlo, label)
        sheet.cell(row, 1, _("Monte Carlo {percentile}").format(percentile=label))
        sheet.cell(row, 4, "—" if value is None else value).number_format = "0.00"
    sheet.column_dimensions["A"].width = 32
    for column in range(2, len(fields) + 2):
        sheet.column_dimensions[get_column_letter(column)].width = 16
