"""Numeric answers count things (sessions, episodes, days): 0 or more, written as numbers."""

import pytest
from casecast.forecasts.answers import parse_number


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("0", 0.0), ("12", 12.0), ("3.5", 3.5), (".5", 0.5), ("1,200", 1200.0), (" 17 ", 17.0)],
)
def test_plain_numbers_are_read(raw, expected):
    assert parse_number(raw, name="middle estimate") == expected


@pytest.mark.parametrize("raw", ["-1", "-0.5", "- 3"])
def test_a_negative_count_is_refused_with_a_clear_message(raw):
    assert parse_number(raw, name="low estimate") == "Enter the low estimate as 0 or more"


@pytest.mark.parametrize("raw", ["1e3", "1E3", "inf", "nan", "Infinity", "0x10", "1_000", "12abc"])
def test_scientific_notation_and_words_are_refused(raw):
    assert parse_number(raw, name="high estimate") == (
        "Enter the high estimate as a number, like 12"
    )


def test_hundreds_of_digits_are_refused_not_stored_as_infinity():
    assert isinstance(parse_number("9" * 400, name="high estimate"), str)
