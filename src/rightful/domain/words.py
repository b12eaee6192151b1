"""Counts and statuses in English words, for messages people read; typed words checked."""

from __future__ import annotations

import unicodedata

from rightful.domain.errors import InvalidInputError

# Bidirectional overrides and isolates make text read in another order than it is stored.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def with_article(status: str) -> str:
    """'an approved', 'a sent back': a status in words with its indefinite article."""
    words = status.replace("_", " ")
    return f"{'an' if words[:1] in set('aeiou') else 'a'} {words}"


def counted(n: int, one: str, many: str) -> str:
    """'1 checkpoint', '2 checkpoints'."""
    return f"{n} {one if n == 1 else many}"


def move_refused(thing: str, current: str, target: str) -> str:
    """Why `thing` may not move: 'the package is already approved' when it is there, else
    'an approved package cannot become ready'."""
    if current == target:
        return f"the {thing} is already {current.replace('_', ' ')}"
    return f"{with_article(current)} {thing} cannot become {target.replace('_', ' ')}"


def written(text: str, what: str, minimum: int = 1, maximum: int | None = None) -> str:
    """Words someone typed (staff, or a requester), stripped: InvalidInputError when fewer than
    `minimum` characters remain or more than `maximum`, or when they hold control characters
    other than line breaks and tabs, or bidirectional overrides (NUL bytes met a length rule; a
    reversed line reads otherwise than it was approved)."""
    words = text.strip()
    if maximum is not None and len(words) > maximum:
        raise InvalidInputError(f"{what}: at most {maximum} characters")
    if any(c in _BIDI_CONTROLS or (unicodedata.category(c) == "Cc" and c not in "\n\r\t")
           for c in words):  # fmt: skip
        raise InvalidInputError(f"{what}: contains control characters; write plain text")
    # Zero-width and other format characters are not words someone can read.
    if sum(1 for c in words if unicodedata.category(c) != "Cf") < minimum:
        raise InvalidInputError(
            f"{what}: at least {counted(minimum, 'visible character', 'visible characters')}"
        )
    return words
