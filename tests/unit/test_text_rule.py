"""The one rule for text that may be kept (domain.text): what it refuses, and what it must not."""

from __future__ import annotations

import pytest

from domain.text import refused_character, text_problem


@pytest.mark.parametrize(
    "text",
    [
        "김민준",
        "서울특별시 중구 세종대로 110, 3층",
        "서울\u3000중구",  # an ideographic space is a space
        "a\tb\r\nc",  # tab and line breaks
        "Crème brûlée 📚",
        "no\u00a0break",
        "ﾊﾝｶｸ",
    ],
)
def test_ordinary_text_passes(text: str) -> None:
    assert refused_character(text) is None


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("a\x00b", "\x00"),  # NUL, which PostgreSQL refuses in text
        ("a\x1bb", "\x1b"),  # C0
        ("a\x7fb", "\x7f"),  # DEL
        ("a\x85b", "\x85"),  # C1
        ("\u202egnp.exe", "\u202e"),  # bidi override
        ("a\u2066b\u2069", "\u2066"),  # bidi isolate
        ("a\u200fb", "\u200f"),  # right-to-left mark
        ("a\u200bb", "\u200b"),  # zero-width space
        ("👨\u200d👩", "\u200d"),  # zero-width joiner
        ("\ufeffa", "\ufeff"),  # byte order mark
        ("soft\u00adhyphen", "\u00ad"),
        ("flag\U000e0067", "\U000e0067"),  # tag character
        ("a\ud800", "\ud800"),  # lone surrogate
        ("\u3164", "\u3164"),  # Hangul filler: a letter that renders as nothing
        ("김\u115f", "\u115f"),
    ],
)
def test_controls_invisible_and_direction_changing_characters_are_refused(
    text: str, refused: str
) -> None:
    assert refused_character(text) == refused


def test_a_problem_names_the_field_and_the_character() -> None:
    assert text_problem("recipient", "\u202e김", limit=100) == (
        "recipient must not contain U+202E RIGHT-TO-LEFT OVERRIDE (an invisible formatting "
        "character): control, invisible and direction-changing characters are refused"
    )
    assert text_problem("line2", "  ", limit=200, required=False) is None
    assert text_problem("line2", " \x1c ", limit=200, required=False) is not None
    assert text_problem("recipient", " ", limit=100) == "recipient must not be empty"
    assert text_problem("recipient", "x" * 101, limit=100) == (
        "recipient is 101 characters; at most 100"
    )
