"""Names in the reader's language: `field::lang` labels, validated, with reported fallbacks."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from seroi.errors import ImpactMapError
from seroi.i18n import LANGUAGES
from seroi.impact_map import load_impact_map, parse_impact_map
from seroi.names import names_for

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.yaml"))

LABELLED = """\
name: Village walks
name::fi: Kyläkävelyt
outcomes:
  - id: shared_walks
    label: Shared walks
    label::fi: Yhteiset kävelyt
    label::sv: Gemensamma promenader
    stakeholder: residents
    stakeholder::fi: asukkaat
    dimension: social
    description: walks together
    quantity: 10
    proxy: {value: 20, unit: EUR per walk, source: test}
    duration: 1
  - id: tidy_paths
    stakeholder: residents
    dimension: social
    description: paths kept clear
    quantity: 5
    proxy: {value: 10, unit: EUR per path, source: test}
    duration: 1
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(ImpactMapError) as caught:
        parse_impact_map(textwrap.dedent(text), "walks.yaml")
    return caught.value.problems


def test_labels_give_the_names_in_the_readers_language() -> None:
    names = names_for(parse_impact_map(LABELLED), "fi")
    assert names.pilot == "Kyläkävelyt"
    assert names.outcomes["shared_walks"] == "Yhteiset kävelyt"
    # A stakeholder's label, given on one row, names it on every row.
    assert names.stakeholders == {"residents": "asukkaat"}
    assert names.by_stakeholder({"residents": 5.0}) == {"asukkaat": 5.0}


def test_a_missing_language_falls_back_to_the_default_with_a_warning() -> None:
    names = names_for(parse_impact_map(LABELLED), "it")
    assert names.pilot == "Village walks"
    assert names.outcomes["shared_walks"] == "Shared walks"
    assert "name::it is missing: showing the en text 'Village walks'" in names.warnings
    assert "outcomes[0].label::it is missing: showing the en text 'Shared walks'" in names.warnings
    assert (
        "outcomes[0].stakeholder::it is missing: showing the en text 'residents'" in names.warnings
    )


def test_the_id_is_shown_only_when_no_label_exists_at_all() -> None:
    names = names_for(parse_impact_map(LABELLED), "fi")
    assert names.outcomes["tidy_paths"] == "tidy_paths"
    assert "outcomes[1] has no label in any language: showing its id" in names.warnings
    only_swedish = LABELLED.replace("    label: Shared walks\n", "").replace(
        "    label::fi: Yhteiset kävelyt\n", ""
    )
    names = names_for(parse_impact_map(only_swedish), "en")
    assert names.outcomes["shared_walks"] == "Gemensamma promenader"  # not the id


def test_default_language_names_the_language_of_the_plain_fields() -> None:
    finnish = LABELLED.replace("name: Village walks\n", "name: Kävelyt\ndefault_language: fi\n")
    names = names_for(parse_impact_map(finnish), "fi")
    assert names.pilot == "Kyläkävelyt"  # an explicit name::fi wins over the plain name
    assert names_for(parse_impact_map(finnish), "en").pilot == "Kävelyt"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_examples_are_labelled_in_every_language(path: Path, lang: str) -> None:
    impact_map = load_impact_map(path)
    names = names_for(impact_map, lang)
    assert names.warnings == []
    assert all("_" not in name for name in names.outcomes.values())


def test_an_unknown_language_is_listed_with_its_path_and_line() -> None:
    text = LABELLED.replace("    label::sv:", "    label::de:")
    (problem,) = problems_of(text)
    assert problem == (
        "walks.yaml: outcomes[0].label::de: unknown language 'de' in 'label::de'; "
        "use one of fi, en, it, sv (line 7)"
    )


def test_an_empty_label_and_an_unknown_field_are_listed_beside_other_problems() -> None:
    text = (
        LABELLED.replace("name::fi: Kyläkävelyt", 'name::fi: "  "')
        .replace("    label::sv: Gemensamma promenader\n", "    descripton::sv: x\n")
        .replace("quantity: 5", "quantity: -5")
    )
    problems = problems_of(text)
    assert problems == [
        "walks.yaml: name::fi: must not be empty (line 2)",
        "walks.yaml: outcomes[0].descripton::sv: unknown key 'descripton::sv'; labels are "
        "allowed here as label::fi, stakeholder::fi and so on (line 7)",
        "walks.yaml: outcomes[1].quantity: must not be negative (line 19)",
    ]


def test_a_stakeholder_named_two_ways_in_one_language_is_a_problem() -> None:
    text = LABELLED.replace(
        "  - id: tidy_paths\n    stakeholder: residents\n",
        "  - id: tidy_paths\n    stakeholder: residents\n    stakeholder::fi: kyläläiset\n",
    )
    (problem,) = problems_of(text)
    assert problem.startswith("walks.yaml: outcomes[1].stakeholder::fi: 'residents' is")
    assert "'asukkaat' at outcomes[0].stakeholder::fi" in problem
