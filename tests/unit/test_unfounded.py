"""Art. 12(5) (REQUIREMENTS.md:8): a refusal as manifestly unfounded or excessive needs a
recorded decision and a justification; the notice names the ground and its legal basis."""

from __future__ import annotations

import pytest

from rightful.domain.errors import InvalidInputError
from rightful.domain.unfounded import (
    MIN_JUSTIFICATION,
    Manifestly,
    check_justification,
    manifestly,
    manifestly_paragraph,
)


def test_the_two_grounds_are_read_in_any_case_and_anything_else_is_refused() -> None:
    assert manifestly(" Excessive ") is Manifestly.EXCESSIVE
    with pytest.raises(InvalidInputError, match="unfounded or excessive"):
        manifestly("annoying")


def test_a_justification_is_long_enough_to_show_the_ground_over_all_its_reasons() -> None:
    check_justification(["x" * (MIN_JUSTIFICATION - 10), "y" * 10])
    with pytest.raises(InvalidInputError, match="burden of showing it is yours"):
        check_justification(["repeats", "again"])


def test_an_excessive_request_is_told_how_often_it_was_asked_before_in_its_own_law() -> None:
    text = manifestly_paragraph(Manifestly.EXCESSIVE, "gdpr", "en", 3)
    assert "manifestly excessive (Article 12(5) GDPR)" in text
    assert "we received 3 other requests from you" in text
    uk = manifestly_paragraph(Manifestly.UNFOUNDED, "uk_gdpr", "en", 3)
    assert "manifestly unfounded (Article 12(5) UK GDPR)" in uk and "other requests" not in uk
    ccpa = manifestly_paragraph(Manifestly.EXCESSIVE, "ccpa", "de", 0)
    assert "exzessiv (Cal. Civ. Code §1798.145(h)(3))" in ccpa and "weitere" not in ccpa


@pytest.mark.parametrize(
    ("language", "earlier", "said"),
    [
        ("en", 1, "we received 1 other request from you."),
        ("en", 2, "we received 2 other requests from you."),
        ("de", 1, "haben wir 1 weiteren Antrag von Ihnen erhalten."),
        ("de", 2, "haben wir 2 weitere Anträge von Ihnen erhalten."),
    ],
)
def test_the_earlier_requests_are_counted_in_singular_or_plural_in_each_language(
    language: str, earlier: int, said: str
) -> None:
    assert said in manifestly_paragraph(Manifestly.EXCESSIVE, "gdpr", language, earlier)
