"""The names a report shows (pilot, outcomes, stakeholders) in the reader's language.

Each comes from its `field::lang` label; a missing language falls back to the map's default
language, then to any other language, and only when nothing else exists to the outcome's id.
Every fallback is reported as a warning with the field's path, never silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from seroi.i18n import LANGUAGES, check_language
from seroi.impact_map import ImpactMap, format_path, label_key, stakeholder_rows


@dataclass(frozen=True)
class Names:
    """One map's names in one language, and the fallbacks taken to find them."""

    lang: str
    pilot: str
    outcomes: dict[str, str]  # by outcome id
    stakeholders: dict[str, str]  # by the stakeholder as the map writes it
    warnings: list[str] = field(default_factory=list)

    def by_stakeholder(self, values: Mapping[str, float]) -> dict[str, float]:
        """`values` keyed by stakeholder name in the report's language (order kept)."""
        named: dict[str, float] = {}
        for stakeholder, value in values.items():
            name = self.stakeholders.get(stakeholder, stakeholder)
            named[name] = named.get(name, 0.0) + value
        return named


def _choose(
    lang: str,
    default_lang: str,
    default_text: str | None,
    labels: Mapping[str, str],
    loc: tuple[Any, ...],
    field_name: str,
    warnings: list[str],
) -> str | None:
    """The text for `lang`, else the nearest fallback (with a warning); None if there is none."""
    if lang in labels:
        return labels[lang]
    if lang == default_lang and default_text is not None:
        return default_text
    where = format_path((*loc, label_key(field_name, lang)))
    fallbacks = [
        (default_lang, default_text or labels.get(default_lang)),
        *((other, labels.get(other)) for other in LANGUAGES if other != lang),
    ]
    for other, text in fallbacks:
        if text is not None:
            warnings.append(f"{where} is missing: showing the {other} text {text!r}")
            return text
    return None


def names_for(impact_map: ImpactMap, lang: str) -> Names:
    """The pilot's, outcomes' and stakeholders' names for a report in `lang`."""
    check_language(lang)
    default_lang = impact_map.default_language
    warnings: list[str] = []

    def labels_of(row: Any, field_name: str) -> dict[str, str]:
        found = {other: row.text_in(field_name, other) for other in LANGUAGES}
        return {other: text for other, text in found.items() if text is not None}

    pilot = _choose(
        lang, default_lang, impact_map.name, labels_of(impact_map, "name"), (), "name", warnings
    )
    outcomes = {}
    for index, outcome in enumerate(impact_map.outcomes):
        loc = ("outcomes", index)
        text = _choose(
            lang, default_lang, outcome.label, labels_of(outcome, "label"), loc, "label", warnings
        )
        if text is None:
            warnings.append(f"{format_path(loc)} has no label in any language: showing its id")
        outcomes[outcome.id] = text or outcome.id
    # A stakeholder's labels may sit on any of its rows; the first row names it in warnings.
    merged: dict[str, tuple[tuple[Any, ...], dict[str, str]]] = {}
    for loc, row in stakeholder_rows(impact_map):
        merged.setdefault(row.stakeholder, (loc, {}))[1].update(labels_of(row, "stakeholder"))
    stakeholders = {
        stakeholder: _choose(lang, default_lang, stakeholder, labels, loc, "stakeholder", warnings)
        or stakeholder
        for stakeholder, (loc, labels) in merged.items()
    }
    return Names(lang, pilot or impact_map.name, outcomes, stakeholders, warnings)
