"""The longest texts rightful can send with the configured controller name and base URL, and a
warning for each that would not fit one SMS: a text split in parts may arrive in pieces, late
or out of order, and a code's link cut from its code. Nothing is shortened here; the operator
shortens the setting the warning names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from math import ceil

from rightful.bootstrap import code_policy
from rightful.domain.sms_segments import alphabet_of, length_in, outside_gsm7, segments
from rightful.domain.verification import CodePolicy, short_link_token
from rightful.services.notices import CODE_TEXTS, TEXT_LINKS, code_text
from rightful.services.verification_mail import WORDING, Secrets, code_sms
from rightful.settings import Settings

_LAST_MINUTE = datetime(2000, 1, 1, 23, 59, tzinfo=UTC)  # the widest "until HH:MM"


@dataclass(frozen=True)
class LongestText:
    kind: str
    language: str
    text: str


def longest_texts(controller: str, public_base_url: str, policy: CodePolicy) -> list[LongestText]:
    """Each kind of text in each language, with the longest code and short link it can carry,
    and the code's life and the link's hours as `policy` sets them."""
    code = "9" * policy.digits
    secret = "x" * ceil(policy.link_bytes * 4 / 3)  # token_urlsafe(link_bytes), unpadded
    link = public_base_url.rstrip("/") + TEXT_LINKS + short_link_token(f"{'f' * 32}.{secret}")
    secrets = Secrets(code, "", _LAST_MINUTE, _LAST_MINUTE, link)
    texts = []
    for language in WORDING:
        texts += [
            LongestText("verification code", language,
                        code_sms("", language, controller, secrets).text),
            LongestText("verification link", language,
                        code_sms("", language, controller, _link_only(secrets)).text),
        ]  # fmt: skip
    for language in CODE_TEXTS:
        for kind, (with_code, with_link) in _CODE_TEXT_KINDS.items():
            text = code_text(controller, language, code if with_code else None,
                             policy.ttl_minutes, link if with_link else None,
                             policy.window_hours)  # fmt: skip
            texts.append(LongestText(kind, language, text))
    return texts


_CODE_TEXT_KINDS = {
    "download or sign-in code": (True, False),
    "download or sign-in code and link": (True, True),
    "download or sign-in link": (False, True),
}


def _link_only(secrets: Secrets) -> Secrets:
    return Secrets(None, secrets.link, secrets.expires, secrets.link_expires, secrets.text_link)


def too_long(controller: str, public_base_url: str, texts: list[LongestText]) -> list[str]:
    """One line per text that needs more than one SMS, naming the setting to shorten."""
    warnings = []
    for t in texts:
        parts = segments(t.text)
        if parts == 1:
            continue
        alphabet = alphabet_of(t.text)
        over = length_in(t.text, alphabet) - alphabet.single
        warnings.append(
            f"the longest {t.kind} text ({t.language}) takes {parts} SMS: "
            f"{over} {alphabet.name} characters over the {alphabet.single} of one; "
            + _what_to_shorten(controller, public_base_url, t.text)
        )
    return warnings


def _what_to_shorten(controller: str, public_base_url: str, text: str) -> str:
    unusual = outside_gsm7(controller)
    if unusual:
        return (f"controller_name holds {''.join(unusual)!r}, outside GSM-7, so a text holds "
                f"70 characters, not 160: spell it without, or shorten it or public_base_url "
                f"({len(public_base_url.rstrip('/'))} characters)")  # fmt: skip
    if outside_gsm7(text):
        return f"public_base_url holds characters outside GSM-7: {public_base_url!r}"
    return (f"shorten public_base_url ({len(public_base_url.rstrip('/'))} characters) or "
            f"controller_name ({len(controller)})")  # fmt: skip


def sms_warnings(settings: Settings) -> list[str]:
    """The warnings for texts too long for one SMS with these settings; none without texts."""
    if settings.sms_backend == "none":
        return []
    controller, base_url = settings.controller_name, settings.public_base_url
    texts = longest_texts(controller, base_url, code_policy(settings))
    return too_long(controller, base_url, texts)
