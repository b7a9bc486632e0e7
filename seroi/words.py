"""The most frequent words of free-text answers (an open question's word chart).

Each answer is split into words and its language's stop words are left out (the lists
are `stopwords.yaml`, beside this module). A word counts once per answer, so the chart
shows how many answers mention it: one person repeating a word does not make it common.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import yaml

from seroi.i18n import check_language

STOP_WORDS_FILE = Path(__file__).with_name("stopwords.yaml")
# Letters only (digits and underscores are not words); a hyphen may join two parts.
# An apostrophe splits ("dell'acqua" is "dell" and "acqua"), as elisions do in Italian.
WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
MIN_LENGTH = 2


@cache
def stop_words(lang: str) -> frozenset[str]:
    """The stop words of a language (fi, en, it, sv)."""
    check_language(lang)
    lists = yaml.safe_load(STOP_WORDS_FILE.read_text(encoding="utf-8"))
    return frozenset(lists[lang].split())


def words_of(text: str, lang: str) -> list[str]:
    """The words of one answer, lower case, without the stop words of its language."""
    skip = stop_words(lang)
    found = (word.lower() for word in WORD.findall(text))
    return [word for word in found if len(word) >= MIN_LENGTH and word not in skip]


def most_frequent(answers: Iterable[tuple[str, str]], top: int = 10) -> list[tuple[str, int]]:
    """The `top` words mentioned by the most answers, as (word, answers), most first.

    `answers` are (text, language) pairs. Ties go in alphabetical order, so the same
    answers always give the same chart.
    """
    counts: Counter[str] = Counter()
    for text, lang in answers:
        counts.update(set(words_of(text, lang)))
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ranked[:top]
