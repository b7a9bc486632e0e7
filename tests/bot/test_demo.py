"""The README's main job under trouble: Telegram failing 10 % of calls, or the database locked."""

from __future__ import annotations

import json
from pathlib import Path

from bot.demo.steps import STEPS
from bot.demo.tour import RESIDENTS, run_demo
from bot.demo.workshop import WORKSHOP_STEPS


def test_demo_completes_every_step_once_under_injected_faults(tmp_path: Path) -> None:
    out = tmp_path / "demo-output"
    assert run_demo(out, fault_rate=0.1) == 0
    steps = json.loads((out / "steps.json").read_text(encoding="utf-8"))
    assert [step["ok"] for step in steps] == [True] * len(steps)
    assert len(steps) == 4 + len(RESIDENTS) + 5 + 7 + STEPS + WORKSHOP_STEPS  # 7: steps 2 and 4
    transcript = (out / "transcript.txt").read_text(encoding="utf-8")
    assert transcript.count("429 Too Many Requests") >= 3
    assert transcript.count("504 Gateway Timeout") >= 3
    media = sorted(path.name for path in (out / "media").iterdir())
    assert any(name.endswith("invite-laitila-member.png") for name in media)
    assert any(name.endswith("my-data.json") for name in media)
    # Each prompt turned into the next one; Aino's chat ends with the welcome and her data.
    chat = (out / "chats" / "Aino.txt").read_text(encoding="utf-8")
    assert "Laitila" in chat
    assert "[bot] (my-data.json)" in chat
    assert transcript.count("bot ✎ Aino") >= 5


def test_demo_completes_every_step_once_while_the_database_is_locked_for_6_s(
    tmp_path: Path,
) -> None:
    out = tmp_path / "demo-output"
    assert run_demo(out, lock_seconds=6) == 0  # steps, database checks, no message twice
    steps = json.loads((out / "steps.json").read_text(encoding="utf-8"))
    assert [step["ok"] for step in steps] == [True] * len(steps)
    log = (out / "bot.log").read_text(encoding="utf-8")
    assert "could not be stored" in log  # the outage happened, and was waited out
    transcript = (out / "transcript.txt").read_text(encoding="utf-8")
    assert "Sorry, something went wrong" not in transcript
