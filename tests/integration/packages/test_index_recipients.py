"""What index.html says of who receives the data, as the request's law frames it
(REQUIREMENTS.md:19: recipients, third countries marked with their safeguards, Art. 15(2))."""

from __future__ import annotations

import html as markup
from pathlib import Path

import pytest

from rightful.adapters.datamap.fides_yaml import load_datamap
from rightful.demo.story import hearthly
from rightful.domain.deadlines import Jurisdiction

from .world import AGENT, World, make_world, zip_bytes

ANNA = 1
SPEECH_CLOUD = "SpeechCloud Inc. (speech-to-text processor)"


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
         [f"{SPEECH_CLOUD} (US, außerhalb des Vereinigten Königreichs) – Garantien für die "
          "Übermittlung aus dem Vereinigten Königreich (Art. 15 Abs. 2 UK GDPR): Standard "
          "contractual clauses"],
         ["EU/des EWR", "outside", "safeguards"]),
        (Jurisdiction.CCPA, "en",
         [f"<li>{SPEECH_CLOUD} (US)</li>", "Hosting provider (Hetzner Online GmbH) (DE)"],
         ["EU/EEA", "outside the", "safeguards", "Standard contractual clauses"]),
        (Jurisdiction.CCPA, "de",
         [f"<li>{SPEECH_CLOUD} (US)</li>"],
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
    assert SPEECH_CLOUD in recordings
    for words in unsaid:
        assert words not in page, words
