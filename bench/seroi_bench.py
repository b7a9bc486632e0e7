"""Benchmark the SEROI+ core and charts against their targets; prints a table.

    .venv/bin/python bench/seroi_bench.py [--repeats N]

1. Full evaluation plus every switching value of a generated 500-outcome, 10-year map
   (target < 100 ms).
2. A 10,000-draw Monte Carlo on the same map (target < 1 s).
3. Chart rendering, as a ratio to a bare matplotlib figure of the same size (one empty axes,
   saved to PNG at the same dpi) timed in the same run (target ≤ 1.5).
4. The report's own time (charts, PDF, summary and Excel value map, the analysis done
   beforehand) for each shipped example map in Finnish: printed, no target.

Every figure is the median of repeated timings.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from seroi import charts
from seroi.analysis import analyse
from seroi.impact_map import DIMENSIONS, ImpactMap, load_impact_map
from seroi.report import write_report
from seroi.returns import evaluate
from seroi.sensitivity import monte_carlo, switching_values, tornado

OUTCOMES = 500
YEARS = 10
EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.yaml"))


def generated_map(outcomes: int = OUTCOMES, years: int = YEARS, seed: int = 1) -> ImpactMap:
    """A synthetic impact map: varied rows, some negative, some ranged, horizon `years`."""
    rng = random.Random(seed)
    rows = []
    for index in range(outcomes):
        deadweight = round(rng.uniform(0, 0.5), 3)
        row: dict[str, Any] = {
            "id": f"outcome_{index}",
            "stakeholder": f"group {index % 12}",
            "dimension": DIMENSIONS[index % 3],
            "description": f"generated outcome {index}",
            "quantity": rng.randint(1, 200),
            "proxy": {
                "value": rng.choice([-1, 1, 1, 1]) * rng.uniform(5, 500),
                "unit": "EUR per unit",
                "source": "generated for the benchmark",
            },
            "duration": years if index == 0 else rng.randint(1, years),
            "deadweight": deadweight,
            "displacement": round(rng.uniform(0, 0.3), 3),
            "attribution": round(rng.uniform(0, 0.4), 3),
            "drop_off": round(rng.uniform(0, 0.5), 3),
        }
        if index % 5 == 0:
            row["ranges"] = {"deadweight": [max(0.0, deadweight - 0.1), deadweight + 0.1]}
        rows.append(row)
    return ImpactMap.model_validate(
        {
            "name": "benchmark",
            "inputs": [
                {"stakeholder": "funder", "description": "grant", "amount": 2_000_000, "year": 0},
                {
                    "stakeholder": "municipality",
                    "description": "staff",
                    "amount": 300_000,
                    "year": 1,
                    "in_kind": True,
                },
            ],
            "outcomes": rows,
        }
    )


def _seconds(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def median_seconds(action: Callable[[], object], repeats: int) -> float:
    """Median wall time of `action` over `repeats` runs, after one warm-up run."""
    action()
    return statistics.median(_seconds(action) for _ in range(repeats))


def paired_median_seconds(
    first: Callable[[], object], second: Callable[[], object], repeats: int
) -> tuple[float, float]:
    """Medians of two actions timed in alternation, so background load hits both alike."""
    first()
    second()
    pairs = [(_seconds(first), _seconds(second)) for _ in range(repeats)]
    return statistics.median(a for a, _b in pairs), statistics.median(b for _a, b in pairs)


def bare_png(width_px: int, height_px: int) -> bytes:
    """The reference: a blank figure of the same size with one empty axes, saved to PNG."""
    figure = Figure(figsize=(width_px / charts.DPI, height_px / charts.DPI), dpi=charts.DPI)
    FigureCanvasAgg(figure)
    figure.add_subplot()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=charts.DPI)
    return buffer.getvalue()


def chart_cases(impact_map: ImpactMap) -> dict[str, Callable[[], Figure]]:
    """Every chart, fed with data from the generated map."""
    evaluation = evaluate(impact_map)
    bars = [
        (bar.outcome_id, bar.field, bar.ratio_low, bar.ratio_high)
        for bar in tornado(impact_map)
        if bar.ratio_low is not None and bar.ratio_high is not None
    ]
    central = evaluation.ratio or 1.0
    waves = [f"W{n}" for n in range(1, 9)]
    return {
        "value_by_dimension": lambda: charts.value_by_dimension_figure(
            evaluation.by_dimension, lang="fi", currency="EUR"
        ),
        "value_by_stakeholder": lambda: charts.value_by_stakeholder_figure(
            evaluation.by_stakeholder, lang="fi", currency="EUR"
        ),
        "value_by_year": lambda: charts.value_by_year_figure(
            [year.year for year in evaluation.by_year],
            [year.by_dimension for year in evaluation.by_year],
            lang="fi",
            currency="EUR",
        ),
        "tornado": lambda: charts.tornado_figure(bars, central, lang="fi"),
        "forecast_vs_actual": lambda: charts.forecast_vs_actual_figure(
            evaluation.by_dimension,
            {name: value * 0.8 for name, value in evaluation.by_dimension.items()},
            lang="fi",
            currency="EUR",
        ),
        "indicator_trend": lambda: charts.indicator_trend_figure(
            waves,
            [6.8, 7.0, 7.1, None, 7.3, 7.2, 7.4, 7.5],
            [23, 21, 3, 0, 19, 18, 20, 22],
            indicator="Elämään tyytyväisyys (0–10)",
            sensitive=True,
            lang="fi",
            baseline=6.9,
            target=7.5,
            scale=(0, 10),
        ),
    }


def main() -> None:
    """Run every benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="timed runs per measurement")
    repeats = parser.parse_args().repeats

    impact_map = generated_map()
    rows: list[tuple[str, str, str, str, str]] = []

    def full_evaluation() -> None:
        evaluate(impact_map)
        switching_values(impact_map)

    seconds = median_seconds(full_evaluation, repeats)
    rows.append(
        (
            f"evaluate + switching values ({OUTCOMES} outcomes, {YEARS} years)",
            f"{seconds * 1000:.1f} ms",
            "< 100 ms",
            f"{seconds / 0.1:.2f}",
            "PASS" if seconds < 0.1 else "MISS",
        )
    )
    seconds = median_seconds(
        lambda: monte_carlo(impact_map, draws=10_000, seed=0), max(5, repeats // 3)
    )
    rows.append(
        (
            "Monte Carlo, 10,000 draws",
            f"{seconds * 1000:.1f} ms",
            "< 1 s",
            f"{seconds / 1.0:.2f}",
            "PASS" if seconds < 1.0 else "MISS",
        )
    )
    for name, build in chart_cases(impact_map).items():
        width, height = (round(size) for size in build().bbox.size)
        chart_seconds, bare_seconds = paired_median_seconds(
            lambda build=build: charts.figure_to_png(build()),
            lambda width=width, height=height: bare_png(width, height),
            repeats,
        )
        ratio = chart_seconds / bare_seconds
        rows.append(
            (
                f"chart {name} ({width}×{height} px) vs bare figure",
                f"{chart_seconds * 1000:.1f} ms vs {bare_seconds * 1000:.1f} ms",
                "ratio ≤ 1.5",
                f"{ratio:.2f}",
                "PASS" if ratio <= 1.5 else "MISS",
            )
        )

    with tempfile.TemporaryDirectory() as out:
        for path in EXAMPLES:
            example = load_impact_map(path)
            analysis = analyse(example)
            seconds = median_seconds(
                lambda analysis=analysis, example=example: write_report(
                    analysis, example, out, "fi"
                ),
                max(3, repeats // 5),
            )
            rows.append(
                (
                    f"report files for {path.stem} (PDF, summary, workbook, charts)",
                    f"{seconds * 1000:.1f} ms",
                    "—",
                    "—",
                    "info",
                )
            )

    header = ("measurement", "median time", "target", "ratio", "result")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    print(f"SEROI+ benchmark, median of {repeats} runs (ratio = time ÷ target or ÷ bare figure)")
    for row in [header, tuple("-" * width for width in widths), *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
