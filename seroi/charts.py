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
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

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
    """Render a figure to PNG bytes at the chart resolution."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _new_figure(height_px: int) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(_WIDTH_IN, height_px / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.tick_params(labelsize=LABEL_PT)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    return figure, axes


def _title(figure: Figure, title: str, subtitle: str = "") -> None:
    """Title and subtitle at a fixed distance from the top-left corner.

    Figure texts rather than an axes title: matplotlib re-measures every tick label to place
    an axes title, which costs more than the rest of a small chart.
    """
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


def _labelled_bars(
    axes: Axes,
    labels: Sequence[str],
    values: Sequence[float],
    colours: Sequence[str],
    format_value: Callable[[float], str],
) -> None:
    """Horizontal bars, one per label, its name above it and its value at its end.

    Names sit above the bars rather than on a y axis so long stakeholder names use the full
    width of a phone screen.
    """
    positions = range(len(values))
    axes.barh(positions, values, height=0.5, color=colours)
    for position, label, value in zip(positions, labels, values, strict=True):
        axes.text(
            0,
            position - 0.3,
            label,
            transform=axes.get_yaxis_transform(),
            fontsize=BASE_PT,
            va="bottom",
        )
        axes.annotate(
            format_value(value),
            xy=(value, position),
            xytext=(8 if value >= 0 else -8, 0),
            textcoords="offset points",
            ha="left" if value >= 0 else "right",
            va="center",
            fontsize=BASE_PT,
            fontweight="bold",
        )
    axes.set_ylim(len(values) - 0.4, -0.9)
    axes.set_xlim(*_padded_limits(min(values, default=0), max(values, default=0), 0.35))
    axes.axvline(0, color=OKABE_ITO["black"], linewidth=1)
    axes.set_yticks([])
    axes.set_xticks([])
    for side in ("left", "bottom"):
        axes.spines[side].set_visible(False)


def value_by_dimension_figure(
    values: Mapping[str, float], *, lang: str, currency: str, title: str | None = None
) -> Figure:
    """Bars of present value per dimension; negative values point left."""
    _check_dimensions(values)
    _ = translator(lang)
    figure, axes = _new_figure(720)
    figure.subplots_adjust(left=0.04, right=0.96, top=0.82, bottom=0.05)
    dimension_values = [float(values.get(dimension, 0.0)) for dimension in DIMENSIONS]
    _labelled_bars(
        axes,
        [dimension_label(dimension, lang) for dimension in DIMENSIONS],
        dimension_values,
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
    top_px, bottom_px = 150, 40
    figure.subplots_adjust(
        left=0.04,
        right=0.96,
        top=1 - top_px / figure.bbox.height,
        bottom=bottom_px / figure.bbox.height,
    )
    _labelled_bars(
        axes,
        [name for name, _value in ordered],
        [float(value) for _name, value in ordered],
        [NEUTRAL_COLOUR] * len(ordered),
        lambda value: format_money_short(value, currency, lang),
    )
    _title(figure, title or _("Value by stakeholder"), _("Present value"))
    return figure


def _money_axis(axes: Axes, currency: str, lang: str) -> None:
    axes.yaxis.set_major_locator(MaxNLocator(nbins=4))
    axes.yaxis.set_major_formatter(
        FuncFormatter(lambda value, _pos: format_money_short(value, currency, lang))
    )
    axes.axhline(0, color=OKABE_ITO["black"], linewidth=1)


def _dimension_legend(axes: Axes, lang: str, extra: Sequence[Patch] = ()) -> None:
    handles = [
        Patch(color=DIMENSION_COLOURS[dimension], label=dimension_label(dimension, lang))
        for dimension in DIMENSIONS
    ]
    axes.legend(
        handles=[*handles, *extra],
        loc="upper left",
        bbox_to_anchor=(0, -0.16),
        ncol=3,
        frameon=False,
        fontsize=LABEL_PT,
        handlelength=1.2,
        columnspacing=1.2,
    )


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
    figure.subplots_adjust(left=0.17, right=0.97, top=0.84, bottom=0.24)
    positive_base = [0.0] * len(years)
    negative_base = [0.0] * len(years)
    # One bar() call for every segment: each call costs more than drawing its bars.
    segment_x, segment_height, segment_bottom, segment_colour = [], [], [], []
    for dimension in DIMENSIONS:
        for i, values in enumerate(by_dimension):
            part = float(values.get(dimension, 0.0))
            segment_x.append(years[i])
            segment_height.append(part)
            segment_colour.append(DIMENSION_COLOURS[dimension])
            if part >= 0:
                segment_bottom.append(positive_base[i])
                positive_base[i] += part
            else:
                segment_bottom.append(negative_base[i])
                negative_base[i] += part
    axes.bar(segment_x, segment_height, bottom=segment_bottom, width=0.7, color=segment_colour)
    totals = [top + bottom for top, bottom in zip(positive_base, negative_base, strict=True)]
    for year, total, top, bottom in zip(years, totals, positive_base, negative_base, strict=True):
        axes.annotate(
            format_money_short(total, currency, lang),
            xy=(year, top if total >= 0 else bottom),
            xytext=(0, 6 if total >= 0 else -6),
            textcoords="offset points",
            ha="center",
            va="bottom" if total >= 0 else "top",
            fontsize=NOTE_PT if len(years) > 6 else LABEL_PT,
            fontweight="bold",
        )
    axes.set_ylim(
        *_padded_limits(min(negative_base, default=0), max(positive_base, default=0), 0.15)
    )
    axes.set_xticks(list(years))
    axes.set_xlabel(_("Year"), fontsize=LABEL_PT)
    _money_axis(axes, currency, lang)
    subtitle = _("Present value") if discounted else _("Value in the year, not discounted")
    _title(figure, _("Value by year"), subtitle)
    _dimension_legend(axes, lang)
    return figure


def tornado_figure(
    bars: Sequence[tuple[str, str, float, float]],
    central_ratio: float,
    *,
    lang: str,
    max_bars: int = 8,
) -> Figure:
    """One-way sensitivity: the SROI ratio at each estimate's low and high end.

    `bars` holds (outcome label, field, ratio at the low value, ratio at the high value);
    the widest swings are drawn, at most `max_bars` so the chart stays legible on a phone.
    """
    _ = translator(lang)
    shown = sorted(bars, key=lambda bar: abs(bar[3] - bar[2]), reverse=True)[:max_bars]
    figure, axes = _new_figure(max(720, 300 + 110 * len(shown)))
    height_px = figure.bbox.height
    figure.subplots_adjust(left=0.04, right=0.96, top=1 - 170 / height_px, bottom=170 / height_px)
    positions = range(len(shown))
    ends = ((2, LOW_END_COLOUR), (3, HIGH_END_COLOUR))
    axes.barh(
        [position for position in positions for _end in ends],
        [bar[index] - central_ratio for bar in shown for index, _colour in ends],
        left=central_ratio,
        height=0.5,
        color=[colour for _bar in shown for _index, colour in ends],
    )
    for position, (outcome, field, ratio_low, ratio_high) in zip(positions, shown, strict=True):
        for ratio in (ratio_low, ratio_high):
            axes.annotate(
                format_number(ratio, lang),
                xy=(ratio, position),
                xytext=(6 if ratio >= central_ratio else -6, 0),
                textcoords="offset points",
                ha="left" if ratio >= central_ratio else "right",
                va="center",
                fontsize=NOTE_PT,
            )
        axes.text(
            0,
            position - 0.3,
            f"{outcome} · {field_label(field, lang)}",
            transform=axes.get_yaxis_transform(),
            fontsize=LABEL_PT,
            va="bottom",
        )
    ratios = [ratio for bar in shown for ratio in bar[2:]] + [central_ratio, 1.0]
    low, high = min(ratios), max(ratios)
    span = (high - low) or 1.0
    axes.set_xlim(low - 0.2 * span, high + 0.2 * span)
    axes.set_ylim(len(shown) - 0.4, -0.9)
    axes.axvline(central_ratio, color=OKABE_ITO["black"], linewidth=1.5)
    axes.axvline(1.0, color=OKABE_ITO["black"], linewidth=1.2, linestyle="--")
    axes.xaxis.set_major_locator(MaxNLocator(nbins=4))
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _pos: format_number(value, lang)))
    axes.set_yticks([])
    axes.spines["left"].set_visible(False)
    axes.set_xlabel(_("SROI ratio (value per 1 invested)"), fontsize=LABEL_PT)
    _title(
        figure,
        _("What moves the ratio"),
        _("Central ratio {ratio}; dashed line = break-even 1 : 1").format(
            ratio=format_number(central_ratio, lang)
        ),
    )
    axes.legend(
        handles=[
            Patch(color=LOW_END_COLOUR, label=_("Estimate at its low end")),
            Patch(color=HIGH_END_COLOUR, label=_("Estimate at its high end")),
        ],
        loc="upper left",
        bbox_to_anchor=(0, -70 / axes.bbox.height),
        ncol=2,
        frameon=False,
        fontsize=LABEL_PT,
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
    figure.subplots_adjust(left=0.17, right=0.97, top=0.84, bottom=0.2)
    positions = range(len(DIMENSIONS))
    width = 0.38
    extremes = [0.0]
    colours = [DIMENSION_COLOURS[dimension] for dimension in DIMENSIONS]
    for offset, series, hatched in ((-width / 2, forecast, True), (width / 2, actual, False)):
        values = [float(series.get(dimension, 0.0)) for dimension in DIMENSIONS]
        extremes.extend(values)
        axes.bar(
            [position + offset for position in positions],
            values,
            width=width,
            color="white" if hatched else colours,
            edgecolor=colours,
            hatch="//" if hatched else None,
            linewidth=2,
        )
        for position, value in zip(positions, values, strict=True):
            axes.annotate(
                format_money_short(value, currency, lang),
                xy=(position + offset, value),
                xytext=(0, 5 if value >= 0 else -5),
                textcoords="offset points",
                ha="center",
                va="bottom" if value >= 0 else "top",
                fontsize=NOTE_PT,
                fontweight="bold",
            )
    axes.set_ylim(*_padded_limits(min(extremes), max(extremes), 0.15))
    axes.set_xticks(list(positions), [dimension_label(d, lang) for d in DIMENSIONS])
    _money_axis(axes, currency, lang)
    _title(figure, _("Forecast and actual value"), _("Present value"))
    axes.legend(
        handles=[
            Patch(facecolor="white", edgecolor=NEUTRAL_COLOUR, hatch="//", label=_("Forecast")),
            Patch(color=NEUTRAL_COLOUR, label=_("Actual")),
        ],
        loc="lower left",
        bbox_to_anchor=(0, -0.22),
        ncol=2,
        frameon=False,
        fontsize=LABEL_PT,
    )
    return figure


def visible_means(
    means: Sequence[float | None], counts: Sequence[int], min_count: int
) -> list[float]:
    """Means to plot: NaN (a gap) wherever a wave has fewer than `min_count` answers."""
    if len(means) != len(counts):
        raise ValueError("means and counts must have the same length")
    return [
        float(mean) if mean is not None and count >= min_count else math.nan
        for mean, count in zip(means, counts, strict=True)
    ]


def indicator_trend_figure(
    waves: Sequence[str],
    means: Sequence[float | None],
    counts: Sequence[int],
    *,
    indicator: str,
    min_count: int,
    lang: str,
    baseline: float | None = None,
    target: float | None = None,
    scale: tuple[float, float] | None = None,
) -> Figure:
    """Mean answer per wave with n under each wave, baseline and target lines.

    A wave with fewer than `min_count` answers is a gap in the line and shows only
    "n < min_count": its mean is never plotted and its count never printed.
    """
    _ = translator(lang)
    plotted = visible_means(means, counts, min_count)
    figure, axes = _new_figure(810)
    figure.subplots_adjust(left=0.1, right=0.8, top=0.84, bottom=0.2)
    positions = list(range(len(waves)))
    axes.plot(
        positions,
        plotted,
        color=OKABE_ITO["blue"],
        linewidth=3,
        marker="o",
        markersize=9,
    )
    for position, value in zip(positions, plotted, strict=True):
        if not math.isnan(value):
            axes.annotate(
                format_number(value, lang, decimals=1),
                xy=(position, value),
                xytext=(0, 10),
                textcoords="offset points",
                ha="center",
                fontsize=NOTE_PT,
                fontweight="bold",
            )
    tick_labels = [
        f"{wave}\n"
        + (
            _("n = {count}").format(count=count)
            if count >= min_count
            else _("n < {threshold}").format(threshold=min_count)
        )
        for wave, count in zip(waves, counts, strict=True)
    ]
    axes.set_xticks(positions, tick_labels, fontsize=NOTE_PT)
    if len(waves) > 8:
        # Every other wave keeps the labels legible on a phone; the points stay.
        for label in axes.get_xticklabels()[1::2]:
            label.set_visible(False)
    for level, name, style in ((baseline, _("Baseline"), ":"), (target, _("Target"), "--")):
        if level is not None:
            axes.axhline(level, color=OKABE_ITO["black"], linewidth=1.5, linestyle=style)
            axes.annotate(
                f"{name} {format_number(level, lang, decimals=1)}",
                xy=(1, level),
                xycoords=("axes fraction", "data"),
                xytext=(8, 0),
                textcoords="offset points",
                va="center",
                fontsize=NOTE_PT,
            )
    if scale is not None:
        axes.set_ylim(*scale)
    axes.yaxis.set_major_locator(MaxNLocator(nbins=4))
    axes.set_xlim(-0.5, len(waves) - 0.5)
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
    max_bars: int = 8,
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
    min_count: int,
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
            min_count=min_count,
            lang=lang,
            baseline=baseline,
            target=target,
            scale=scale,
        )
    )
