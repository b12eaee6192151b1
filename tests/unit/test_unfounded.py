"""Art. 12(5) (REQUIREMENTS.md:8): a refusal as manifestly unfounded or excessive needs a
recorded decision and a justification; the notice names the ground and its legal basis."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rightful.domain.audit import AuditEntry, EntryDraft, seal
from rightful.domain.errors import InvalidInputError
from rightful.domain.unfounded import (
    MIN_JUSTIFICATION,
    REFUSED_MANIFESTLY,
    Manifestly,
    RefusedManifestly,
    check_justification,
    manifestly,
    manifestly_paragraph,
    refused_manifestly,
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


def _entry(seq: int, action: str, **summary: str | int) -> AuditEntry:
    draft = EntryDraft("staff:1", "dpo", action, "r1", dict(summary))
    return seal(draft, seq, datetime(2026, 5, 1, tzinfo=UTC), "0" * 64)


def test_the_ground_a_request_was_refused_on_is_read_from_its_timeline() -> None:
    """The request's row keeps the reasons; the ground and the count live in the audit entry
    the refusal wrote, which the console's page of the request reads."""
    viewed = _entry(1, "console.request_viewed")
    refused = _entry(2, REFUSED_MANIFESTLY, ground="excessive", earlier_requests=3)
    assert refused_manifestly([viewed, refused]) == RefusedManifestly(Manifestly.EXCESSIVE, 3)
    assert refused_manifestly([viewed, _entry(2, "request.refused_unverified")]) is None
