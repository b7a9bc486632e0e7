"""The offline report: files on disk, figures a coordinator can trust, in their language."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pytest

from seroi.analysis import Analysis, analyse
from seroi.i18n import format_money
from seroi.impact_map import ImpactMap, load_impact_map, parse_impact_map
from seroi.names import names_for
from seroi.observations import load_observations
from seroi.report import NEGATIVE_COLOUR, key_figures, summary_markdown, write_report
from tests.seroi.maps import make_map, outcome
from tests.seroi.pdf_layout import cell_texts, layout_problems

ROOT = Path(__file__).resolve().parents[2]
WORKED_EXAMPLE = Path(__file__).parent / "worked_example.yaml"
LAITILA = ROOT / "examples" / "laitila_remote_work.yaml"
RAUMA = ROOT / "examples" / "rauma_mobility.yaml"
OBSERVATIONS = ROOT / "examples" / "observations_synthetic.csv"
DRAWS = 500  # enough for a range, fast enough for a unit test


@pytest.fixture(scope="module")
def worked() -> tuple[ImpactMap, Analysis]:
    impact_map = load_impact_map(WORKED_EXAMPLE)
    return impact_map, analyse(impact_map, draws=DRAWS)


@pytest.fixture(scope="module")
def laitila_with_actual() -> tuple[ImpactMap, Analysis]:
    impact_map = load_impact_map(LAITILA)
    return impact_map, analyse(impact_map, load_observations(OBSERVATIONS), draws=DRAWS)


def pdf_text(path: Path) -> str:
    """All text of a PDF, page after page."""
    with pdfplumber.open(path) as pdf:
        return "\n".join(page.extract_text() for page in pdf.pages)


def summary_in(analysis: Analysis, impact_map: ImpactMap, lang: str) -> str:
    return summary_markdown(analysis, impact_map, names_for(impact_map, lang), {})


def test_report_writes_pdf_summary_workbook_and_charts(tmp_path: Path, worked) -> None:
    impact_map, analysis = worked
    files = write_report(analysis, impact_map, tmp_path / "out", "en")
    assert files.pdf.read_bytes().startswith(b"%PDF")
    assert files.workbook.read_bytes().startswith(b"PK")  # an xlsx is a zip
    with pdfplumber.open(files.pdf) as pdf:
        orientations = [
            "landscape" if page.width > page.height else "portrait" for page in pdf.pages
        ]
    # Summary, charts, impact map (landscape), assumptions, sensitivity (landscape), tornado.
    assert orientations[0] == "portrait"
    assert "landscape" in orientations
    assert orientations[-1] == "portrait"
    assert set(files.charts) == {
        "value_by_dimension",
        "value_by_stakeholder",
        "value_by_year",
        "tornado",
    }
    for path in files.all_paths():
        assert path.parent == tmp_path / "out"
        assert path.stat().st_size > 0
    assert files.charts["tornado"].read_bytes().startswith(b"\x89PNG")


def test_summary_gives_the_worked_example_figures_and_a_range(worked) -> None:
    impact_map, analysis = worked
    summary = summary_markdown(analysis, impact_map, names_for(impact_map, "en"), {})
    assert "€91,490" in summary  # PV 91,489.95 (seroi_method.md worked example)
    assert "€41,490" in summary  # NPV
    assert "1.83 : 1" in summary
    assert "13.7 months" in summary
    low, high = analysis.scenarios["low"].ratio, analysis.scenarios["high"].ratio
    assert f"{low:.2f} : 1 to {high:.2f} : 1" in summary
    carlo = analysis.monte_carlo
    assert f"{carlo.p5:.2f} : 1 to {carlo.p95:.2f} : 1" in summary
    assert "Net SROI ratio (net present value ÷ investment, not the SROI ratio) | 0.83" in summary


def test_pdf_holds_summary_map_assumptions_and_switching_values(tmp_path: Path, worked) -> None:
    impact_map, analysis = worked
    text = pdf_text(write_report(analysis, impact_map, tmp_path, "en").pdf)
    assert "SEROI+ report: SEROI+ reference worked example" in text
    assert "Monte Carlo p5–p95" in text
    assert "Impact map" in text
    assert "time_regained" in text
    assert "source: reference worked example" in text
    assert "licence: not stated" in text
    assert "Switching values" in text
    assert "60.3%" in text  # the teleworkers' switching deadweight, 60.26 %


def test_forecast_vs_actual_appears_only_with_observations(
    tmp_path: Path, worked, laitila_with_actual
) -> None:
    impact_map, analysis = laitila_with_actual
    files = write_report(analysis, impact_map, tmp_path / "actual", "en")
    assert "forecast_vs_actual" in files.charts
    summary = files.summary.read_text(encoding="utf-8")
    assert "## Forecast and actual value" in summary
    assert format_money(analysis.actual.present_value, "EUR", "en") in summary
    assert "forecast kept (not observed)" in summary
    forecast_only = summary_in(worked[1], worked[0], "en")
    assert "Forecast and actual value" not in forecast_only


def test_quantities_from_too_few_members_are_neither_used_nor_counted() -> None:
    impact_map = load_impact_map(LAITILA)
    observations = load_observations(OBSERVATIONS)
    three = sorted({observation.member for observation in observations})[:3]
    analysis = analyse(impact_map, [o for o in observations if o.member in three], draws=DRAWS)
    derived = [item for item in analysis.derived_quantities.values() if item.derivation]
    assert derived
    assert {item.source for item in derived} == {"suppressed"}
    assert all(item.members is None for item in derived)
    assert all(item.quantity == item.forecast_quantity for item in derived)
    assert analysis.actual.present_value == pytest.approx(analysis.forecast.present_value)
    label = names_for(impact_map, "en").outcomes[derived[0].outcome_id]
    row = next(
        line
        for line in summary_in(analysis, impact_map, "en").splitlines()
        if line.startswith(f"| {label} ")
    )
    assert "too few" in row
    assert "| 3 |" not in row


@pytest.mark.parametrize(
    ("lang", "net_ratio_label", "pv"),
    [
        ("fi", "Netto-SROI-suhde", "91\xa0490\xa0€"),
        ("it", "Indice SROI netto", "91.490\xa0€"),
        ("sv", "Netto-SROI-kvot", "91\xa0490\xa0€"),
    ],
)
def test_summary_is_in_the_requested_language(worked, lang, net_ratio_label, pv) -> None:
    impact_map, analysis = worked
    text = summary_in(analysis, impact_map, lang)
    assert net_ratio_label in text
    assert pv in text
    assert "Net present value" not in text


def test_zero_investment_says_the_ratio_is_undefined(tmp_path: Path) -> None:
    impact_map = parse_impact_map(
        """
name: volunteers only
outcomes:
  - id: tidy_paths
    stakeholder: walkers
    dimension: social
    description: paths kept clear
    quantity: 10
    proxy: {value: 20, unit: EUR per walker, source: test}
    duration: 1
""",
        "volunteers.yaml",
    )
    analysis = analyse(impact_map, draws=DRAWS)
    labels = dict(key_figures(analysis, "en"))
    assert labels["SROI ratio, central estimate"] == "not defined (no investment)"
    files = write_report(analysis, impact_map, tmp_path, "en")
    assert "tornado" not in files.charts
    assert files.pdf.exists()


@pytest.fixture(scope="module")
def rauma() -> tuple[ImpactMap, Analysis]:
    impact_map = load_impact_map(RAUMA)
    return impact_map, analyse(impact_map, draws=DRAWS)


def test_a_pilot_whose_value_never_reaches_its_investment_is_not_repaid(rauma) -> None:
    impact_map, analysis = rauma
    # Rauma: €37,364 of value over two years, not discounted, against €48,000 invested.
    assert analysis.forecast.repaid_within_horizon is False
    figures = dict(key_figures(analysis, "en"))
    assert figures["Payback period"] == "not repaid within the horizon (2 years)"
    assert figures["Value over the horizon, not discounted, against the investment"] == (
        "€37,364 of €48,000"
    )
    text = summary_in(analysis, impact_map, "en")
    assert "27.3 months" in text  # the formula's figure, given only in the note
    assert "| Payback period | not repaid within the horizon (2 years) |" in text


def test_the_pdf_speaks_the_readers_language_down_to_the_names(tmp_path: Path, rauma) -> None:
    impact_map, analysis = rauma
    files = write_report(analysis, impact_map, tmp_path, "fi")
    text = pdf_text(files.pdf).replace("\xa0", " ")
    assert "SEROI+-raportti: Rauman maaseudun liikkumiskokeilu" in text
    assert "Kotona työskentelyn lisäenergia" in text
    assert "• Rauman kaupunki:" in text  # a stakeholder, in the investment list
    assert "home_energy_rebound" not in text
    assert "50,0 %" in text  # Finnish percentages: a space before %
    assert "0,014 €" in text  # proxies keep the digits they need
    assert "0,0037 €" in text
    cells = cell_texts(files.pdf)
    assert "ei maksa itseään takaisin tarkastelujaksolla (2 vuotta)" in cells
    assert "yhteiskunta (ilmasto)" in cells


def test_negative_rows_are_printed_negative_and_red(tmp_path: Path, rauma) -> None:
    impact_map, analysis = rauma
    files = write_report(analysis, impact_map, tmp_path, "en")
    rebound = format_money(analysis.forecast.by_outcome["home_energy_rebound"], "EUR", "en")
    assert rebound.startswith("-")
    red = tuple(channel / 255 for channel in NEGATIVE_COLOUR)
    with pdfplumber.open(files.pdf) as pdf:
        words = [
            word
            for page in pdf.pages
            for word in page.extract_words(extra_attrs=["non_stroking_color"])
        ]
    printed = [word for word in words if word["text"] == rebound]
    assert printed
    assert all(word["non_stroking_color"] == pytest.approx(red, abs=0.01) for word in printed)


@pytest.mark.parametrize(
    ("rows", "investment", "payback"),
    [
        ([outcome("once", duration=1)], 500, "6.0 months"),  # a single year, repaid
        ([outcome("free", duration=2)], 0, "not defined (no investment)"),
        (
            # The WELLBY case: a wellbeing loss outweighs the gain.
            [
                outcome("gain", quantity=2, proxy={"value": 14820, "unit": "u", "source": "s"}),
                outcome("loss", quantity=3, proxy={"value": -14820, "unit": "u", "source": "s"}),
            ],
            1000,
            "not repaid within the horizon (1 years)",
        ),
    ],
    ids=["single_year", "zero_investment", "negative_wellby"],
)
def test_edge_maps_give_a_correct_report(tmp_path: Path, rows, investment, payback) -> None:
    impact_map = make_map(rows, investment=investment)
    analysis = analyse(impact_map, draws=DRAWS)
    files = write_report(analysis, impact_map, tmp_path, "en")
    assert layout_problems(files.pdf) == []
    assert dict(key_figures(analysis, "en"))["Payback period"] == payback
    text = pdf_text(files.pdf)
    for value in analysis.forecast.by_outcome.values():
        assert format_money(value, "EUR", "en") in text
