"""Flood control per person: a budget of updates in a window, then a pause.

One person sending hundreds of updates (a stuck client, or guessing invite codes) must not
use up the bot's share of Telegram's 30 messages a second that everyone else needs.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import Enum

BUDGET = 20
WINDOW_SECONDS = 10.0
PAUSE_SECONDS = 30.0
# Every this many updates, people quiet for a whole window are forgotten (bounded memory).
SWEEP_EVERY = 1000


class Verdict(Enum):
    """What to do with one update of a person."""

    HANDLE = "handle"
    WARN = "warn"  # over budget just now: say "slow down" once, handle nothing
    IGNORE = "ignore"  # paused: handle nothing, say nothing


class FloodGuard:
    """At most BUDGET updates per person in any WINDOW_SECONDS; past that, a pause."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._recent: dict[int, deque[float]] = {}
        self._paused_until: dict[int, float] = {}
        self._checks = 0

    def check(self, user_id: int) -> Verdict:
        """Count one update of this person and say what to do with it."""
        now = self._clock()
        self._checks += 1
        if self._checks % SWEEP_EVERY == 0:
            self._forget_quiet_people(now)
        if self._paused_until.get(user_id, 0.0) > now:
            return Verdict.IGNORE
        self._paused_until.pop(user_id, None)
        recent = self._recent.setdefault(user_id, deque())
        while recent and recent[0] <= now - WINDOW_SECONDS:
            recent.popleft()
        if len(recent) >= BUDGET:
            recent.clear()
            self._paused_until[user_id] = now + PAUSE_SECONDS
            return Verdict.WARN
        recent.append(now)
        return Verdict.HANDLE

    def _forget_quiet_people(self, now: float) -> None:
        quiet = [
            u for u, times in self._recent.items() if not times or times[-1] <= now - WINDOW_SECONDS
        ]
        for user_id in quiet:
            del self._recent[user_id]
        for user_id in [u for u, until in self._paused_until.items() if until <= now]:
            del self._paused_until[user_id]
