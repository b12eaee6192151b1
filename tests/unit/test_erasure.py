"""An erasure request's outcome (REQUIREMENTS.md:25, Art. 17 and 19): the ground, the categories
erased, each category kept with the Art. 17(3) exception relied on, and what the requester is
told in their language."""

from __future__ import annotations

import pytest

from rightful.adapters.datamap.fides_yaml import load_datamap
from rightful.demo.estate import DATAMAP_FILES
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.erasure import Ground, Retention, erasure_outcome, erasure_text
from rightful.domain.errors import InvalidInputError
from rightful.domain.notices import remedies
from rightful.domain.rectification import Rectification, rectification_text
from rightful.domain.restriction import restriction, restriction_text

RID = "0f3a9c2e-1111-4222-8333-444455556666"
DATAMAP = load_datamap(list(DATAMAP_FILES))


def test_the_outcome_keeps_categories_in_order_once_and_names_each_exception() -> None:
    outcome = erasure_outcome("C", ["user.contact", "user.contact", "user.device"],
                              [("user.content", "B")], 3, DATAMAP)  # fmt: skip
    assert outcome.ground is Ground.OBJECTED
    assert outcome.erased == ("user.contact", "user.device")
    assert outcome.kept == (("user.content", Retention.LEGAL_OBLIGATION),)
    assert outcome.as_json()["kept"] == [{"category": "user.content", "exception": "b"}]


@pytest.mark.parametrize(
    ("ground", "erased", "kept", "told", "reason"),
    [
        ("z", ["user.contact"], [], 0, "Art. 17(1)"),
        ("a", [], [("user.content", "f")], 0, "Art. 17(3)"),
        ("a", [], [], 0, "name what was erased"),
        ("a", ["anna@example.org"], [], 0, "not a data category name"),
        # The request closed, irreversibly, telling the requester of a category nobody holds.
        ("a", ["not.a.category"], [], 0, "'not.a.category' is not a data category of the data"),
        ("a", ["user.contact"], [("user.financial", "b")], 0, "'user.financial' is not a data"),
        ("a", ["user.contact"], [("user.contact", "b")], 0, "both erased and kept"),
        ("a", ["user.contact"], [], -1, "0 to 1,000,000"),
    ],
)
def test_an_outcome_that_cannot_be_right_is_refused_with_what_to_fix(
    ground: str, erased: list[str], kept: list[tuple[str, str]], told: int, reason: str
) -> None:
    with pytest.raises(InvalidInputError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        erasure_outcome(ground, erased, kept, told, DATAMAP)


def test_the_requester_reads_the_ground_what_went_what_stayed_and_why() -> None:
    outcome = erasure_outcome("a", ["user.contact"], [("user.content", "e")], 2, DATAMAP)
    text = erasure_text(outcome, RID, "en", remedies(Jurisdiction.GDPR, "en"))
    assert text.startswith("We have acted on your request for erasure (reference 0f3a9c2e)")
    assert "no longer needed" in text and "(Article 17(1)(a))" in text
    assert "We erased: contact details." in text
    assert (
        "We kept content you created for the establishment, exercise or defence of legal "
        "claims" in text
    )
    assert "2 recipients" in text and "Article 19" in text
    assert "supervisory authority" in text and "judicial remedy" in text
    german = erasure_text(outcome, RID, "de", remedies(Jurisdiction.GDPR, "de"))
    assert "Art. 17 Abs. 1 Buchst. a" in german and "Rechtsansprüchen" in german
    assert "Aufsichtsbehörde" in german


@pytest.mark.parametrize(
    ("language", "erased", "kept"),
    [
        ("en", "We erased: e-mail addresses, purchases.", "We kept names to comply with a legal"),
        ("de", "Gelöscht haben wir: E-Mail-Adressen, Käufe.", "Behalten haben wir Namen, zur"),
    ],
)
def test_the_requester_reads_the_categories_in_plain_words_not_taxonomy_keys(
    language: str, erased: str, kept: str
) -> None:
    """Art. 12(1): clear and plain language (REQUIREMENTS.md:30 asks the same of breaches)."""
    outcome = erasure_outcome("a", ["user.contact.email", "user.behavior.purchase_history"],
                              [("user.name", "b")], 0, DATAMAP)  # fmt: skip
    text = erasure_text(outcome, RID, language, remedies(Jurisdiction.GDPR, language))
    assert erased in text and kept in text
    assert "user." not in text


def test_one_recipient_told_is_one_recipient_in_every_notice_of_art_19() -> None:
    """REQUIREMENTS.md:25 (Art. 19): the requester read "We told the 1 recipients to whom we
    had disclosed your data" (German: "die 1 Empfänger, denen")."""
    law = remedies(Jurisdiction.GDPR, "en")
    erased = erasure_outcome("a", ["user.contact"], [], 1, DATAMAP)
    corrected = Rectification(("accounts.customers.email",), (), (), 1)
    restricted = restriction("a", ["user.contact"], 1, DATAMAP)
    texts = {
        "erasure": (erasure_text(erased, RID, "en", law), erasure_text(erased, RID, "de", "")),
        "correction": (rectification_text(corrected, DATAMAP, RID, "en", "gdpr", law),
                       rectification_text(corrected, DATAMAP, RID, "de", "gdpr", "")),
        "restriction": (restriction_text(restricted, RID, "en", "gdpr", law),
                        restriction_text(restricted, RID, "de", "gdpr", "")),
    }  # fmt: skip
    for what, (english, german) in texts.items():
        assert f"We told the recipient to whom we had disclosed your data about the {what}" in (
            english
        )
        assert "Wir haben den Empfänger, dem wir Ihre Daten offengelegt hatten" in german
        assert "1 recipients" not in english and "die 1 Empfänger" not in german
    two = erasure_outcome("a", ["user.contact"], [], 2, DATAMAP)
    assert "die 2 Empfänger, denen wir" in erasure_text(two, RID, "de", "")


def test_nothing_kept_and_no_recipients_says_neither() -> None:
    outcome = erasure_outcome("b", ["user.contact"], [], 0, DATAMAP)
    text = erasure_text(outcome, RID, "en", remedies(Jurisdiction.UK_GDPR, "en"))
    assert "We kept" not in text and "recipients" not in text
    assert text.endswith("Information Commissioner's Office (ICO) and to seek a judicial remedy.")
