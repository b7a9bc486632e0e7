"""Small impact maps built in code for the seroi tests."""

from __future__ import annotations

from typing import Any

from seroi.impact_map import ImpactMap


def outcome(outcome_id: str = "row", **fields: Any) -> dict[str, Any]:
    """One outcome row as the YAML would give it, with plain defaults."""
    row: dict[str, Any] = {
        "id": outcome_id,
        "stakeholder": "residents",
        "dimension": "social",
        "description": "a change",
        "quantity": 10,
        "proxy": {"value": 100, "unit": "EUR per person", "source": "test"},
        "duration": 1,
    }
    row.update(fields)
    return row


def make_map(outcomes: list[dict[str, Any]], investment: float = 1000, **fields: Any) -> ImpactMap:
    """A map with one year-0 input of `investment` (none when 0) and the given rows."""
    inputs = (
        [{"stakeholder": "funder", "description": "grant", "amount": investment}]
        if investment
        else []
    )
    return ImpactMap.model_validate(
        {"name": "test map", "inputs": inputs, "outcomes": outcomes, **fields}
    )
