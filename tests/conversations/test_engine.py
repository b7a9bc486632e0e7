"""The engine on the shipped scripts: a person's way through, and every kind of bad input."""

from __future__ import annotations

import json

import pytest

from conversations import (
    ACKNOWLEDGED,
    ProblemCode,
    StateError,
    answer,
    back,
    cancel,
    choose,
    collected,
    confirm,
    extend,
    resume,
    serialise,
    show,
    skip,
    start,
)
from conversations.scripts import shipped

WORK_TRAVEL = shipped("work_travel")
ONBOARDING = shipped("onboarding")
WHO5 = shipped("who5")


def walk(script, *moves, known=None):
    """Start and apply (question id, answer) moves, each of which must be accepted."""
    step = start(script, known)
    for question_id, value in moves:
        step = answer(script, step.state, question_id, value)
        assert step.problem is None, (question_id, step.problem)
    return step


def test_a_full_week_is_recorded_as_indicators_with_derived_values():
    step = walk(
        WORK_TRAVEL,
        ("work_days", "5"),
        ("home_days", 2),
        ("hub_days", 1),
        ("commute_mode", "bus"),
        ("distance_band", "15_29"),
    )
    assert step.finished
    assert step.results.indicators == {
        "work_days": 5,
        "home_days": 2,
        "hub_days": 1,
        "commute_mode": "bus",
        "distance_band": "15_29",
    }
    assert step.results.derived == {"remote_days": 3, "workplace_days": 2, "commuted_by_car": False}


def test_no_work_last_week_skips_the_day_split_and_the_way_to_work():
    step = walk(WORK_TRAVEL, ("work_days", 0))
    assert step.question.id == "distance_band"
    assert step.progress.position == 2


def test_working_only_from_home_and_hub_skips_the_way_to_work():
    step = walk(WORK_TRAVEL, ("work_days", 3), ("home_days", 2), ("hub_days", 1))
    assert step.question.id == "distance_band"


def test_a_known_distance_band_is_not_asked_again():
    step = walk(WORK_TRAVEL, ("work_days", 0), known={"distance_band": "lt5"})
    assert step.finished
    assert step.results.indicators == {"work_days": 0, "distance_band": "lt5"}


@pytest.mark.parametrize("text", ["seven", "", "3.5", "1e3", "-1", "8", "😀", "7 days", "x" * 4096])
def test_text_where_a_whole_number_is_expected_asks_for_one_from_0_to_7(text):
    first = start(WORK_TRAVEL)
    step = answer(WORK_TRAVEL, first.state, "work_days", text)
    assert step.problem.code is ProblemCode.WHOLE_NUMBER
    assert step.problem.params == {"min": 0, "max": 7}
    assert step.state == first.state
    assert step.question.id == "work_days"


def test_numbers_typed_with_spaces_or_a_plus_sign_are_accepted():
    step = answer(WORK_TRAVEL, start(WORK_TRAVEL).state, "work_days", " +4 ")
    assert step.problem is None
    assert step.state.path[-1].value == 4


def test_more_home_days_than_work_days_says_which_rule_and_why():
    step = walk(WORK_TRAVEL, ("work_days", 2))
    refused = answer(WORK_TRAVEL, step.state, "home_days", 3)
    assert refused.problem.code is ProblemCode.CONSTRAINT
    assert refused.problem.params == {
        "constraint": "home_within_work",
        "home_days": 3,
        "work_days": 2,
    }
    message = refused.problem.constraint.message["en"].format(**refused.problem.params)
    assert message == "Days at home (3) cannot be more than the days you worked (2)."
    assert refused.state == step.state


def test_home_and_hub_days_together_cannot_exceed_work_days():
    step = walk(WORK_TRAVEL, ("work_days", 4), ("home_days", 3))
    refused = answer(WORK_TRAVEL, step.state, "hub_days", 2)
    assert refused.problem.params["constraint"] == "remote_within_work"
    assert refused.problem.constraint.message["fi"].format(**refused.problem.params) == (
        "Kotona ja etätyöpisteessä tehtyjä päiviä on yhteensä 3 + 2, mutta työpäiviä oli vain 4."
    )
    assert answer(WORK_TRAVEL, step.state, "hub_days", 1).problem is None


def test_a_skipped_home_day_count_still_bounds_hub_days_by_work_days():
    step = start(WORK_TRAVEL)
    step = answer(WORK_TRAVEL, step.state, "work_days", 2)
    step = skip(WORK_TRAVEL, step.state, "home_days")
    refused = answer(WORK_TRAVEL, step.state, "hub_days", 3)
    assert refused.problem.params["constraint"] == "hub_within_work"


def test_an_answer_to_another_question_changes_nothing():
    step = walk(WORK_TRAVEL, ("work_days", 3))
    stale = answer(WORK_TRAVEL, step.state, "work_days", 5)
    assert stale.problem.code is ProblemCode.NOT_CURRENT
    assert stale.problem.params == {"question": "work_days", "current": "home_days"}
    assert stale.state == step.state
    assert stale.question.id == "home_days"


def test_a_double_tap_records_one_answer():
    first = start(ONBOARDING)
    once = answer(ONBOARDING, first.state, "language", "sv")
    twice = answer(ONBOARDING, once.state, "language", "sv")
    assert twice.problem.code is ProblemCode.NOT_CURRENT
    assert [entry.question for entry in twice.state.path] == ["language"]


def test_cancel_anywhere_ends_the_script_and_nothing_more_is_taken():
    step = walk(WORK_TRAVEL, ("work_days", 3))
    cancelled = cancel(WORK_TRAVEL, step.state)
    assert cancelled.cancelled
    assert not cancelled.finished
    assert cancelled.question is None
    assert cancelled.results is None
    late = answer(WORK_TRAVEL, cancelled.state, "home_days", 1)
    assert late.problem.code is ProblemCode.ENDED
    assert cancel(WORK_TRAVEL, cancelled.state).problem.code is ProblemCode.ENDED
    assert back(WORK_TRAVEL, cancelled.state).problem.code is ProblemCode.ENDED


def test_cancel_at_the_first_question_and_resume_stays_cancelled():
    cancelled = cancel(ONBOARDING, start(ONBOARDING).state)
    assert resume(ONBOARDING, serialise(cancelled.state)).cancelled


def test_back_removes_the_last_answer_and_asks_it_again():
    step = walk(WORK_TRAVEL, ("work_days", 5), ("home_days", 4))
    again = back(WORK_TRAVEL, step.state)
    assert again.question.id == "home_days"
    # With work days now 2, the old four home days would be refused: go back once more.
    step = back(WORK_TRAVEL, again.state)
    step = answer(WORK_TRAVEL, step.state, "work_days", 2)
    assert step.question.id == "home_days"
    assert answer(WORK_TRAVEL, step.state, "home_days", 4).problem.code is ProblemCode.CONSTRAINT


def test_back_at_the_start_has_nothing_to_go_back_to():
    step = back(ONBOARDING, start(ONBOARDING).state)
    assert step.problem.code is ProblemCode.NOTHING_TO_GO_BACK_TO
    assert step.question.id == "language"


def test_a_question_that_may_not_be_skipped_is_not():
    step = skip(ONBOARDING, start(ONBOARDING).state, "language")
    assert step.problem.code is ProblemCode.NOT_SKIPPABLE
    assert step.question.id == "language"


def test_a_note_takes_only_an_acknowledgement():
    step = walk(ONBOARDING, ("language", "fi"))
    assert step.question.type == "note"
    assert step.question.content == "privacy_notice"
    assert answer(ONBOARDING, step.state, "notice", "ok").problem.code is ProblemCode.ACKNOWLEDGE
    assert skip(ONBOARDING, step.state, "notice").problem.code is ProblemCode.NOT_SKIPPABLE
    assert answer(ONBOARDING, step.state, "notice", ACKNOWLEDGED).question.id == "consents"


def test_toggles_set_a_state_so_a_repeated_tap_does_what_it_showed():
    step = walk(ONBOARDING, ("language", "fi"), ("notice", ACKNOWLEDGED))
    for _ in range(2):
        step = choose(ONBOARDING, step.state, "consents", "workshops", True)
    step = choose(ONBOARDING, step.state, "consents", "checkins", True)
    assert step.state.draft == ("checkins", "workshops")
    step = choose(ONBOARDING, step.state, "consents", "workshops", False)
    assert step.state.draft == ("checkins",)
    unknown = choose(ONBOARDING, step.state, "consents", "marketing", True)
    assert unknown.problem.code is ProblemCode.UNKNOWN_CHOICE
    assert unknown.state == step.state
    confirmed = confirm(ONBOARDING, step.state, "consents")
    assert confirmed.state.path[-1].value == ("checkins",)
    assert confirmed.question.id == "stakeholder_group"


def test_toggles_survive_a_restart_and_back_shows_the_earlier_choices():
    step = walk(ONBOARDING, ("language", "it"), ("notice", ACKNOWLEDGED))
    step = choose(ONBOARDING, step.state, "consents", "wellbeing", True)
    restored = resume(ONBOARDING, serialise(step.state))
    assert restored.state.draft == ("wellbeing",)
    confirmed = confirm(ONBOARDING, restored.state, "consents")
    assert back(ONBOARDING, confirmed.state).state.draft == ("wellbeing",)


def test_choose_on_a_question_without_toggles_is_refused():
    step = choose(ONBOARDING, start(ONBOARDING).state, "language", "fi", True)
    assert step.problem.code is ProblemCode.NO_TOGGLES
    assert confirm(ONBOARDING, step.state, "language").problem.code is ProblemCode.NO_TOGGLES


def test_onboarding_asks_the_new_questions_only_of_those_who_get_check_ins():
    common = (("language", "en"), ("notice", ACKNOWLEDGED))
    none = walk(ONBOARDING, *common, ("consents", []), ("stakeholder_group", "resident"))
    assert none.finished
    wellbeing_only = walk(
        ONBOARDING, *common, ("consents", ["wellbeing"]), ("stakeholder_group", "other")
    )
    assert wellbeing_only.question.id == "checkin_day"
    everything = walk(
        ONBOARDING,
        *common,
        ("consents", ["checkins", "wellbeing", "workshops"]),
        ("stakeholder_group", "entrepreneur"),
    )
    assert everything.question.id == "distance_band"
    assert everything.progress.position == 5
    assert everything.progress.total == 7


def test_people_who_onboarded_before_are_asked_only_the_new_questions():
    earlier = {
        "language": "fi",
        "notice": ACKNOWLEDGED,
        "consents": ["checkins"],
        "stakeholder_group": "resident",
    }
    step = start(ONBOARDING, earlier)
    assert step.question.id == "distance_band"
    assert back(ONBOARDING, step.state).problem.code is ProblemCode.NOTHING_TO_GO_BACK_TO
    step = skip(ONBOARDING, step.state, "distance_band")
    step = answer(ONBOARDING, step.state, "checkin_day", "wed")
    step = answer(ONBOARDING, step.state, "checkin_window", "17-21")
    assert step.results.settings["checkin_window"] == "17-21"
    assert "distance_band" not in step.results.indicators
    assert step.results.answers["distance_band"] is None


def test_known_answers_must_fit_their_questions_and_the_constraints():
    with pytest.raises(StateError, match="work_days"):
        start(WORK_TRAVEL, {"work_days": 9})
    with pytest.raises(StateError, match="remote_within_work"):
        start(WORK_TRAVEL, {"work_days": 2, "home_days": 2, "hub_days": 1})
    with pytest.raises(StateError, match="no question"):
        start(WORK_TRAVEL, {"weather": "fine"})


@pytest.mark.parametrize(
    "text",
    ["🚲🚌🚆 by bike, bus and train", "ääkköset ja emoji 👍🏽", "a" * 4096, "line one\nline two"],
)
def test_text_answers_keep_emoji_and_respect_length_limits(text):
    script = _text_script(max_length=4096)
    step = answer(script, start(script).state, "comment", text)
    assert step.problem is None
    assert step.state.path[-1].value == text


def test_a_text_longer_than_the_limit_says_the_limit_and_the_length():
    script = _text_script(max_length=200)
    step = answer(script, start(script).state, "comment", "😀" * 201)
    assert step.problem.code is ProblemCode.TEXT_TOO_LONG
    assert step.problem.params == {"max": 200, "length": 201}


@pytest.mark.parametrize("text", ["", "   \n\t ", "\x00\x07"])
def test_an_empty_text_is_refused(text):
    script = _text_script(max_length=200)
    assert (
        answer(script, start(script).state, "comment", text).problem.code is ProblemCode.TEXT_EMPTY
    )


def test_a_button_code_sent_to_a_text_question_is_not_mistaken_for_text():
    script = _text_script(max_length=200)
    assert (
        answer(script, start(script).state, "comment", 5).problem.code is ProblemCode.TEXT_EXPECTED
    )


def _text_script(max_length: int):
    from conversations import script_from_data

    return script_from_data(
        {
            "id": "feedback",
            "title": {"en": "Feedback"},
            "languages": ["en"],
            "questions": [
                {
                    "id": "comment",
                    "type": "text",
                    "max_length": max_length,
                    "setting": "comment",
                    "text": {"en": "Anything else?"},
                }
            ],
        }
    )


def test_who5_scores_are_summed_and_unknown_when_an_item_was_skipped():
    moves = [("who5_intro", ACKNOWLEDGED)] + [(f"who5_{n}", 3) for n in range(1, 6)]
    full = walk(WHO5, *moves)
    assert full.results.derived == {"who5_raw": 15, "who5_percent": 60}
    step = walk(WHO5, *moves[:3])
    step = skip(WHO5, step.state, "who5_3")
    for n in (4, 5):
        step = answer(WHO5, step.state, f"who5_{n}", 5)
    assert step.results.derived == {"who5_raw": None, "who5_percent": None}
    assert "who5_3" not in step.results.indicators


def test_show_returns_the_current_question_again():
    step = walk(WORK_TRAVEL, ("work_days", 1))
    assert show(WORK_TRAVEL, step.state) == step


def test_the_serialised_state_is_small_json():
    step = walk(WORK_TRAVEL, ("work_days", 5), ("home_days", 2), ("hub_days", 1))
    text = serialise(step.state)
    assert json.loads(text)["path"][0] == {"question": "work_days", "value": 5}
    assert len(text) < 200


@pytest.mark.parametrize(
    "stored",
    [
        "not json",
        '{"script": "who5"}',
        '{"script": "work_travel", "path": [{"question": "home_days", "value": 1}]}',
        '{"script": "work_travel", "path": [{"question": "work_days", "value": 9}]}',
        '{"script": "work_travel", "draft": ["bus"]}',
        '{"script": "work_travel", "surprise": 1}',
    ],
)
def test_a_damaged_or_foreign_state_is_refused_on_resume(stored):
    with pytest.raises(StateError):
        resume(WORK_TRAVEL, stored)


def test_a_long_text_split_by_telegram_into_two_messages_is_one_answer():
    script = _text_script(max_length=4096)
    first_part, second_part = "a" * 4000, "b" * 90
    step = answer(script, start(script).state, "comment", first_part)
    assert step.finished
    step = extend(script, step.state, "comment", second_part)
    assert step.problem is None
    assert step.results.answers["comment"] == f"{first_part}\n{second_part}"
    too_long = extend(script, step.state, "comment", "c" * 10)
    assert too_long.problem.code is ProblemCode.TEXT_TOO_LONG
    assert too_long.problem.params == {"max": 4096, "length": 4102}
    assert too_long.state == step.state


def test_only_the_text_answered_last_can_be_continued():
    step = walk(WORK_TRAVEL, ("work_days", 3))
    assert extend(WORK_TRAVEL, step.state, "commute_mode", "x").problem.code is (
        ProblemCode.NOT_CURRENT
    )
    assert extend(WORK_TRAVEL, step.state, "work_days", "4").problem.code is (
        ProblemCode.TEXT_EXPECTED
    )


def test_the_step_says_whether_skip_and_back_can_be_offered():
    first = start(ONBOARDING)
    assert not first.skippable
    assert not first.can_go_back
    step = walk(WORK_TRAVEL, ("work_days", 3))
    assert step.skippable
    assert step.can_go_back


def test_answers_so_far_are_available_before_the_end():
    step = walk(ONBOARDING, ("language", "sv"))
    so_far = collected(ONBOARDING, step.state)
    assert so_far.settings == {"language": "sv"}
    assert step.results is None
