"""One person flooding the bot gets a pause, and nobody else notices."""

from __future__ import annotations

from bot.chat.flood import BUDGET, PAUSE_SECONDS, WINDOW_SECONDS, FloodGuard, Verdict
from bot.i18n import translator

from .conftest import Pilot


async def test_a_flood_of_invite_guesses_is_cut_short_and_others_are_answered(
    pilot: Pilot,
) -> None:
    guesser, neighbour = pilot.person("Eve", "en"), pilot.person("Aino", "fi")
    for guess in range(3 * BUDGET):
        pilot.sandbox.send_text(guesser.user, f"/start guess{guess:04d}aaaaaaaa")
    [help_reply] = await neighbour.command("help")
    assert help_reply["text"].startswith(translator("fi")("What you can do here:"))
    await pilot.settled()
    texts = [m["text"] for m in guesser.messages]
    slow_down = translator("en")("That is a lot at once. I will answer again in a minute.")
    assert texts.count(slow_down) == 1
    assert len(texts) == BUDGET + 1  # the budget's answers, one warning, then silence
    assert pilot.rows("SELECT COUNT(*) FROM people") == [(0,)]


def test_the_budget_refills_after_the_pause() -> None:
    now = [0.0]
    guard = FloodGuard(clock=lambda: now[0])
    verdicts = [guard.check(7) for _ in range(BUDGET + 2)]
    assert verdicts[:BUDGET] == [Verdict.HANDLE] * BUDGET
    assert verdicts[BUDGET:] == [Verdict.WARN, Verdict.IGNORE]
    assert guard.check(8) is Verdict.HANDLE  # someone else is not affected
    now[0] += PAUSE_SECONDS + WINDOW_SECONDS
    assert guard.check(7) is Verdict.HANDLE


def test_a_steady_pace_is_never_held_back() -> None:
    now = [0.0]
    guard = FloodGuard(clock=lambda: now[0])
    for _ in range(10 * BUDGET):
        assert guard.check(7) is Verdict.HANDLE
        now[0] += WINDOW_SECONDS / BUDGET + 0.01
