"""Texts told to requesters that are not about deadlines: the answer when nothing is held, the
notice when a request closes unanswered because the requester never confirmed who they are
(for a CCPA request to know, with the business's general practices instead; for a CCPA
deletion, with the offer to opt out of sale or sharing), and the close of
an answer in staff's words. Each ends with the remedies of the request's law."""

from __future__ import annotations

from dataclasses import dataclass

from rightful.domain.deadline_texts import refusal_remedy
from rightful.domain.deadlines import Jurisdiction

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

_WITHDRAWN = {
    "en": (
        "We have stopped working on your request (reference {ref}) because it was withdrawn. "
        "If you did not withdraw it, reply to this message. You may make a new request at any "
        "time."
    ),
    "de": (
        "Wir haben die Bearbeitung Ihres Antrags (Vorgangsnummer {ref}) beendet, weil er "
        "zurückgezogen wurde. Wenn Sie ihn nicht zurückgezogen haben, antworten Sie auf diese "
        "Nachricht. Sie können jederzeit einen neuen Antrag stellen."
    ),
}

# CCPA: an unverified request to know specific pieces is denied and evaluated as one for
# categories (Cal. Code Regs. tit. 11, §7024(c)); those too need verification, so the consumer is
# directed to the business's general practices (§7024(e)). Deletion is denied (§7062(d)).
_CCPA_UNVERIFIED = {
    "en": {
        "closed": "We could not verify your identity, so we closed your request "
        "(reference {ref}) without {action} (Cal. Code Regs. tit. 11, §7021 and §7060). We act on "
        "a request only once we know it comes from the consumer the information is about. You "
        "may make a new request at any time.",
        "disclosing": "disclosing any personal information",
        "deleting": "deleting any personal information",
        "correcting": "correcting any personal information",
        "acting": "acting on it",
        "practices": "In general, not about you in particular (§7024(e)):",
        "categories": "Categories of personal information we collect: {items}.",
        "sources": "Where we collect it from: {items}.",
        "purposes": "What we use it for: {items}.",
        "recipients": "Whom we disclose it to: {items}.",
        "opt_out": "Would you like to opt out of the sale or sharing of your personal "
        "information? You may do so at any time, without proving who you are (Cal. Code Regs. "
        "tit. 11, §7062(f), §7026). Make a request to opt out here: {form}",
        "opt_out_notice": "Our notice of the right to opt out (Do Not Sell or Share My Personal "
        "Information): {url}",
    },
    "de": {
        "closed": "Wir konnten Ihre Identität nicht bestätigen und haben Ihren "
        "Antrag (Vorgangsnummer {ref}) daher geschlossen, ohne {action} (Cal. Code Regs. tit. 11, "
        "§7021 und §7060). Wir handeln erst, wenn feststeht, dass der Antrag von der Person "
        "kommt, um deren Daten es geht. Sie können jederzeit einen neuen Antrag stellen.",
        "disclosing": "personenbezogene Daten herauszugeben",
        "deleting": "personenbezogene Daten zu löschen",
        "correcting": "personenbezogene Daten zu berichtigen",
        "acting": "ihn zu bearbeiten",
        "practices": "Allgemein, nicht auf Sie bezogen (§7024(e)):",
        "categories": "Kategorien personenbezogener Daten, die wir erheben: {items}.",
        "sources": "Woher wir sie erhalten: {items}.",
        "purposes": "Wofür wir sie verwenden: {items}.",
        "recipients": "An wen wir sie weitergeben: {items}.",
        "opt_out": "Möchten Sie dem Verkauf oder der Weitergabe Ihrer personenbezogenen "
        "Informationen widersprechen (Opt-out)? Das können Sie jederzeit, ohne Ihre Identität "
        "nachzuweisen (Cal. Code Regs. tit. 11, §7062(f), §7026). Einen Opt-out-Antrag stellen "
        "Sie hier: {form}",
        "opt_out_notice": "Unser Hinweis zum Recht auf Opt-out (Do Not Sell or Share My Personal "
        "Information): {url}",
    },
}


@dataclass(frozen=True)
class Practices:
    """What the business collects, from where, why and for whom, in general (from the data
    map): told to a consumer whose request to know could not be verified."""

    categories: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    purposes: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()


@dataclass(frozen=True)
class OptOutOffer:
    """How a consumer opts out of the sale or sharing of their personal information: the
    portal's form for it, and the business's own notice of the right to opt out when one is
    known. Offered with a denied request to delete by a business that sells or shares (§7062(f))."""

    form_url: str
    notice_url: str | None = None


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


_LAW_NAMES = {
    "en": {"gdpr": "GDPR", "uk_gdpr": "UK GDPR"},
    "de": {"gdpr": "DSGVO", "uk_gdpr": "UK GDPR"},
}


def law_name(law: str, language: str) -> str:
    """How a notice names the regulation of a GDPR or UK GDPR request, in its language."""
    names = _LAW_NAMES.get(language, _LAW_NAMES["en"])
    return names.get(law, names["gdpr"])


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


def withdrawn_text(request_id: str, language: str, jurisdiction: Jurisdiction) -> str:
    """The notice when staff close a request as withdrawn: the requester learns of it, so that
    a request closed this way without their word cannot pass as answered (Art. 12(4))."""
    body = _WITHDRAWN.get(language, _WITHDRAWN["en"]).format(ref=request_id[:8])
    return f"{body} {remedies(jurisdiction, language)}"


def action_taken_text(
    request_id: str, what_we_did: str, language: str, jurisdiction: Jurisdiction
) -> str:
    """Staff's account of the action taken (Art. 12(3)), closed with the requester's remedies."""
    closing = _ANSWERED.get(language, _ANSWERED["en"]).format(ref=request_id[:8])
    return f"{what_we_did.strip()}\n\n{closing} {remedies(jurisdiction, language)}"


def opt_out_text(opt_out: OptOutOffer, language: str) -> str:
    """The question whether to opt out of sale or sharing, and how, that a CCPA deletion denied
    as unverified carries (§7062(f)): closed unverified, or refused by staff because the
    requester's identity could not be verified."""
    say = _CCPA_UNVERIFIED.get(language, _CCPA_UNVERIFIED["en"])
    offer = say["opt_out"].format(form=opt_out.form_url)
    if opt_out.notice_url:
        offer += "\n" + say["opt_out_notice"].format(url=opt_out.notice_url)
    return offer


def ccpa_unverified_text(
    request_id: str, action: str, language: str, practices: Practices | None = None,
    opt_out: OptOutOffer | None = None,
) -> str:  # fmt: skip
    """A CCPA request closed unverified (at its deadline, or earlier by a DPO, so the words
    name no deadline): `action` is what was not done (disclosing, deleting, correcting,
    acting); a request to know also gets the general `practices`, a denied deletion by a
    business that sells or shares asks whether to opt out (`opt_out`, §7062(f))."""
    say = _CCPA_UNVERIFIED.get(language, _CCPA_UNVERIFIED["en"])
    parts = [say["closed"].format(ref=request_id[:8], action=say[action])]
    if opt_out is not None:
        parts.append(opt_out_text(opt_out, language))
    if practices is not None:
        known = [
            say[name].format(items=", ".join(items))
            for name, items in (
                ("categories", practices.categories), ("sources", practices.sources),
                ("purposes", practices.purposes), ("recipients", practices.recipients),
            )
            if items
        ]  # fmt: skip
        if known:
            parts.append(" ".join([say["practices"], *known]))
    parts.append(refusal_remedy(Jurisdiction.CCPA, language))
    return "\n\n".join(parts)
