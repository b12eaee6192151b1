"""Texts told to requesters that are not about deadlines: the answer when nothing is held, and
the notice when a request closes unanswered because the requester never confirmed who they are."""

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


_EXPIRED = {
    "en": (
        "We closed your request (reference {ref}) without acting on it, because we could not "
        "confirm that you are the person the data is about: the confirmation we asked for did "
        "not reach us in time. We disclose personal data only to the person it is about. You may "
        "make a new request at any time. You have the right to lodge a complaint with a "
        "supervisory authority and to seek a judicial remedy (Article 12(4) GDPR)."
    ),
    "de": (
        "Wir haben Ihren Antrag (Vorgangsnummer {ref}) geschlossen, ohne ihn zu bearbeiten, weil "
        "wir nicht bestätigen konnten, dass Sie die Person sind, um deren Daten es geht: Die "
        "erbetene Bestätigung hat uns nicht rechtzeitig erreicht. Wir geben personenbezogene "
        "Daten nur an die Person heraus, um die es geht. Sie können jederzeit einen neuen Antrag "
        "stellen. Sie haben das Recht, sich bei einer Aufsichtsbehörde zu beschweren und einen "
        "gerichtlichen Rechtsbehelf einzulegen (Art. 12 Abs. 4 DSGVO)."
    ),
}


def expiry_text(request_id: str, language: str) -> str:
    """The notice when a request is closed unanswered: its identity was never confirmed."""
    return _EXPIRED.get(language, _EXPIRED["en"]).format(ref=request_id[:8])


_ACTION_TAKEN_CLOSING = {
    "en": (
        "This answers your request (reference {ref}). If you disagree with what we did, you "
        "have the right to lodge a complaint with a supervisory authority and to seek a "
        "judicial remedy."
    ),
    "de": (
        "Damit ist Ihr Antrag beantwortet (Vorgangsnummer {ref}). Wenn Sie mit unserem Vorgehen "
        "nicht einverstanden sind, haben Sie das Recht, sich bei einer Aufsichtsbehörde zu "
        "beschweren und einen gerichtlichen Rechtsbehelf einzulegen."
    ),
}


def action_taken_text(request_id: str, what_we_did: str, language: str) -> str:
    """Staff's account of the action taken (Art. 12(3)), closed with the requester's remedies."""
    closing = _ACTION_TAKEN_CLOSING.get(language, _ACTION_TAKEN_CLOSING["en"])
    return f"{what_we_did.strip()}\n\n{closing.format(ref=request_id[:8])}"
