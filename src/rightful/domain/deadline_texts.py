"""What the requester is told about their request and its time: the acknowledgement with the
date of the answer, how we verify, an extension with its reason, and a refusal with the
remedies of the request's law (English and German)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from rightful.domain.deadlines import (
    ExtensionNotAllowedError,
    Jurisdiction,
    Language,
    local_date,
    prompt_ccpa,
)
from rightful.domain.errors import InvalidInputError
from rightful.domain.requests import RequestType
from rightful.domain.words import written

_TEXTS: dict[Language, dict[str, str]] = {
    Language.EN: {
        "refuse": "We are not acting on your request, in whole or in part, for these reasons:",
        "remedy_gdpr": "You have the right to lodge a complaint with a supervisory authority "
        "and to seek a judicial remedy (Article 12(4) GDPR).",
        "remedy_uk_gdpr": "You have the right to lodge a complaint with the Information "
        "Commissioner's Office (ICO) and to seek a judicial remedy (Article 12(4) UK GDPR).",
        "remedy_ccpa": "You may file a complaint with the California Privacy Protection Agency.",
        "categories": "We could not verify your identity to the degree required to disclose "
        "specific pieces of personal information, so we will not disclose them. We will instead "
        "treat your request as a request for the categories of personal information we have "
        "collected about you.",
        "received": "We have received your request (reference {ref}).",
        "verify": "Before we act on it we will verify your identity, using information we "
        "already hold about you wherever we can.",
        "no_verify": "We act on it without asking you to prove who you are; we may only ask "
        "for what we need to find your information.",
        "extend": "We need more time to answer your request (reference {ref}), for this "
        "reason: {reason}",
        "due": "We will respond by {date} at the latest.",
        "extended_due": "As {basis} allows, we will now respond by {date} at the latest.",
        "basis_gdpr": "Article 12(3) GDPR",
        "basis_uk_gdpr": "Article 12(3) UK GDPR",
        "basis_ccpa": "Cal. Code Regs. tit. 11, § 7021(b)",
    },
    Language.DE: {
        "refuse": "Wir werden auf Ihren Antrag ganz oder teilweise aus folgenden Gründen "
        "nicht tätig:",
        "remedy_gdpr": "Sie haben das Recht, bei einer Aufsichtsbehörde Beschwerde einzulegen, "
        "und können einen gerichtlichen Rechtsbehelf einlegen (Art. 12 Abs. 4 DSGVO).",
        "remedy_uk_gdpr": "Sie haben das Recht, beim Information Commissioner's Office (ICO) "
        "Beschwerde einzulegen, und können einen gerichtlichen Rechtsbehelf einlegen "
        "(Art. 12 Abs. 4 UK GDPR).",
        "remedy_ccpa": "Sie können bei der California Privacy Protection Agency Beschwerde "
        "einreichen.",
        "categories": "Wir konnten Ihre Identität nicht so weit überprüfen, wie es für die "
        "Herausgabe einzelner personenbezogener Daten erforderlich ist; diese geben wir daher "
        "nicht heraus. Stattdessen behandeln wir Ihren Antrag als Antrag auf Auskunft über die "
        "Kategorien personenbezogener Daten, die wir über Sie erhoben haben.",
        "received": "Wir haben Ihren Antrag erhalten (Vorgangsnummer {ref}).",
        "verify": "Bevor wir tätig werden, überprüfen wir Ihre Identität, wo immer möglich "
        "anhand von Angaben, die uns bereits vorliegen.",
        "no_verify": "Wir handeln, ohne dass Sie nachweisen müssen, wer Sie sind; wir fragen "
        "höchstens nach dem, was wir brauchen, um Ihre Angaben zu finden.",
        "extend": "Wir benötigen mehr Zeit, um Ihren Antrag (Vorgangsnummer {ref}) zu "
        "beantworten, aus folgendem Grund: {reason}",
        "due": "Wir antworten spätestens am {date}.",
        "extended_due": "Wie {basis} es zulässt, antworten wir nun spätestens am {date}.",
        "basis_gdpr": "Art. 12 Abs. 3 DSGVO",
        "basis_uk_gdpr": "Art. 12 Abs. 3 UK GDPR",
        "basis_ccpa": "Cal. Code Regs. tit. 11, § 7021(b)",
    },
}


@dataclass(frozen=True)
class RefusalNotice:
    """What a requester is told when we do not act: the reasons and the remedies open to them."""

    jurisdiction: Jurisdiction
    language: Language
    reasons: tuple[str, ...]
    paragraphs: tuple[str, ...]

    @property
    def text(self) -> str:
        """The paragraphs as one plain-text body."""
        return "\n\n".join(self.paragraphs)


def build_refusal_notice(
    jurisdiction: Jurisdiction,
    reasons: Sequence[str],
    *,
    language: Language | str = Language.EN,
    categories_instead: bool = False,
) -> RefusalNotice:
    """A refusal notice (Art. 12(4); CCPA: with the §7024(a) fall-back to categories if asked)."""
    cleaned = tuple(written(r, "a reason", 0) for r in reasons)
    if not cleaned or not all(cleaned):
        raise InvalidInputError("a refusal needs at least one reason, and no reason may be blank")
    for reason in cleaned:
        written(reason, "a reason")
    if categories_instead and jurisdiction is not Jurisdiction.CCPA:
        raise InvalidInputError("the fall-back to categories exists only for CCPA requests to know")
    lang = _language(language)
    texts = _TEXTS[lang]
    paragraphs = [texts["refuse"] + "".join(f"\n- {r}" for r in cleaned)]
    if categories_instead:
        paragraphs.append(texts["categories"])
    paragraphs.append(texts[f"remedy_{jurisdiction.value}"])
    return RefusalNotice(jurisdiction, lang, cleaned, tuple(paragraphs))


def refusal_remedy(jurisdiction: Jurisdiction, language: Language | str = Language.EN) -> str:
    """The remedies against not acting on a request (Art. 12(4); the ICO; the CPPA)."""
    return _TEXTS[_language(language)][f"remedy_{jurisdiction.value}"]


def refusal_notice(
    jurisdiction: Jurisdiction, reasons: Sequence[str], language: Language | str = Language.EN
) -> str:
    """The plain text of a refusal notice."""
    return build_refusal_notice(jurisdiction, reasons, language=language).text


def acknowledgement_text(
    jurisdiction: Jurisdiction,
    request_id: str,
    respond_by: datetime,
    language: Language | str = Language.EN,
    *,
    tz: tzinfo = UTC,
    kind: RequestType | None = None,
) -> str:
    """Confirmation of receipt with the answer date (CCPA §7021(a): with how we verify; an
    opt-out or limit request is not verified, §7060(b))."""
    texts = _TEXTS[_language(language)]
    parts = [texts["received"].format(ref=request_id)]
    if jurisdiction is Jurisdiction.CCPA:
        parts.append(verification_text(jurisdiction, kind, language))
    parts.append(texts["due"].format(date=local_date(respond_by, tz).isoformat()))
    return "\n\n".join(parts)


def verification_text(
    jurisdiction: Jurisdiction, kind: RequestType | None, language: Language | str = Language.EN
) -> str:
    """Whether and how we verify who asks, as the acknowledgement says it."""
    texts = _TEXTS[_language(language)]
    return texts["no_verify"] if prompt_ccpa(jurisdiction, kind) else texts["verify"]


def extension_text(
    jurisdiction: Jurisdiction,
    request_id: str,
    respond_by: datetime,
    reason: str,
    language: Language | str = Language.EN,
    *,
    tz: tzinfo = UTC,
) -> str:
    """The notice that tells the requester of an extension, its reason and the new date."""
    if not reason.strip():
        raise ExtensionNotAllowedError("an extension needs a recorded reason")
    texts = _TEXTS[_language(language)]
    first = texts["extend"].format(ref=request_id, reason=reason.strip())
    basis = texts[f"basis_{jurisdiction.value}"]
    due = texts["extended_due"].format(basis=basis, date=local_date(respond_by, tz).isoformat())
    return f"{first}\n\n{due}"


def _language(value: Language | str) -> Language:
    try:
        return Language(value)
    except ValueError:
        raise InvalidInputError("language must be one of: en, de") from None
