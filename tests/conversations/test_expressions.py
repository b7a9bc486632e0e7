"""The condition language: three-valued, checked before use, never run by Python."""

from __future__ import annotations

import pytest

from conversations.expressions import ExpressionError, NameType, check, evaluate

TYPES = {
    "work_days": NameType("number"),
    "home_days": NameType("number"),
    "mode": NameType("code", frozenset({"bus", "train"})),
    "consents": NameType("codes", frozenset({"checkins", "wellbeing"})),
    "has_car": NameType("bool"),
    "comment": NameType("text"),
}


@pytest.mark.parametrize(
    ("source", "values", "expected"),
    [
        ("work_days > 0", {"work_days": 3}, True),
        ("work_days > 0", {}, None),  # not answered yet, or skipped
        ("work_days - home_days >= 1", {"work_days": 3, "home_days": 3}, False),
        ("work_days > 0 and has_car", {"work_days": 0}, False),  # False decides `and`
        ("work_days > 0 or has_car", {"has_car": True}, True),  # True decides `or`
        ("work_days > 0 or has_car", {"has_car": False}, None),
        ("not has_car", {}, None),
        ("'wellbeing' in consents", {"consents": ("checkins", "wellbeing")}, True),
        ("'wellbeing' not in consents", {"consents": ()}, True),
        ("mode in ('bus', 'train')", {"mode": "train"}, True),
        ("0 <= home_days <= work_days", {"home_days": 2, "work_days": 1}, False),
        ("-work_days * 2 + 1 < 0", {"work_days": 1}, True),
        ("comment != 'x'", {"comment": "hello 👋"}, True),
    ],
)
def test_evaluation_is_three_valued(source, values, expected):
    check(source, TYPES, ("bool",))
    assert evaluate(source, values) is expected


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("mode == 'car'", "'mode' has no choice 'car' (its choices: bus, train)"),
        ("'sports' in consents", "'consents' has no choice 'sports'"),
        ("work_dys > 1", "unknown name 'work_dys'; did you mean 'work_days'?"),
        ("work_days + mode > 1", "'mode' is a choice where a number is needed"),
        ("has_car > 1", "'has_car' is true or false where a number is needed"),
        ("consents == 'checkins'", "cannot compare"),
        ("'bus' in mode", "after 'in' comes a multiple-choice answer"),
        ("work_days ** 2 > 1", "is not allowed"),
        ("work_days.real > 1", "is not allowed"),
        ("len(comment) > 3", "is not allowed"),
        ("work_days is None", "is not allowed"),
        ("lambda: 1", "is not allowed"),
        ("1.5 > work_days", "is not allowed"),
        ("work_days > ", "cannot read"),
        ("('a', 'b')", "can only follow 'in'"),
    ],
)
def test_bad_expressions_are_explained(source, message):
    with pytest.raises(ExpressionError) as caught:
        check(source, TYPES, ("bool",))
    assert message in str(caught.value)


def test_a_derived_value_must_compute_what_its_use_needs():
    assert check("work_days - home_days", TYPES, ("number", "bool")) == "number"
    with pytest.raises(ExpressionError, match="must compute true or false"):
        check("work_days - home_days", TYPES, ("bool",))
