"""Wrong invite codes are limited per person: a few, then a pause, others unaffected (#8.14)."""

from __future__ import annotations

from bot.features.onboarding.joining import (
    FAILED_CODES_WINDOW_SECONDS,
    LOCKOUT_SECONDS,
    MAX_FAILED_CODES,
    InviteAttempts,
    TooManyAttempts,
)
from bot.i18n import translator

from .conftest import Pilot

NOT_VALID = (
    "This invite link is not valid. Please check that you opened the whole link, "
    "or ask the pilot's coordinator for a new one."
)
TOO_MANY = (
    "Too many invite codes that did not work. Please try again in {minutes} min, "
    "or ask the pilot's coordinator for a new link."
)


async def test_after_five_wrong_codes_even_the_right_one_waits(pilot: Pilot) -> None:
    now = [1000.0]
    pilot.application.bot_data["invite_attempts"] = InviteAttempts(clock=lambda: now[0])
    code = await pilot.invite("member")
    guesser = pilot.person("Urho", language_code="it")
    other = pilot.person("Saara", language_code="sv")
    for guess in range(MAX_FAILED_CODES):
        [reply] = await guesser.command("start", f"guess{guess}")
        assert reply["text"] == translator("it")(NOT_VALID)
    [refused] = await guesser.command("start", code)
    assert refused["text"] == translator("it")(TOO_MANY).format(minutes=15)
    assert pilot.rows("SELECT COUNT(*) FROM members") == [(0,)]

    # Someone else's wrong code is checked, and their right one lets them in.
    [reply] = await other.command("start", "mistyped")
    assert reply["text"] == translator("sv")(NOT_VALID)
    await other.join(code, "sv", set(), "resident")

    now[0] += LOCKOUT_SECONDS - 4 * 60
    [still] = await guesser.command("start", code)
    assert still["text"] == translator("it")(TOO_MANY).format(minutes=4)
    now[0] += 4 * 60
    await guesser.join(code, "it", set(), "resident")
    assert pilot.rows("SELECT COUNT(*) FROM members WHERE status = 'active'") == [(2,)]


def test_only_failures_within_the_window_count() -> None:
    now = [0.0]
    attempts = InviteAttempts(clock=lambda: now[0])
    for _ in range(MAX_FAILED_CODES - 1):
        attempts.failed("p")
    now[0] += FAILED_CODES_WINDOW_SECONDS + 1
    attempts.failed("p")
    assert attempts.locked("p") is None
    for _ in range(MAX_FAILED_CODES - 1):
        attempts.failed("p")
    assert attempts.locked("p") == TooManyAttempts(minutes=LOCKOUT_SECONDS // 60)
    assert attempts.locked("someone else") is None
