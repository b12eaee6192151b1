"""The portal's words in English and German. A missing German text falls back to English; a
missing key shows itself, so that a test can find it."""

from __future__ import annotations

from typing import Final

from rightful.entrypoints.web.i18n_messages import MESSAGES

LANGUAGES: Final = ("en", "de")


def translate(key: str, lang: str, **values: object) -> str:
    """The text for `key` in `lang`, with {placeholders} filled; with n=1, the singular text
    `key_one` where there is one (English and German both have one singular, for 1 only)."""
    if values.get("n") == 1 and f"{key}_one" in MESSAGES:
        key = f"{key}_one"
    entry = MESSAGES.get(key)
    if entry is None:
        return f"[{key}]"
    text = entry.get(lang) or entry["en"]
    return text.format(**values) if values else text


def language_of(accept_language: str) -> str:
    """The first of our languages that an Accept-Language header names (default English)."""
    ranked: list[tuple[float, str]] = []
    for part in accept_language.split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((quality, tag.strip().lower()[:2]))
    for _, tag in sorted(ranked, key=lambda r: -r[0]):
        if tag in LANGUAGES:
            return tag
    return "en"


def missing_german() -> list[str]:
    """Keys that have no German text yet (a test keeps this empty)."""
    return sorted(key for key, entry in MESSAGES.items() if not entry.get("de"))
