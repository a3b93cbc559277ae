"""The one rule for text the service may keep, compare or search, wherever it comes in: GraphQL
inputs, token claims, ids, keys, searches, the carrier's webhook.

Refused are the characters a reader cannot see or that change how the text around them looks:
control characters (C0, DEL, C1) but tab and line breaks; every format character (bidi
embeddings, overrides, isolates and marks, zero-width space and joiners, word joiner, byte order
mark, soft hyphen, tags); lone surrogates, which no UTF-8 store can hold; and the Hangul fillers,
letters that render as nothing. NUL is a control character: PostgreSQL refuses it in text.
"""

from __future__ import annotations

import unicodedata

ALLOWED_CONTROLS = frozenset("\t\n\r")
REFUSED_CATEGORIES = {
    "Cc": "a control character",
    "Cf": "an invisible formatting character",
    "Cs": "a lone surrogate",
}
HANGUL_FILLERS = frozenset("\u115f\u1160\u3164\uffa0")
"""Letters by category, blank when rendered: the usual way to a name that looks empty."""


def refused_character(text: str) -> str | None:
    """The first character of `text` the rule refuses, or None when it holds none."""
    if text.isprintable() and HANGUL_FILLERS.isdisjoint(text):
        return None  # printable excludes every control, format and surrogate character
    for character in text:
        if character in HANGUL_FILLERS:
            return character
        if character not in ALLOWED_CONTROLS and unicodedata.category(character) in (
            REFUSED_CATEGORIES
        ):
            return character
    return None


def describe(character: str) -> str:
    """`U+202E RIGHT-TO-LEFT OVERRIDE (an invisible formatting character)`, for a message."""
    code = f"U+{ord(character):04X}"
    name = unicodedata.name(character, "")
    kind = REFUSED_CATEGORIES.get(unicodedata.category(character), "a blank letter")
    return f"{code} {name} ({kind})" if name else f"{code} ({kind})"


def character_problem(name: str, value: str) -> str | None:
    """Why the field `name` may not hold `value` for a character in it, or None."""
    character = refused_character(value)
    if character is None:
        return None
    return (
        f"{name} must not contain {describe(character)}: control, invisible and "
        "direction-changing characters are refused"
    )


def text_problem(name: str, value: str, *, limit: int, required: bool = True) -> str | None:
    """Why the field `name` may not hold `value` (blank when required, longer than `limit`, a
    refused character), or None when it may."""
    if len(value) > limit:
        return f"{name} is {len(value)} characters; at most {limit}"
    problem = character_problem(name, value)
    if problem is None and required and not value.strip():
        return f"{name} must not be empty"
    return problem
