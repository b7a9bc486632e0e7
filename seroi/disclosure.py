"""The disclosure guard: the one module every summary, chart, report and export goes through.

Village-sized groups are re-identifiable. Following official practice (OECD: at least five
respondents in a cell; ONS uses ten; Statistics Finland: secondary suppression), the guard
applies these rules (the reasons are in docs/privacy_guard.md):

1. **Small groups.** A group of fewer than 5 people is never shown, and fewer than 10 for
   wellbeing items and for breakdowns by two or more traits (`minimum_group`,
   `is_sensitive`, `may_show`). Zero counts as small: "nobody in this group" is a fact about
   everybody else.
2. **Means and medians** (`guard_mean`) are shown only with their count, and both are hidden
   together when the group is small.
3. **Shares** (`guard_share`) are shown exactly only when both the part and the rest are at
   least the minimum; otherwise a band ("under 40 %", "over 60 %"), so a small group never
   reads 0 % or 100 %, and a share never gives away a small count through its base.
4. **Secondary suppression** (`guard_table`): in a breakdown with its totals, every line (a
   row or a column with its total) that hides anything hides at least two cells holding
   together at least the minimum, so no hidden cell follows from a total minus the cells
   shown. The margins of a table by two traits are the breakdowns by one trait and are
   hidden by that rule alone, so the one-trait table published beside it adds nothing.
5. **Differences.** Two statistics over groups that differ by fewer than the minimum (two
   overlapping selections, a figure before and after a member joins or leaves) would give
   away the difference: `may_show_both` says whether two groups may both be shown, and
   `change_between` hides a change when either side is hidden. Breakdowns are computed over
   closed waves only, whose answers no longer change; a wave too small to show is left out
   of every figure that accumulates over waves (`cumulative_waves`), so the figure before
   and after it cannot be subtracted to give it.

API in short: `guard_mean(count, value, sensitive=…) -> Guarded`, `guard_share(part, whole,
sensitive=…) -> Share`, `guard_table(counts, sensitive=…) -> GuardedTable` (one or two traits),
`may_show_both(a, b, sensitive=…)`, `change_between(before, after)`,
`cumulative_waves(answered, sensitive=…)`. Everything is pure and deterministic: the same
data always gives the same published figures.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass

from seroi.indicators import INDICATORS

MIN_GROUP = 5
MIN_SENSITIVE_GROUP = 10
# Bands of shares are whole multiples of this many percentage points.
SHARE_BAND_STEP = 10


def minimum_group(*, sensitive: bool) -> int:
    """The smallest group that may be shown."""
    return MIN_SENSITIVE_GROUP if sensitive else MIN_GROUP


def is_sensitive(indicators: Iterable[str], traits: int = 1) -> bool:
    """Whether results over these indicators (by `traits` breakdowns) need the strict rule."""
    return traits >= 2 or any(INDICATORS[name].wellbeing for name in indicators)


def may_show(count: int, *, sensitive: bool) -> bool:
    """Whether a group of `count` people may be shown (its count and its statistics)."""
    return count >= minimum_group(sensitive=sensitive)


@dataclass(frozen=True)
class Guarded:
    """A statistic and the count behind it, both None when the group is too small."""

    count: int | None
    value: float | None
    threshold: int

    @property
    def shown(self) -> bool:
        """Whether the statistic may be published."""
        return self.count is not None


def guard_mean(count: int, value: float | None, *, sensitive: bool) -> Guarded:
    """A mean or a median over `count` people: shown with its count, or neither."""
    threshold = minimum_group(sensitive=sensitive)
    if value is None or not may_show(count, sensitive=sensitive):
        return Guarded(None, None, threshold)
    return Guarded(count, value, threshold)


def change_between(before: Guarded, after: Guarded) -> float | None:
    """The change from one wave to the next, only when both waves are shown.

    A change next to one shown wave would give away the hidden one.
    """
    if before.value is None or after.value is None:
        return None
    return after.value - before.value


@dataclass(frozen=True)
class Share:
    """A share in percent: exact (`percent`), or a band (`below` or `above` a bound)."""

    percent: float | None = None
    below: int | None = None
    above: int | None = None

    @property
    def shown(self) -> bool:
        """Whether anything may be said about the share."""
        return self.percent is not None or self.below is not None or self.above is not None


def guard_share(part: int, whole: int, *, sensitive: bool) -> Share:
    """`part` of `whole` people as a share that gives away no small group.

    Exact when the part and the rest both reach the minimum; "under X %" when the part is
    small, "over Y %" when the rest is, X and Y rounded outwards to 10 %; nothing when the
    whole is small or both sides are (then either band would tell the other).
    """
    if not 0 <= part <= whole:
        raise ValueError(f"a share needs 0 <= part <= whole (got {part} of {whole})")
    threshold = minimum_group(sensitive=sensitive)
    rest = whole - part
    if whole < threshold or (part < threshold and rest < threshold):
        return Share()
    if part >= threshold and rest >= threshold:
        return Share(percent=100 * part / whole)
    # The bound covers every count under the threshold, so it says no more than "few".
    bound = 100 * threshold / whole
    if part < threshold:
        return Share(below=min(100, _round_up(bound)))
    return Share(above=max(0, 100 - _round_up(bound)))


def _round_up(percent: float) -> int:
    return SHARE_BAND_STEP * math.ceil(percent / SHARE_BAND_STEP - 1e-9)


Key = tuple[Hashable, ...]


@dataclass(frozen=True)
class GuardedTable:
    """A breakdown after suppression: hidden counts are None.

    `cells` maps each key (one value per trait) to its count; `margins[i]` maps each value
    of trait i to the total over the other trait (a table by one trait has no margins);
    `total` is the grand total.
    """

    cells: dict[Key, int | None]
    margins: tuple[dict[Hashable, int | None], ...]
    total: int | None
    threshold: int

    def hidden(self) -> set[Key]:
        """The keys of the hidden cells."""
        return {key for key, count in self.cells.items() if count is None}

    def by_value(self) -> dict[Hashable, int | None]:
        """A one-trait table's counts by the trait's value."""
        return {key[0]: count for key, count in self.cells.items()}


def guard_table(counts: Mapping[Key, int], *, sensitive: bool = False) -> GuardedTable:
    """Suppress a breakdown of people by one or two traits, with its totals.

    `counts` maps a key (one value per trait, every combination that may occur, zeros
    included) to the number of people with those values. Cells under the minimum are
    hidden (10 for two traits or when `sensitive`); then, line by line (a row or a column
    with its published total), more cells are hidden, the smallest shown first, until every
    line that hides anything hides at least two cells holding together at least the
    minimum, or hides the whole line (whose total is public anyway). The margins of a table
    by two traits are exactly the one-trait tables (`guard_table` of each margin), so
    publishing those beside it tells nothing new; a row or column whose margin is hidden is
    hidden whole.
    """
    keys = list(counts)
    width = len(keys[0]) if keys else 1
    if width not in (1, 2) or any(len(key) != width for key in keys):
        raise ValueError("every key needs one value per trait, for one or two traits")
    threshold = minimum_group(sensitive=sensitive or width == 2)
    total = sum(counts.values())
    hidden = {key for key in keys if counts[key] < threshold}
    if width == 1:
        total_shown = may_show(total, sensitive=sensitive)
        if not total_shown:
            hidden = set(keys)
        lines = [list(keys)] if total_shown else []
        margins: tuple[dict[Hashable, int | None], ...] = ()
    else:
        margins = tuple(
            guard_table(
                {
                    (value,): sum(counts[key] for key in keys if key[axis] == value)
                    for value in dict.fromkeys(key[axis] for key in keys)
                },
                sensitive=sensitive,
            ).by_value()
            for axis in (0, 1)
        )
        hidden |= {key for key in keys if any(margins[axis][key[axis]] is None for axis in (0, 1))}
        lines = [
            [key for key in keys if key[axis] == value]
            for axis in (0, 1)
            for value, count in margins[axis].items()
            if count is not None
        ]
        total_shown = may_show(total, sensitive=sensitive)
    _suppress_lines(counts, lines, hidden, threshold)
    return GuardedTable(
        cells={key: None if key in hidden else counts[key] for key in keys},
        margins=margins,
        total=total if total_shown else None,
        threshold=threshold,
    )


def _suppress_lines(
    counts: Mapping[Key, int], lines: Sequence[Sequence[Key]], hidden: set[Key], threshold: int
) -> None:
    """Hide more cells until no line's total minus its shown cells reveals a small group.

    The cell hidden next is the smallest of those whose other line already hides something
    (so no new line needs protecting), else the smallest.
    """

    def opens_a_line(key: Key, current: Sequence[Key]) -> bool:
        return not any(
            key in line and line is not current and any(other in hidden for other in line)
            for line in lines
        )

    changed = True
    while changed:
        changed = False
        for line in lines:
            line_hidden = [key for key in line if key in hidden]
            shown = [key for key in line if key not in hidden]
            if not line_hidden or not shown:
                continue
            if len(line_hidden) >= 2 and sum(counts[key] for key in line_hidden) >= threshold:
                continue
            hidden.add(min(shown, key=lambda key: (opens_a_line(key, line), counts[key])))
            changed = True


def may_show_both(first: Set[str], second: Set[str], *, sensitive: bool) -> bool:
    """Whether statistics over two groups of people may both be shown.

    Subtracting one from the other describes the people in one group and not the other;
    each of those differences must be empty or reach the minimum.
    """
    threshold = minimum_group(sensitive=sensitive)
    return all(
        len(difference) == 0 or len(difference) >= threshold
        for difference in (first - second, second - first)
    )


def cumulative_waves(answered: Sequence[int], *, sensitive: bool) -> list[bool]:
    """Which waves (how many answered each, in order) may enter cumulative figures.

    A figure over every wave so far, taken after a small wave and before it, would differ
    by that wave alone: a wave too small to show is left out of every cumulative figure.
    """
    return [may_show(count, sensitive=sensitive) for count in answered]
