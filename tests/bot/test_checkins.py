"""Check-ins end to end: the real bot over HTTP against the sandbox, on a clock the test moves."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.app import DUE_WORK
from bot.chat.context import BotContext
from bot.cli import main
from bot.demo.tour import run_demo
from bot.i18n import translator
from bot.scheduling import run_due
from bot.settings import LANGUAGES
from conversations.scripts import shipped
from seroi.observations import load_observations

from .test_checkins_clock import HELSINKI, MONDAY, ClockedPilot, buttons, clocked_pilot


@pytest.fixture
async def pilot(tmp_path: Path) -> AsyncIterator[ClockedPilot]:
    async for running in clocked_pilot(tmp_path):
        yield running


def answers(pilot: ClockedPilot) -> dict[str, str | None]:
    return dict(pilot.rows("SELECT item, value FROM checkin_answers WHERE derived = 0"))


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_weekly_check_in_in_each_language(pilot: ClockedPilot, language: str) -> None:
    _ = translator(language)
    title = shipped("work_travel").title[language]
    aino = await pilot.member("Aino", language)
    await pilot.tick()  # planned for 08:00, nothing sent before
    before = len(aino.messages)
    await pilot.later(hours=1)
    [prompt] = aino.messages[before:]
    assert prompt["text"].startswith(f"{title} · 1/5")
    assert _("Skip") in buttons(prompt)

    [asked] = await aino.press("ck", "4")  # work days
    assert f"{title} · 2/5" in asked["text"]
    assert buttons(asked)[:5] == ["0", "1", "2", "3", "4"]  # never more home days than work days
    await aino.press("ck", "2")  # at home
    await aino.press("ck", "1")  # at a hub
    [commute] = await aino.press("ck", "car_passenger")
    assert "5/5" in commute["text"]
    [done] = await aino.press("ck", "15_29")
    assert done["text"].startswith(_("Thank you! Your answers are saved."))
    assert (
        _(
            "Your days working at home or at a hub, last {count} weeks: {line} (latest: {value})"
        ).format(count=1, line="▄", value=3)
        in done["text"]
    )
    assert "reply_markup" not in done
    assert answers(pilot) == {
        "work_days": "4",
        "home_days": "2",
        "hub_days": "1",
        "commute_mode": "car_passenger",
        "distance_band": "15_29",
    }
    assert pilot.rows("SELECT DISTINCT period FROM checkin_answers") == [("2026-11-23",)]
    derived = dict(pilot.rows("SELECT item, value FROM checkin_answers WHERE derived = 1"))
    assert derived == {"remote_days": "3", "workplace_days": "1", "commuted_by_car": "1"}
    assert pilot.rows("SELECT distance_band FROM members") == [("15_29",)]
    assert pilot.rows("SELECT status FROM checkin_prompts") == [("answered",)]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_monthly_who5_check_in_in_each_language(pilot: ClockedPilot, language: str) -> None:
    _ = translator(language)
    who5 = shipped("who5")
    eeva = await pilot.member("Eeva", language, {"wellbeing"})
    # December's wave opens on the member's day in the first week: Monday 7 Dec, 08:00.
    await pilot.at(datetime(2026, 12, 7, 8, 0, tzinfo=HELSINKI))
    prompt = eeva.messages[-1]
    assert prompt["text"].startswith(f"{who5.title[language]} · 1/6")
    await eeva.press("ck", "ok")
    [item] = await eeva.press("ck", "4")
    assert _("Prefer not to say") in buttons(item)
    assert who5.questions[2].text[language] in item["text"]
    await eeva.press("cks")  # prefer not to say
    await eeva.press("ck", "3")
    [back] = await eeva.press("ckb")  # Back
    assert who5.questions[3].text[language] in back["text"]
    await eeva.press("ck", "2")
    await eeva.press("ck", "5")
    [done] = await eeva.press("cks")
    assert _("Thank you! Your answers are saved.") in done["text"]
    assert "depress" not in done["text"].lower()
    assert answers(pilot) == {
        "who5_1": "4",
        "who5_2": None,
        "who5_3": "2",
        "who5_4": "5",
        "who5_5": None,
    }
    assert pilot.rows("SELECT DISTINCT period FROM checkin_answers") == [("2026-12-01",)]


async def test_ons4_when_the_pilot_chooses_it_and_a_support_pointer(
    pilot: ClockedPilot, monkeypatch: pytest.MonkeyPatch
) -> None:
    eeva = await pilot.member("Eeva", "en", {"wellbeing"})
    monkeypatch.setenv("SEROI_TELEGRAM_TOKEN", pilot.settings.telegram_token.get_secret_value())
    monkeypatch.setenv("SEROI_PSEUDONYM_KEY", pilot.settings.pseudonym_key.get_secret_value())
    monkeypatch.setenv("SEROI_DB_PATH", str(pilot.settings.db_path))
    setup = ["checkin-setup", "--pilot", "laitila", "--wellbeing", "ons4"]
    assert (
        await asyncio.to_thread(main, [*setup, "--support", "Someone to talk to: 09 2525 0111"])
        == 0
    )
    await pilot.at(datetime(2026, 12, 7, 8, 0, tzinfo=HELSINKI))
    prompt = eeva.messages[-1]
    assert prompt["text"].startswith("Your personal wellbeing (ONS4) · 1/4")
    assert "0 = Not at all · 10 = Completely" in prompt["text"]
    for value in ("7", "8", "6"):
        await eeva.press("ck", value)
    [done] = await eeva.press("ck", "2")
    assert "Your life satisfaction (0–10), last 1 months" in done["text"]
    assert "Someone to talk to: 09 2525 0111" in done["text"]
    assert answers(pilot)["ons_anxious"] == "2"


async def test_reminders_only_to_non_responders_and_closing_edits(pilot: ClockedPilot) -> None:
    aino = await pilot.member("Aino")
    ville = await pilot.member("Ville")
    await pilot.at(MONDAY + timedelta(hours=1))
    [aino_prompt] = [m for m in aino.messages if "1/5" in m.get("text", "")]
    ville_prompt = ville.messages[-1]
    await aino.press("ck", "0")
    await aino.press("cks")  # distance skipped
    aino_seen = len(aino.messages)

    _ = translator("fi")
    ville_seen = len(ville.messages)
    await pilot.later(hours=23)  # not yet a day
    assert len(ville.messages) == ville_seen
    await pilot.later(hours=1, minutes=1)
    [reminder] = ville.messages[ville_seen:]
    assert reminder["text"].startswith(_("A reminder: your check-in is still open."))
    assert "1/5" in reminder["text"]
    assert len(aino.messages) == aino_seen  # answered: never reminded
    # The first prompt gave way to the reminder, which carries the buttons now.
    shown = {m["message_id"]: m for m in ville.messages}
    assert "reply_markup" not in shown[ville_prompt["message_id"]]
    for _day in range(5):
        await pilot.later(days=1)
    assert len(ville.messages) == ville_seen + 1  # weekly: one reminder at most
    await pilot.at(datetime(2026, 12, 7, 0, 1, tzinfo=HELSINKI))  # the wave closed
    shown = {m["message_id"]: m for m in ville.messages}
    assert shown[reminder["message_id"]]["text"] == _("This check-in has closed.")
    assert "reply_markup" not in shown[reminder["message_id"]]
    assert len(ville.messages) == ville_seen + 1  # edited, nothing new
    assert {m["message_id"]: m for m in aino.messages}[aino_prompt["message_id"]][
        "text"
    ].startswith(_("Thank you! Your answers are saved."))
    assert pilot.rows("SELECT status, COUNT(*) FROM checkin_prompts GROUP BY status") == [
        ("answered", 1),
        ("closed", 1),
    ]


async def test_a_closed_waves_button_and_a_double_tap(pilot: ClockedPilot) -> None:
    _ = translator("fi")
    aino = await pilot.member("Aino")
    await pilot.at(MONDAY + timedelta(hours=1))
    prompt = aino.messages[-1]
    three = next(
        b for row in prompt["reply_markup"]["inline_keyboard"] for b in row if b["text"] == "3"
    )
    first = pilot.sandbox.press_button(aino.user, prompt, three["callback_data"])
    second = pilot.sandbox.press_button(aino.user, prompt, three["callback_data"])
    await pilot.sandbox.wait_for_async(
        lambda: all(
            (pilot.sandbox.callback_answer(q["id"]) or {}).get("answered") for q in (first, second)
        ),
        10,
    )
    await pilot.settled()
    [state] = pilot.rows("SELECT state FROM checkin_prompts")
    assert state[0].count('"work_days"') == 1  # one answer, the second tap changed nothing
    assert "2/" in aino.messages[-1]["text"]

    await pilot.at(datetime(2026, 12, 7, 0, 1, tzinfo=HELSINKI))
    await pilot.at(datetime(2026, 12, 7, 9, 0, tzinfo=HELSINKI))  # next week's prompt
    old = pilot.sandbox.press_raw(aino.user, prompt["message_id"], three["callback_data"])
    await pilot.sandbox.wait_for_async(
        lambda: (pilot.sandbox.callback_answer(old["id"]) or {}).get("answered"), 10
    )
    await pilot.settled()
    assert {m["message_id"]: m for m in aino.messages}[prompt["message_id"]]["text"] == _(
        "This check-in has closed. Thank you all the same!"
    )
    # What was answered before the close is kept (work days); the late press stored nothing.
    assert pilot.rows(
        "SELECT item, value FROM checkin_answers WHERE period = '2026-11-23' AND derived = 0"
    ) == [("work_days", "3")]


async def test_a_prompts_buttons_work_only_for_its_member_and_only_signed(
    pilot: ClockedPilot,
) -> None:
    _ = translator("fi")
    aino = await pilot.member("Aino")
    eeva = await pilot.member("Eeva")
    await pilot.at(MONDAY + timedelta(hours=1))
    prompt = aino.messages[-1]
    [three] = [
        b for row in prompt["reply_markup"]["inline_keyboard"] for b in row if b["text"] == "3"
    ]
    unsigned = three["callback_data"].rsplit("|", 1)[0]  # the data as the outbox stored it
    forged = [
        pilot.sandbox.press_raw(eeva.user, eeva.messages[-1]["message_id"], three["callback_data"]),
        pilot.sandbox.press_raw(aino.user, prompt["message_id"], unsigned),
    ]
    await pilot.sandbox.wait_for_async(
        lambda: all((pilot.sandbox.callback_answer(q["id"]) or {}).get("answered") for q in forged),
        10,
    )
    await pilot.settled()
    for query in forged:
        assert pilot.sandbox.callback_answer(query["id"])["text"] == _("This button is not valid.")
    assert pilot.rows("SELECT DISTINCT state FROM checkin_prompts") == [
        ('{"script":"work_travel"}',)
    ]
    await aino.press("ck", "3")  # her own, as Telegram has it: taken
    assert pilot.rows("SELECT COUNT(*) FROM checkin_prompts WHERE state LIKE '%work_days%'") == [
        (1,)
    ]


async def test_snooze_and_a_snooze_past_the_close(pilot: ClockedPilot) -> None:
    _ = translator("fi")
    aino = await pilot.member("Aino")
    await pilot.at(MONDAY + timedelta(hours=2))  # 09:00
    [later] = await aino.press("ckl")
    assert _("In an hour") in buttons(later)
    [snoozed] = await aino.press("ckz", "hour")
    assert snoozed["text"].startswith(_("All right, I will ask again {until}.").split("{")[0])
    assert "reply_markup" not in snoozed
    seen = len(aino.messages)
    await pilot.later(minutes=59)
    assert len(aino.messages) == seen
    await pilot.later(minutes=1)
    [again] = aino.messages[seen:]
    assert "1/5" in again["text"]
    assert not again["text"].startswith(_("A reminder: your check-in is still open."))

    await pilot.at(datetime(2026, 12, 6, 22, 30, tzinfo=HELSINKI))  # Sunday night
    await aino.press("ckl")
    [refused] = await aino.press("ckz", "tomorrow")
    assert "(ma 7 joulu 00:00)" in refused["text"]
    assert _("In an hour") in buttons(refused)
    assert pilot.rows("SELECT snoozed_until FROM checkin_prompts") == [(None,)]


async def test_pause_for_two_weeks(pilot: ClockedPilot) -> None:
    _ = translator("fi")
    aino = await pilot.member("Aino")
    await pilot.at(MONDAY + timedelta(hours=2))
    await aino.press("ck", "5")  # halfway
    await aino.press("ckl")
    [paused] = await aino.press("ckp", "2")
    assert "14.12.2026" in paused["text"]
    await pilot.tick()
    assert pilot.rows("SELECT status FROM checkin_prompts") == [("stopped",)]
    seen = len(aino.messages)
    for _day in range(13):
        await pilot.later(days=1)
    assert len(aino.messages) == seen  # nothing on Monday 7 Dec
    await pilot.later(days=1)  # Monday 14 Dec, 09:00: the pause is over
    [prompt] = aino.messages[seen:]
    assert "1/" in prompt["text"]
    assert pilot.rows("SELECT period, status FROM checkin_prompts ORDER BY id") == [
        ("2026-11-23", "stopped"),
        ("2026-12-07", "open"),
    ]
    assert pilot.rows("SELECT value FROM checkin_answers WHERE item = 'work_days'") == [("5",)]


async def test_schedule_changes_day_time_and_zone(pilot: ClockedPilot) -> None:
    _ = translator("fi")
    aino = await pilot.member("Aino")
    [shown] = await aino.command("schedule", "tue 17:30 europe/rome")
    assert shown["text"].startswith(_("Your check-ins are saved."))
    assert "Europe/Rome" in shown["text"]
    assert pilot.rows("SELECT checkin_day, checkin_window FROM members") == [("tue", "17-21")]
    [zone] = pilot.rows("SELECT timezone FROM checkin_settings")
    assert zone == ("Europe/Rome",)
    await pilot.at(MONDAY + timedelta(hours=2))
    seen = len(aino.messages)
    await pilot.at(datetime(2026, 12, 1, 16, 59, tzinfo=HELSINKI.__class__("Europe/Rome")))
    assert len(aino.messages) == seen
    await pilot.at(datetime(2026, 12, 1, 17, 0, tzinfo=HELSINKI.__class__("Europe/Rome")))
    assert "1/5" in aino.messages[-1]["text"]

    [bad_time] = await aino.command("schedule", "25:00")
    assert "08-11, 11-14, 14-17, 17-21" in bad_time["text"]
    [bad_zone] = await aino.command("schedule", "Mars/Olympus")
    assert "Europe/Helsinki" in bad_zone["text"]
    assert _("Monday") in bad_zone["text"]
    assert pilot.rows("SELECT checkin_day, checkin_window FROM members") == [("tue", "17-21")]
    await aino.command("schedule")
    [pressed] = await aino.press("ckd", "fri")
    assert "✓ " + _("Friday")[:3] in buttons(pressed)
    assert pilot.rows("SELECT checkin_day FROM members") == [("fri",)]


async def test_checkin_command_opens_the_wave_now_or_says_when(pilot: ClockedPilot) -> None:
    _ = translator("fi")
    aino = await pilot.member("Aino")
    [prompt] = await aino.command("checkin")  # Monday 07:00: before the 08:00 prompt
    assert "1/5" in prompt["text"]
    await aino.press("ck", "0")
    seen = len(aino.messages)
    await pilot.at(MONDAY + timedelta(hours=2))
    assert len(aino.messages) == seen  # not prompted twice for the wave
    [resumed] = await aino.command("checkin")
    assert "2/2" in resumed["text"]  # at the question they were at

    eeva = await pilot.member("Eeva", "fi", {"wellbeing"})
    await pilot.at(datetime(2026, 12, 22, 12, 0, tzinfo=HELSINKI))
    [nothing] = await eeva.command("checkin")
    assert nothing["text"] == _(
        "No check-in is open right now. The next one opens {opens}."
    ).format(opens="ma 4 tammi 08:00")


async def test_a_withdrawn_wellbeing_consent_stops_its_prompt_at_once(pilot: ClockedPilot) -> None:
    _ = translator("fi")
    eeva = await pilot.member("Eeva", "fi", {"checkins", "wellbeing"})
    await pilot.at(datetime(2026, 12, 7, 8, 0, tzinfo=HELSINKI))
    prompts = {
        row[0]: row[1] for row in pilot.rows("SELECT module, message_id FROM checkin_prompts")
    }
    assert set(prompts) == {"weekly", "monthly"}
    await eeva.command("privacy")
    await eeva.press("rechoose")
    await eeva.press("consent", "wellbeing")
    await eeva.press("consented")
    await pilot.tick()
    shown = {m["message_id"]: m for m in eeva.messages}
    assert shown[prompts["monthly"]]["text"] == _("This check-in has closed.")
    assert "reply_markup" in shown[prompts["weekly"]]
    assert pilot.rows("SELECT module, status FROM checkin_prompts ORDER BY module") == [
        ("monthly", "stopped"),
        ("weekly", "open"),
    ]
    await pilot.at(datetime(2027, 1, 4, 8, 0, tzinfo=HELSINKI))
    assert pilot.rows("SELECT COUNT(*) FROM checkin_prompts WHERE module = 'monthly'") == [(1,)]


async def test_withdraw_stops_every_prompt(pilot: ClockedPilot) -> None:
    aino = await pilot.member("Aino")
    await pilot.at(MONDAY + timedelta(hours=2))
    await aino.command("withdraw")
    await pilot.tick()
    assert pilot.rows("SELECT status FROM checkin_prompts") == [("stopped",)]
    assert pilot.rows("SELECT COUNT(*) FROM checkin_due") == [(0,)]
    seen = len(aino.messages)
    await pilot.at(datetime(2026, 12, 7, 9, 0, tzinfo=HELSINKI))
    assert len(aino.messages) == seen


async def test_a_member_who_blocks_the_bot_is_never_prompted_again(pilot: ClockedPilot) -> None:
    aino = await pilot.member("Aino")
    ville = await pilot.member("Ville")
    pilot.sandbox.block_bot(ville.user)
    await pilot.settled()
    await pilot.at(MONDAY + timedelta(hours=2))
    await pilot.at(datetime(2026, 12, 7, 9, 0, tzinfo=HELSINKI))
    counts = pilot.services.checkins.wave_counts
    rows = [tuple(row) for row in await counts(1, "weekly")]
    assert rows == [("2026-11-23", 1, 0, 0), ("2026-11-30", 1, 0, 0)]
    assert pilot.sandbox.bot_messages(ville.user.id)[-1]["text"] != aino.messages[-1]["text"]


async def test_a_member_blocked_after_the_prompt_is_counted_in_its_wave(
    pilot: ClockedPilot,
) -> None:
    await pilot.member("Aino")
    ville = await pilot.member("Ville")
    await pilot.at(MONDAY + timedelta(hours=2))
    pilot.sandbox.block_bot(ville.user)
    await pilot.settled()
    await pilot.tick()
    rows = [tuple(row) for row in await pilot.services.checkins.wave_counts(1, "weekly")]
    assert rows == [("2026-11-23", 2, 0, 1)]
    await pilot.at(datetime(2026, 12, 7, 9, 0, tzinfo=HELSINKI))
    rows = [tuple(row) for row in await pilot.services.checkins.wave_counts(1, "weekly")]
    assert rows[-1] == ("2026-11-30", 1, 0, 0)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # EU summer time begins on Sunday 29 March 2026 and ends on Sunday 25 October 2026.
        (
            datetime(2026, 3, 23, 8, 0, tzinfo=HELSINKI),
            datetime(2026, 3, 30, 8, 0, tzinfo=HELSINKI),
        ),
        (
            datetime(2026, 10, 19, 8, 0, tzinfo=HELSINKI),
            datetime(2026, 10, 26, 8, 0, tzinfo=HELSINKI),
        ),
    ],
)
async def test_the_chosen_time_stays_local_across_daylight_saving_changes(
    tmp_path: Path, before: datetime, after: datetime
) -> None:
    async for pilot in clocked_pilot(tmp_path, before - timedelta(hours=2)):
        aino = await pilot.member("Aino")
        await pilot.tick()
        for monday in (before, after):
            seen = len(aino.messages)
            await pilot.at(monday - timedelta(minutes=1))
            assert len(aino.messages) == seen
            await pilot.at(monday)
            assert "1/5" in aino.messages[-1]["text"]
            [prompted] = pilot.rows(
                "SELECT prompted_at FROM checkin_prompts ORDER BY id DESC LIMIT 1"
            )
            assert datetime.fromisoformat(prompted[0]).astimezone(HELSINKI).hour == 8
        offsets = {monday.utcoffset() for monday in (before, after)}
        assert len(offsets) == 2  # the UTC time of the prompt moved by an hour


async def test_after_downtime_overdue_prompts_are_sent_once_coalesced(pilot: ClockedPilot) -> None:
    aino = await pilot.member("Aino")
    eeva = await pilot.member("Eeva", "fi", {"wellbeing"})
    await pilot.tick()
    seen = {person.name: len(person.messages) for person in (aino, eeva)}
    # Down from Monday 07:00 until Thursday 10 Dec: prompt and both reminder times missed.
    await pilot.at(datetime(2026, 12, 10, 12, 0, tzinfo=HELSINKI))
    await pilot.tick()
    await pilot.tick()
    new = {person.name: person.messages[seen[person.name] :] for person in (aino, eeva)}
    assert [len(messages) for messages in new.values()] == [1, 1]
    # Only the open waves: this week's weekly wave (about 30 Nov – 6 Dec), December's monthly.
    assert pilot.rows("SELECT module, period, reminders FROM checkin_prompts ORDER BY module") == [
        ("monthly", "2026-12-01", 0),
        ("weekly", "2026-11-30", 0),
    ]
    # Down again past both monthly reminder times: one reminder, the other counted as sent.
    await pilot.at(datetime(2026, 12, 14, 12, 0, tzinfo=HELSINKI))
    await pilot.tick()
    assert len(eeva.messages) == seen["Eeva"] + 2
    assert pilot.rows("SELECT reminders FROM checkin_prompts WHERE module = 'monthly'") == [(2,)]


async def test_a_tick_sends_what_its_batches_stored_even_when_a_later_piece_fails(
    pilot: ClockedPilot,
) -> None:
    aino = await pilot.member("Aino")
    await pilot.tick()
    before = len(aino.messages)

    async def broken(context: BotContext, now: datetime, limit: int) -> int:
        raise RuntimeError("a later piece of the tick fails")

    pilot.clock.advance(timedelta(hours=1))
    with pytest.raises(RuntimeError):
        await run_due(BotContext(pilot.application), (*DUE_WORK, broken))
    await pilot.settled()
    # The prompt was stored with its batch: it goes out now, not at the next restart.
    [prompt] = aino.messages[before:]
    assert prompt["text"].startswith(shipped("work_travel").title["fi"])
    assert pilot.rows("SELECT COUNT(*) FROM outbox") == [(0,)]


async def test_export_observations_feeds_the_report(
    pilot: ClockedPilot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    aino = await pilot.member("Aino")
    await pilot.at(MONDAY + timedelta(hours=2))
    for value in ("5", "2", "1", "bus", "30_49"):
        await aino.press("ck", value)
    await pilot.at(datetime(2026, 12, 7, 9, 0, tzinfo=HELSINKI))
    await aino.press("ck", "3")
    await aino.press("cks")  # home days skipped
    monkeypatch.setenv("SEROI_TELEGRAM_TOKEN", pilot.settings.telegram_token.get_secret_value())
    monkeypatch.setenv("SEROI_PSEUDONYM_KEY", pilot.settings.pseudonym_key.get_secret_value())
    monkeypatch.setenv("SEROI_DB_PATH", str(pilot.settings.db_path))
    out = tmp_path / "observations.csv"
    assert (
        await asyncio.to_thread(
            main, ["export-observations", "--pilot", "laitila", "--out", str(out)]
        )
        == 0
    )
    observations = load_observations(out)
    pseudonym = pilot.services.pseudonym(aino.user.id)
    assert {o.member for o in observations} == {pseudonym}
    assert str(aino.user.id) not in out.read_text()
    dated = sorted((str(o.date), o.indicator, o.value) for o in observations)
    assert (
        dated
        == [
            ("2026-11-23", "commute_mode", "bus"),
            ("2026-11-23", "distance_band", "30_49"),
            ("2026-11-23", "home_days", 2.0),
            ("2026-11-23", "hub_days", 1.0),
            ("2026-11-23", "work_days", 5.0),
            ("2026-11-30", "work_days", 3.0),  # still open: what is answered so far counts at close
        ]
        or dated[:5]
        == [
            ("2026-11-23", "commute_mode", "bus"),
            ("2026-11-23", "distance_band", "30_49"),
            ("2026-11-23", "home_days", 2.0),
            ("2026-11-23", "hub_days", 1.0),
            ("2026-11-23", "work_days", 5.0),
        ]
    )
    capsys.readouterr()
    report = ["report", "examples/laitila_remote_work.yaml", "--observations", str(out), "--json"]
    assert await asyncio.to_thread(main, report) == 0
    assert await asyncio.to_thread(main, ["export-observations", "--pilot", "nowhere"]) == 2


def test_the_demo_runs_eight_weekly_and_two_monthly_waves(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    assert run_demo(out) == 0
    rates = (out / "response_rates.txt").read_text(encoding="utf-8").splitlines()
    assert [line.split()[0] for line in rates] == ["weekly"] * 8 + ["monthly"] * 2
    assert any(" 1 blocked" in line for line in rates)  # Ville
    assert load_observations(out / "observations.csv")
    assert (out / "reports" / "checkins" / "laitila-remote-work-hub" / "report.pdf").is_file()


async def test_a_member_without_a_day_is_asked_for_it_once_per_wave_before_any_check_in(
    pilot: ClockedPilot,
) -> None:
    aino = await pilot.member("Aino")
    # As someone who finished onboarding before it asked for a day and a time.
    with sqlite3.connect(pilot.settings.db_path) as database:
        database.execute("UPDATE members SET checkin_day = NULL, checkin_window = NULL")
    # Their pending questions start with the distance they skipped at onboarding.
    pending = shipped("onboarding").question("distance_band").text["fi"]
    seen = len(aino.messages)
    await pilot.at(MONDAY + timedelta(hours=2))
    await pilot.later(hours=4)
    [asked] = aino.messages[seen:]  # no check-in until their day is known
    assert pending in asked["text"]
    await pilot.at(datetime(2026, 12, 7, 9, 0, tzinfo=HELSINKI))
    [again] = aino.messages[seen + 1 :]  # once more, for the next wave
    assert pending in again["text"]


async def test_a_broken_prompt_holds_up_no_one_else(pilot: ClockedPilot) -> None:
    aino = await pilot.member("Aino")
    ville = await pilot.member("Ville")
    await pilot.at(MONDAY + timedelta(hours=2))
    sqlite = sqlite3.connect(pilot.settings.db_path)
    with sqlite:
        sqlite.execute(
            "UPDATE checkin_prompts SET state = 'not a state' WHERE pseudonym = ?",
            (pilot.services.pseudonym(aino.user.id),),
        )
    sqlite.close()
    seen = len(ville.messages)
    await pilot.later(hours=24)
    assert ville.messages[seen:][0]["text"].startswith(
        translator("fi")("A reminder: your check-in is still open.")
    )


async def test_monthly_reminders_at_a_day_and_three_days_then_the_close(
    pilot: ClockedPilot,
) -> None:
    _ = translator("fi")
    eeva = await pilot.member("Eeva", "fi", {"wellbeing"})
    opens = datetime(2026, 12, 7, 8, 0, tzinfo=HELSINKI)
    await pilot.at(opens)
    seen = len(eeva.messages)
    reminder = _("A reminder: your check-in is still open.")
    await pilot.at(opens + timedelta(hours=24, minutes=1))
    assert [m["text"].startswith(reminder) for m in eeva.messages[seen:]] == [True]
    await pilot.at(opens + timedelta(hours=48, minutes=1))
    assert len(eeva.messages) == seen + 1
    await pilot.at(opens + timedelta(hours=72, minutes=1))
    first, second = eeva.messages[seen:]
    assert first["text"] == _("This check-in continues below.")  # the second took over
    assert second["text"].startswith(reminder)
    for day in range(4, 14):
        await pilot.at(opens + timedelta(days=day, minutes=1))
    assert len(eeva.messages) == seen + 2  # two at most
    await pilot.at(opens + timedelta(days=14, minutes=1))
    assert eeva.messages[-1]["text"] == _("This check-in has closed.")
    assert "reply_markup" not in eeva.messages[-1]
    assert pilot.rows("SELECT status, reminders FROM checkin_prompts") == [("closed", 2)]
