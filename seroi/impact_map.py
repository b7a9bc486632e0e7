"""Impact maps: the YAML file a coordinator edits, validated into pydantic models.

The format is documented in docs/impact_map.md. Loading never stops at the first problem:
every problem is reported with its path in the YAML's own terms (``outcomes[2].deadweight``)
and, where known, its line.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from seroi.derivations import DERIVATIONS
from seroi.errors import ImpactMapError
from seroi.i18n import LANGUAGES

DIMENSIONS: tuple[str, ...] = ("social", "economic", "environmental")
FRACTION_FIELDS: tuple[str, ...] = ("deadweight", "displacement", "attribution", "drop_off")
# Fields a `ranges:` block may give a [low, high] for, in the order reports list them.
RANGED_FIELDS: tuple[str, ...] = (
    "quantity",
    "proxy",
    "deadweight",
    "displacement",
    "attribution",
    "drop_off",
    "duration",
    "discount_rate",
)
# Fields that get a default range (±20 % of the central value) when none is declared.
DEFAULT_RANGED_FIELDS: tuple[str, ...] = RANGED_FIELDS[:6]
DEFAULT_RELATIVE_RANGE = 0.20
DEFAULT_DISCOUNT_RATE = 0.035  # HM Treasury Green Book rate (seroi_method.md)


def _fraction(value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError("must be between 0 and 1 (write 20 % as 0.20)")
    return value


def _rate(value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError("must be between 0 and 1 (write 3.5 % as 0.035)")
    return value


def _non_negative(value: float) -> float:
    if value < 0:
        raise ValueError("must not be negative")
    return value


def _positive_years(value: int) -> int:
    if value < 1:
        raise ValueError("must be at least 1 year")
    return value


def _year(value: int) -> int:
    if value < 0:
        raise ValueError("must be 0 (now) or a later year")
    return value


Fraction = Annotated[float, AfterValidator(_fraction)]
Rate = Annotated[float, AfterValidator(_rate)]
NonNegative = Annotated[float, AfterValidator(_non_negative)]
Years = Annotated[int, AfterValidator(_positive_years)]
Text = Annotated[str, Field(min_length=1)]
# An onboarding stakeholder group code (`resident`); which codes exist is the bot's to check.
GroupCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
ActionId = Annotated[int, Field(ge=1)]
LabelText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
# XLSForm style: a field's text in one language sits beside it as `field::lang`.
LABEL_SEPARATOR = "::"


def label_key(field: str, lang: str) -> str:
    """The YAML key of `field`'s text in `lang`: ``label::fi``."""
    return f"{field}{LABEL_SEPARATOR}{lang}"


def _label_keys(*fields: str) -> AfterValidator:
    """Validate `field::lang` keys: a field that may carry labels and a supported language."""

    def check(key: str) -> str:
        field, _separator, lang = key.partition(LABEL_SEPARATOR)
        if field not in fields:
            allowed = ", ".join(label_key(name, "fi") for name in fields)
            raise ValueError(f"unknown key {key!r}; labels are allowed here as {allowed} and so on")
        if lang not in LANGUAGES:
            raise ValueError(
                f"unknown language {lang!r} in {key!r}; use one of {', '.join(LANGUAGES)}"
            )
        return key

    return AfterValidator(check)


def _gather_labels(data: Any) -> Any:
    """Move the `field::lang` keys of a YAML mapping into its `labels` dict."""
    if not isinstance(data, dict) or not any(
        isinstance(key, str) and LABEL_SEPARATOR in key for key in data
    ):
        return data
    rest = {}
    labels = dict(data.get("labels") or {})
    for key, value in data.items():
        if isinstance(key, str) and LABEL_SEPARATOR in key:
            labels[key] = value
        else:
            rest[key] = value
    rest["labels"] = labels
    return rest


class _Labelled(BaseModel):
    """A model whose text fields may carry per-language labels (`field::lang` keys)."""

    labels: dict[str, LabelText] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _labels_from_keys(cls, data: Any) -> Any:
        return _gather_labels(data)

    def text_in(self, field: str, lang: str) -> str | None:
        """The text of `field` given for `lang` (None when the map gives none)."""
        return self.labels.get(label_key(field, lang))


_CONFIG = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True, coerce_numbers_to_str=True)


class Proxy(BaseModel):
    """A financial proxy: money value per unit of outcome, with where it comes from."""

    model_config = _CONFIG

    value: float
    unit: Text
    source: Text
    licence: str = "not stated"
    price_year: int | None = None


class Input(_Labelled):
    """One contribution to the investment, cash or in kind, in a given year (0 = now)."""

    model_config = _CONFIG

    labels: dict[Annotated[str, _label_keys("stakeholder")], LabelText] = Field(
        default_factory=dict
    )
    stakeholder: Text
    description: Text
    amount: NonNegative
    year: Annotated[int, AfterValidator(_year)] = 0
    in_kind: bool = False
    source: str = ""
    # The pilot action whose budget this input is (the bot keeps these rows up to date).
    action: ActionId | None = None


class Ranges(BaseModel):
    """Declared [low, high] per field for sensitivity analysis; unset fields use defaults."""

    model_config = _CONFIG

    quantity: tuple[NonNegative, NonNegative] | None = None
    proxy: tuple[float, float] | None = None
    deadweight: tuple[Fraction, Fraction] | None = None
    displacement: tuple[Fraction, Fraction] | None = None
    attribution: tuple[Fraction, Fraction] | None = None
    drop_off: tuple[Fraction, Fraction] | None = None
    duration: tuple[Years, Years] | None = None
    discount_rate: tuple[Rate, Rate] | None = None


class DeriveSpec(BaseModel):
    """How the evaluative (actual) quantity is computed from check-in observations."""

    model_config = _CONFIG

    name: Text
    params: dict[str, Any] = Field(default_factory=dict)


class Outcome(_Labelled):
    """One row of the impact map: a change experienced by one stakeholder group."""

    model_config = _CONFIG

    labels: dict[Annotated[str, _label_keys("label", "stakeholder")], LabelText] = Field(
        default_factory=dict
    )
    id: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_-]+$")]
    # The outcome's name in the map's default language; `label::fi` etc. in the others.
    label: LabelText | None = None
    stakeholder: Text
    dimension: Literal["social", "economic", "environmental"]
    description: Text
    indicator: str | None = None
    baseline: float | None = None
    target: float | None = None
    quantity: NonNegative
    proxy: Proxy
    duration: Years
    starts: Literal["during", "after"] = "during"
    deadweight: Fraction = 0.0
    displacement: Fraction = 0.0
    attribution: Fraction = 0.0
    drop_off: Fraction = 0.0
    discount_rate: Rate | None = None
    ranges: Ranges = Field(default_factory=Ranges)
    derive: DeriveSpec | None = None
    # The onboarding groups the stakeholder's people belong to (step 2: who is at the table).
    groups: Annotated[list[GroupCode], Field(min_length=1)] | None = None
    # The pilot actions whose results this outcome measures (step 4).
    actions: list[ActionId] = Field(default_factory=list)
    notes: str = ""


class ImpactMap(_Labelled):
    """A whole impact map: the investment and the outcomes it is expected to bring."""

    model_config = _CONFIG

    labels: dict[Annotated[str, _label_keys("name")], LabelText] = Field(default_factory=dict)
    name: Text
    # The language of the plain `name`, `stakeholder` and `label` fields.
    default_language: Literal[LANGUAGES] = "en"
    description: str = ""
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "EUR"
    discount_rate: Rate = DEFAULT_DISCOUNT_RATE
    discount_first_year: bool = True
    inputs: list[Input] = Field(default_factory=list)
    outcomes: Annotated[list[Outcome], Field(min_length=1)]

    def outcome(self, outcome_id: str) -> Outcome:
        """The outcome with this id (KeyError if there is none)."""
        for outcome in self.outcomes:
            if outcome.id == outcome_id:
                return outcome
        raise KeyError(outcome_id)


def _range_problems(impact_map: ImpactMap) -> list[tuple[tuple[Any, ...], str]]:
    """Declared ranges must run low to high and contain the value the row uses."""
    problems = []
    for index, outcome in enumerate(impact_map.outcomes):
        for field in RANGED_FIELDS:
            bounds = getattr(outcome.ranges, field)
            if bounds is None:
                continue
            loc = ("outcomes", index, "ranges", field)
            central = central_value(outcome, field, impact_map.discount_rate)
            if bounds[0] > bounds[1]:
                problems.append((loc, f"low {bounds[0]:g} is above high {bounds[1]:g}"))
            elif not bounds[0] <= central <= bounds[1]:
                problems.append(
                    (loc, f"the value used, {central:g}, is outside [{bounds[0]:g}, {bounds[1]:g}]")
                )
    return problems


def stakeholder_rows(impact_map: ImpactMap) -> list[tuple[tuple[Any, ...], Input | Outcome]]:
    """Every row that names a stakeholder, with its path: the inputs, then the outcomes."""
    return [
        *((("inputs", index), row) for index, row in enumerate(impact_map.inputs)),
        *((("outcomes", index), row) for index, row in enumerate(impact_map.outcomes)),
    ]


def _stakeholder_label_problems(impact_map: ImpactMap) -> list[tuple[tuple[Any, ...], str]]:
    """A stakeholder's label may be given on any of its rows, but must agree on all of them."""
    problems = []
    first: dict[tuple[str, str], tuple[str, tuple[Any, ...]]] = {}
    for loc, row in stakeholder_rows(impact_map):
        for lang in LANGUAGES:
            text = row.text_in("stakeholder", lang)
            if text is None:
                continue
            key = label_key("stakeholder", lang)
            seen = first.setdefault((row.stakeholder, lang), (text, loc))
            if seen[0] != text:
                problems.append(
                    (
                        (*loc, key),
                        f"{row.stakeholder!r} is {text!r} here but {seen[0]!r} at "
                        f"{format_path((*seen[1], key))}; give one {lang} name",
                    )
                )
    return problems


def _stakeholder_group_problems(impact_map: ImpactMap) -> list[tuple[tuple[Any, ...], str]]:
    """A stakeholder's groups may be given on any of its outcomes, but must agree on all."""
    problems = []
    first: dict[str, tuple[list[str], int]] = {}
    for index, outcome in enumerate(impact_map.outcomes):
        if outcome.groups is None:
            continue
        loc = ("outcomes", index, "groups")
        if len(set(outcome.groups)) != len(outcome.groups):
            problems.append((loc, "a group is listed twice; list each once"))
        seen, at = first.setdefault(outcome.stakeholder, (outcome.groups, index))
        if set(seen) != set(outcome.groups):
            problems.append(
                (
                    loc,
                    f"{outcome.stakeholder!r} has groups {outcome.groups} here but {seen} at "
                    f"outcomes[{at}].groups; give the same groups",
                )
            )
    return problems


def _reference_problems(
    data: dict[str, Any],
    known_groups: Collection[str] | None,
    known_actions: Collection[int] | None,
) -> list[tuple[tuple[Any, ...], str]]:
    """Group codes and action ids the caller does not know (shape problems are the schema's)."""
    problems = []

    def rows(key: str) -> list[tuple[int, dict[str, Any]]]:
        found = data.get(key)
        if not isinstance(found, list):
            return []
        return [(index, row) for index, row in enumerate(found) if isinstance(row, dict)]

    def listed(row: dict[str, Any], key: str) -> list[tuple[int, Any]]:
        values = row.get(key)
        return list(enumerate(values)) if isinstance(values, list) else []

    for index, row in rows("outcomes"):
        for at, group in listed(row, "groups"):
            if known_groups is not None and isinstance(group, str) and group not in known_groups:
                problems.append(
                    (
                        ("outcomes", index, "groups", at),
                        f"unknown group {group!r}; use one of {', '.join(known_groups)}",
                    )
                )
        for at, action in listed(row, "actions"):
            if (
                known_actions is not None
                and isinstance(action, int)
                and action not in known_actions
            ):
                problems.append(
                    (("outcomes", index, "actions", at), f"the pilot has no action {action}")
                )
    for index, row in rows("inputs"):
        action = row.get("action")
        if known_actions is not None and isinstance(action, int) and action not in known_actions:
            problems.append((("inputs", index, "action"), f"the pilot has no action {action}"))
    return problems


def stakeholder_groups(impact_map: ImpactMap) -> dict[str, tuple[str, ...]]:
    """The onboarding groups of each stakeholder that names them, in map order."""
    found: dict[str, tuple[str, ...]] = {}
    for outcome in impact_map.outcomes:
        if outcome.groups is not None:
            found.setdefault(outcome.stakeholder, tuple(outcome.groups))
    return found


def central_value(outcome: Outcome, field: str, map_rate: float) -> float:
    """The value an outcome uses for a ranged field (`proxy` means the proxy's value)."""
    if field == "proxy":
        return outcome.proxy.value
    if field == "discount_rate":
        return map_rate if outcome.discount_rate is None else outcome.discount_rate
    return float(getattr(outcome, field))


def field_range(outcome: Outcome, field: str, map_rate: float) -> tuple[float, float]:
    """The [low, high] used for sensitivity: declared, else ±20 % (fractions clipped to 0..1).

    Duration and discount rate have no default range: they vary only when declared.
    """
    declared = getattr(outcome.ranges, field)
    if declared is not None:
        return float(declared[0]), float(declared[1])
    central = central_value(outcome, field, map_rate)
    if field not in DEFAULT_RANGED_FIELDS:
        return central, central
    low, high = sorted(
        (central * (1 - DEFAULT_RELATIVE_RANGE), central * (1 + DEFAULT_RELATIVE_RANGE))
    )
    if field in FRACTION_FIELDS:
        low, high = max(low, 0.0), min(high, 1.0)
    return low, high


# --- loading and error reporting -------------------------------------------------------------

# Which model describes the mapping found at a path (list indices removed), for "did you mean".
_MODEL_AT: dict[tuple[str, ...], type[BaseModel]] = {
    (): ImpactMap,
    ("inputs",): Input,
    ("outcomes",): Outcome,
    ("outcomes", "proxy"): Proxy,
    ("outcomes", "ranges"): Ranges,
    ("outcomes", "derive"): DeriveSpec,
}


def load_impact_map(path: str | Path) -> ImpactMap:
    """Read and validate an impact map YAML file (raises ImpactMapError listing every problem)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImpactMapError([f"{path.name}: cannot read the file: {exc}"]) from exc
    return parse_impact_map(text, path.name)


def parse_impact_map(
    text: str,
    source_name: str = "impact map",
    *,
    known_groups: Collection[str] | None = None,
    known_actions: Collection[int] | None = None,
) -> ImpactMap:
    """Validate impact-map YAML text; `source_name` prefixes every problem reported.

    `known_groups` and `known_actions`, when given, are the group codes and action ids the
    map may refer to (the bot knows them; a map checked on its own refers to any).
    """
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        raise ImpactMapError([_yaml_problem(source_name, exc)]) from exc
    except yaml.YAMLError as exc:
        raise ImpactMapError([f"{source_name}: not valid YAML: {exc}"]) from exc
    finally:
        loader.dispose()

    if not isinstance(data, dict):
        raise ImpactMapError(
            [f"{source_name}: the file must be a mapping with at least `name` and `outcomes`"]
        )
    lines: dict[tuple[Any, ...], int] = {}
    problems: list[tuple[tuple[Any, ...], str]] = []
    _walk_nodes(node, (), lines, problems)

    impact_map = None
    try:
        impact_map = ImpactMap.model_validate(data)
    except ValidationError as exc:
        problems.extend(_translate(error) for error in exc.errors())
    problems.extend(_duplicate_ids(data))
    problems.extend(_derive_problems(data))
    problems.extend(_reference_problems(data, known_groups, known_actions))
    if impact_map is not None:
        problems.extend(_range_problems(impact_map))
        problems.extend(_stakeholder_label_problems(impact_map))
        problems.extend(_stakeholder_group_problems(impact_map))
    if problems:
        unique = dict.fromkeys(
            _format_problem(source_name, loc, message, lines)
            for loc, message in sorted(problems, key=lambda item: _sort_key(item[0]))
        )
        raise ImpactMapError(list(unique))
    assert impact_map is not None
    return impact_map


def _yaml_problem(source_name: str, exc: yaml.MarkedYAMLError) -> str:
    mark = exc.problem_mark or exc.context_mark
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    what = exc.problem or exc.context or "not valid YAML"
    if exc.context and exc.problem:
        what = f"{exc.problem} ({exc.context})"
    return f"{source_name}: {where}{what}"


def _walk_nodes(
    node: yaml.Node,
    path: tuple[Any, ...],
    lines: dict[tuple[Any, ...], int],
    problems: list[tuple[tuple[Any, ...], str]],
) -> None:
    """Record the line of every key and list item; report keys written twice in one mapping."""
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                problems.append(((*path, key), "this key is written twice; keep one"))
            seen.add(key)
            lines[(*path, key)] = key_node.start_mark.line + 1
            _walk_nodes(value_node, (*path, key), lines, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk_nodes(item, (*path, index), lines, problems)


def _duplicate_ids(data: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    outcomes = data.get("outcomes")
    if not isinstance(outcomes, list):
        return []
    first_index: dict[Any, int] = {}
    problems = []
    for index, row in enumerate(outcomes):
        if not isinstance(row, dict) or "id" not in row:
            continue
        outcome_id = row["id"]
        if outcome_id in first_index:
            problems.append(
                (
                    ("outcomes", index, "id"),
                    f"duplicate outcome id {outcome_id!r} (already used by "
                    f"outcomes[{first_index[outcome_id]}])",
                )
            )
        else:
            first_index[outcome_id] = index
    return problems


def _derive_problems(data: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    """Unknown derivation names and bad derivation params, with their paths."""
    outcomes = data.get("outcomes")
    if not isinstance(outcomes, list):
        return []
    problems = []
    for index, row in enumerate(outcomes):
        derive = row.get("derive") if isinstance(row, dict) else None
        if not isinstance(derive, dict) or not isinstance(derive.get("name"), str):
            continue  # shape problems are reported by the schema
        where = ("outcomes", index, "derive")
        derivation = DERIVATIONS.get(derive["name"])
        if derivation is None:
            close = difflib.get_close_matches(derive["name"], DERIVATIONS, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(DERIVATIONS)}"
            problems.append(((*where, "name"), f"unknown derivation {derive['name']!r}; {hint}"))
            continue
        params = derive.get("params", {})
        if not isinstance(params, dict):
            continue
        try:
            derivation.params_model.model_validate(params)
        except ValidationError as exc:
            problems.extend(
                _translate(error, (*where, "params"), derivation.params_model)
                for error in exc.errors()
            )
    return problems


def _translate(
    error: Any, prefix: tuple[Any, ...] = (), model: type[BaseModel] | None = None
) -> tuple[tuple[Any, ...], str]:
    """Turn one pydantic error into (path, message in plain words)."""
    loc = _yaml_loc((*prefix, *error["loc"]))
    kind = error["type"]
    ctx = error.get("ctx") or {}
    given = error.get("input")
    if kind == "missing" and "ranges" in loc and isinstance(loc[-1], int):
        return loc[:-1], "must be a list of exactly two numbers [low, high]"
    if kind == "missing":
        return loc, "required field is missing"
    if kind == "extra_forbidden":
        return loc, _unknown_key_message(loc, model)
    if kind == "finite_number":
        return loc, f"must be a finite number (got {given})"
    if kind in ("value_error", "assertion_error"):
        return loc, str(ctx.get("error", error["msg"]))
    if kind == "literal_error":
        return loc, f"must be one of {ctx.get('expected', '')} (got {given!r})"
    if kind in ("int_from_float", "int_type", "int_parsing"):
        return loc, f"must be a whole number (got {given!r})"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        words = {
            "greater_than": ("above", "gt"),
            "greater_than_equal": ("at least", "ge"),
            "less_than": ("below", "lt"),
            "less_than_equal": ("at most", "le"),
        }
        phrase, key = words[kind]
        return loc, f"must be {phrase} {ctx.get(key)} (got {given!r})"
    if kind in ("float_type", "float_parsing"):
        return loc, f"must be a number (got {given!r})"
    if kind in ("bool_type", "bool_parsing"):
        return loc, f"must be true or false (got {given!r})"
    if kind in ("string_type",):
        return loc, f"must be text (got {given!r})"
    if kind == "string_too_short":
        return loc, "must not be empty"
    if kind == "string_pattern_mismatch":
        if loc[-1] == "currency":
            return loc, f"must be a three-letter currency code such as EUR (got {given!r})"
        if "groups" in loc:
            return loc, f"must be a group code in small letters, such as resident (got {given!r})"
        return loc, f"may contain only letters, digits, '_' and '-' (got {given!r})"
    if kind in ("list_type", "tuple_type"):
        if "ranges" in loc:
            return loc, f"must be a list [low, high] (got {given!r})"
        return loc, f"must be a list (got {given!r})"
    if kind in ("too_short", "too_long"):
        if "ranges" in loc:
            return loc, "must be a list of exactly two numbers [low, high]"
        return loc, "must have at least one entry"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return loc, f"must be a mapping of keys to values (got {given!r})"
    return loc, error["msg"][:1].lower() + error["msg"][1:]


def _yaml_loc(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Labels are validated as a `labels` dict but written as `field::lang` keys beside it."""
    if "labels" not in loc:
        return loc
    at = loc.index("labels")
    return (*loc[:at], *(part for part in loc[at + 1 :] if part != "[key]"))


def _unknown_key_message(loc: tuple[Any, ...], model: type[BaseModel] | None) -> str:
    model = model or _MODEL_AT.get(tuple(part for part in loc[:-1] if isinstance(part, str)))
    message = f"unknown key {loc[-1]!r}"
    if model is None:
        return message
    allowed = [name for name in model.model_fields if name != "labels"]
    close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
    if close:
        return f"{message}; did you mean {close[0]!r}?"
    return f"{message}; allowed keys: {', '.join(allowed)}"


def format_path(loc: tuple[Any, ...]) -> str:
    """Write a location tuple as the YAML reader sees it: ``outcomes[2].proxy.value``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _format_problem(
    source_name: str, loc: tuple[Any, ...], message: str, lines: dict[tuple[Any, ...], int]
) -> str:
    line = None
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            line = lines[loc[:end]]
            break
    where = f" (line {line})" if line is not None else ""
    path = format_path(loc) or "(top level)"
    return f"{source_name}: {path}: {message}{where}"


def _sort_key(loc: tuple[Any, ...]) -> tuple[tuple[int, int, str], ...]:
    return tuple((1, part, "") if isinstance(part, int) else (0, 0, str(part)) for part in loc)
