"""An open question's word chart: stop words left out per language, a word once per answer."""

from __future__ import annotations

import pytest

from seroi import charts
from seroi.i18n import LANGUAGES
from seroi.words import most_frequent, stop_words, words_of


def test_each_language_leaves_out_its_own_stop_words() -> None:
    assert words_of("A café and a library for the village", "en") == [
        "café",
        "library",
        "village",
    ]
    assert words_of("Kahvila ja kirjasto, jotka ovat auki myös illalla", "fi") == [
        "kahvila",
        "kirjasto",
        "auki",
        "illalla",
    ]
    assert words_of("Un posto per l'acqua e dell'arte", "it") == ["posto", "acqua", "arte"]
    assert words_of("Ett kafé och en verkstad för barnen", "sv") == ["kafé", "verkstad", "barnen"]
    # "on" is a Finnish verb and an English preposition: each list speaks for its language.
    assert "on" in stop_words("fi")
    assert "on" in stop_words("en")
    assert words_of("Kokous on huomenna", "fi") == ["kokous", "huomenna"]


def test_every_language_has_a_list() -> None:
    for lang in LANGUAGES:
        assert len(stop_words(lang)) > 50
    with pytest.raises(ValueError, match="unsupported language"):
        stop_words("de")


def test_a_word_counts_once_per_answer_and_ties_go_alphabetically() -> None:
    answers = [
        ("Coworking desks, coworking desks, coworking!", "en"),
        ("A café with desks", "en"),
        ("Kahvila ja työpisteet", "fi"),
        ("Kahvila", "fi"),
        ("Numbers like 2026 and snake_case are not words", "en"),
    ]
    top = most_frequent(answers, top=4)
    assert top == [("desks", 2), ("kahvila", 2), ("café", 1), ("case", 1)]


def test_the_word_chart_shows_each_word_and_its_count() -> None:
    words = [("café", 7), ("library", 5), ("sauna", 3)]
    figure = charts.word_frequency_figure(words, lang="fi", title="What should the hub offer?")
    texts = [t.get_text() for t in figure.findobj(lambda a: hasattr(a, "get_text"))]
    for word, count in words:
        assert word in texts
        assert str(count) in texts
    png = charts.word_frequency_png(words, lang="en", title="Hub")
    assert png.startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="no words"):
        charts.word_frequency_figure([], lang="en", title="Hub")
