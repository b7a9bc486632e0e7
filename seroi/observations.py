"""Check-in observations: one answer of one (pseudonymous) member on one date."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from seroi.errors import ObservationsError
from seroi.indicators import INDICATORS, indicator_problem

REQUIRED_COLUMNS: tuple[str, ...] = ("member", "date", "indicator", "value")


class Observation(BaseModel):
    """One answer: `member` is a pseudonym; `value` a number, or a code for coded items."""

    model_config = ConfigDict(frozen=True)

    member: str
    date: date
    indicator: str
    value: float | str


def load_observations(path: str | Path) -> list[Observation]:
    """Read a CSV (member,date,indicator,value; `#` lines are comments); every problem raised."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ObservationsError([f"{path.name}: cannot read the file: {exc}"]) from exc
    return parse_observations(text, path.name)


def parse_observations(text: str, source_name: str = "observations") -> list[Observation]:
    """Parse observations CSV text; problems name `source_name` and the line."""
    numbered = [
        (number, line)
        for number, line in enumerate(io.StringIO(text), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not numbered:
        raise ObservationsError(
            [f"{source_name}: no header row (expected {', '.join(REQUIRED_COLUMNS)})"]
        )
    reader = csv.reader(line for _, line in numbered)
    header = [column.strip().lower() for column in next(reader)]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise ObservationsError(
            [
                f"{source_name}: line {numbered[0][0]}: missing column(s) {', '.join(missing)} "
                f"(the header must name {', '.join(REQUIRED_COLUMNS)})"
            ]
        )
    position = {column: header.index(column) for column in REQUIRED_COLUMNS}
    observations, problems = [], []
    for row in reader:
        line_number = numbered[reader.line_num - 1][0]
        observation, problem = _parse_row(row, position)
        if problem is not None:
            problems.append(f"{source_name}: line {line_number}: {problem}")
        else:
            observations.append(observation)
    if problems:
        raise ObservationsError(problems)
    return observations


def _parse_row(row: list[str], position: dict[str, int]) -> tuple[Observation | None, str | None]:
    if len(row) < len(position) or len(row) <= max(position.values()):
        return None, f"expected {len(position)} values, found {len(row)}"
    fields = {column: row[index].strip() for column, index in position.items()}
    problems = []
    if not fields["member"]:
        problems.append("member is empty")
    when = _parse_date(fields["date"])
    if when is None:
        problems.append(f"date {fields['date']!r} is not a date like 2025-03-17")
    value = _parse_value(fields["indicator"], fields["value"])
    problem = indicator_problem(fields["indicator"], value)
    if problem is not None:
        problems.append(problem)
    if problems:
        return None, "; ".join(problems)
    return Observation(
        member=fields["member"], date=when, indicator=fields["indicator"], value=value
    ), None


def _parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        return None


def _parse_value(indicator: str, text: str) -> float | str:
    known = INDICATORS.get(indicator)
    if known is not None and known.kind == "code":
        return text
    try:
        return float(text)
    except ValueError:
        return text


def validate_observations(observations: Iterable[Observation]) -> None:
    """Raise ObservationsError listing every observation the vocabulary does not accept."""
    problems = []
    for number, observation in enumerate(observations, start=1):
        problem = indicator_problem(observation.indicator, observation.value)
        if problem is not None:
            problems.append(
                f"observation {number} ({observation.member}, {observation.date}): {problem}"
            )
    if problems:
        raise ObservationsError(problems)
