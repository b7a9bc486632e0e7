"""The demo's coordinator at the end of the check-ins: /summary, /report and /export.

Every chart, PDF and ZIP the bot sends lands in the demo's media folder (the sandbox keeps
each upload); the tour prints the SEROI+ ratios, forecast and actual, shown in the chat.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.demo.participants import Participant
from bot.i18n import translator


class Steps(Protocol):
    """The tour's step runner (bot/demo/tour.py): a failed step is recorded, and play goes on."""

    async def step(self, name: str, action: Callable[[], Awaitable[str]]) -> None: ...


def _expect(condition: bool, problem: str) -> None:
    if not condition:
        raise AssertionError(problem)


def _ratio_lines(text: str, language: str) -> list[str]:
    """The summary's lines with the forecast and actual SEROI+ ratios."""
    _ = translator(language)
    starts = (
        _("Forecast: {ratio} of value per euro invested").split("{")[0],
        _("Actual so far: {ratio} (from {waves} closed waves)").split("{")[0],
    )
    return [line for line in text.splitlines() if line.startswith(starts)]


async def play_summaries(tour: Steps, coordinator: Participant, language: str) -> None:
    """The coordinator asks for the pilot's summary, report and data, after the waves."""

    async def summary() -> str:
        # The text, then an album of at least two charts.
        [text, *photos] = await coordinator.command("summary", replies=3)
        _expect(len(photos) >= 2 and all("photo" in photo for photo in photos), "no album")
        ratios = _ratio_lines(text["text"], language)
        _expect(len(ratios) == 2, "no forecast and actual SEROI+ ratio in the summary")
        return f"{len(photos)} charts in an album; " + " | ".join(ratios)

    async def report() -> str:
        [_text, *documents] = await coordinator.command("report", replies=3)
        names = [document["document"]["file_name"] for document in documents]
        _expect(any(name.endswith(".pdf") for name in names), "no PDF")
        return ", ".join(names)

    async def export() -> str:
        [_text, archive] = await coordinator.command("export", replies=2)
        name = archive["document"]["file_name"]
        _expect(name.endswith(".zip"), "no ZIP")
        return f"{name}, {archive['document']['file_size']} bytes"

    await tour.step("the coordinator's summary with the SEROI+ return, forecast vs actual", summary)
    await tour.step("the coordinator's report: PDF and workbook", report)
    await tour.step("the coordinator's data export (ZIP)", export)
