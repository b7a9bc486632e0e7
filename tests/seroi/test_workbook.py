"""The Excel value map: its live formulas give the core's figures, to the cent."""

from __future__ import annotations

from pathlib import Path

import formulas
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings

from seroi.analysis import Analysis, analyse
from seroi.impact_map import ImpactMap, load_impact_map
from seroi.names import names_for
from seroi.returns import evaluate
from seroi.workbook import ValueMapCells, write_workbook
from tests.seroi.maps import build, make_map, maps, outcome

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
CENT = 0.005
DRAWS = 100  # the sensitivity sheet only copies values: a small sample is enough


def recompute(path: Path, cells: ValueMapCells) -> dict[str, float | str]:
    """Every figure the core also computes, as the workbook's formulas give it."""
    solution = formulas.ExcelModel().loads(str(path)).finish().calculate()
    sheet = f"'[{path.name}]{cells.sheet.upper()}'"

    def value(address: str) -> float | str:
        result = solution[f"{sheet}!{address}"].value[0, 0]
        return result if isinstance(result, str) else float(result)

    figures = {f"pv:{outcome_id}": value(a) for outcome_id, a in cells.present_values.items()}
    figures |= {
        "present_value": value(cells.total_present_value),
        "investment": value(cells.investment),
        "net_present_value": value(cells.net_present_value),
        "ratio": value(cells.ratio),
        "payback_months": value(cells.payback_months),
    }
    return figures


def assert_matches_core(figures: dict[str, float | str], impact_map: ImpactMap) -> None:
    core = evaluate(impact_map)
    for outcome_id, present_value in core.by_outcome.items():
        assert figures[f"pv:{outcome_id}"] == pytest.approx(present_value, abs=CENT)
    assert figures["present_value"] == pytest.approx(core.present_value, abs=CENT)
    assert figures["investment"] == pytest.approx(core.investment, abs=CENT)
    assert figures["net_present_value"] == pytest.approx(core.net_present_value, abs=CENT)
    if core.ratio is None:
        assert isinstance(figures["ratio"], str)
    else:
        assert figures["ratio"] == pytest.approx(core.ratio, abs=CENT)
    if core.investment <= 0 or not core.repaid_within_horizon or core.payback_months is None:
        assert isinstance(figures["payback_months"], str)  # the report's words, not months
    else:
        assert figures["payback_months"] == pytest.approx(core.payback_months, abs=CENT)


def written(impact_map: ImpactMap, path: Path, lang: str = "fi") -> tuple[Analysis, ValueMapCells]:
    analysis = analyse(impact_map, draws=DRAWS)
    return analysis, write_workbook(analysis, impact_map, names_for(impact_map, lang), path)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_the_formulas_give_the_cores_figures_for_the_examples(tmp_path: Path, example) -> None:
    impact_map = load_impact_map(example)
    path = tmp_path / "value_map.xlsx"
    _analysis, cells = written(impact_map, path)
    assert_matches_core(recompute(path, cells), impact_map)


@pytest.mark.timeout(600)
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(maps)
def test_the_formulas_give_the_cores_figures_for_random_maps(tmp_path_factory, spec) -> None:
    impact_map = build(spec)
    path = tmp_path_factory.mktemp("random") / "value_map.xlsx"
    _analysis, cells = written(impact_map, path, "en")
    assert_matches_core(recompute(path, cells), impact_map)


def test_changing_an_estimate_moves_the_ratio_as_the_core_says(tmp_path: Path) -> None:
    impact_map = load_impact_map(EXAMPLES[0])
    path = tmp_path / "value_map.xlsx"
    _analysis, cells = written(impact_map, path)
    # The coordinator raises the first outcome's deadweight to 60 %.
    book = openpyxl.load_workbook(path)
    sheet = book[cells.sheet]
    header_row = next(
        row for row in range(1, sheet.max_row + 1) if sheet.cell(row, 12).value == "Nollavaikutus"
    )
    sheet.cell(header_row + 1, 12).value = 0.6
    book.save(path)
    rows = list(impact_map.outcomes)
    rows[0] = rows[0].model_copy(update={"deadweight": 0.6})
    changed = impact_map.model_copy(update={"outcomes": rows})
    figures = recompute(path, cells)
    assert figures["ratio"] != pytest.approx(evaluate(impact_map).ratio, abs=CENT)
    assert_matches_core(figures, changed)


def test_a_negative_row_is_negative_and_red(tmp_path: Path) -> None:
    impact_map = make_map(
        [
            outcome("walks", quantity=10, proxy={"value": 100, "unit": "u", "source": "s"}),
            outcome("rebound", quantity=10, proxy={"value": -20, "unit": "u", "source": "s"}),
        ]
    )
    path = tmp_path / "value_map.xlsx"
    _analysis, cells = written(impact_map, path)
    figures = recompute(path, cells)
    assert figures["pv:rebound"] < 0
    assert_matches_core(figures, impact_map)
    sheet = openpyxl.load_workbook(path)[cells.sheet]
    assert "[Red]" in sheet[cells.present_values["rebound"]].number_format


@pytest.mark.parametrize(
    ("rows", "investment"),
    [
        ([outcome("once", duration=1)], 1000),  # a single year
        ([outcome("free", duration=3, drop_off=0.2)], 0),  # nothing invested
    ],
    ids=["single_year", "zero_investment"],
)
def test_edge_maps_give_a_correct_workbook(tmp_path: Path, rows, investment) -> None:
    impact_map = make_map(rows, investment=investment)
    path = tmp_path / "value_map.xlsx"
    _analysis, cells = written(impact_map, path)
    assert_matches_core(recompute(path, cells), impact_map)


def test_the_sensitivity_sheet_holds_the_switching_values(tmp_path: Path) -> None:
    impact_map = load_impact_map(EXAMPLES[0])
    path = tmp_path / "value_map.xlsx"
    analysis, _cells = written(impact_map, path, "sv")
    book = openpyxl.load_workbook(path)
    sheet = book[book.sheetnames[1]]
    assert sheet.title == "Känslighet"
    names = names_for(impact_map, "sv")
    by_label = {sheet.cell(row, 1).value: row for row in range(1, sheet.max_row + 1)}
    for outcome_id, values in analysis.switching_values.items():
        row = by_label[names.outcomes[outcome_id]]
        expected = values.deadweight
        cell = sheet.cell(row, 2).value
        assert cell == "—" if expected is None else cell == pytest.approx(expected)
    assert not any(
        isinstance(cell.value, str) and cell.value.startswith("=")
        for line in sheet.iter_rows()
        for cell in line
    )
