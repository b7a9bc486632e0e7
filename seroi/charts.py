"""SEROI+ charts: plain data in, a matplotlib Figure or PNG bytes out.

Only matplotlib's object-oriented API with the Agg canvas is used (no pyplot, no rcParams),
so charts can be rendered in worker processes and in parallel without shared state.

Sized for a phone: 1080 px wide, base type 16 pt, few ticks, values written on the bars.
Colours come from the Okabe–Ito palette, which stays distinguishable with the common
colour-vision deficiencies (M. Okabe and K. Ito, "Color Universal Design (CUD): how to make
figures and presentations that are friendly to colorblind people", 2008,
https://jfly.uni-koeln.de/color/). Each dimension keeps one colour in every chart.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Mapping, Sequence

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator
from PIL import Image

from seroi.disclosure import may_show, minimum_group
from seroi.i18n import format_money_short, format_number, translator

DIMENSIONS: tuple[str, ...] = ("social", "economic", "environmental")

OKABE_ITO: dict[str, str] = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}
DIMENSION_COLOURS: dict[str, str] = {
    "social": OKABE_ITO["blue"],
    "economic": OKABE_ITO["orange"],
    "environmental": OKABE_ITO["bluish_green"],
}
# Colours that never stand for a dimension, for charts that are not split by dimension.
NEUTRAL_COLOUR = "#595959"
LOW_END_COLOUR = OKABE_ITO["vermillion"]
HIGH_END_COLOUR = OKABE_ITO["sky_blue"]

WIDTH_PX = 1080
DPI = 120
BASE_PT = 16
TITLE_PT = 20
LABEL_PT = 15
NOTE_PT = 13

_WIDTH_IN = WIDTH_PX / DPI


def dimension_label(dimension: str, lang: str) -> str:
    """The localised name of a dimension (social, economic, environmental)."""
    _ = translator(lang)
    labels = {
        "social": _("Social"),
        "economic": _("Economic"),
        "environmental": _("Environmental"),
    }
    return labels[dimension]


def field_label(field: str, lang: str) -> str:
    """The localised name of an impact-map estimate (deadweight, quantity, ...)."""
    _ = translator(lang)
    labels = {
        "quantity": _("Quantity"),
        "proxy": _("Financial proxy"),
        "proxy_value": _("Financial proxy"),
        "deadweight": _("Deadweight"),
        "displacement": _("Displacement"),
        "attribution": _("Attribution"),
        "drop_off": _("Drop-off"),
        "duration": _("Duration"),
        "discount_rate": _("Discount rate"),
        "quantity_factor": _("Quantity (multiplier)"),
        "proxy_factor": _("Financial proxy (multiplier)"),
    }
    return labels.get(field, field.replace("_", " "))


def figure_to_png(figure: Figure) -> bytes:
    """Render a chart of this module (Agg canvas, chart resolution) to PNG bytes."""
    canvas = figure.canvas
    canvas.draw()
    # Charts are opaque, so the alpha channel is dropped: a quarter less to filter and
    # compress, which is most of the cost of encoding (the pixels are savefig's).
    image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba())
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


def _new_figure(height_px: int) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(_WIDTH_IN, height_px / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    # Tick objects are the costliest artists of a small chart, so axis labels are plain texts
    # placed by `_labels_below` and `_labels_left`, and most values are written on the bars.
    axes.set_xticks([])
    axes.set_yticks([])
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    return figure, axes


def _title(figure: Figure, title: str, subtitle: str = "") -> None:
    """Title and subtitle at a fixed distance from the top-left corner."""
    height_px = figure.bbox.height
    figure.text(
        40 / WIDTH_PX, 1 - 30 / height_px, title, fontsize=TITLE_PT, fontweight="bold", va="top"
    )
    if subtitle:
        figure.text(
            40 / WIDTH_PX,
            1 - 78 / height_px,
            subtitle,
            fontsize=NOTE_PT,
            color=NEUTRAL_COLOUR,
            va="top",
        )


def _margins(figure: Figure, *, left: int, right: int, top: int, bottom: int) -> None:
    """Place the axes by margins in pixels, so layouts hold whatever the figure height."""
    width_px, height_px = figure.bbox.width, figure.bbox.height
    figure.subplots_adjust(
        left=left / width_px,
        right=1 - right / width_px,
        top=1 - top / height_px,
        bottom=bottom / height_px,
    )


def _check_dimensions(values: Mapping[str, object]) -> None:
    unknown = sorted(set(values) - set(DIMENSIONS))
    if unknown:
        raise ValueError(f"unknown dimension(s) {unknown}; expected {list(DIMENSIONS)}")


def _padded_limits(low: float, high: float, share: float) -> tuple[float, float]:
    """Axis limits from `low` to `high` (always including 0) with room for end labels."""
    low, high = min(0.0, low), max(0.0, high)
    if low == high:
        return 0.0, 1.0
    span = high - low
    return (low - share * span if low < 0 else 0.0), (high + share * span if high > 0 else 0.0)


def _rectangles(
    axes: Axes,
    corners: Sequence[tuple[float, float, float, float]],
    colours: Sequence[str],
    **style: object,
) -> PolyCollection:
    """Bars as one collection of (x0, x1, y0, y1) rectangles: far cheaper than bar() patches."""
    outlines = [((x0, y0), (x0, y1), (x1, y1), (x1, y0)) for x0, x1, y0, y1 in corners]
    collection = PolyCollection(outlines, facecolors=colours, **style)
    axes.add_collection(collection, autolim=False)
    return collection


def _value_label(
    axes: Axes, text: str, x: float, y: float, *, direction: float, horizontal: bool, **style
) -> None:
    """A bold label just beyond a bar end at (x, y), on the side the bar points (`direction`)."""
    offset = 8 if direction >= 0 else -8
    axes.annotate(
        text,
        xy=(x, y),
        xytext=(offset, 0) if horizontal else (0, offset),
        textcoords="offset points",
        ha=("left" if direction >= 0 else "right") if horizontal else "center",
        va="center" if horizontal else ("bottom" if direction >= 0 else "top"),
        fontweight="bold",
        **{"fontsize": BASE_PT, **style},
    )


def _labels_below(axes: Axes, positions: Sequence[float], labels: Sequence[str]) -> None:
    """Category labels under the x axis at data positions."""
    for position, label in zip(positions, labels, strict=True):
        axes.annotate(
            label,
            xy=(position, 0),
            xycoords=axes.get_xaxis_transform(),
            xytext=(0, -8),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=LABEL_PT,
        )


def _labels_left(axes: Axes, levels: Sequence[float], labels: Sequence[str]) -> None:
    """Value labels left of the y axis at data levels."""
    for level, label in zip(levels, labels, strict=True):
        axes.annotate(
            label,
            xy=(0, level),
            xycoords=axes.get_yaxis_transform(),
            xytext=(-8, 0),
            textcoords="offset points",
            ha="right",
            va="center",
            fontsize=LABEL_PT,
        )


def _labelled_bars(
    axes: Axes,
    labels: Sequence[str],
    values: Sequence[float],
    colours: Sequence[str],
    format_value: Callable[[float], str],
) -> None:
    """Horizontal bars, one per label, its name above it and its value at its end.

    Names sit above the bars rather than beside them so long stakeholder names use the full
    width of a phone screen.
    """
    _rectangles(
        axes,
        [(0.0, value, position - 0.25, position + 0.25) for position, value in enumerate(values)],
        colours,
    )
    for position, (label, value) in enumerate(zip(labels, values, strict=True)):
        axes.text(
            0,
            position - 0.3,
            label,
            transform=axes.get_yaxis_transform(),
            fontsize=BASE_PT,
            va="bottom",
        )
        _value_label(axes, format_value(value), value, position, direction=value, horizontal=True)
    axes.set_ylim(len(values) - 0.4, -0.9)
    axes.set_xlim(*_padded_limits(min(values, default=0), max(values, default=0), 0.35))
    axes.axvline(0, color=OKABE_ITO["black"], linewidth=1)
    for side in ("left", "bottom"):
        axes.spines[side].set_visible(False)


def value_by_dimension_figure(
    values: Mapping[str, float], *, lang: str, currency: str, title: str | None = None
) -> Figure:
    """Bars of present value per dimension; negative values point left."""
    _check_dimensions(values)
    _ = translator(lang)
    figure, axes = _new_figure(720)
    _margins(figure, left=40, right=40, top=130, bottom=30)
    _labelled_bars(
        axes,
        [dimension_label(dimension, lang) for dimension in DIMENSIONS],
        [float(values.get(dimension, 0.0)) for dimension in DIMENSIONS],
        [DIMENSION_COLOURS[dimension] for dimension in DIMENSIONS],
        lambda value: format_money_short(value, currency, lang),
    )
    _title(figure, title or _("Value by dimension"), _("Present value"))
    return figure


def value_by_stakeholder_figure(
    values: Mapping[str, float], *, lang: str, currency: str, title: str | None = None
) -> Figure:
    """Bars of present value per stakeholder group, largest first."""
    _ = translator(lang)
    ordered = sorted(values.items(), key=lambda item: item[1], reverse=True)
    figure, axes = _new_figure(max(720, 260 + 120 * len(ordered)))
    _margins(figure, left=40, right=40, top=150, bottom=40)
    _labelled_bars(
        axes,
        [name for name, _value in ordered],
        [float(value) for _name, value in ordered],
        [NEUTRAL_COLOUR] * len(ordered),
        lambda value: format_money_short(value, currency, lang),
    )
    _title(figure, title or _("Value by stakeholder"), _("Present value"))
    return figure


def _legend(figure: Figure, keys: Sequence[Rectangle]) -> None:
    """A row of colour keys along the bottom edge, each followed by its label.

    Drawn by hand in equal columns: matplotlib's Legend lays itself out with offset boxes,
    which costs as much as the whole rest of a chart.
    """
    column_px = (WIDTH_PX - 80) / max(len(keys), 1)
    height_px = figure.bbox.height
    for index, key in enumerate(keys):
        left_px = 40 + index * column_px
        key.set_bounds(left_px / WIDTH_PX, 24 / height_px, 30 / WIDTH_PX, 20 / height_px)
        key.set_transform(figure.transFigure)
        figure.add_artist(key)
        figure.text(
            (left_px + 42) / WIDTH_PX,
            34 / height_px,
            key.get_label(),
            fontsize=LABEL_PT,
            va="center",
        )


def _key(label: str, **style: object) -> Rectangle:
    """A colour key for `_legend`; placed there."""
    return Rectangle((0, 0), 1, 1, label=label, linewidth=1.5, **style)


def _dimension_keys(lang: str) -> list[Rectangle]:
    return [
        _key(dimension_label(dimension, lang), facecolor=DIMENSION_COLOURS[dimension])
        for dimension in DIMENSIONS
    ]


def value_by_year_figure(
    years: Sequence[int],
    by_dimension: Sequence[Mapping[str, float]],
    *,
    lang: str,
    currency: str,
    discounted: bool = False,
) -> Figure:
    """Bars per year stacked by dimension (negative parts below zero), net total on top."""
    if len(years) != len(by_dimension):
        raise ValueError("years and by_dimension must have the same length")
    for values in by_dimension:
        _check_dimensions(values)
    _ = translator(lang)
    figure, axes = _new_figure(810)
    _margins(figure, left=40, right=40, top=150, bottom=130)
    positive_base = [0.0] * len(years)
    negative_base = [0.0] * len(years)
    corners, colours = [], []
    for dimension in DIMENSIONS:
        for i, values in enumerate(by_dimension):
            part = float(values.get(dimension, 0.0))
            base = positive_base if part >= 0 else negative_base
            corners.append((years[i] - 0.35, years[i] + 0.35, base[i], base[i] + part))
            colours.append(DIMENSION_COLOURS[dimension])
            base[i] += part
    _rectangles(axes, corners, colours)
    # Beyond six bars a horizontal amount is wider than its bar: turn it upright.
    upright = {"fontsize": NOTE_PT, "rotation": 90} if len(years) > 6 else {}
    for year, top, bottom in zip(years, positive_base, negative_base, strict=True):
        total = top + bottom
        label = format_money_short(total, currency, lang)
        _value_label(
            axes,
            label,
            year,
            top if total >= 0 else bottom,
            direction=total,
            horizontal=False,
            **upright,
        )
    axes.set_ylim(
        *_padded_limits(
            min(negative_base, default=0), max(positive_base, default=0), 0.3 if upright else 0.15
        )
    )
    axes.set_xlim(min(years, default=0) - 0.6, max(years, default=0) + 0.6)
    axes.axhline(0, color=OKABE_ITO["black"], linewidth=1)
    for side in ("left", "bottom"):
        axes.spines[side].set_visible(False)
    _labels_below(axes, years, [str(year) for year in years])
    kind = _("present value") if discounted else _("not discounted")
    _title(figure, _("Value by year"), _("Value in each year ({kind})").format(kind=kind))
    _legend(figure, _dimension_keys(lang))
    return figure


def tornado_figure(
    bars: Sequence[tuple[str, str, float, float]],
    central_ratio: float,
    *,
    lang: str,
    max_bars: int = 6,
) -> Figure:
    """One-way sensitivity: the SROI ratio at each estimate's low and high end.

    `bars` holds (outcome label, field, ratio at the low value, ratio at the high value);
    the widest swings are drawn, at most `max_bars` so the chart stays legible on a phone.
    """
    _ = translator(lang)
    shown = sorted(bars, key=lambda bar: abs(bar[3] - bar[2]), reverse=True)[:max_bars]
    figure, axes = _new_figure(max(720, 330 + 110 * len(shown)))
    _margins(figure, left=40, right=40, top=190, bottom=90)
    corners, colours = [], []
    for position, (outcome, field, ratio_low, ratio_high) in enumerate(shown):
        for ratio, colour in ((ratio_low, LOW_END_COLOUR), (ratio_high, HIGH_END_COLOUR)):
            corners.append((central_ratio, ratio, position - 0.25, position + 0.25))
            colours.append(colour)
        # One label per bar, ratios included: each text costs more to draw than a bar.
        axes.text(
            0,
            position - 0.3,
            f"{outcome} · {field_label(field, lang)}: "
            f"{format_number(min(ratio_low, ratio_high), lang)} – "
            f"{format_number(max(ratio_low, ratio_high), lang)}",
            transform=axes.get_yaxis_transform(),
            fontsize=LABEL_PT,
            va="bottom",
        )
    _rectangles(axes, corners, colours)
    ratios = [ratio for bar in shown for ratio in bar[2:]] + [central_ratio, 1.0]
    low, high = min(ratios), max(ratios)
    span = (high - low) or 1.0
    axes.set_xlim(low - 0.2 * span, high + 0.2 * span)
    axes.set_ylim(len(shown) - 0.4, -1.3)
    for level, label, style in (
        (central_ratio, format_number(central_ratio, lang), "-"),
        (1.0, "1 : 1", "--"),
    ):
        # Drawn only across the bars (and up to its number), so no line runs through a label.
        axes.vlines(
            [level] * (len(shown) + 1),
            [-1.3, *(position - 0.3 for position in range(len(shown)))],
            [-0.75, *(position + 0.3 for position in range(len(shown)))],
            color=OKABE_ITO["black"],
            linewidth=1.5,
            linestyle=style,
        )
        axes.annotate(
            label,
            xy=(level, 1),
            xycoords=axes.get_xaxis_transform(),
            xytext=(0, 4),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=NOTE_PT,
            fontweight="bold",
        )
    for side in ("left", "bottom"):
        axes.spines[side].set_visible(False)
    _title(
        figure,
        _("What moves the ratio"),
        _("Central ratio {ratio}; dashed line = break-even").format(
            ratio=format_number(central_ratio, lang)
        ),
    )
    _legend(
        figure,
        [
            _key(_("Estimate at its low end"), facecolor=LOW_END_COLOUR),
            _key(_("Estimate at its high end"), facecolor=HIGH_END_COLOUR),
        ],
    )
    return figure


def forecast_vs_actual_figure(
    forecast: Mapping[str, float],
    actual: Mapping[str, float],
    *,
    lang: str,
    currency: str,
) -> Figure:
    """Forecast (hatched) and actual (solid) present value side by side per dimension."""
    _check_dimensions(forecast)
    _check_dimensions(actual)
    _ = translator(lang)
    figure, axes = _new_figure(810)
    _margins(figure, left=40, right=40, top=150, bottom=130)
    width = 0.38
    extremes = [0.0]
    colours = [DIMENSION_COLOURS[dimension] for dimension in DIMENSIONS]
    for offset, series, hatched in ((-width / 2, forecast, True), (width / 2, actual, False)):
        values = [float(series.get(dimension, 0.0)) for dimension in DIMENSIONS]
        extremes.extend(values)
        centres = [position + offset for position in range(len(DIMENSIONS))]
        _rectangles(
            axes,
            [
                (x - width / 2, x + width / 2, 0.0, value)
                for x, value in zip(centres, values, strict=True)
            ],
            ["white"] * len(values) if hatched else colours,
            edgecolors=colours,
            hatch="//" if hatched else None,
            linewidths=2,
        )
        for x, value in zip(centres, values, strict=True):
            label = format_money_short(value, currency, lang)
            _value_label(axes, label, x, value, direction=value, horizontal=False, fontsize=NOTE_PT)
    axes.set_ylim(*_padded_limits(min(extremes), max(extremes), 0.15))
    axes.set_xlim(-0.6, len(DIMENSIONS) - 0.4)
    axes.axhline(0, color=OKABE_ITO["black"], linewidth=1)
    for side in ("left", "bottom"):
        axes.spines[side].set_visible(False)
    _labels_below(axes, range(len(DIMENSIONS)), [dimension_label(d, lang) for d in DIMENSIONS])
    _title(figure, _("Forecast and actual value"), _("Present value"))
    _legend(
        figure,
        [
            _key(_("Forecast"), facecolor="white", edgecolor=NEUTRAL_COLOUR, hatch="//"),
            _key(_("Actual"), facecolor=NEUTRAL_COLOUR),
        ],
    )
    return figure


def visible_means(
    means: Sequence[float | None], counts: Sequence[int], *, sensitive: bool
) -> list[float]:
    """Means to plot: NaN (a gap) wherever a wave is too small to show (`seroi.disclosure`)."""
    if len(means) != len(counts):
        raise ValueError("means and counts must have the same length")
    return [
        float(mean) if mean is not None and may_show(count, sensitive=sensitive) else math.nan
        for mean, count in zip(means, counts, strict=True)
    ]


def indicator_trend_figure(
    waves: Sequence[str],
    means: Sequence[float | None],
    counts: Sequence[int],
    *,
    indicator: str,
    sensitive: bool,
    lang: str,
    baseline: float | None = None,
    target: float | None = None,
    scale: tuple[float, float] | None = None,
) -> Figure:
    """Mean answer per wave with n under each wave, baseline and target lines.

    `indicator` is the title. A wave too small to show (fewer than 5 answers, 10 when
    `sensitive`: wellbeing items) is a gap in the line labelled "n < 5" (or 10): its mean
    is never plotted and its count never printed.
    """
    _ = translator(lang)
    min_count = minimum_group(sensitive=sensitive)
    plotted = visible_means(means, counts, sensitive=sensitive)
    figure, axes = _new_figure(810)
    _margins(figure, left=90, right=190, top=150, bottom=110)
    positions = list(range(len(waves)))
    axes.plot(positions, plotted, color=OKABE_ITO["blue"], linewidth=3, marker="o", markersize=9)
    for position, value in zip(positions, plotted, strict=True):
        if not math.isnan(value):
            label = format_number(value, lang, decimals=1)
            _value_label(
                axes, label, position, value, direction=1, horizontal=False, fontsize=NOTE_PT
            )
    # Every other wave keeps the labels legible on a phone when there are many; the points stay.
    step = 2 if len(waves) > 8 else 1
    _labels_below(
        axes,
        positions[::step],
        [
            f"{wave}\n"
            + (
                _("n = {count}").format(count=count)
                if may_show(count, sensitive=sensitive)
                else _("n < {threshold}").format(threshold=min_count)
            )
            for wave, count in list(zip(waves, counts, strict=True))[::step]
        ],
    )
    levels = [value for value in (*plotted, baseline, target) if value is not None]
    low, high = scale or (min(levels, default=0.0), max(levels, default=1.0))
    if scale is None:
        low, high = low - 0.1 * ((high - low) or 1.0), high + 0.1 * ((high - low) or 1.0)
    axes.set_ylim(low, high)
    axes.set_xlim(-0.5, len(waves) - 0.5)
    ticks = [level for level in MaxNLocator(nbins=4).tick_values(low, high) if low <= level <= high]
    _labels_left(axes, ticks, [format_number(level, lang, decimals=1) for level in ticks])
    for level, name, style in ((baseline, _("Baseline"), ":"), (target, _("Target"), "--")):
        if level is not None:
            axes.axhline(level, color=OKABE_ITO["black"], linewidth=1.5, linestyle=style)
            axes.annotate(
                f"{name} {format_number(level, lang, decimals=1)}",
                xy=(1, level),
                xycoords=axes.get_yaxis_transform(),
                xytext=(8, 0),
                textcoords="offset points",
                va="center",
                fontsize=NOTE_PT,
            )
    _title(
        figure,
        indicator,
        _("Mean per wave; waves with fewer than {threshold} answers are not shown").format(
            threshold=min_count
        ),
    )
    return figure


def value_by_dimension_png(values: Mapping[str, float], *, lang: str, currency: str) -> bytes:
    """PNG of `value_by_dimension_figure`."""
    return figure_to_png(value_by_dimension_figure(values, lang=lang, currency=currency))


def value_by_stakeholder_png(values: Mapping[str, float], *, lang: str, currency: str) -> bytes:
    """PNG of `value_by_stakeholder_figure`."""
    return figure_to_png(value_by_stakeholder_figure(values, lang=lang, currency=currency))


def value_by_year_png(
    years: Sequence[int],
    by_dimension: Sequence[Mapping[str, float]],
    *,
    lang: str,
    currency: str,
    discounted: bool = False,
) -> bytes:
    """PNG of `value_by_year_figure`."""
    return figure_to_png(
        value_by_year_figure(
            years, by_dimension, lang=lang, currency=currency, discounted=discounted
        )
    )


def tornado_png(
    bars: Sequence[tuple[str, str, float, float]],
    central_ratio: float,
    *,
    lang: str,
    max_bars: int = 6,
) -> bytes:
    """PNG of `tornado_figure`."""
    return figure_to_png(tornado_figure(bars, central_ratio, lang=lang, max_bars=max_bars))


def forecast_vs_actual_png(
    forecast: Mapping[str, float], actual: Mapping[str, float], *, lang: str, currency: str
) -> bytes:
    """PNG of `forecast_vs_actual_figure`."""
    return figure_to_png(forecast_vs_actual_figure(forecast, actual, lang=lang, currency=currency))


def indicator_trend_png(
    waves: Sequence[str],
    means: Sequence[float | None],
    counts: Sequence[int],
    *,
    indicator: str,
    sensitive: bool,
    lang: str,
    baseline: float | None = None,
    target: float | None = None,
    scale: tuple[float, float] | None = None,
) -> bytes:
    """PNG of `indicator_trend_figure`."""
    return figure_to_png(
        indicator_trend_figure(
            waves,
            means,
            counts,
            indicator=indicator,
            sensitive=sensitive,
            lang=lang,
            baseline=baseline,
            target=target,
            scale=scale,
        )
    )


def poll_results_figure(
    options: Sequence[str],
    counts: Sequence[int],
    *,
    lang: str,
    title: str,
    subtitle: str = "",
) -> Figure:
    """Bars of votes per option, in the order asked, readable on a projector and a phone.

    The caller applies the small-group rule first (`seroi.disclosure.may_show`).
    """
    if len(options) != len(counts):
        raise ValueError("one count per option")
    figure, axes = _new_figure(200 + 90 * len(options))
    _margins(figure, left=40, right=40, top=130, bottom=30)
    _labelled_bars(
        axes,
        list(options),
        [float(count) for count in counts],
        [OKABE_ITO["blue"]] * len(options),
        lambda value: format_number(value, lang, decimals=0),
    )
    _title(figure, title, subtitle)
    return figure


def poll_results_png(
    options: Sequence[str], counts: Sequence[int], *, lang: str, title: str, subtitle: str = ""
) -> bytes:
    """PNG of `poll_results_figure`."""
    return figure_to_png(
        poll_results_figure(options, counts, lang=lang, title=title, subtitle=subtitle)
    )


def word_frequency_figure(
    words: Sequence[tuple[str, int]],
    *,
    lang: str,
    title: str,
    subtitle: str = "",
) -> Figure:
    """Bars of the most frequent words of free-text answers: how many answers mention each.

    `words` come most frequent first (`seroi.words.most_frequent`); the caller applies the
    small-group rule to the answers first (`seroi.disclosure.may_show`).
    """
    if not words:
        raise ValueError("no words to show")
    figure, axes = _new_figure(200 + 70 * len(words))
    _margins(figure, left=40, right=40, top=130, bottom=30)
    _labelled_bars(
        axes,
        [word for word, _count in words],
        [float(count) for _word, count in words],
        # Not a dimension's colour: words are not social, economic or environmental value.
        [OKABE_ITO["reddish_purple"]] * len(words),
        lambda value: format_number(value, lang, decimals=0),
    )
    _title(figure, title, subtitle)
    return figure


def word_frequency_png(
    words: Sequence[tuple[str, int]], *, lang: str, title: str, subtitle: str = ""
) -> bytes:
    """PNG of `word_frequency_figure`."""
    return figure_to_png(word_frequency_figure(words, lang=lang, title=title, subtitle=subtitle))
