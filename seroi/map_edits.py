"""Changing an impact map outside its YAML file: the edits made in chat, and what changed.

Each edit returns the whole new map as YAML text, which goes through the same validation
as an uploaded file: one map, one history, one set of rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import yaml

from seroi.derivations import DERIVATIONS
from seroi.impact_map import LABEL_SEPARATOR, ImpactMap, Proxy
from seroi.indicators import INDICATORS

# What a coordinator can pick for an action: the check-in items, then the derivations.
INDICATOR_LIBRARY: tuple[str, ...] = (*INDICATORS, *DERIVATIONS)

ChangeKind = Literal["outcome added", "outcome removed", "outcome changed", "inputs", "map"]


@dataclass(frozen=True)
class Change:
    """One difference between two versions of a map: what, which outcome, which fields."""

    kind: ChangeKind
    subject: str = ""
    fields: tuple[str, ...] = ()


def _with_label_keys(data: Any) -> Any:
    """The dumped form back in the file's form: each `labels` entry as `field::lang` beside it."""
    if isinstance(data, list):
        return [_with_label_keys(item) for item in data]
    if not isinstance(data, dict):
        return data
    labels = data.pop("labels", {}) or {}
    shaped: dict[str, Any] = {}
    for key, value in data.items():
        shaped[key] = _with_label_keys(value)
        shaped.update(
            {
                label: text
                for label, text in labels.items()
                if label.partition(LABEL_SEPARATOR)[0] == key
            }
        )
    shaped.update(labels)  # a label of a field left at its default (`label::fi` without `label`)
    return shaped


def _data(impact_map: ImpactMap) -> dict[str, Any]:
    return impact_map.model_dump(mode="json", exclude_defaults=True)


def _as_map_yaml(data: dict[str, Any]) -> str:
    return yaml.safe_dump(_with_label_keys(data), allow_unicode=True, sort_keys=False, width=100)


def to_yaml(impact_map: ImpactMap) -> str:
    """The map as YAML a coordinator can edit and upload again (comments are not kept)."""
    return _as_map_yaml(_data(impact_map))


def _outcome_at(data: dict[str, Any], outcome_id: str) -> dict[str, Any]:
    for row in data["outcomes"]:
        if row["id"] == outcome_id:
            return row
    raise KeyError(outcome_id)


def link_indicator(
    impact_map: ImpactMap,
    outcome_id: str,
    indicator: str,
    baseline: float,
    target: float,
    action_id: int,
) -> str:
    """The map with `indicator` measuring `outcome_id` for an action, from baseline to target.

    A derivation sets the outcome's `derive` (its default parameters, unless the outcome
    already uses that derivation) and, if the outcome names no indicator, the first item
    the derivation reads.
    """
    data = _data(impact_map)
    row = _outcome_at(data, outcome_id)
    derivation = DERIVATIONS.get(indicator)
    if derivation is None:
        row["indicator"] = indicator
    else:
        if (row.get("derive") or {}).get("name") != indicator:
            row["derive"] = {"name": indicator}
        row.setdefault("indicator", derivation.indicators[0])
    row["baseline"], row["target"] = baseline, target
    row["actions"] = sorted({*row.get("actions", []), action_id})
    return _as_map_yaml(data)


def set_proxy(impact_map: ImpactMap, outcome_id: str, proxy: Proxy) -> str:
    """The map with `proxy` valuing `outcome_id`."""
    data = _data(impact_map)
    _outcome_at(data, outcome_id)["proxy"] = proxy.model_dump(mode="json", exclude_defaults=True)
    return _as_map_yaml(data)


def with_action_budgets(
    impact_map: ImpactMap, budgets: Iterable[tuple[int, str, float]], stakeholder: str
) -> ImpactMap:
    """The map whose action inputs are exactly these (id, title, budget): the pilot invests them.

    Inputs the map writes itself (no `action`) stay as they are; actions without a budget
    add nothing.
    """
    data = _data(impact_map)
    own = [row for row in data.get("inputs", []) if row.get("action") is None]
    from_actions = [
        {"stakeholder": stakeholder, "description": title, "amount": budget, "action": action}
        for action, title, budget in budgets
        if budget > 0
    ]
    data["inputs"] = own + from_actions
    return ImpactMap.model_validate(data)


def changes(old: ImpactMap | None, new: ImpactMap) -> list[Change]:
    """What differs from `old` to `new`, briefly: outcomes added, removed or changed, and so on."""
    if old is None:
        return [Change("outcome added", row.id) for row in new.outcomes]
    found: list[Change] = []
    before, after = _data(old), _data(new)
    top = [
        key
        for key in sorted({*before, *after} - {"inputs", "outcomes"})
        if before.get(key) != after.get(key)
    ]
    if top:
        found.append(Change("map", fields=tuple(top)))
    if before.get("inputs") != after.get("inputs"):
        found.append(Change("inputs"))
    old_rows = {row["id"]: row for row in before["outcomes"]}
    new_rows = {row["id"]: row for row in after["outcomes"]}
    for outcome_id, row in new_rows.items():
        if outcome_id not in old_rows:
            found.append(Change("outcome added", outcome_id))
            continue
        differing = tuple(
            sorted(
                _field(key)
                for key in {*row, *old_rows[outcome_id]}
                if row.get(key) != old_rows[outcome_id].get(key)
            )
        )
        if differing:
            found.append(Change("outcome changed", outcome_id, tuple(dict.fromkeys(differing))))
    found.extend(Change("outcome removed", key) for key in old_rows if key not in new_rows)
    return found


def _field(key: str) -> str:
    """`labels` changes are named as labels; everything else by its key."""
    return "labels" if key == "labels" or LABEL_SEPARATOR in key else key
