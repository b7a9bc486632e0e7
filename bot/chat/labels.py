"""Names of what a member chooses, shared by the features that ask and those that report it."""

from __future__ import annotations

from bot.i18n import N_

CONSENT_LABELS = {
    "checkins": N_("Weekly check-ins on work and travel"),
    "wellbeing": N_("Monthly wellbeing questions (health-related data)"),
    "workshops": N_("Invitations to workshops"),
}
GROUP_LABELS = {
    "resident": N_("Resident"),
    "entrepreneur": N_("Entrepreneur or business"),
    "association": N_("Association or club"),
    "public_body": N_("Municipality or public body"),
    "other": N_("Other"),
}


def short(text: str, limit: int = 60) -> str:
    """The beginning of a text (a proposal, say), to name it in one line."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
