"""Texts that carry a code carry its link too, short enough that code and link stay one message
(160 characters of the GSM alphabet, so that no gateway splits or re-encodes them); and the
rule that decides whether a request that is over still gets sign-in codes."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rightful.adapters.mail.memory import MemoryMailer
from rightful.adapters.outbox import InlineOutbox
from rightful.adapters.sms.log import LoggingSmsSender
from rightful.domain.sign_in import AfterClosing, Withheld, withheld
from rightful.domain.verification import full_link_token, short_link_token
from rightful.services.notices import MailNotices, NoticeConfig
from rightful.services.verification_mail import Secrets, code_sms

# GSM 03.38's basic alphabet: a text of these is one message up to 160 characters.
GSM = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
BASE = "https://privacy.hearthly.example"  # a public_base_url of 32 characters
CONTROLLER = "Hearthly GmbH"
T = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def token() -> str:
    return f"{secrets.token_hex(16)}.{secrets.token_urlsafe(16)}"


@given(st.binary(min_size=16, max_size=16), st.text("abcXYZ019_-", min_size=1, max_size=60))
def test_a_short_token_stands_for_exactly_its_link_token(raw: bytes, secret: str) -> None:
    long = f"{raw.hex()}.{secret}"
    short = short_link_token(long)
    assert len(short) == 22 + len(secret) and "." not in short
    assert full_link_token(short) == long


@pytest.mark.parametrize("short", ["", "abc", "A" * 22, "!" * 30, "A" * 21 + "B" + "x"])
def test_what_is_no_short_token_stands_for_nothing(short: str) -> None:
    """Too short, no secret, not base64, or a second spelling of an id (the last character of
    22 carries 4 unused bits)."""
    assert full_link_token(short) is None


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("with_code", [True, False])
def test_a_verification_text_with_its_link_is_one_message(language: str, with_code: bool) -> None:
    link = f"{BASE}/t/{short_link_token(token())}"
    sent = Secrets("123456" if with_code else None, "unused", T, T + timedelta(hours=24), link)
    text = code_sms("+4915112345678", language, CONTROLLER, sent).text
    assert link in text and ("123456" in text) is with_code
    assert len(text) <= 160 and set(text) <= GSM, (len(text), text)


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("code", ["123456", None])
def test_a_sign_in_or_download_text_with_its_link_is_one_message(
    language: str, code: str | None
) -> None:
    sender = LoggingSmsSender()
    notices = MailNotices(MemoryMailer(), sender, InlineOutbox(),
                          NoticeConfig(CONTROLLER, BASE, ZoneInfo("UTC")))  # fmt: skip
    long = token()
    notices.portal_code("sms", "+4915112345678", language, "r" * 36, code, 15,
                        f"/portal/requests/{'r' * 36}/sign-in/link?token={long}", 24)  # fmt: skip
    text = sender.recent()[0].text
    assert f"{BASE}/t/{short_link_token(long)}" in text and (code or "") in text
    assert len(text) <= 160 and set(text) <= GSM, (len(text), text)


RULE = AfterClosing(timedelta(days=30), 3)


def test_an_open_request_is_never_held_back() -> None:
    assert withheld(None, None, 99, T, RULE) is None


@given(
    since=st.integers(0, 60 * 86400),
    link_left=st.one_of(st.none(), st.integers(-90 * 86400, 90 * 86400)),
    sent=st.integers(0, 20),
)
def test_a_request_that_is_over_gets_few_codes_and_then_none(
    since: int, link_left: int | None, sent: int
) -> None:
    """Codes go out for 30 days after the end or while a download link works, whichever is
    later, and then at most three a window."""
    now = T + timedelta(seconds=since)
    links_until = None if link_left is None else now + timedelta(seconds=link_left)
    held = withheld(T, links_until, sent, now, RULE)
    usable = since < 30 * 86400 or (link_left is not None and link_left > 0)
    if not usable:
        assert held is Withheld.OVER
    else:
        assert held is (Withheld.CAPPED if sent >= 3 else None)
