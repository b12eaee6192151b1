"""The languages requesters are answered in, and the data map's texts given in several of them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

# The portal, the mails and the packages are written in these: a text of the data map owes
# each of them a wording, or its requesters read it in the map's language.
OFFERED: Final = ("en", "de")

DEFAULT_LANGUAGE: Final = "en"


@dataclass(frozen=True, slots=True)
class Text:
    """A free text of the data map (a purpose, a retention period, safeguards, ...) in each
    language it is given in, the map's own language first: that one is shown where the
    requester's language is missing."""

    wordings: tuple[tuple[str, str], ...]

    @classmethod
    def plain(cls, wording: str, language: str = DEFAULT_LANGUAGE) -> Text:
        """A text given in one language only."""
        return cls(((language, wording),))

    @property
    def default(self) -> str:
        return self.wordings[0][1]

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(language for language, _ in self.wordings)

    def in_language(self, language: str) -> str:
        """The wording in `language`, or the default where the map gives none."""
        return next((w for lang, w in self.wordings if lang == language), self.default)

    def missing(self, offered: tuple[str, ...] = OFFERED) -> tuple[str, ...]:
        """The offered languages this text has no wording in."""
        return tuple(language for language in offered if language not in self.languages)

    def __bool__(self) -> bool:
        """An empty text says nothing, as an empty string did."""
        return bool(self.default)

    def __str__(self) -> str:
        return self.default


def worded(text: Text | None, language: str) -> str | None:
    """The text in `language` (see Text.in_language), or None where the map gives none."""
    return None if text is None else text.in_language(language)
