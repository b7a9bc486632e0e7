"""Charts: real PNGs, phone-sized, localised, honest about negatives and small groups."""

from __future__ import annotations

import math
import struct
import subprocess
import sys

import pytest

from seroi import charts
from seroi.i18n import format_money, format_money_short

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DIMENSION_VALUES = {"social": 62000.0, "economic": 13000.0, "environmental": -3500.0}


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk."""
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def all_texts(figure) -> list[str]:
    """Every piece of text drawn in a figure: titles, annotations, ticks, legends."""
    return [text.get_text() for text in figure.findobj(lambda artist: hasattr(artist, "get_text"))]


def bars_of(figure) -> list[tuple[float, float, float, float, tuple]]:
    """Every bar drawn, as (x0, x1, y0, y1, face colour) with x0/y0 where the bar starts."""
    bars = []
    for collection in figure.axes[0].collections:
        colours = collection.get_facecolors()
        for index, path in enumerate(collection.get_paths()):
            (x0, y0), (_x, y1), (x1, _y) = path.vertices[:3]
            bars.append((x0, x1, y0, y1, tuple(colours[index % len(colours)])))
    return bars


@pytest.mark.parametrize(
    "render",
    [
        lambda: charts.value_by_dimension_png(DIMENSION_VALUES, lang="fi", currency="EUR"),
        lambda: charts.value_by_stakeholder_png(
            {f"group {i}": 1000.0 * i for i in range(9)}, lang="en", currency="EUR"
        ),
        lambda: charts.value_by_year_png(
            [1, 2, 3], [DIMENSION_VALUES] * 3, lang="sv", currency="EUR"
        ),
        lambda: charts.tornado_png([("a", "deadweight", 1.2, 2.0)], 1.6, lang="it"),
        lambda: charts.forecast_vs_actual_png(
            DIMENSION_VALUES, {"social": 1.0}, lang="en", currency="EUR"
        ),
        lambda: charts.indicator_trend_png(
            ["W1", "W2"], [3.0, 4.0], [12, 15], indicator="x", sensitive=False, lang="fi"
        ),
    ],
)
def test_every_chart_is_a_phone_width_png(render) -> None:
    width, height = png_size(render())
    assert width == charts.WIDTH_PX
    assert 600 <= height <= 2400


def test_stakeholder_chart_grows_with_the_number_of_groups() -> None:
    few = png_size(charts.value_by_stakeholder_png({"a": 1.0}, lang="en", currency="EUR"))
    many = png_size(
        charts.value_by_stakeholder_png(
            {f"group {i}": float(i) for i in range(12)}, lang="en", currency="EUR"
        )
    )
    assert many[1] > few[1]


def test_negative_dimension_value_is_drawn_to_the_left_with_its_label() -> None:
    figure = charts.value_by_dimension_figure(DIMENSION_VALUES, lang="en", currency="EUR")
    extents = [(x0, x1) for x0, x1, _y0, _y1, _colour in bars_of(figure)]
    assert extents == [(0.0, 62000.0), (0.0, 13000.0), (0.0, -3500.0)]
    left_limit, _right = figure.axes[0].get_xlim()
    assert left_limit < -3500.0
    assert format_money_short(-3500.0, "EUR", "en") in all_texts(figure)


def test_year_chart_stacks_negative_parts_below_zero() -> None:
    figure = charts.value_by_year_figure(
        [1],
        [{"social": 100.0, "economic": 50.0, "environmental": -30.0}],
        lang="en",
        currency="EUR",
    )
    spans = sorted((y0, y1) for _x0, _x1, y0, y1, _colour in bars_of(figure))
    assert spans == [(0.0, -30.0), (0.0, 100.0), (100.0, 150.0)]
    assert format_money_short(120.0, "EUR", "en") in all_texts(figure)


def test_each_dimension_keeps_its_colour_across_charts() -> None:
    by_dimension = charts.value_by_dimension_figure(
        {"social": 3.0, "economic": 2.0, "environmental": 1.0}, lang="en", currency="EUR"
    )
    by_year = charts.value_by_year_figure(
        [1], [{"social": 3.0, "economic": 2.0, "environmental": 1.0}], lang="en", currency="EUR"
    )
    colours_left = [bar[4] for bar in bars_of(by_dimension)]
    colours_stacked = [bar[4] for bar in bars_of(by_year)]
    assert colours_left == colours_stacked
    assert len(set(colours_left)) == 3


def test_trend_leaves_a_gap_for_a_small_wave_and_never_shows_its_mean() -> None:
    figure = charts.indicator_trend_figure(
        ["W1", "W2", "W3", "W4"],
        [6.8, 9.9, 7.2, None],
        [23, 3, 19, 0],
        indicator="Life satisfaction",
        sensitive=True,
        lang="en",
        baseline=6.9,
        target=7.5,
    )
    line = figure.axes[0].lines[0]
    plotted = list(line.get_ydata())
    assert plotted[0] == 6.8
    assert plotted[2] == 7.2
    assert math.isnan(plotted[1])
    assert math.isnan(plotted[3])
    texts = all_texts(figure)
    assert not any("9.9" in text for text in texts)
    assert "W1\nn = 23" in texts
    assert "W2\nn < 10" in texts
    assert not any("n = 3" in text for text in texts)


def test_visible_means_hides_small_waves_as_gaps_not_zeros() -> None:
    assert charts.visible_means([1.0, 2.0, None], [5, 4, 9], sensitive=False)[0] == 1.0
    hidden = charts.visible_means([1.0, 2.0, None], [5, 4, 9], sensitive=False)[1:]
    assert all(math.isnan(value) for value in hidden)
    wellbeing = charts.visible_means([1.0, 2.0], [9, 10], sensitive=True)
    assert math.isnan(wellbeing[0])
    assert wellbeing[1] == 2.0


def test_trend_draws_baseline_and_target_lines() -> None:
    figure = charts.indicator_trend_figure(
        ["W1"], [3.0], [8], indicator="x", sensitive=False, lang="en", baseline=2.0, target=4.0
    )
    levels = sorted(line.get_ydata()[0] for line in figure.axes[0].lines[1:])
    assert levels == [2.0, 4.0]


@pytest.mark.parametrize(
    ("lang", "title", "social"),
    [
        ("en", "Value by dimension", "Social"),
        ("fi", "Arvo ulottuvuuksittain", "Sosiaalinen"),
        ("it", "Valore per dimensione", "Sociale"),
        ("sv", "Värde per dimension", "Social"),
    ],
)
def test_labels_follow_the_language_argument(lang: str, title: str, social: str) -> None:
    figure = charts.value_by_dimension_figure(DIMENSION_VALUES, lang=lang, currency="EUR")
    texts = all_texts(figure)
    assert title in texts
    assert social in texts


def test_languages_do_not_leak_between_calls() -> None:
    finnish = all_texts(charts.value_by_year_figure([1], [{}], lang="fi", currency="EUR"))
    english = all_texts(charts.value_by_year_figure([1], [{}], lang="en", currency="EUR"))
    assert "Arvo vuosittain" in finnish
    assert "Value by year" in english
    assert "Arvo vuosittain" not in english


def test_tornado_orders_by_swing_and_keeps_at_most_max_bars() -> None:
    bars = [(f"o{i}", "quantity", 1.5 + i * 0.1, 1.5 - i * 0.01) for i in range(12)]
    figure = charts.tornado_figure(bars, 1.5, lang="en", max_bars=5)
    labels = [text for text in all_texts(figure) if " · " in text]
    assert [label.split(":")[0] for label in labels] == [
        f"o{i} · Quantity" for i in (11, 10, 9, 8, 7)
    ]
    assert labels[0] == "o11 · Quantity: 1.39 – 2.60"


def test_forecast_and_actual_are_side_by_side_per_dimension() -> None:
    figure = charts.forecast_vs_actual_figure(
        {"social": 10.0, "economic": 5.0, "environmental": 2.0},
        {"social": 8.0, "economic": 6.0, "environmental": -1.0},
        lang="en",
        currency="EUR",
    )
    heights = [y1 for _x0, _x1, _y0, y1, _colour in bars_of(figure)]
    assert heights == [10.0, 5.0, 2.0, 8.0, 6.0, -1.0]


def test_unknown_dimension_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown dimension"):
        charts.value_by_dimension_png({"cultural": 1.0}, lang="en", currency="EUR")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("fi", "91\xa0489,95\xa0€"),
        ("en", "€91,489.95"),
        ("it", "91.489,95\xa0€"),
        ("sv", "91\xa0489,95\xa0€"),
    ],
)
def test_money_is_formatted_for_the_locale(lang: str, expected: str) -> None:
    assert format_money(91489.95, "EUR", lang, decimals=2) == expected


def test_charts_do_not_touch_pyplot() -> None:
    # pyplot keeps global figure state that breaks rendering in a process pool.
    code = (
        "import sys, seroi.charts as c;"
        "c.value_by_dimension_png({'social': 1.0}, lang='en', currency='EUR');"
        "sys.exit('matplotlib.pyplot' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


@pytest.mark.parametrize("years", [3, 10])
def test_year_totals_never_overlap(years: int) -> None:
    by_dimension = [{"social": 584_636.0}] * years
    figure = charts.value_by_year_figure(
        list(range(1, years + 1)), by_dimension, lang="it", currency="EUR"
    )
    renderer = figure.canvas.get_renderer()
    totals = [text for text in figure.axes[0].texts if "€" in text.get_text()]
    boxes = [text.get_window_extent(renderer) for text in totals]
    assert len(boxes) == years
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
