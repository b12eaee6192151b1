"""The notice to a consumer whose CCPA request closed unverified (REQUIREMENTS.md:9; Cal. Code
Regs. tit. 11, §7024(c) and (e)): nothing specific is disclosed, a request to know is pointed to
the business's general practices, a denied deletion asks whether to opt out of sale or sharing
where the business sells or shares (§7062(f)), and the consumer's remedy closes it."""

from __future__ import annotations

from rightful.domain.datamap import (
    DataCollection,
    DataMap,
    Dataset,
    Disclosure,
    ProcessingInfo,
    Recipient,
)
from rightful.domain.notices import OptOutOffer, Practices, ccpa_unverified_text

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


# §7062(f) (REQUIREMENTS.md:15): a business that sells or shares personal information and denies
# an unverifiable request to delete asks whether the consumer would like to opt out of the sale
# or sharing, and points to how (the opt-out needs no proof, §7026(c)).
FORM = "https://privacy.example/portal/new?type=opt_out&jurisdiction=ccpa&lang=en"


def test_a_denied_deletion_asks_whether_to_opt_out_and_links_the_opt_out_form() -> None:
    text = ccpa_unverified_text("0f3a9c2e-1111", "deleting", "en", opt_out=OptOutOffer(FORM))
    assert "Would you like to opt out of the sale or sharing of your personal information?" in (
        text
    )
    assert "§7062(f)" in text and text.count(FORM) == 1
    assert "Do Not Sell" not in text, "no notice of the right to opt out is set"
    closed, offer, remedy = text.split("\n\n")
    assert "without deleting any personal information" in closed
    assert offer.endswith(f"Make a request to opt out here: {FORM}"), "no full stop in the link"
    assert remedy.endswith("California Privacy Protection Agency.")


def test_the_business_notice_of_the_right_to_opt_out_is_named_when_set() -> None:
    offer = OptOutOffer(FORM, "https://shop.example/do-not-sell")
    english = ccpa_unverified_text("0f3a9c2e-1111", "deleting", "en", opt_out=offer)
    assert "(Do Not Sell or Share My Personal Information): https://shop.example/do-not-sell" in (
        english
    )
    german = ccpa_unverified_text("0f3a9c2e-1111", "deleting", "de", opt_out=offer)
    assert "Möchten Sie dem Verkauf oder der Weitergabe Ihrer personenbezogenen" in german
    assert FORM in german and "https://shop.example/do-not-sell" in german


def test_without_an_offer_the_denial_says_nothing_of_opting_out() -> None:
    text = ccpa_unverified_text("0f3a9c2e-1111", "deleting", "en")
    assert "opt out" not in text and "§7062(f)" not in text


def _map(*recipients: tuple[Recipient, ...] | None) -> DataMap:
    collections = tuple(
        DataCollection("shop", f"c{n}", (), info=ProcessingInfo(recipients=given))
        for n, given in enumerate(recipients)
    )
    return DataMap((Dataset("shop", "db", collections),))


def _to(*kinds: Disclosure) -> Recipient:
    return Recipient("Ad network", disclosure=frozenset(kinds))


def test_the_offer_is_for_a_map_that_declares_a_sale_or_sharing_anywhere() -> None:
    """Only a business that sells or shares asks (§7062(f)). A recipient whose disclosure the
    map leaves unsaid counts as neither: the notice would claim a sale the records do not show
    (`datamap check` warns of it), and the opt-out form is open to anyone anyway."""
    assert _map((_to(Disclosure.BUSINESS_PURPOSE),), (_to(Disclosure.SHARING),)).sells_or_shares
    assert _map(None, (Recipient("Data broker"), _to(Disclosure.SALE))).sells_or_shares
    assert not _map((_to(Disclosure.BUSINESS_PURPOSE),), ()).sells_or_shares
    assert not _map(None, (Recipient("Data broker"),)).sells_or_shares, "undeclared: not said"
