"""The disclosure guard: each way of re-identifying one member is tried, and must fail.

The attacker is linear algebra: every figure the guard publishes is an equation (a total is
the sum of its cells), and a hidden figure is given away when the equations fix it.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from seroi.disclosure import (
    Guarded,
    change_between,
    cumulative_waves,
    guard_mean,
    guard_share,
    guard_table,
    may_show_both,
)


def determined(equations: list[tuple[dict[str, int], int]], known: dict[str, int]) -> set[str]:
    """The unknowns that the equations (coefficients, value) fix, by Gauss–Jordan elimination."""
    unknowns = sorted({name for coefficients, _ in equations for name in coefficients} - set(known))
    rows = []
    for coefficients, value in equations:
        rest = value - sum(c * known[name] for name, c in coefficients.items() if name in known)
        rows.append([Fraction(coefficients.get(name, 0)) for name in unknowns] + [Fraction(rest)])
    pivot_row = 0
    for column in range(len(unknowns)):
        pivot = next((r for r in range(pivot_row, len(rows)) if rows[r][column] != 0), None)
        if pivot is None:
            continue
        rows[pivot_row], rows[pivot] = rows[pivot], rows[pivot_row]
        lead = rows[pivot_row][column]
        rows[pivot_row] = [value / lead for value in rows[pivot_row]]
        for r in range(len(rows)):
            if r != pivot_row and rows[r][column] != 0:
                factor = rows[r][column]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[pivot_row], strict=True)]
        pivot_row += 1
    return {
        unknowns[next(i for i, value in enumerate(row[:-1]) if value != 0)]
        for row in rows
        if sum(1 for value in row[:-1] if value != 0) == 1
    }


def published_equations(counts, table, prefix=""):
    """The equations a reader of `table` knows, and the figures it shows, by variable name."""

    def cell(key):
        return prefix + "cell:" + "|".join(map(str, key))

    equations = [({cell(key): 1 for key in counts}, sum(counts.values()))]
    known = {cell(key): count for key, count in table.cells.items() if count is not None}
    total_name = prefix + "total"
    equations[0][0][total_name] = -1
    equations[0] = (equations[0][0], 0)
    if table.total is not None:
        known[total_name] = table.total
    for axis, margin in enumerate(table.margins):
        for value, count in margin.items():
            name = f"{prefix}margin{axis}:{value}"
            line = {cell(key): 1 for key in counts if key[axis] == value}
            equations.append(({**line, name: -1}, 0))
            if count is not None:
                known[name] = count
    return equations, known


def hidden_cells_given_away(counts, table) -> set[str]:
    equations, known = published_equations(counts, table)
    return {name for name in determined(equations, known) if name.startswith("cell:")}


def test_small_groups_and_zeros_are_hidden_five_and_ten_for_wellbeing():
    plain = guard_table({("bus",): 4, ("car",): 5, ("walking",): 0, ("train",): 20})
    assert plain.cells[("car",)] is None or plain.cells[("car",)] == 5
    assert plain.cells[("bus",)] is None
    assert plain.cells[("walking",)] is None
    wellbeing = guard_table({("low",): 9, ("high",): 30}, sensitive=True)
    assert wellbeing.cells[("low",)] is None
    assert wellbeing.threshold == 10


def test_a_total_minus_the_cells_shown_gives_away_no_hidden_cell():
    # Without secondary suppression, 45 - 30 - 12 = 3 would name the one small band.
    counts = {("lt5",): 30, ("5_14",): 12, ("100plus",): 3}
    table = guard_table(counts)
    assert table.total == 45
    assert table.cells[("100plus",)] is None
    assert table.cells[("5_14",)] is None, "a second cell hides the small one"
    assert hidden_cells_given_away(counts, table) == set()


def test_hidden_cells_of_a_line_never_add_up_to_a_small_group():
    counts = {("a",): 40, ("b",): 1, ("c",): 0, ("d",): 2}
    table = guard_table(counts)
    hidden = table.hidden()
    assert sum(counts[key] for key in hidden) >= 5


traits_a = ["lt5", "5_14", "15_29", "50_99"]
traits_b = ["car", "bus", "bicycle"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=12, max_size=12), st.booleans())
def test_no_breakdown_by_two_traits_gives_away_a_hidden_cell(numbers, sensitive):
    counts = {
        (a, b): numbers[i * len(traits_b) + j]
        for i, a in enumerate(traits_a)
        for j, b in enumerate(traits_b)
    }
    table = guard_table(counts, sensitive=sensitive)
    assert hidden_cells_given_away(counts, table) == set()
    for key, count in counts.items():
        if count < 10:
            assert table.cells[key] is None
    # Every row and column with a published total hides nothing, or enough people.
    for axis, margin in enumerate(table.margins):
        for value, total in margin.items():
            line = [key for key in counts if key[axis] == value]
            hidden = [key for key in line if table.cells[key] is None]
            if total is not None and hidden and len(hidden) < len(line):
                assert len(hidden) >= 2
                assert sum(counts[key] for key in hidden) >= 10


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=12, max_size=12))
def test_two_breakdowns_that_share_a_margin_give_away_nothing_together(numbers):
    counts = {
        (a, b): numbers[i * len(traits_b) + j]
        for i, a in enumerate(traits_a)
        for j, b in enumerate(traits_b)
    }
    by_two = guard_table(counts)
    by_distance_counts = {(a,): sum(counts[(a, b)] for b in traits_b) for a in traits_a}
    by_distance = guard_table(by_distance_counts)
    # The reader holds both tables: the one-trait table's cells are the two-trait margins.
    equations, known = published_equations(counts, by_two)
    for (a,), count in by_distance.cells.items():
        if count is not None:
            known[f"margin0:{a}"] = count
    given_away = {name for name in determined(equations, known) if name.startswith("cell:")}
    assert given_away == set()
    assert hidden_cells_given_away(by_distance_counts, by_distance) == set()


def test_the_difference_between_two_consecutive_waves_does_not_give_a_hidden_wave():
    shown = guard_mean(12, 3.1, sensitive=True)
    small = guard_mean(3, 4.9, sensitive=True)
    assert small == Guarded(None, None, 10), "count and mean hidden together"
    assert change_between(shown, small) is None
    assert change_between(small, shown) is None
    assert change_between(shown, guard_mean(11, 3.6, sensitive=True)) == 3.6 - 3.1


def test_a_figure_over_all_waves_before_and_after_a_small_wave_cannot_be_subtracted():
    waves = [{f"m{i}" for i in range(12)}, {"m1", "m2", "m3"}, {f"m{i}" for i in range(11)}]
    answers = [[3] * 12, [0, 0, 5], [4] * 11]
    used = cumulative_waves([len(wave) for wave in waves], sensitive=False)
    assert used == [True, False, True]
    # The attacker compares the sum over waves as of the second wave with the first.
    as_of = [
        sum(sum(wave) for wave, use in zip(answers[: n + 1], used, strict=False) if use)
        for n in range(3)
    ]
    assert as_of[1] - as_of[0] == 0, "the small wave adds nothing to be found by difference"


def test_two_overlapping_selections_differing_by_a_few_are_not_both_shown():
    commuters_over_15 = {f"m{i}" for i in range(20)}
    commuters_over_30 = commuters_over_15 - {"m0", "m1"}
    assert not may_show_both(commuters_over_15, commuters_over_30, sensitive=False)
    five_fewer = commuters_over_15 - {f"m{i}" for i in range(5)}
    assert may_show_both(commuters_over_15, five_fewer, sensitive=False)


def test_a_member_joining_or_leaving_between_two_requests_is_caught():
    before = {f"m{i}" for i in range(14)}
    assert not may_show_both(before, before | {"newcomer"}, sensitive=False)
    assert not may_show_both(before, before - {"m3"}, sensitive=True)
    assert may_show_both(before, set(before), sensitive=True)


def test_a_share_of_a_small_group_is_a_band_that_says_nothing_more():
    bands = {guard_share(part, 20, sensitive=False) for part in range(5)}
    assert len(bands) == 1, "0 of 20 and 4 of 20 must read the same"
    (band,) = bands
    assert band.percent is None
    assert band.below == 30
    everyone = {guard_share(20 - part, 20, sensitive=False) for part in range(5)}
    assert len(everyone) == 1
    assert next(iter(everyone)).above == 70
    assert guard_share(10, 20, sensitive=False).percent == 50
    seven = {guard_share(7 - rest, 7, sensitive=False) for rest in range(3)}
    assert len(seven) == 1
    assert next(iter(seven)).percent is None, "no 100 % of seven people"
    assert not guard_share(4, 4, sensitive=False).shown
