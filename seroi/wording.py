"""Wording shared by the PDF, the summary and the workbook, so they never say it differently."""

from __future__ import annotations

from seroi.i18n import translator

SWITCHING_FIELDS: tuple[str, ...] = (
    "deadweight",
    "displacement",
    "attribution",
    "drop_off",
    "quantity_factor",
    "proxy_factor",
)
PERCENTILES: tuple[str, ...] = ("p5", "p25", "p50", "p75", "p95")


def switching_explanation(lang: str) -> str:
    """What a switching value is, for the line above the table."""
    _ = translator(lang)
    return _(
        "The value at which one estimate, changed alone, brings the SROI ratio to 1 : 1; "
        "— means no value in range does. Multipliers apply to the quantity or the proxy."
    )


def scenario_name(name: str, lang: str) -> str:
    """The localised name of a scenario (low, central, high)."""
    _ = translator(lang)
    names = {"low": _("Pessimistic"), "central": _("Central"), "high": _("Optimistic")}
    return names.get(name, name)


def no_investment(lang: str) -> str:
    """What a ratio is when nothing was invested."""
    _ = translator(lang)
    return _("not defined (no investment)")
