"""Small impact maps built in code for the seroi tests."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

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


# Random maps for property tests.
FRACTION_FIELDS = ("deadweight", "displacement", "attribution", "drop_off")
fractions = st.floats(0, 1)
# Magnitudes of real maps: amounts from a thousandth to thousands (no 1e-300 proxies, whose
# switching multipliers would overflow a float).
rows = st.fixed_dictionaries(
    {
        "quantity": st.just(0.0) | st.floats(1e-3, 1e4),
        "proxy": st.just(0.0) | st.floats(1e-3, 5000) | st.floats(-500, -1e-3),
        "duration": st.integers(1, 10),
        "starts": st.sampled_from(["during", "after"]),
        "deadweight": fractions,
        "displacement": fractions,
        "attribution": fractions,
        "drop_off": fractions,
        "discount_rate": st.none() | st.floats(0, 0.2),
        "dimension": st.sampled_from(["social", "economic", "environmental"]),
    }
)
maps = st.fixed_dictionaries(
    {
        "rows": st.lists(rows, min_size=1, max_size=6),
        "investment": st.floats(1, 1e6),
        "rate": st.floats(0, 0.2),
        "first_year": st.booleans(),
    }
)


def build(spec: dict) -> ImpactMap:
    """The impact map a `maps` example describes: one input, rows r0, r1, ..."""
    outcomes = []
    for index, row in enumerate(spec["rows"]):
        row = dict(row)
        proxy = row.pop("proxy")
        outcomes.append(
            {
                "id": f"r{index}",
                "stakeholder": f"group{index % 2}",
                "description": "row",
                "proxy": {"value": proxy, "unit": "u", "source": "s"},
                **row,
            }
        )
    return ImpactMap.model_validate(
        {
            "name": "generated",
            "discount_rate": spec["rate"],
            "discount_first_year": spec["first_year"],
            "inputs": [{"stakeholder": "f", "description": "d", "amount": spec["investment"]}],
            "outcomes": outcomes,
        }
    )
