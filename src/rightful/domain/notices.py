"""Texts told to requesters that are not about deadlines: the answer when nothing is held, the
notice when a request closes unanswered because the requester never confirmed who they are, and
the close of an answer in staff's words. Each ends with the remedies of the request's law."""

from __future__ import annotations

from rightful.domain.deadlines import Jurisdiction, refusal_remedy

_NO_DATA = {
    "en": (
        "We searched every system listed in our data map for the identity you confirmed "
        "(request reference {ref}) and hold no personal data about you. This answers your "
        "request. If you think we do hold data about you, reply to this message."
    ),
    "de": (
        "Wir haben alle in unserer Datenlandkarte verzeichneten Systeme nach der von Ihnen "
        "bestätigten Identität durchsucht (Vorgangsnummer {ref}) und speichern keine "
        "personenbezogenen Daten über Sie. Damit ist Ihr Antrag beantwortet. Wenn Sie meinen, "
        "dass wir doch Daten über Sie speichern, antworten Sie auf diese Nachricht."
    ),
}

_EXPIRED = {
    "en": (
        "We closed your request (reference {ref}) without acting on it, because we could not "
        "confirm that you are the person the data is about: the confirmation we asked for did "
        "not reach us in time. We disclose personal data only to the person it is about. You may "
        "make a new request at any time."
    ),
    "de": (
        "Wir haben Ihren Antrag (Vorgangsnummer {ref}) geschlossen, ohne ihn zu bearbeiten, weil "
        "wir nicht bestätigen konnten, dass Sie die Person sind, um deren Daten es geht: Die "
        "erbetene Bestätigung hat uns nicht rechtzeitig erreicht. Wir geben personenbezogene "
        "Daten nur an die Person heraus, um die es geht. Sie können jederzeit einen neuen Antrag "
        "stellen."
    ),
}

_ANSWERED = {
    "en": "This answers your request (reference {ref}).",
    "de": "Damit ist Ihr Antrag beantwortet (Vorgangsnummer {ref}).",
}

# The remedies against an answer (Art. 77, 79 GDPR; UK: the ICO; CCPA: the CPPA).
_REMEDIES = {
    "en": {
        Jurisdiction.GDPR: "You have the right to lodge a complaint with a supervisory "
        "authority and to seek a judicial remedy.",
        Jurisdiction.UK_GDPR: "You have the right to lodge a complaint with the Information "
        "Commissioner's Office (ICO) and to seek a judicial remedy.",
        Jurisdiction.CCPA: "You may file a complaint with the California Privacy Protection "
        "Agency.",
    },
    "de": {
        Jurisdiction.GDPR: "Sie haben das Recht, sich bei einer Aufsichtsbehörde zu beschweren "
        "und einen gerichtlichen Rechtsbehelf einzulegen.",
        Jurisdiction.UK_GDPR: "Sie haben das Recht, sich beim Information Commissioner's "
        "Office (ICO) zu beschweren und einen gerichtlichen Rechtsbehelf einzulegen.",
        Jurisdiction.CCPA: "Sie können bei der California Privacy Protection Agency Beschwerde "
        "einreichen.",
    },
}


def remedies(jurisdiction: Jurisdiction, language: str) -> str:
    """Where the requester may turn if they disagree with an answer, under their law."""
    return _REMEDIES.get(language, _REMEDIES["en"])[jurisdiction]


def no_data_text(request_id: str, language: str, jurisdiction: Jurisdiction) -> str:
    """The answer to a request whose verified identities lead to no subject."""
    body = _NO_DATA.get(language, _NO_DATA["en"]).format(ref=request_id[:8])
    return f"{body} {remedies(jurisdiction, language)}"


def expiry_text(request_id: str, language: str, jurisdiction: Jurisdiction) -> str:
    """The notice when a request is closed unanswered: its identity was never confirmed. Not
    acting is told with the remedies of Art. 12(4) (or the law's equivalent)."""
    body = _EXPIRED.get(language, _EXPIRED["en"]).format(ref=request_id[:8])
    return f"{body} {refusal_remedy(jurisdiction, language)}"


def action_taken_text(
    request_id: str, what_we_did: str, language: str, jurisdiction: Jurisdiction
) -> str:
    """Staff's account of the action taken (Art. 12(3)), closed with the requester's remedies."""
    closing = _ANSWERED.get(language, _ANSWERED["en"]).format(ref=request_id[:8])
    return f"{what_we_did.strip()}\n\n{closing} {remedies(jurisdiction, language)}"
