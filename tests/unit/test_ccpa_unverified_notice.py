"""The notice to a consumer whose CCPA request closed unverified (REQUIREMENTS.md:9; Cal. Code
Regs. tit. 11, §7024(c) and (e)): nothing specific is disclosed, a request to know is pointed to
the business's general practices, and the consumer's remedy closes it."""

from __future__ import annotations

from rightful.domain.notices import Practices, ccpa_unverified_text

PRACTICES = Practices(("E-mail addresses", "Purchases"), ("You",), ("Sell products",), ("DHL",))


def test_a_request_to_know_is_told_the_general_practices_not_about_the_consumer() -> None:
    text = ccpa_unverified_text("0f3a9c2e-1111", "disclosing", "en", PRACTICES)
    assert "(reference 0f3a9c2e) without disclosing any personal information" in text
    assert "In general, not about you in particular (§7024(e)):" in text
    assert (
        "we collect: E-mail addresses, Purchases." in text
        and "Whom we disclose it to: DHL." in text
    )
    assert text.endswith("California Privacy Protection Agency.")


def test_without_practices_or_for_a_deletion_there_is_no_practices_paragraph() -> None:
    deletion = ccpa_unverified_text("0f3a9c2e-1111", "deleting", "de")
    assert "ohne personenbezogene Daten zu löschen (" in deletion
    assert "§7024(e)" not in deletion
    empty = ccpa_unverified_text("0f3a9c2e-1111", "disclosing", "en", Practices())
    assert "§7024(e)" not in empty


def test_the_notice_names_no_deadline_since_a_dpo_may_close_the_request_before_it() -> None:
    """A DPO's expiry before day 45 told the consumer "we could not verify your identity by
    the deadline", a deadline still ahead of them."""
    for language in ("en", "de"):
        text = ccpa_unverified_text("0f3a9c2e-1111", "acting", language)
        assert "deadline" not in text and "Frist" not in text
    assert ccpa_unverified_text("0f3a9c2e-1111", "acting", "en").startswith(
        "We could not verify your identity, so we closed your request (reference 0f3a9c2e)"
    )
