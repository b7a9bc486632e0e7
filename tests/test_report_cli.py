"""`seroi-bot report` end to end: the shipped examples, the JSON, and every kind of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_MAPS = sorted((ROOT / "examples").glob("*.yaml"))
OBSERVATIONS = ROOT / "examples" / "observations_synthetic.csv"
REPORT_FILES = {
    "report.pdf",
    "summary.md",
    "value_map.xlsx",
    "value_by_dimension.png",
    "value_by_stakeholder.png",
    "value_by_year.png",
    "tornado.png",
}
JSON_KEYS = {
    "present_value",
    "net_present_value",
    "ratio",
    "net_ratio",
    "payback_months",
    "by_dimension",
    "by_stakeholder",
    "by_year",
    "switching_values",
}


def report_folders(out: Path) -> list[Path]:
    return sorted(path for path in out.iterdir()) if out.exists() else []


def test_examples_are_shipped() -> None:
    assert len(EXAMPLE_MAPS) >= 2
    assert OBSERVATIONS.exists()


@pytest.mark.parametrize("impact_map", EXAMPLE_MAPS, ids=lambda path: path.stem)
def test_each_example_gives_a_full_report(tmp_path: Path, capsys, impact_map: Path) -> None:
    assert main(["report", str(impact_map), "--out", str(tmp_path), "--lang", "fi"]) == 0
    [folder] = report_folders(tmp_path)
    assert {path.name for path in folder.iterdir()} == REPORT_FILES
    assert (folder / "report.pdf").read_bytes().startswith(b"%PDF")
    assert "Netto-SROI-suhde" in (folder / "summary.md").read_text(encoding="utf-8")
    assert str(folder) in capsys.readouterr().out


def test_observations_add_the_actual_return_to_files_and_json(tmp_path: Path, capsys) -> None:
    impact_map = str(EXAMPLE_MAPS[0])
    argv = ["report", impact_map, "--observations", str(OBSERVATIONS), "--out", str(tmp_path)]
    assert main([*argv, "--json"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)  # stdout is exactly one JSON object
    assert JSON_KEYS | {"actual"} <= set(data)
    assert set(data["actual"]) >= JSON_KEYS - {"switching_values"}
    assert set(data["by_dimension"]) == {"social", "economic", "environmental"}
    [folder] = report_folders(tmp_path)
    assert (folder / "forecast_vs_actual.png").exists()
    assert str(folder) in captured.err


def test_json_without_out_writes_no_files(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["report", str(EXAMPLE_MAPS[0]), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= JSON_KEYS
    assert "actual" not in data
    assert list(tmp_path.iterdir()) == []


def test_without_out_the_report_goes_to_reports(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["report", str(EXAMPLE_MAPS[0])]) == 0
    [folder] = report_folders(tmp_path / "reports")
    assert {path.name for path in folder.iterdir()} >= REPORT_FILES


def test_a_second_run_replaces_the_report_and_leaves_no_staging(tmp_path: Path) -> None:
    impact_map = str(EXAMPLE_MAPS[0])
    argv = ["report", impact_map, "--observations", str(OBSERVATIONS), "--out", str(tmp_path)]
    assert main(argv) == 0
    assert main(["report", impact_map, "--out", str(tmp_path)]) == 0
    [folder] = report_folders(tmp_path)
    assert {path.name for path in folder.iterdir()} == REPORT_FILES  # no stale actual chart


GOOD_CSV_HEADER = "member,date,indicator,value\n"
SCHEMA_ERRORS = """\
name: broken
outcomes:
  - id: a
    stakeholder: residents
    dimension: cultural
    description: x
    quantity: 1
    proxy: {value: 1, unit: EUR, source: s}
    duration: 1
    deadwieght: 0.2
"""
BAD_INPUTS = {
    "malformed_yaml": (
        "name: x\noutcomes:\n  - id: a\n   bad: [\n",
        None,
        ["map.yaml: line 4"],
    ),
    "schema_errors": (
        SCHEMA_ERRORS,
        None,
        ["outcomes[0].dimension", "outcomes[0].deadwieght"],
    ),
    "unknown_indicator": (
        None,
        GOOD_CSV_HEADER + "m1,2025-03-03,happiness_score,4\n",
        ["obs.csv: line 2", "happiness_score"],
    ),
    "unparseable_date": (
        None,
        GOOD_CSV_HEADER + "m1,3rd of March,work_days,4\n",
        ["obs.csv: line 2", "3rd of March"],
    ),
    "both_files_bad": (
        SCHEMA_ERRORS,
        GOOD_CSV_HEADER + "m1,2025-13-45,work_days,4\n",
        ["outcomes[0].dimension", "obs.csv: line 2"],
    ),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=str)
def test_bad_input_lists_every_problem_and_writes_nothing(tmp_path: Path, capsys, case) -> None:
    map_text, csv_text, expected = BAD_INPUTS[case]
    map_path = tmp_path / "map.yaml"
    impact_map = EXAMPLE_MAPS[0]
    if map_text:
        map_path.write_text(map_text, encoding="utf-8")
        impact_map = map_path
    argv = ["report", str(impact_map), "--out", str(tmp_path / "out"), "--json"]
    if csv_text:
        (tmp_path / "obs.csv").write_text(csv_text, encoding="utf-8")
        argv += ["--observations", str(tmp_path / "obs.csv")]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    for fragment in expected:
        assert fragment in captured.err
    assert "Traceback" not in captured.err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("missing", ["map", "observations"])
def test_missing_file_is_reported_not_raised(tmp_path: Path, capsys, missing: str) -> None:
    impact_map = tmp_path / "nowhere.yaml" if missing == "map" else EXAMPLE_MAPS[0]
    argv = ["report", str(impact_map), "--out", str(tmp_path / "out")]
    if missing == "observations":
        argv += ["--observations", str(tmp_path / "nowhere.csv")]
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert "nowhere." in error
    assert "cannot read" in error
    assert not (tmp_path / "out").exists()


def test_json_says_whether_the_investment_is_repaid_within_the_horizon(capsys) -> None:
    rauma = ROOT / "examples" / "rauma_mobility.yaml"
    assert main(["report", str(rauma), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["repaid_within_horizon"] is False
    assert data["payback_months"] == pytest.approx(27.34, abs=0.01)  # the formula, kept
    assert data["undiscounted_value"] == pytest.approx(37_363.63, abs=0.01)
    assert data["undiscounted_investment"] == 48_000
    assert data["horizon_years"] == 2


def test_out_that_is_a_file_is_one_line_and_exit_2(tmp_path: Path, capsys) -> None:
    existing = tmp_path / "report.txt"
    existing.write_text("keep me", encoding="utf-8")
    assert main(["report", str(EXAMPLE_MAPS[0]), "--out", str(existing)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "is a file" in error
    assert existing.read_text(encoding="utf-8") == "keep me"


def test_names_missing_in_the_report_language_are_warned_about(tmp_path: Path, capsys) -> None:
    map_path = tmp_path / "map.yaml"
    map_path.write_text(
        SCHEMA_ERRORS.replace("cultural", "social").replace("deadwieght", "deadweight")
    )
    argv = ["report", str(map_path), "--out", str(tmp_path / "out"), "--lang", "sv"]
    assert main(argv) == 0
    error = capsys.readouterr().err
    assert "warning: name::sv is missing: showing the en text 'broken'" in error
    assert "warning: outcomes[0] has no label in any language: showing its id" in error
