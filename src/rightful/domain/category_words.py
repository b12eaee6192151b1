"""Data categories in plain words, English and German: what a data subject reads in a notice or
an answer (Art. 12(1): clear and plain language) instead of a Fides key (`user.contact.email`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from rightful.domain.languages import DEFAULT_LANGUAGE

# The categories the demo and most Fides maps use. A key not listed here is named by its nearest
# listed parent (`user.contact.email.work` reads "E-mail addresses"), else spelled out.
CATEGORIES: Final[dict[str, dict[str, str]]] = {
    "user.unique_id": {"en": "Customer number", "de": "Kundennummer"},
    "user.name": {"en": "Names", "de": "Namen"},
    "user.contact": {"en": "Contact details", "de": "Kontaktdaten"},
    "user.contact.email": {"en": "E-mail addresses", "de": "E-Mail-Adressen"},
    "user.contact.phone_number": {"en": "Phone numbers", "de": "Telefonnummern"},
    "user.contact.address": {"en": "Postal addresses", "de": "Postanschriften"},
    "user.contact.address.country": {"en": "Country", "de": "Land"},
    "user.device": {"en": "Device details", "de": "Geräteangaben"},
    "user.device.device_id": {"en": "Device serial numbers", "de": "Geräte-Seriennummern"},
    "user.behavior": {"en": "How you used our service", "de": "Nutzung unseres Dienstes"},
    "user.behavior.purchase_history": {"en": "Purchases", "de": "Käufe"},
    "user.content": {"en": "Content you created", "de": "Ihre Inhalte"},
    "user.content.voice_transcript": {
        "en": "Transcripts of voice requests",
        "de": "Abschriften von Sprachbefehlen",
    },
    "user.content.private": {"en": "Messages you wrote", "de": "Ihre Nachrichten"},
    "user.biometric": {"en": "Biometric data", "de": "Biometrische Daten"},
    "user.biometric.voice": {"en": "Voice recordings", "de": "Sprachaufnahmen"},
    "user.financial": {"en": "Financial data", "de": "Finanzdaten"},
    "user.payment": {"en": "Payment details", "de": "Zahlungsdaten"},
    "user.health_and_medical": {"en": "Health data", "de": "Gesundheitsdaten"},
    "user.government_id": {"en": "ID numbers", "de": "Ausweisnummern"},
    "user.location": {"en": "Locations", "de": "Standorte"},
    "user.social": {"en": "Relationships", "de": "Beziehungen"},
    "user.privacy_preferences": {
        "en": "Your choices (e.g. newsletter topics)",
        "de": "Ihre Einstellungen (z. B. Newsletter-Themen)",
    },
    "system.operations": {
        "en": "Technical details (ids, dates)",
        "de": "Technische Angaben (Kennungen, Daten)",
    },
}


def category_name(category: str, language: str) -> str:
    """A plain name for a data category, as a list item or heading shows it (capitalised), in
    `language` (English where the table has no wording in it)."""
    known = _nearest_known(category)
    if known is not None:
        wordings = CATEGORIES[known]
        return wordings.get(language, wordings[DEFAULT_LANGUAGE])
    words = category.split(".")[1:] or [category]
    return " / ".join(w.replace("_", " ") for w in words).capitalize()


def in_sentence(category: str, language: str) -> str:
    """The plain name as it reads inside a sentence: English lowercases its first letter (not
    an acronym's: "ID numbers"); German nouns keep theirs."""
    name = category_name(category, language)
    if language == "de" or name[1:2].isupper():
        return name
    return name[:1].lower() + name[1:]


def listed(categories: Iterable[str], language: str) -> str:
    """Categories named in a sentence, each name once ("e-mail addresses, purchases")."""
    return ", ".join(dict.fromkeys(in_sentence(c, language) for c in categories))


def listed_with_keys(categories: Iterable[str], language: str) -> str:
    """Categories for a reader who checks them against the records too (a supervisory
    authority): "e-mail addresses (user.contact.email), purchases (...)"."""
    return ", ".join(f"{in_sentence(c, language)} ({c})" for c in dict.fromkeys(categories))


def category_with_key(category: str, language: str = DEFAULT_LANGUAGE) -> str:
    """A category for staff, who wire the data map in keys: "E-mail addresses
    (user.contact.email)", a sub-category in its nearest known parent's words with its own key;
    a key with no known parent stays the key alone (spelt out, it would only repeat itself)."""
    if _nearest_known(category) is None:
        return category
    return f"{category_name(category, language)} ({category})"


def _nearest_known(category: str) -> str | None:
    parts = category.split(".")
    for end in range(len(parts), 0, -1):
        key = ".".join(parts[:end])
        if key in CATEGORIES:
            return key
    return None
