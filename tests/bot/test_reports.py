"""/report and /export end to end: the real bot over HTTP against the sandbox.

Residents' earlier answers are written into the database as the check-ins store them (the
check-ins' own tests play them through the chat); the coordinator's requests and the
documents go through the sandbox, and are read back as a coordinator would open them.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import zipfile
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import formulas
import pdfplumber
import pytest

from bot.cli import main
from bot.demo.participants import Participant
from bot.i18n import translator
from bot.live import live_analysis
from seroi.analysis import with_actual
from seroi.disclosure import MIN_GROUP
from seroi.i18n import format_number
from seroi.names import names_for
from seroi.report import forecast_and_actual
from seroi.workbook import write_workbook

from .test_checkins_clock import MONDAY, ClockedPilot, buttons, clocked_pilot
from .test_impact_map import coordinator
from .test_summaries import (
    CLOSED_WEEKS,
    LAITILA,
    OPEN_WEEK,
    broken_map_version,
    commuter,
    laitila_with_closed_weeks,
    map_uploaded,
    residents,
    summary_of,
    wave,
    weeks_of,
    write,
)

en, fi = translator("en"), translator("fi")
MAX_CAPTION = 1024


@pytest.fixture
async def pilot(tmp_path: Path) -> AsyncIterator[ClockedPilot]:
    async for running in clocked_pilot(tmp_path):
        yield running


async def ask(person: Participant, pilot: ClockedPilot, command: str, payload: str | None = None):
    """The command's text reply and the documents sent after it (name, bytes, caption)."""
    before = len(person.messages)
    pilot.sandbox.command(person.user, command, payload)
    await pilot.sandbox.wait_for_async(lambda: len(person.messages) > before, 20)
    await pilot.settled()
    [text, *rest] = person.messages[before:]
    return text["text"], [
        (
            message["document"]["file_name"],
            pilot.sandbox.file(message["document"]["file_id"]).data,
            message.get("caption", ""),
        )
        for message in rest
    ]


def pdf_text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return " ".join(" ".join((page.extract_text() or "").split()) for page in pdf.pages)


async def laitila_with_waves(pilot: ClockedPilot, language: str = "en") -> Participant:
    """Kaisa coordinates Laitila, whose map is uploaded; 12 residents answered 3 closed weeks
    and 7 of them the open week so far."""
    kaisa = await coordinator(pilot, language=language)
    await map_uploaded(kaisa)
    names = residents(pilot, 12)
    weeks_of(pilot, names)
    wave(pilot, OPEN_WEEK, {name: commuter(3) for name in names[:7]}, prompted=names)
    return kaisa


async def test_the_report_sends_a_pdf_and_a_workbook_with_the_numbers_shown_in_chat(
    pilot: ClockedPilot,
) -> None:
    kaisa = await laitila_with_waves(pilot)
    text, documents = await ask(kaisa, pilot, "report")
    live = await live_analysis(pilot.services, 1, lang="en")
    assert [wave.period for wave in live.closed_waves] == list(CLOSED_WEEKS)
    assert live.analysis.actual is not None
    assert text.startswith(
        en("SEROI+ report of {pilot}, impact map version {number}.").format(
            pilot="Laitila", number=1
        )
    )
    assert "3 closed check-in waves" in text
    rows = forecast_and_actual(live.analysis, "en")
    for label, forecast, actual in rows[:4]:
        line = en("{label}: forecast {forecast}, actual {actual}").format(
            label=label, forecast=forecast, actual=actual
        )
        assert line in text
    [(pdf_name, pdf, pdf_caption), (xlsx_name, xlsx, xlsx_caption)] = documents
    assert pdf_name == "seroi-laitila-v1.pdf"
    assert xlsx_name == "seroi-laitila-v1.xlsx"
    assert pdf.startswith(b"%PDF")
    assert 0 < len(pdf_caption) <= MAX_CAPTION
    assert 0 < len(xlsx_caption) <= MAX_CAPTION
    # The chat's numbers are the PDF's numbers.
    printed = pdf_text(pdf)
    for _label, forecast, actual in rows[:3]:
        assert forecast in printed
        assert actual in printed
    # The workbook's live formulas give the chat's forecast ratio.
    assert _workbook_ratio(xlsx, live, Path(pilot.settings.db_path).parent) in text
    actions = [call.params.get("action") for call in pilot.sandbox.calls("sendChatAction")]
    assert "upload_document" in actions


def _workbook_ratio(xlsx: bytes, live, folder: Path) -> str:
    """The forecast ratio the sent workbook's formulas compute, formatted as in chat."""
    sent = folder / "sent.xlsx"
    sent.write_bytes(xlsx)
    # The cells' addresses depend on the map's layout only: the core says where they are.
    cells = write_workbook(
        live.analysis, live.impact_map, names_for(live.impact_map, "en"), folder / "layout.xlsx"
    )
    solution = formulas.ExcelModel().loads(str(sent)).finish().calculate()
    ratio = float(solution[f"'[sent.xlsx]{cells.sheet.upper()}'!{cells.ratio}"].value[0, 0])
    assert ratio == pytest.approx(live.analysis.forecast.ratio, abs=0.005)
    return f"{format_number(ratio, 'en')} : 1"


async def test_after_an_erasure_summary_pdf_workbook_and_export_show_the_published_numbers(
    pilot: ClockedPilot,
) -> None:
    """One set of numbers: chat, PDF, workbook and export agree, and an erasure between two
    requests changes none of them (the difference would be the erased member)."""
    kaisa = await laitila_with_waves(pilot)
    _text, [(_name, pdf_before, _caption), _workbook] = await ask(kaisa, pilot, "report")
    export_before = _files((await ask(kaisa, pilot, "export"))[1][0][1])
    leaver = "r005"
    for table in ("checkin_answers", "checkin_prompts", "members", "people"):
        write(pilot, f"DELETE FROM {table} WHERE pseudonym = ?", [(leaver,)])
    summary, _photos = await summary_of(kaisa, pilot)
    text, [(_pdf_name, pdf, _c1), (_xlsx_name, xlsx, _c2)] = await ask(kaisa, pilot, "report")
    export_after = _files((await ask(kaisa, pilot, "export"))[1][0][1])

    live = await live_analysis(pilot.services, 1, lang="en")
    left = await pilot.services.analysis.aggregates(1, live.used_waves)
    recomputed = with_actual(live.analysis, live.impact_map, left)
    assert recomputed.actual.ratio != live.analysis.actual.ratio, "the erasure changes nothing"
    [actual_ratio] = re.findall(r"Actual so far: (\S+ : 1)", summary)
    assert actual_ratio == f"{format_number(live.analysis.actual.ratio, 'en')} : 1"
    ratio_line = en("{label}: forecast {forecast}, actual {actual}").format(
        label=en("SROI ratio"),
        forecast=f"{format_number(live.analysis.forecast.ratio, 'en')} : 1",
        actual=actual_ratio,
    )
    assert ratio_line in text
    assert actual_ratio in pdf_text(pdf)
    assert pdf_text(pdf) == pdf_text(pdf_before)
    forecast_ratio = _workbook_ratio(xlsx, live, Path(pilot.settings.db_path).parent)
    assert en("Forecast: {ratio} of value per euro invested").format(ratio=forecast_ratio) in (
        summary
    )
    assert export_after["derived_quantities.csv"] == export_before["derived_quantities.csv"]


async def test_a_wave_too_small_to_show_stays_out_of_the_report_and_the_export(
    pilot: ClockedPilot,
) -> None:
    """Three answers in a wave: the return with and without it would be theirs alone."""
    kaisa, names = await laitila_with_closed_weeks(pilot)
    before, [(_name, pdf_before, _caption), _workbook] = await ask(kaisa, pilot, "report")
    export_before = _files((await ask(kaisa, pilot, "export"))[1][0][1])
    wave(pilot, OPEN_WEEK, {name: commuter(4, "100plus") for name in names[:3]}, prompted=names)
    pilot.clock.set(MONDAY + timedelta(days=7))
    after, [(_name, pdf, _caption), _workbook] = await ask(kaisa, pilot, "report")
    export_after = _files((await ask(kaisa, pilot, "export"))[1][0][1])
    live = await live_analysis(pilot.services, 1, lang="en")
    assert [wave.period for wave in live.closed_waves] == [*CLOSED_WEEKS, OPEN_WEEK]
    assert [wave.period for wave in live.used_waves] == list(CLOSED_WEEKS)
    assert "3 closed check-in waves" in after
    assert after == before
    assert pdf_text(pdf) == pdf_text(pdf_before)
    assert export_after["derived_quantities.csv"] == export_before["derived_quantities.csv"]
    # The microdata for the controller has the small wave's answers: it is not a publication.
    assert OPEN_WEEK in export_after["checkins_work_travel.csv"].decode()


async def test_the_report_is_in_the_coordinators_language(pilot: ClockedPilot) -> None:
    kaisa = await laitila_with_waves(pilot, language="fi")
    text, documents = await ask(kaisa, pilot, "report")
    assert text.startswith(
        fi("SEROI+ report of {pilot}, impact map version {number}.").format(
            pilot="Laitila", number=1
        )
    )
    assert fi("SEROI+ report of {pilot}, impact map version {number}.") != (
        "SEROI+ report of {pilot}, impact map version {number}."
    )
    printed = pdf_text(documents[0][1])
    assert "Laitilan etätyökeskus" in printed  # the map's Finnish name


async def test_without_closed_waves_the_report_is_the_forecast_and_says_when_the_first_closes(
    pilot: ClockedPilot,
) -> None:
    kaisa = await coordinator(pilot, language="en")
    await map_uploaded(kaisa)
    names = residents(pilot, 8)
    wave(pilot, OPEN_WEEK, {name: commuter(1) for name in names[:3]}, prompted=names)
    text, documents = await ask(kaisa, pilot, "report")
    assert "No check-in wave has closed yet, so this is the forecast only" in text
    assert "the first wave closes on" in text
    assert [name for name, _data, _caption in documents] == [
        "seroi-laitila-v1.pdf",
        "seroi-laitila-v1.xlsx",
    ]
    text, documents = await ask(kaisa, pilot, "export")
    assert text.startswith(en("There is nothing to export from {pilot} yet.").split("{")[0])
    assert "the first wave closes on" in text
    assert documents == []
    assert pilot.rows("SELECT COUNT(*) FROM audit_log WHERE action = 'export'") == [(0,)]


async def test_without_an_impact_map_the_report_says_what_is_missing(pilot: ClockedPilot) -> None:
    kaisa = await coordinator(pilot, language="en")
    weeks_of(pilot, residents(pilot, 10))
    text, documents = await ask(kaisa, pilot, "report")
    assert text == en(
        "{pilot} has no impact map yet, so there is no SEROI+ analysis to report. "
        "Upload one with /map, then ask again."
    ).format(pilot="Laitila")
    assert documents == []
    # The data can still be exported; the reply says the map is missing.
    text, documents = await ask(kaisa, pilot, "export")
    assert "has no impact map yet" in text
    [(_name, data, _caption)] = documents
    assert "impact_map.yaml" not in zipfile.ZipFile(io.BytesIO(data)).namelist()


async def test_an_invalid_impact_map_is_named_with_its_problems(pilot: ClockedPilot) -> None:
    kaisa = await coordinator(pilot, language="en")
    await map_uploaded(kaisa)
    broken_map_version(pilot)
    weeks_of(pilot, residents(pilot, 10))
    text, documents = await ask(kaisa, pilot, "report")
    assert "(version 2) is not valid" in text
    assert "quantity" in text
    assert documents == []


async def test_members_facilitators_other_pilots_and_withdrawn_coordinators_are_refused(
    pilot: ClockedPilot,
) -> None:
    kaisa = await laitila_with_waves(pilot)
    refusal = en("Sorry, that command is not available to you.")
    member = await pilot.member("Aino", "en")
    facilitator = pilot.person("Fia", "en")
    await facilitator.join(await pilot.invite("facilitator"), "en", set(), "resident")
    rauma = pilot.person("Ronja", "en")
    await rauma.join(await pilot.invite("coordinator", "Rauma"), "en", set(), "public_body")
    for command in ("report", "export"):
        for person in (member, facilitator):
            assert (await person.command(command))[0]["text"] == refusal
            assert (await person.command(command, "laitila"))[0]["text"] == refusal
        # A coordinator of Rauma: Laitila reads exactly as a pilot that does not exist.
        [other] = await rauma.command(command, "laitila")
        [none] = await rauma.command(command, "nowhere")
        assert other["text"].replace("laitila", "X") == none["text"].replace("nowhere", "X")
        assert "12" not in other["text"]
        assert "Laitila" not in other["text"]
    assert pilot.sandbox.calls("sendDocument") == [] or all(
        call.params.get("chat_id") == kaisa.user.id for call in pilot.sandbox.calls("sendDocument")
    )
    assert pilot.rows("SELECT COUNT(*) FROM audit_log WHERE action = 'export'") == [(0,)]
    # A coordinator who withdrew is refused both.
    await kaisa.command("withdraw")
    await pilot.settled()
    for command in ("report", "export"):
        await kaisa.say(f"/{command}")
        await pilot.settled()
        assert kaisa.messages[-1]["text"] == refusal


async def test_a_coordinator_of_two_pilots_chooses_by_button(pilot: ClockedPilot) -> None:
    kaisa = await laitila_with_waves(pilot)
    await kaisa.join(await pilot.invite("coordinator", "Rauma"), "en", set(), "public_body")
    weeks_of(pilot, residents(pilot, 6, pilot_id=2, prefix="s"), pilot_id=2)
    [choice] = await kaisa.command("export")
    assert buttons(choice) == ["Laitila", "Rauma"]
    before = len(kaisa.messages)
    await kaisa.press("exp", "2")
    await pilot.sandbox.wait_for_async(
        lambda: any("document" in m for m in kaisa.messages[before:]), 20
    )
    await pilot.settled()
    [document] = [m["document"] for m in kaisa.messages[before:] if "document" in m]
    assert document["file_name"] == "seroi-rauma-data.zip"
    data = pilot.sandbox.file(document["file_id"]).data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read("checkins_work_travel.csv").decode())))
    assert len({row["member"] for row in rows}) == 6  # Rauma's six, none of Laitila's twelve


def _files(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _table(files: dict[str, bytes], name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(files[name].decode("utf-8"))))


async def test_the_export_holds_pseudonymised_wide_csvs_a_codebook_the_map_and_the_workbook(
    pilot: ClockedPilot,
) -> None:
    kaisa = await laitila_with_waves(pilot)
    aino = await pilot.member("Aino", "en")
    aino_pseudonym = pilot.services.pseudonym(aino.user.id)
    names = [f"r{number:03d}" for number in range(12)]
    # Aino answered the last closed week; r000 skipped the commute mode that week.
    wave(pilot, "2026-11-16", {aino_pseudonym: commuter(2, band="5_14")})
    write(
        pilot,
        "UPDATE checkin_answers SET value = NULL WHERE pseudonym = 'r000' "
        "AND period = '2026-11-16' AND item = 'commute_mode'",
        [()],
    )
    text, documents = await ask(kaisa, pilot, "export")
    assert "13 members' answers in 3 closed waves" in text
    [(name, data, caption)] = documents
    assert name == "seroi-laitila-data.zip"
    assert 0 < len(caption) <= MAX_CAPTION
    files = _files(data)
    assert set(files) == {
        "checkins_work_travel.csv",
        "codebook.csv",
        "derived_quantities.csv",
        "impact_map.yaml",
        "value_map.xlsx",
        "README.txt",
    }
    assert files["impact_map.yaml"].decode() == LAITILA.read_text()
    # Nothing that names a person: no Telegram id, no name, no username, no bot pseudonym.
    everything = b"\n".join(files.values())
    people = [kaisa, aino, *pilot.people, pilot.admin]
    for person in people:
        assert str(person.user.id).encode() not in everything
        assert re.search(rf"\b{person.user.first_name}\b".encode(), everything) is None
        assert pilot.services.pseudonym(person.user.id).encode() not in everything
    for internal in [*names, aino_pseudonym]:
        assert re.search(rf"\b{internal}\b".encode(), everything) is None
    # One row per member and closed period; the open week is not there.
    rows = _table(files, "checkins_work_travel.csv")
    assert {row["period"] for row in rows} == set(CLOSED_WEEKS)
    assert len(rows) == 12 * 3 + 1
    members = {row["member"] for row in rows}
    assert len(members) == 13
    assert all(re.fullmatch(r"m[0-9a-f]{16}", member) for member in members)
    for member in members:
        mine = [row for row in rows if row["member"] == member]
        assert len({row["period"] for row in mine}) == len(mine)
    # Wide: one column per question and per option, empty when skipped.
    skipped = [row for row in rows if row["period"] == "2026-11-16" and row["commute_mode"] == ""]
    assert len(skipped) == 1
    assert all(skipped[0][f"commute_mode={mode}"] == "" for mode in ("car_driver", "bus"))
    answered = [row for row in rows if row["commute_mode"] == "car_driver"]
    assert all(row["commute_mode=car_driver"] == "1" for row in answered)
    assert all(row["commute_mode=bicycle"] == "0" for row in answered)
    assert {row["distance_band"] for row in rows} <= {"30_49", "5_14", ""}
    # The codebook names every column of every table, with its wording in every language.
    codebook = _table(files, "codebook.csv")
    described = {(row["file"], row["column"]) for row in codebook}
    for table in ("checkins_work_travel.csv", "derived_quantities.csv"):
        header = next(csv.reader(io.StringIO(files[table].decode())))
        assert {(table, column) for column in header} == {
            (file, column) for file, column in described if file == table
        }
    home = next(row for row in codebook if row["column"] == "home_days")
    assert home["text_en"] == "On how many of those days did you work mainly at home?"
    assert home["text_fi"]
    assert home["text_it"]
    assert home["text_sv"]
    remote = next(row for row in codebook if row["column"] == "remote_days")
    assert remote["definition"] == "derived: home_days + hub_days"
    # Summary tables pass the guard: no member count under the smallest group shown.
    for row in _table(files, "derived_quantities.csv"):
        assert row["members"] == "" or int(row["members"]) >= MIN_GROUP
    # Recorded in the audit log, by the coordinator's pseudonym.
    assert pilot.rows("SELECT actor, pilot_id FROM audit_log WHERE action = 'export'") == [
        (pilot.services.pseudonym(kaisa.user.id), 1)
    ]
    # A second export names the same members the same way.
    _text, [(_name, again, _caption)] = await ask(kaisa, pilot, "export")
    assert {row["member"] for row in _table(_files(again), "checkins_work_travel.csv")} == members


async def test_the_command_line_writes_the_same_export_and_audits_it(
    pilot: ClockedPilot,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    kaisa = await laitila_with_waves(pilot)
    _text, [(_name, in_chat, _caption)] = await ask(kaisa, pilot, "export")
    monkeypatch.setenv("SEROI_TELEGRAM_TOKEN", pilot.settings.telegram_token.get_secret_value())
    monkeypatch.setenv("SEROI_PSEUDONYM_KEY", pilot.settings.pseudonym_key.get_secret_value())
    monkeypatch.setenv("SEROI_DB_PATH", str(pilot.settings.db_path))
    clock_file = tmp_path / "clock.txt"
    clock_file.write_text(pilot.clock.now().isoformat())
    monkeypatch.setenv("SEROI_CLOCK_FILE", str(clock_file))
    out = tmp_path / "laitila.zip"
    command = ["export", "--pilot", "laitila", "--lang", "en", "--out", str(out)]
    assert await asyncio.to_thread(main, command) == 0
    assert "12 members' answers in 3 closed waves" in capsys.readouterr().out
    written, sent = _files(out.read_bytes()), _files(in_chat)
    assert set(written) == set(sent)
    # The same tables (the workbook's own file dates differ).
    assert {name: data for name, data in written.items() if name != "value_map.xlsx"} == {
        name: data for name, data in sent.items() if name != "value_map.xlsx"
    }
    assert pilot.rows("SELECT actor FROM audit_log WHERE action = 'export' ORDER BY id") == [
        (pilot.services.pseudonym(kaisa.user.id),),
        (None,),
    ]
    unknown = ["export", "--pilot", "nowhere", "--out", str(tmp_path / "x.zip")]
    assert await asyncio.to_thread(main, unknown) == 2
    assert not (tmp_path / "x.zip").exists()
