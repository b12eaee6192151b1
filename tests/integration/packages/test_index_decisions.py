"""What index.html says of automated decision-making (REQUIREMENTS.md:19, Art. 15(1)(h)): what
the data map declares, and, where it says nothing, that the records do not tell, never that no
decision is made."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_index_recipients import ANNA, index_of, section, world_with

DEFAULT = "        automated_decisions: false  # Art. 15(1)(h): none, unless a collection says so\n"
NONE_MADE = "No decision with legal or similarly significant effect is made automatically."
UNDECLARED = (
    "Not declared: our records do not say whether decisions with legal or similarly "
    "significant effect are made automatically."
)


def test_a_map_that_says_nothing_of_automated_decisions_is_not_read_as_none(
    tmp_path: Path,
) -> None:
    """A collection without `automated_decisions` told the subject that no decision with legal
    or similarly significant effect is made, which nobody had declared."""
    w = world_with(tmp_path, "speaker.yaml", DEFAULT, "")
    page = index_of(w, w.request_for(ANNA))
    silent = section(page, "speaker.device_ownership")
    assert UNDECLARED in silent
    assert NONE_MADE not in silent
    assert NONE_MADE in section(page, "shop.orders"), "shop.yaml still declares none"


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", UNDECLARED),
     ("de", "Nicht angegeben: Unsere Unterlagen sagen nicht, ob Entscheidungen mit rechtlicher "
            "oder ähnlich erheblicher Wirkung automatisiert getroffen werden.")],
)  # fmt: skip
def test_the_undeclared_is_said_in_the_requests_language(
    tmp_path: Path, language: str, words: str
) -> None:
    w = world_with(tmp_path, "shop.yaml", DEFAULT, "")
    rid = w.request_for(ANNA, language=language)
    assert words in section(index_of(w, rid), "shop.orders")
