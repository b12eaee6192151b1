"""The words of verification messages, in the request's language (en, de).

A code mail goes only to contact details on file. An address the estate does not hold gets the
neutral mail, which tells its owner that no code could be issued and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

from rightful.domain.messaging import MailMessage, SmsMessage


@dataclass(frozen=True)
class Wording:
    code_subject: str
    code_intro: str
    code_line: str
    link_line: str
    link_only_line: str
    expiry: str
    link_expiry: str
    not_you: str
    neutral_subject: str
    neutral_body: str
    sms: str
    sms_link_only: str


WORDING: dict[str, Wording] = {
    "en": Wording(
        code_subject="Confirm your data request",
        code_intro="Someone, hopefully you, asked {controller} about personal data "
        "(request reference {ref}) and gave this address.",
        code_line="Your confirmation code: {code}",
        link_line="Or open this link to confirm:",
        link_only_line="Open this link to confirm (this request has been sent all the codes it "
        "may have):",
        expiry="The code works once and expires at {expires} (UTC).",
        link_expiry="The link works once and expires at {expires} (UTC).",
        not_you="If this was not you, ignore this message: nothing will be disclosed.",
        neutral_subject="About a data request",
        neutral_body="Someone asked {controller} to confirm this address for a data request "
        "(reference {ref}). We could not issue a code for this address. If the request was "
        "yours, please use the contact details you gave us before, or write to us. If it was "
        "not, you need not do anything.",
        sms="{controller}: your code is {code} (until {expires} UTC); or open once: {link}",
        sms_link_only="{controller}: to confirm your request, open once: {link}",
    ),
    "de": Wording(
        code_subject="Bestätigen Sie Ihre Datenanfrage",
        code_intro="Jemand, hoffentlich Sie, hat {controller} nach personenbezogenen Daten "
        "gefragt (Vorgang {ref}) und diese Adresse angegeben.",
        code_line="Ihr Bestätigungscode: {code}",
        link_line="Oder öffnen Sie diesen Link zur Bestätigung:",
        link_only_line="Öffnen Sie diesen Link zur Bestätigung (für diesen Vorgang wurden alle "
        "Codes versandt, die er haben kann):",
        expiry="Der Code gilt einmal und verfällt um {expires} (UTC).",
        link_expiry="Der Link gilt einmal und verfällt um {expires} (UTC).",
        not_you="Falls Sie das nicht waren, ignorieren Sie diese Nachricht: es wird nichts "
        "herausgegeben.",
        neutral_subject="Zu einer Datenanfrage",
        neutral_body="Jemand hat {controller} gebeten, diese Adresse für eine Datenanfrage zu "
        "bestätigen (Vorgang {ref}). Für diese Adresse konnten wir keinen Code ausstellen. "
        "War es Ihre Anfrage, nutzen Sie bitte die Kontaktdaten, die Sie uns früher genannt "
        "haben, oder schreiben Sie uns. Sonst müssen Sie nichts tun.",
        sms="{controller}: Ihr Code: {code} (bis {expires} UTC), oder einmal öffnen: {link}",
        sms_link_only="{controller}: zum Bestätigen Ihrer Anfrage einmal öffnen: {link}",
    ),
}


# What a confirmation would set going, when it is more than a copy of the data: the person must
# know what they confirm (an erasure cannot be undone).
WHAT_IS_ASKED: dict[str, dict[str, str]] = {
    "en": {
        "erasure": "The request asks us to ERASE personal data. Once you confirm it, we act on "
        "it, and erased data cannot be restored.",
        "erasure_more_proof": "The request asks us to ERASE personal data. Once you confirm it, "
        "we may ask for further proof that the request is yours (that you sign in with your "
        "account, or confirm more details we hold) before we act on it. Erased data cannot be "
        "restored.",
        "rectification": "The request asks us to correct personal data.",
        "restriction": "The request asks us to restrict the processing of personal data.",
        "objection": "The request objects to the processing of personal data.",
        "portability": "The request asks for a copy of personal data to take to someone else.",
    },
    "de": {
        "erasure": "Der Antrag verlangt, personenbezogene Daten zu LÖSCHEN. Sobald Sie ihn "
        "bestätigen, handeln wir, und gelöschte Daten lassen sich nicht wiederherstellen.",
        "erasure_more_proof": "Der Antrag verlangt, personenbezogene Daten zu LÖSCHEN. Nachdem "
        "Sie ihn bestätigt haben, können wir weitere Nachweise verlangen, dass er von Ihnen "
        "kommt (dass Sie sich mit Ihrem Konto anmelden oder weitere bei uns hinterlegte Angaben "
        "bestätigen), bevor wir handeln. Gelöschte Daten lassen sich nicht wiederherstellen.",
        "rectification": "Der Antrag verlangt, personenbezogene Daten zu berichtigen.",
        "restriction": "Der Antrag verlangt, die Verarbeitung personenbezogener Daten "
        "einzuschränken.",
        "objection": "Der Antrag widerspricht der Verarbeitung personenbezogener Daten.",
        "portability": "Der Antrag verlangt eine Kopie personenbezogener Daten, um sie "
        "weiterzugeben.",
    },
}


def _wording(language: str) -> Wording:
    return WORDING.get(language, WORDING["en"])


def reference(request_id: str) -> str:
    """The short reference people see; enough to recognise a request, not to open it."""
    return request_id[:8]


@dataclass(frozen=True)
class Secrets:
    """What one code mail carries: a code (None once the request has had all its codes) until
    `expires`, and a link until `link_expires`; a text carries the short form of the link."""

    code: str | None
    link: str
    expires: datetime
    link_expires: datetime
    text_link: str


def code_mail(
    to: str,
    language: str,
    controller: str,
    request_id: str,
    secrets: Secrets,
    request_type: str = "access",
    *,
    more_proof: bool = False,
) -> MailMessage:
    """The mail with a one-time code and a link to a contact detail on file; what the request
    asks for is said when it is more than a copy of the data, and that more proof may be asked
    after the code when `more_proof` (a CCPA deletion)."""
    w = _wording(language)
    intro = w.code_intro.format(controller=controller, ref=reference(request_id))
    table = WHAT_IS_ASKED.get(language, WHAT_IS_ASKED["en"])
    asked = (more_proof and table.get(f"{request_type}_more_proof")) or table.get(request_type)
    if asked:
        intro = f"{intro} {asked}"
    link, when = secrets.link, f"{secrets.link_expires:%Y-%m-%d %H:%M}"
    expiry = [w.link_expiry.format(expires=when)]
    head, link_line = [intro], w.link_only_line
    if secrets.code is not None:
        head.append(w.code_line.format(code=secrets.code))
        expiry.insert(0, w.expiry.format(expires=f"{secrets.expires:%Y-%m-%d %H:%M}"))
        link_line = w.link_line
    lines = [*head, link_line, link, " ".join(expiry), w.not_you]
    code_html = f"<p><strong>{escape(head[1])}</strong></p>" if len(head) > 1 else ""
    html = (
        f"<p>{escape(intro)}</p>{code_html}"
        f'<p>{escape(link_line)} <a href="{escape(link)}">{escape(link)}</a></p>'
        f"<p>{escape(' '.join(expiry))}</p><p>{escape(w.not_you)}</p>"
    )
    return MailMessage(to=to, subject=w.code_subject, text="\n\n".join(lines) + "\n", html=html)


def neutral_mail(to: str, language: str, controller: str, request_id: str) -> MailMessage:
    """The mail to an address the estate does not hold: no code, nothing about anyone."""
    w = _wording(language)
    body = w.neutral_body.format(controller=controller, ref=reference(request_id))
    return MailMessage(
        to=to, subject=w.neutral_subject, text=body + "\n", html=f"<p>{escape(body)}</p>"
    )


def code_sms(to: str, language: str, controller: str, secrets: Secrets) -> SmsMessage:
    """The text message with a one-time code and the short form of its link (the link alone
    once the request has had all its codes): the link outlives wrong guesses at the code."""
    w = _wording(language)
    words = w.sms if secrets.code is not None else w.sms_link_only
    text = words.format(controller=controller, code=secrets.code,
                        expires=f"{secrets.expires:%H:%M}", link=secrets.text_link)  # fmt: skip
    return SmsMessage(to=to, text=text)
