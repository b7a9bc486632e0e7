"""Small-cell suppression: the one rule every summary, chart and export goes through.

Village-sized groups are re-identifiable. Following official practice (OECD: at least
five respondents in a cell; ONS uses ten), a group of fewer than 5 people is never shown,
and fewer than 10 for wellbeing items and for breakdowns by two or more traits. A
suppressed group shows neither its count nor any statistic computed from it.
"""

from __future__ import annotations

from collections.abc import Iterable

from seroi.indicators import INDICATORS

MIN_GROUP = 5
MIN_SENSITIVE_GROUP = 10


def minimum_group(*, sensitive: bool) -> int:
    """The smallest group that may be shown."""
    return MIN_SENSITIVE_GROUP if sensitive else MIN_GROUP


def is_sensitive(indicators: Iterable[str], traits: int = 1) -> bool:
    """Whether results over these indicators (by `traits` breakdowns) need the strict rule."""
    return traits >= 2 or any(INDICATORS[name].wellbeing for name in indicators)


def may_show(count: int, *, sensitive: bool) -> bool:
    """Whether a group of `count` people may be shown (its count and its statistics)."""
    return count >= minimum_group(sensitive=sensitive)
