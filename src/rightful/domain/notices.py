"""Texts told to requesters that are not about deadlines: the answer when nothing is held."""

from __future__ import annotations

_NO_DATA = {
    "en": (
        "We searched every system listed in our data map for the identity you confirmed "
        "(request reference {ref}) and hold no personal data about you. This answers your "
        "request under Art. 15 GDPR. If you think we do hold data about you, reply to this "
        "message; you may also complain to a supervisory authority."
    ),
    "de": (
        "Wir haben alle in unserer Datenlandkarte verzeichneten Systeme nach der von Ihnen "
        "bestätigten Identität durchsucht (Vorgangsnummer {ref}) und speichern keine "
        "personenbezogenen Daten über Sie. Damit ist Ihr Antrag nach Art. 15 DSGVO beantwortet. "
        "Wenn Sie meinen, dass wir doch Daten über Sie speichern, antworten Sie auf diese "
        "Nachricht; Sie können sich auch bei einer Aufsichtsbehörde beschweren."
    ),
}


def no_data_text(request_id: str, language: str) -> str:
    """The answer to a request whose verified identities lead to no subject."""
    return _NO_DATA.get(language, _NO_DATA["en"]).format(ref=request_id[:8])
