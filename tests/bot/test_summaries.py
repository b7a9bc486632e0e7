"""/summary and /digest end to end: the real bot over HTTP against the sandbox.

Residents' answers of earlier weeks are written into the database as the check-ins store
them (the check-ins' own tests play them through the chat); every request and reply goes
through the sandbox. The re-identification tests try to learn one member's answer from
two summaries and must fail.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.demo.participants import Participant
from bot.features.summaries.preparing import preparations_of
from bot.i18n import translator

from .test_checkins_clock import HELSINKI, MONDAY, ClockedPilot, buttons, clocked_pilot
from .test_impact_map import coordinator

LAITILA = Path(__file__).parents[2] / "examples" / "laitila_remote_work.yaml"
en = translator("en")
# Weeks before the clock's Monday: closed (their prompts closed on the Sunday after).
CLOSED_WEEKS = ("2026-11-02", "2026-11-09", "2026-11-16")
OPEN_WEEK = "2026-11-23"


@pytest.fixture
async def pilot(tmp_path: Path) -> AsyncIterator[ClockedPilot]:
    async for running in clocked_pilot(tmp_path):
        yield running


def write(pilot: ClockedPilot, sql: str, rows: list[tuple]) -> None:
    """Write rows into the bot's database as the bot's own check-ins would have."""
    connection = sqlite3.connect(pilot.settings.db_path)
    try:
        with connection:
            connection.executemany(sql, rows)
    finally:
        connection.close()


def residents(pilot: ClockedPilot, count: int, pilot_id: int = 1, prefix: str = "r") -> list[str]:
    """`count` active members of the pilot (pseudonyms only: they never write to the bot)."""
    names = [f"{prefix}{number:03d}" for number in range(count)]
    write(
        pilot,
        "INSERT INTO people (pseudonym, created_at) VALUES (?, '2026-10-01T00:00:00+00:00')",
        [(name,) for name in names],
    )
    write(
        pilot,
        "INSERT INTO members (pilot_id, pseudonym, status, joined_at) "
        "VALUES (?, ?, 'active', '2026-10-01T00:00:00+00:00')",
        [(pilot_id, name) for name in names],
    )
    return names


def closes_at(period: str, module: str = "weekly") -> str:
    """A wave's prompts close a week after the period starts, plus a day (UTC)."""
    start = datetime.fromisoformat(period).replace(tzinfo=HELSINKI)
    days = 8 if module == "weekly" else 35
    return (start + timedelta(days=days)).astimezone(UTC).isoformat()


def wave(
    pilot: ClockedPilot,
    period: str,
    answers: dict[str, dict[str, str]],
    *,
    prompted: list[str] | None = None,
    module: str = "weekly",
    pilot_id: int = 1,
) -> None:
    """One wave: a prompt to each of `prompted` (default: those who answered), answers stored."""
    closing = closes_at(period, module)
    write(
        pilot,
        "INSERT INTO checkin_prompts (pilot_id, pseudonym, module, period, script, state, "
        "status, prompted_at, closes_at, reminders) VALUES (?, ?, ?, ?, 'work_travel', '{}', "
        "?, ?, ?, 1)",
        [
            (
                pilot_id,
                name,
                module,
                period,
                "answered" if name in answers else "closed",
                period + "T06:00:00+00:00",
                closing,
            )
            for name in (prompted or list(answers))
        ],
    )
    write(
        pilot,
        "INSERT INTO checkin_answers (pilot_id, pseudonym, module, period, item, value, "
        "answered_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (pilot_id, name, module, period, item, value, period + "T07:00:00+00:00")
            for name, items in answers.items()
            for item, value in items.items()
        ],
    )


def commuter(home_days: int, band: str = "30_49") -> dict[str, str]:
    return {
        "work_days": "5",
        "home_days": str(home_days),
        "hub_days": "0",
        "commute_mode": "car_driver",
        "distance_band": band,
    }


def weeks_of(
    pilot: ClockedPilot, names: list[str], periods=CLOSED_WEEKS, pilot_id: int = 1
) -> None:
    for index, period in enumerate(periods):
        answers = {name: commuter((index + number) % 4) for number, name in enumerate(names)}
        wave(pilot, period, answers, pilot_id=pilot_id)


async def summary_of(person: Participant, pilot: ClockedPilot, payload: str | None = None):
    """The summary's text message and the photos sent after it."""
    before = len(person.messages)
    pilot.sandbox.command(person.user, "summary", payload)
    # The first summary of a map also draws its forecast: slow on a loaded 2-core machine.
    await pilot.sandbox.wait_for_async(lambda: len(person.messages) > before, 60)
    await pilot.settled()
    [text, *photos] = person.messages[before:]
    return text["text"], photos


async def map_uploaded(kaisa: Participant) -> None:
    await kaisa.send_document(LAITILA.read_bytes(), "laitila.yaml")


async def laitila_with_closed_weeks(pilot: ClockedPilot) -> tuple[Participant, list[str]]:
    """Kaisa coordinates Laitila, whose map is uploaded; 12 residents answered 3 closed weeks."""
    kaisa = await coordinator(pilot, language="en")
    await map_uploaded(kaisa)
    names = residents(pilot, 12)
    weeks_of(pilot, names)
    return kaisa, names


def broken_map_version(pilot: ClockedPilot) -> None:
    """Laitila's map stored as version 2 with a negative quantity, as an older bot could have
    stored it: a current version that no longer validates."""
    broken = LAITILA.read_text().replace("quantity: 4\n", "quantity: -4\n", 1)
    write(
        pilot,
        "INSERT INTO impact_map_versions (pilot_id, number, yaml, source, created_at) "
        "VALUES (1, 2, ?, 'upload', '2026-11-29T00:00:00+00:00')",
        [(broken,)],
    )


def results_part(text: str) -> str:
    """The summary from the indicators on (what the closed waves say, not participation)."""
    return text[text.index(en("Indicators (closed waves)")) :]


async def test_a_coordinator_gets_participation_indicators_the_return_and_an_album(
    pilot: ClockedPilot,
) -> None:
    kaisa, names = await laitila_with_closed_weeks(pilot)
    wave(pilot, OPEN_WEEK, {name: commuter(2) for name in names[:7]}, prompted=names)
    text, photos = await summary_of(kaisa, pilot)
    assert text.startswith(en("Summary of {pilot}").format(pilot="Laitila"))
    assert en("Members: {joined} joined, {active} active").format(joined=13, active=13) in text
    week = en("Week of {day}").format(day=CLOSED_WEEKS[-1])
    assert f"{week}: 12 of 12 answered (100%)" in text
    open_line = en("{wave} (open): {answered} of {prompted} answered so far").format(
        wave=en("Week of {day}").format(day=OPEN_WEEK), answered=7, prompted=12
    )
    assert open_line in text
    assert "home_days: " in text
    assert "(n = 12)" in text
    assert "baseline" in text
    assert "target" in text
    assert en("Forecast: {ratio} of value per euro invested").split("{")[0] in text
    assert en("Actual so far: {ratio} (from {waves} closed waves)").split("{")[0] in text
    assert "teleworkers" in text  # by stakeholder, in the map's words
    # An album (one media group) of the core's charts, with "sending photo" shown first.
    assert len(photos) >= 2
    assert len({photo["media_group_id"] for photo in photos}) == 1
    pictures = [pilot.sandbox.file(photo["photo"][-1]["file_id"]).data for photo in photos]
    assert len(set(pictures)) == len(pictures), "each chart of the album is its own picture"
    actions = [call.params.get("action") for call in pilot.sandbox.calls("sendChatAction")]
    assert "upload_photo" in actions


async def test_a_pilot_with_no_closed_wave_says_when_the_first_closes_and_sends_no_chart(
    pilot: ClockedPilot,
) -> None:
    kaisa = await coordinator(pilot, language="en")
    await map_uploaded(kaisa)
    names = residents(pilot, 8)
    wave(pilot, OPEN_WEEK, {name: commuter(1) for name in names[:3]}, prompted=names)
    text, photos = await summary_of(kaisa, pilot)
    assert photos == []
    assert "Nothing to show yet — the first wave closes on" in text
    assert "3 of 8 answered so far" in text


async def test_without_an_impact_map_it_says_what_is_missing_and_shows_participation(
    pilot: ClockedPilot,
) -> None:
    kaisa = await coordinator(pilot, language="en")
    names = residents(pilot, 10)
    weeks_of(pilot, names)
    text, photos = await summary_of(kaisa, pilot)
    assert "No impact map yet" in text
    assert "10 of 10 answered" in text
    assert photos == []


async def test_a_map_that_no_longer_validates_is_named_and_participation_still_shown(
    pilot: ClockedPilot,
) -> None:
    kaisa = await coordinator(pilot, language="en")
    await map_uploaded(kaisa)
    broken_map_version(pilot)
    names = residents(pilot, 10)
    weeks_of(pilot, names)
    text, _photos = await summary_of(kaisa, pilot)
    assert "The impact map no longer validates" in text
    assert "quantity" in text
    assert "10 of 10 answered" in text


async def test_members_facilitators_other_pilots_and_withdrawn_coordinators_are_refused(
    pilot: ClockedPilot,
) -> None:
    kaisa = await coordinator(pilot, language="en")
    await map_uploaded(kaisa)
    weeks_of(pilot, residents(pilot, 10))
    refusal = en("Sorry, that command is not available to you.")
    member = await pilot.member("Aino", "en")
    facilitator = pilot.person("Fia", "en")
    await facilitator.join(await pilot.invite("facilitator"), "en", set(), "resident")
    for person in (member, facilitator):
        [reply] = await person.command("summary")
        assert reply["text"] == refusal
        [reply] = await person.command("summary", "laitila")
        assert reply["text"] == refusal
    # A coordinator of Rauma: Laitila reads exactly as a pilot that does not exist.
    rauma = pilot.person("Ronja", "en")
    await rauma.join(await pilot.invite("coordinator", "Rauma"), "en", set(), "public_body")
    [other] = await rauma.command("summary", "laitila")
    [none] = await rauma.command("summary", "nowhere")
    assert other["text"].replace("laitila", "X") == none["text"].replace("nowhere", "X")
    assert "Laitila" not in other["text"]
    assert "12" not in other["text"]
    # A coordinator who withdrew is refused.
    await kaisa.command("withdraw")
    await pilot.settled()
    await kaisa.say("/summary")
    await pilot.settled()
    assert kaisa.messages[-1]["text"] == refusal


async def test_a_coordinator_of_two_pilots_chooses_by_button(pilot: ClockedPilot) -> None:
    kaisa = await coordinator(pilot, language="en")
    await kaisa.join(await pilot.invite("coordinator", "Rauma"), "en", set(), "public_body")
    rauma = residents(pilot, 6, pilot_id=2, prefix="s")
    weeks_of(pilot, rauma, periods=CLOSED_WEEKS[:1], pilot_id=2)
    [choice] = await kaisa.command("summary")
    assert buttons(choice) == ["Laitila", "Rauma"]
    [shown] = await kaisa.press("sum", "2")
    assert shown["text"].startswith(en("Summary of {pilot}").format(pilot="Rauma"))
    assert "6 of 6 answered" in shown["text"]


async def test_two_summaries_at_once_are_rendered_once_and_both_answered(
    pilot: ClockedPilot,
) -> None:
    kaisa, _names = await laitila_with_closed_weeks(pilot)
    renderer = pilot.application.bot_data["renderer"]
    before = len(kaisa.messages)
    pilot.sandbox.command(kaisa.user, "summary")
    pilot.sandbox.command(kaisa.user, "summary")
    await pilot.sandbox.wait_for_async(
        lambda: sum("text" in m for m in kaisa.messages[before:]) == 2, 20
    )
    await pilot.settled()
    sent = kaisa.messages[before:]
    texts = [message["text"] for message in sent if "text" in message]
    photos = [message for message in sent if "photo" in message]
    assert texts[0] == texts[1]
    assert len({photo["media_group_id"] for photo in photos}) == 2
    assert renderer.renders == len(photos) // 2, "the second summary drew nothing again"


async def test_a_small_wellbeing_wave_shows_neither_its_mean_nor_its_count_nor_a_change(
    pilot: ClockedPilot,
) -> None:
    kaisa, names = await laitila_with_closed_weeks(pilot)
    # October: 12 answer life satisfaction 7; November: only three do, all with 2.
    wave(pilot, "2026-10-01", {n: {"ons_life_satisfaction": "7"} for n in names}, module="monthly")
    wave(
        pilot,
        "2026-11-01",
        {n: {"ons_life_satisfaction": "2"} for n in names[:3]},
        module="monthly",
    )
    pilot.clock.set(datetime(2026, 12, 8, 7, 0, tzinfo=HELSINKI))
    text, _photos = await summary_of(kaisa, pilot)
    line = next(line for line in text.splitlines() if line.startswith("ons_life_satisfaction"))
    assert "fewer than 10 answers" in line
    assert "3" not in line.split("·")[0]
    assert "2,0" not in line
    assert "2.0" not in line
    assert en("change {change}").split("{")[0] not in line, "a change would give the small wave"


async def test_a_member_leaving_between_two_requests_changes_no_published_figure(
    pilot: ClockedPilot,
) -> None:
    kaisa, names = await laitila_with_closed_weeks(pilot)
    first, _photos = await summary_of(kaisa, pilot)
    # One resident is erased (their answers and prompts deleted, as /delete does).
    leaver = names[5]
    for table in ("checkin_answers", "checkin_prompts", "members", "people"):
        write(pilot, f"DELETE FROM {table} WHERE pseudonym = ?", [(leaver,)])
    second, _photos = await summary_of(kaisa, pilot)
    assert results_part(second) == results_part(first), "the difference would be the leaver"


async def test_a_member_joining_between_two_requests_changes_no_result(
    pilot: ClockedPilot,
) -> None:
    kaisa, _names = await laitila_with_closed_weeks(pilot)
    first, _photos = await summary_of(kaisa, pilot)
    newcomer = await pilot.member("Uusi", "en")
    pilot_pseudonym = pilot.services.pseudonym(newcomer.user.id)
    wave(pilot, OPEN_WEEK, {pilot_pseudonym: commuter(4, "100plus")})
    second, _photos = await summary_of(kaisa, pilot)
    assert results_part(second) == results_part(first)
    assert re.search(r"Members: 14 joined", second)


async def test_a_small_wave_closing_leaves_the_published_return_as_it_was(
    pilot: ClockedPilot,
) -> None:
    """Otherwise the return before and after it would be that wave's three people alone."""
    kaisa, names = await laitila_with_closed_weeks(pilot)
    first, _photos = await summary_of(kaisa, pilot)
    wave(pilot, OPEN_WEEK, {name: commuter(4, "100plus") for name in names[:3]}, prompted=names)
    pilot.clock.set(MONDAY + timedelta(days=7))
    second, _photos = await summary_of(kaisa, pilot)
    returns = en("SEROI+ return")
    assert second[second.index(returns) :] == first[first.index(returns) :]
    assert "home_days: fewer than 5 answers in the last closed wave" in second


async def test_the_next_wave_publishes_new_figures(pilot: ClockedPilot) -> None:
    """The published figures are kept per set of closed waves, not for ever."""
    kaisa, names = await laitila_with_closed_weeks(pilot)
    first, _photos = await summary_of(kaisa, pilot)
    wave(pilot, OPEN_WEEK, {name: commuter(4) for name in names})
    pilot.clock.set(MONDAY + timedelta(days=7))
    second, _photos = await summary_of(kaisa, pilot)
    assert results_part(second) != results_part(first)
    assert "home_days: 4.0 (n = 12)" in second


async def test_the_weekly_digest_comes_once_after_a_wave_closes_and_stops_when_off(
    pilot: ClockedPilot,
) -> None:
    kaisa = await coordinator(pilot, language="en")
    names = residents(pilot, 10)
    weeks_of(pilot, names, periods=CLOSED_WEEKS[:2])
    [on] = await kaisa.command("digest", "on")
    assert "is on" in on["text"]
    wave(pilot, OPEN_WEEK, {name: commuter(1) for name in names[:6]}, prompted=names)
    await pilot.tick()
    before = len(kaisa.messages)
    await pilot.at(datetime.fromisoformat(closes_at(OPEN_WEEK)) + timedelta(hours=1))
    [digest] = kaisa.messages[before:]
    caption = digest["caption"]
    assert "6 of 10 members answered (60%)" in caption
    assert "−40" in caption  # 100 % the week before
    assert digest["photo"]
    # Ticks again, and after a restart of the tick: never twice for the same wave.
    await pilot.later(hours=1)
    await pilot.later(hours=1)
    assert len(kaisa.messages) == before + 1
    [off] = await kaisa.command("digest", "off")
    assert "is off" in off["text"]
    wave(pilot, "2026-11-30", {name: commuter(1) for name in names})
    await pilot.at(datetime.fromisoformat(closes_at("2026-11-30")) + timedelta(hours=1))
    assert len(kaisa.messages) == before + 2


async def test_summary_text_and_charts_do_not_hold_up_a_residents_reply(
    pilot: ClockedPilot,
) -> None:
    """While a summary renders, another chat is answered (the charts draw in processes)."""
    kaisa, _names = await laitila_with_closed_weeks(pilot)
    aino = await pilot.member("Aino", "en")
    pilot.sandbox.command(kaisa.user, "summary")
    [reply] = await asyncio.wait_for(aino.command("help"), 10)
    assert reply["text"]
    await pilot.settled()


async def test_a_residents_answer_is_stored_while_a_slow_summary_computes_its_figures(
    pilot: ClockedPilot,
) -> None:
    """The wave figures' read over every answer must not hold the one writer: a resident's
    check-in answer is stored, and the press answered, while that read is still running."""
    kaisa, _names = await laitila_with_closed_weeks(pilot)
    aino = await pilot.member("Aino", "en")
    await pilot.tick()
    await pilot.later(hours=1)  # Aino's weekly check-in opens
    # The tick prepared the closed weeks' figures: unpublished again, so the summary reads.
    preparing = preparations_of(pilot.application).running
    await pilot.sandbox.wait_for_async(lambda: not preparing, 10)
    write(pilot, "DELETE FROM wave_figures", [()])
    db = pilot.services.db
    reading, release = threading.Event(), threading.Event()

    def slow_means(action: int, _table: str | None, function: str | None, *_rest) -> int:
        # SQLite asks before it runs AVG: here the wave figures' read waits for the test,
        # on whichever connection it runs (on the writer's, it would hold every write).
        if action == sqlite3.SQLITE_FUNCTION and (function or "").lower() == "avg":
            reading.set()
            release.wait(15)
        return sqlite3.SQLITE_OK

    def answers_so_far() -> list[dict]:
        """Aino's answers as her open check-in keeps them until its last question."""
        connection = sqlite3.connect(pilot.settings.db_path)
        try:
            [(state,)] = connection.execute(
                "SELECT state FROM checkin_prompts WHERE pseudonym = ? AND status = 'open'",
                (pilot.services.pseudonym(aino.user.id),),
            )
        finally:
            connection.close()
        return json.loads(state)["path"]

    await db.fetch_all_long("SELECT 1")  # the analysis connection, opened as it is lazily
    for connection in (db._writer, db._long_reader):
        await connection.set_authorizer(slow_means)
    before = len(kaisa.messages)
    try:
        pilot.sandbox.command(kaisa.user, "summary")
        assert await asyncio.to_thread(reading.wait, 10), "the summary never read its figures"
        # Not `aino.press`: it waits for Telegram's confirmation, which follows the order of
        # updates and so comes after the summary's.
        message, button = aino.find_button("ck", "4")
        query = pilot.sandbox.press_button(aino.user, message, button["callback_data"])
        await pilot.sandbox.wait_for_async(
            lambda: (pilot.sandbox.callback_answer(query["id"]) or {}).get("answered"), 5
        )
        assert answers_so_far() == [{"question": "work_days", "value": 4}]
        assert len(kaisa.messages) == before, "the summary was still being computed"
    finally:
        release.set()
    await pilot.sandbox.wait_for_async(lambda: len(kaisa.messages) > before, 10)
    await pilot.settled()
    assert kaisa.messages[before]["text"].startswith("Summary of Laitila")


async def test_the_command_line_prints_the_same_summary_and_writes_the_charts(
    pilot: ClockedPilot,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    kaisa, _names = await laitila_with_closed_weeks(pilot)
    in_chat, photos = await summary_of(kaisa, pilot)
    monkeypatch.setenv("SEROI_TELEGRAM_TOKEN", pilot.settings.telegram_token.get_secret_value())
    monkeypatch.setenv("SEROI_PSEUDONYM_KEY", pilot.settings.pseudonym_key.get_secret_value())
    monkeypatch.setenv("SEROI_DB_PATH", str(pilot.settings.db_path))
    clock_file = tmp_path / "clock.txt"
    clock_file.write_text(pilot.clock.now().isoformat())
    monkeypatch.setenv("SEROI_CLOCK_FILE", str(clock_file))
    capsys.readouterr()
    out = tmp_path / "charts"
    command = ["summary", "--pilot", "laitila", "--lang", "en", "--out", str(out)]
    assert await asyncio.to_thread(main, command) == 0
    printed = capsys.readouterr().out
    assert printed.strip() == in_chat.strip()
    written = sorted(out.iterdir())
    assert len(written) == len(photos)
    assert all(path.read_bytes().startswith(b"\x89PNG") for path in written)
    assert await asyncio.to_thread(main, ["summary", "--pilot", "nowhere"]) == 2
