"""Counts and statuses in English words, for messages people read."""

from __future__ import annotations


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
