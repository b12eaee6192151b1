"""What index.html says of who receives the data, as the request's law frames it
(REQUIREMENTS.md:19: recipients, third countries marked with their safeguards, Art. 15(2)), and
for the CCPA whether it is sold or shared (Cal. Civ. Code §1798.110(c), §1798.115(a))."""

from __future__ import annotations

import html as markup
import re
from pathlib import Path

import pytest

from rightful.adapters.datamap.fides_yaml import load_datamap
from rightful.demo.story import hearthly
from rightful.domain.deadlines import Jurisdiction

from .world import AGENT, World, make_world, zip_bytes

ANNA = 1
SPEECH_CLOUD = "SpeechCloud Inc. (speech-to-text processor)"
SPRACH_CLOUD = "SpeechCloud Inc. (Auftragsverarbeiter für Spracherkennung)"


def index_of(world: World, request_id: str) -> str:
    """The package's index.html, unescaped to be read as text."""
    package = world.c.packages.build(request_id, AGENT)
    return markup.unescape(zip_bytes(world, package.id).read("index.html").decode())


def section(page: str, address: str) -> str:
    """One collection's part of the page."""
    start = page.index(f'id="{address}"')
    return page[start : page.index("</section>", start)]


def test_recipients_left_undeclared_are_not_read_as_nobody(tmp_path: Path) -> None:
    """REQUIREMENTS.md:19: a collection that declares `recipients: []` goes to nobody outside
    the controller; one that says nothing has not told us. The page said "Nobody outside
    Hearthly" of both."""
    maps = []
    for path in hearthly().datamap_files:
        copy = tmp_path / path.name
        text = path.read_text()
        if path.name == "shop.yaml":
            text = text.replace("        recipients: []", "")
        copy.write_text(text)
        maps.append(copy)
    w = make_world(f"sqlite:///{tmp_path}/r.db", tmp_path, hearthly())
    w.c.datamap = load_datamap(maps)  # type: ignore[misc]
    page = index_of(w, w.request_for(ANNA))
    undeclared = section(page, "shop.support_tickets")
    assert "Not declared: our records do not say who receives this data." in undeclared
    assert "Nobody outside" not in undeclared
    assert "Nobody outside Hearthly" in section(page, "speaker.device_ownership")
    assert "Parcel service (DHL Paket GmbH)" in section(page, "shop.orders")


@pytest.mark.parametrize(
    ("law", "language", "said", "unsaid"),
    [
        (Jurisdiction.GDPR, "en",
         [f"{SPEECH_CLOUD} (US, outside the EU/EEA) – safeguards: Standard contractual clauses"],
         ["outside the UK"]),
        (Jurisdiction.UK_GDPR, "en",
         [f"{SPEECH_CLOUD} (US, outside the UK) – safeguards for the transfer out of the UK "
          "(UK GDPR Art. 15(2)): Standard contractual clauses"],
         ["EU/EEA"]),
        (Jurisdiction.UK_GDPR, "de",
         [f"{SPRACH_CLOUD} (US, außerhalb des Vereinigten Königreichs) – Garantien für die "
          "Übermittlung aus dem Vereinigten Königreich (Art. 15 Abs. 2 UK GDPR): "
          "Standardvertragsklauseln"],
         ["EU/des EWR", "outside", "safeguards"]),
        (Jurisdiction.CCPA, "en",
         [f"<li>{SPEECH_CLOUD} (US) – ", "Hosting provider (Hetzner Online GmbH) (DE)"],
         ["EU/EEA", "outside the", "safeguards", "Standard contractual clauses"]),
        (Jurisdiction.CCPA, "de",
         [f"<li>{SPRACH_CLOUD} (US) – "],
         ["EU/des EWR", "außerhalb des", "Garantien", "Standard contractual clauses"]),
    ],
)  # fmt: skip
def test_transfers_abroad_are_framed_by_the_requests_law(
    world: World, law: Jurisdiction, language: str, said: list[str], unsaid: list[str]
) -> None:
    """REQUIREMENTS.md:19 (Art. 15(2)): a UK package speaks of transfers out of the UK, with the
    safeguards the map declares; a CCPA package, whose law has no third countries, names each
    recipient's country and nothing of GDPR transfers. Both spoke of the EU/EEA."""
    page = index_of(world, world.request_for(ANNA, jurisdiction=law, language=language))
    recordings = section(page, "speaker.recordings")
    for words in said:
        assert words in page, words
    assert (SPRACH_CLOUD if language == "de" else SPEECH_CLOUD) in recordings
    for words in unsaid:
        assert words not in page, words


def world_with(tmp_path: Path, name: str, old: str, new: str) -> World:
    """Hearthly with one change to one file of its data map."""
    maps = []
    for path in hearthly().datamap_files:
        copy = tmp_path / path.name
        text = path.read_text()
        if path.name == name:
            assert old in text
            text = text.replace(old, new, 1)
        copy.write_text(text)
        maps.append(copy)
    w = make_world(f"sqlite:///{tmp_path}/r.db", tmp_path, hearthly())
    w.c.datamap = load_datamap(maps)  # type: ignore[misc]
    return w


def selling(page: str, heading: str = "Selling and sharing") -> str:
    """The page's part on selling and sharing (CCPA)."""
    start = page.index(f'<h2 id="selling">{heading}</h2>')
    return page[start : page.index("<h2>", start)]


def test_a_ccpa_package_says_the_data_is_neither_sold_nor_shared_where_the_map_declares_it(
    world: World,
) -> None:
    """Cal. Civ. Code §1798.110(c), §1798.115(a) (REQUIREMENTS.md:19 for the CCPA): the
    consumer learns whether their personal information is sold or shared, and which categories
    are disclosed for a business purpose to whom. The package said nothing of it."""
    page = index_of(world, world.request_for(ANNA, jurisdiction=Jurisdiction.CCPA))
    part = selling(page)
    assert ("We do not sell your personal information, and we do not share it for "
            "cross-context behavioral advertising.") in part  # fmt: skip
    assert "We disclose these kinds of your personal information for a business purpose" in part
    assert f"<li>Voice recordings: {SPEECH_CLOUD}</li>" in part
    assert "Postal addresses: Parcel service (DHL Paket GmbH), Payment processor" in part
    assert "We sell" not in part and "our records do not declare" not in part
    assert f"<li>{SPEECH_CLOUD} (US) – disclosed for a business purpose</li>" in page


def test_a_ccpa_package_in_german_says_it_in_german(world: World) -> None:
    page = index_of(world, world.request_for(ANNA, jurisdiction=Jurisdiction.CCPA, language="de"))
    part = selling(page, "Verkauf und Weitergabe")
    assert ("Wir verkaufen Ihre personenbezogenen Informationen nicht und geben sie nicht für "
            "kontextübergreifende verhaltensbezogene Werbung weiter.") in part  # fmt: skip
    assert f"<li>Sprachaufnahmen: {SPRACH_CLOUD}</li>" in part
    assert "Postanschriften: Paketdienst (DHL Paket GmbH), Zahlungsdienstleister" in part
    assert f"<li>{SPRACH_CLOUD} (US) – für einen Geschäftszweck offengelegt</li>" in page
    text = re.sub(r"<[^>]+>", "", page)
    for english in ["sell", "share", "business purpose", "declared", "Selling"]:
        assert english not in text, english


@pytest.mark.parametrize("law", [Jurisdiction.GDPR, Jurisdiction.UK_GDPR])
def test_packages_under_other_laws_say_nothing_of_selling(world: World, law: Jurisdiction) -> None:
    page = index_of(world, world.request_for(ANNA, jurisdiction=law))
    assert 'id="selling"' not in page and "business purpose" not in page


def test_what_is_sold_or_shared_is_named_by_category_with_its_recipients(tmp_path: Path) -> None:
    """§1798.115(a)(2): the categories sold or shared, each with whom it goes to; and no
    "we do not sell" beside it."""
    w = world_with(tmp_path, "shop.yaml", "FR\n              disclosure: business_purpose",
                   "FR\n              disclosure: [sale, sharing]")  # fmt: skip
    page = index_of(w, w.request_for(ANNA, jurisdiction=Jurisdiction.CCPA))
    part = selling(page)
    brevo = "Mailing service (Brevo SAS)"
    assert "We sell these kinds of your personal information, to:" in part
    assert f"<li>E-mail addresses: {brevo}</li>" in part
    assert "We share these kinds of your personal information for cross-context" in part
    assert part.count(f"<li>E-mail addresses: {brevo}</li>") == 2, "sold, and shared"
    assert "We do not sell" not in part
    assert f"{brevo} (FR) – sold; shared for cross-context behavioral advertising" in page


def test_a_map_that_does_not_say_is_not_read_as_no_sale(tmp_path: Path) -> None:
    """Never invent an answer: a recipient whose disclosure the map leaves unsaid leaves its
    collections unsaid, named as such, and the page does not claim that nothing is sold."""
    w = world_with(tmp_path, "accounts.yaml", "            disclosure: business_purpose", "")
    page = index_of(w, w.request_for(ANNA, jurisdiction=Jurisdiction.CCPA))
    part = selling(page)
    assert "We do not sell" not in part
    assert "For the following, our records do not declare whether we sell or share it" in part
    assert "<li>Hearthly accounts – customers</li>" in part
    assert "<li>Hearthly shop – orders</li>" not in part, "the shop declares its disclosures"
    assert "Hosting provider (Hetzner Online GmbH) (DE) – not declared whether this is a sale" in (
        page
    )
