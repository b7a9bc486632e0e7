"""The PDF's layout: no text leaves its table cell or the page margins, in any language."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pytest
from fpdf import FPDF

from seroi.analysis import Analysis, analyse
from seroi.i18n import LANGUAGES, format_money, format_share
from seroi.impact_map import ImpactMap, load_impact_map
from seroi.observations import load_observations
from seroi.report import write_report
from tests.seroi.maps import make_map, outcome
from tests.seroi.pdf_layout import layout_problems

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = {
    "laitila": (ROOT / "examples" / "laitila_remote_work.yaml", True),
    "rauma": (ROOT / "examples" / "rauma_mobility.yaml", False),
}
DRAWS = 300


@pytest.fixture(scope="module")
def analysed() -> dict[str, tuple[ImpactMap, Analysis]]:
    observations = load_observations(ROOT / "examples" / "observations_synthetic.csv")
    result = {}
    for name, (path, with_observations) in EXAMPLES.items():
        impact_map = load_impact_map(path)
        result[name] = (
            impact_map,
            analyse(impact_map, observations if with_observations else None, draws=DRAWS),
        )
    return result


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("example", EXAMPLES)
def test_no_text_leaves_its_cell_or_the_margins(tmp_path: Path, analysed, example, lang) -> None:
    impact_map, analysis = analysed[example]
    files = write_report(analysis, impact_map, tmp_path, lang)
    assert layout_problems(files.pdf) == []
    with pdfplumber.open(files.pdf) as pdf:
        text = "\n".join(page.extract_text() for page in pdf.pages)
    # Numbers are never broken over two lines: each outcome's present value and share
    # stays whole, with its no-break spaces.
    lines = set(text.replace("\xa0", " ").splitlines())
    for row in impact_map.outcomes:
        for number in (
            format_money(analysis.forecast.by_outcome[row.id], "EUR", lang),
            format_share(row.deadweight, lang),
        ):
            assert any(number.replace("\xa0", " ") in line for line in lines), number
    # The long labels that overflowed before are printed whole.
    for word in {
        "fi": ["Syrjäytysvaikutus", "hiipuminen"],
        "it": ["Spiazzamento", "Decadimento"],
        "sv": ["Undanträngning"],
        "en": ["Displacement"],
    }[lang]:
        assert word in text


def test_the_checker_catches_text_running_out_of_its_cell(tmp_path: Path) -> None:
    # A hand-made PDF whose cell text does not wrap: the check must flag it.
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=10)
    pdf.set_xy(20, 20)
    pdf.cell(20, 8, "a label much longer than its cell", border=1)
    path = tmp_path / "overflow.pdf"
    pdf.output(str(path))
    assert any("leaves its cell" in problem for problem in layout_problems(path))


def test_a_long_impact_map_splits_over_pages_with_its_header_repeated(tmp_path: Path) -> None:
    rows = [
        outcome(f"row_{index}", label=f"Outcome number {index} with a rather long name")
        for index in range(70)
    ]
    impact_map = make_map(rows, investment=50_000)
    files = write_report(analyse(impact_map, draws=DRAWS), impact_map, tmp_path, "fi")
    assert layout_problems(files.pdf) == []
    with pdfplumber.open(files.pdf) as pdf:
        shapes = ["landscape" if page.width > page.height else "portrait" for page in pdf.pages]
        # The impact map is the first run of landscape pages.
        first = shapes.index("landscape")
        last = shapes.index("portrait", first)
        map_pages = [page.extract_text() for page in pdf.pages[first:last]]
    assert len(map_pages) >= 2
    for text in map_pages:
        assert "Vaikutus Sidosryhmä" in text.replace("\n", " ")  # the header, on every page
    assert all(f"Outcome number {index} " in "\n".join(map_pages) for index in range(70))
