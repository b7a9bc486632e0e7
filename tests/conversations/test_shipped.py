"""The shipped scripts: four languages, and exactly the items and codes seroi analyses."""

from __future__ import annotations

import pytest

from conversations import Script, script_from_data
from conversations.script import MultipleChoice, Note, Scale, SingleChoice, WholeNumber
from conversations.scripts import SCRIPTS_DIR, SHIPPED, shipped
from seroi.indicators import INDICATORS, ONS4_ITEMS, WEEKLY_WORK_TRAVEL, WHO5_ITEMS

LANGUAGES = {"fi", "en", "it", "sv"}


def indicator_problems(script: Script) -> list[str]:
    """Where a script stores something seroi.indicators does not know, or other values."""
    problems = []
    for question in script.questions:
        if isinstance(question, Note) or question.indicator is None:
            continue
        known = INDICATORS.get(question.indicator)
        if known is None:
            problems.append(f"{question.id}: unknown indicator {question.indicator!r}")
        elif isinstance(question, SingleChoice | MultipleChoice):
            codes = tuple(choice.value for choice in question.choices)
            if known.kind != "code" or set(codes) != set(known.codes):
                problems.append(f"{question.id}: codes {codes} are not {known.codes}")
        elif isinstance(question, Scale | WholeNumber) and known.kind != "code":
            if (question.min, question.max) != (known.minimum, known.maximum):
                problems.append(f"{question.id}: range differs from {known.name}")
        else:
            problems.append(f"{question.id}: a {question.type} answer cannot be {known.name}")
    return problems


def every_text(script: Script) -> list[dict[str, str]]:
    found = [script.title]
    for question in script.questions:
        found += [question.text] if question.text is not None else []
        found += [choice.text for choice in getattr(question, "choices", ())]
        found += list(getattr(question, "labels", {}).values())
    return found + [constraint.message for constraint in script.constraints]


def test_the_package_ships_every_script_file_it_lists():
    assert sorted(path.stem for path in SCRIPTS_DIR.glob("*.yaml")) == sorted(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_script_speaks_fi_en_it_and_sv_everywhere(name):
    script = shipped(name)
    assert set(script.languages) == LANGUAGES
    for texts in every_text(script):
        assert set(texts) == LANGUAGES, texts
        assert all(text.strip() for text in texts.values())


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_script_stores_only_known_indicators_with_their_codes(name):
    assert indicator_problems(shipped(name)) == []


def test_the_check_catches_an_item_name_seroi_does_not_know():
    data = shipped("who5").model_dump(exclude_none=True)
    data["questions"][1]["indicator"] = "who5_cheerful"
    assert indicator_problems(script_from_data(data)) == [
        "who5_1: unknown indicator 'who5_cheerful'"
    ]
    data["questions"][1]["indicator"] = "commute_mode"
    assert indicator_problems(script_from_data(data)) == [
        "who5_1: a scale answer cannot be commute_mode"
    ]


def test_the_instruments_store_exactly_their_items():
    def stored(name: str) -> tuple[str, ...]:
        return tuple(q.indicator for q in shipped(name).questions if getattr(q, "indicator", None))

    assert stored("work_travel") == WEEKLY_WORK_TRAVEL
    assert stored("who5") == WHO5_ITEMS
    assert stored("ons4") == ONS4_ITEMS


def test_who5_and_ons4_use_the_published_english_wording():
    who5 = shipped("who5")
    assert [q.text["en"] for q in who5.questions[1:]] == [
        "I have felt cheerful and in good spirits.",
        "I have felt calm and relaxed.",
        "I have felt active and vigorous.",
        "I woke up feeling fresh and rested.",
        "My daily life has been filled with things that interest me.",
    ]
    labels = {point: text["en"] for point, text in who5.questions[1].labels.items()}
    assert labels == {
        5: "All of the time",
        4: "Most of the time",
        3: "More than half of the time",
        2: "Less than half of the time",
        1: "Some of the time",
        0: "At no time",
    }
    assert all(q.labels == who5.questions[1].labels for q in who5.questions[1:])
    assert [q.text["en"] for q in shipped("ons4").questions] == [
        "Overall, how satisfied are you with your life nowadays?",
        "Overall, to what extent do you feel that the things you do in your life are worthwhile?",
        "Overall, how happy did you feel yesterday?",
        "Overall, how anxious did you feel yesterday?",
    ]


def test_every_check_in_item_can_be_skipped():
    for name in ("work_travel", "who5", "ons4"):
        script = shipped(name)
        asked = [q for q in script.questions if not isinstance(q, Note)]
        assert all(script.can_skip(question) for question in asked), name


def test_onboarding_keeps_todays_steps_and_adds_distance_and_check_in_time():
    script = shipped("onboarding")
    assert [(q.id, q.type) for q in script.questions] == [
        ("language", "single"),
        ("notice", "note"),
        ("consents", "multiple"),
        ("stakeholder_group", "single"),
        ("distance_band", "single"),
        ("checkin_day", "single"),
        ("checkin_window", "single"),
    ]
    codes = {q.id: [c.value for c in getattr(q, "choices", ())] for q in script.questions}
    assert codes["language"] == ["fi", "en", "it", "sv"]
    assert codes["consents"] == ["checkins", "wellbeing", "workshops"]
    assert codes["stakeholder_group"] == [
        "resident",
        "entrepreneur",
        "association",
        "public_body",
        "other",
    ]
    assert codes["checkin_day"] == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    # Every window lies outside the quiet hours 21:00–08:00.
    for code in codes["checkin_window"]:
        begin, end = (int(hour) for hour in code.split("-"))
        assert 8 <= begin < end <= 21
    assert script.question("notice").content == "privacy_notice"
    assert script.context == ["pilot"]
