"""Callback data cannot be forged, transplanted to another person, or overflow Telegram's limit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.chat import callbacks

KEY = b"a test key that is long enough"


def test_round_trip_for_the_person_it_was_shown_to() -> None:
    data = callbacks.encode(KEY, 123456789, "lang", "12:fi")
    assert len(data.encode()) <= 64
    assert callbacks.decode(KEY, 123456789, data) == callbacks.Press("lang", "12:fi")


def test_a_button_shown_to_someone_else_is_rejected() -> None:
    data = callbacks.encode(KEY, 111, "erase")
    with pytest.raises(callbacks.InvalidCallbackError):
        callbacks.decode(KEY, 222, data)


def test_an_edited_argument_is_rejected() -> None:
    data = callbacks.encode(KEY, 111, "pilot", "1")
    forged = data.replace("|1|", "|2|")
    with pytest.raises(callbacks.InvalidCallbackError):
        callbacks.decode(KEY, 111, forged)


def test_oversized_data_cannot_be_built() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        callbacks.encode(KEY, 1, "group", "x" * 60)


def test_data_stored_unsigned_is_refused_until_signed_then_fits() -> None:
    body = callbacks.unsigned("ck", "9223372036854775807:lt5:4")  # the widest prompt id
    with pytest.raises(callbacks.InvalidCallbackError):
        callbacks.decode(KEY, 1, body)
    data = callbacks.sign(KEY, 1, body)
    assert data == callbacks.encode(KEY, 1, "ck", "9223372036854775807:lt5:4")
    assert len(data.encode()) <= 64
    with pytest.raises(ValueError, match="64 bytes"):
        callbacks.unsigned("group", "x" * 50)  # too long once signed: refused unsigned


@given(st.text(max_size=80))
def test_arbitrary_data_is_rejected_not_crashing(data: str) -> None:
    with pytest.raises(callbacks.InvalidCallbackError):
        callbacks.decode(KEY, 1, data)
