"""The scripts the bot ships: onboarding, the weekly work-and-travel check-in, WHO-5, ONS4."""

from __future__ import annotations

from pathlib import Path

from conversations.loading import load_script
from conversations.script import Script

SCRIPTS_DIR = Path(__file__).parent
SHIPPED: tuple[str, ...] = ("onboarding", "work_travel", "who5", "ons4", "workshop_hub")


def shipped(name: str) -> Script:
    """A shipped script by name (ScriptError if its file has a problem)."""
    if name not in SHIPPED:
        raise KeyError(f"no shipped script {name!r}; shipped: {', '.join(SHIPPED)}")
    return load_script(SCRIPTS_DIR / f"{name}.yaml")
