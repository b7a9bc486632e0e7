"""Where a PDF's text lies: every character inside its table cell or the page margins."""

from __future__ import annotations

from pathlib import Path

import pdfplumber

from seroi.report import CELL_PADDING_MM, MARGIN_MM

POINTS_PER_MM = 72 / 25.4
MARGIN_PT = MARGIN_MM * POINTS_PER_MM
# Text set in a cell keeps its padding from the cell's sides; half of it is the least we
# accept, so a word that runs over a border (or into the next cell) is always caught.
SIDE_GAP_PT = CELL_PADDING_MM * POINTS_PER_MM / 2
TOLERANCE_PT = 0.5


def _inside(char: dict, box: dict, side_gap: float) -> bool:
    return (
        char["x0"] >= box["x0"] + side_gap - TOLERANCE_PT
        and char["x1"] <= box["x1"] - side_gap + TOLERANCE_PT
        and char["top"] >= box["top"] - TOLERANCE_PT
        and char["bottom"] <= box["bottom"] + TOLERANCE_PT
    )


def layout_problems(path: Path) -> list[str]:
    """Each character that leaves its table cell, or the page margins when in no cell."""
    problems = []
    with pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            page_box = {
                "x0": MARGIN_PT,
                "x1": page.width - MARGIN_PT,
                "top": MARGIN_PT,
                "bottom": page.height - MARGIN_PT,
            }
            cells = page.rects
            for char in page.chars:
                if not char["text"].strip():
                    continue
                middle_x = (char["x0"] + char["x1"]) / 2
                middle_y = (char["top"] + char["bottom"]) / 2
                cell = next(
                    (
                        box
                        for box in cells
                        if box["x0"] <= middle_x <= box["x1"]
                        and box["top"] <= middle_y <= box["bottom"]
                    ),
                    None,
                )
                # Free text never shares a line with a table row: beside a row means outside
                # its cell (run past the table's edge).
                beside_a_row = any(box["top"] <= middle_y <= box["bottom"] for box in cells)
                if cell is not None:
                    where, ok = "its cell", _inside(char, cell, SIDE_GAP_PT)
                elif beside_a_row:
                    where, ok = "its cell", False
                else:
                    where, ok = "the margins", _inside(char, page_box, 0.0)
                if not ok:
                    problems.append(
                        f"page {number}: {char['text']!r} at x {char['x0']:.1f}–"
                        f"{char['x1']:.1f}, y {char['top']:.1f} leaves {where}"
                    )
            for image in page.images:
                if not _inside(image, page_box, 0.0):
                    problems.append(f"page {number}: an image leaves the margins")
    return problems


def cell_texts(path: Path) -> list[str]:
    """The text of every table cell, its lines joined by spaces."""
    texts = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            for box in page.rects:
                inside = page.crop((box["x0"], box["top"], box["x1"], box["bottom"]))
                texts.append(" ".join(inside.extract_text().split()))
    return texts
