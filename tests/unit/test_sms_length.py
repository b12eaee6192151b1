"""Texts that would not fit one SMS are named before the first one is sent: `rightful config
check` and `serve` warn, naming the setting to shorten; nothing is cut from a link."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from rightful.bootstrap import set_container
from rightful.domain.sms_segments import segments
from rightful.domain.verification import CodePolicy, new_code, new_link_secret, short_link_token
from rightful.entrypoints.cli.main import app
from rightful.services.notices import TEXT_LINKS, code_text
from rightful.services.sms_length import longest_texts, too_long

POLICY = CodePolicy()
LONG_URL = "https://datenschutz-anfragen.baeckerei-mueller.example.com"


def warnings_for(controller: str, base_url: str) -> list[str]:
    return too_long(controller, base_url, longest_texts(controller, base_url, POLICY))


def test_one_sms_holds_160_gsm7_characters_or_70_once_one_is_outside_it() -> None:
    assert [segments("a" * 160), segments("a" * 161), segments("a" * 306)] == [1, 2, 2]
    assert [segments("€" * 80), segments("€" * 81)] == [1, 2]  # an escape and the sign each
    assert [segments("äöüßé" * 32), segments("ł" * 70), segments("ł" * 71)] == [1, 1, 2]


def test_the_shipped_settings_and_a_german_name_in_gsm7_fit_one_sms() -> None:
    assert warnings_for("rightful", "http://127.0.0.1:8000") == []
    assert warnings_for("Bäckerei Müller", "https://dsr.mueller.example") == []


def test_a_long_base_url_is_named_for_each_text_it_pushes_over() -> None:
    warnings = warnings_for("Bäckerei Müller GmbH", LONG_URL)
    assert warnings and all("shorten public_base_url (58 characters)" in w for w in warnings)
    assert any("download or sign-in code and link text (de) takes 2 SMS" in w for w in warnings)
    assert not any("code text (en)" in w and "and link" not in w and "verification" not in w
                   for w in warnings)  # fmt: skip  # the code alone carries no link


def test_a_controller_name_outside_gsm7_is_named_with_the_characters_to_spell_otherwise() -> None:
    warnings = warnings_for("Łódź Sp. z o.o.", "https://dsr.example.pl")
    assert warnings
    assert all("controller_name holds 'Łóź', outside GSM-7" in w for w in warnings)


@given(
    controller=st.text(min_size=1, max_size=40),
    host=st.from_regex(r"[a-z][a-z0-9-]{0,60}\.example", fullmatch=True),
    with_code=st.booleans(),
)
def test_no_text_sent_takes_more_sms_than_the_longest_one_computed(
    controller: str, host: str, with_code: bool
) -> None:
    base_url = f"https://{host}"
    token = f"{secrets.token_hex(16)}.{new_link_secret(POLICY)}"
    link = base_url + TEXT_LINKS + short_link_token(token)
    sent = code_text(controller, "de", new_code(POLICY) if with_code else None, 15, link, 24)
    kind = "download or sign-in code and link" if with_code else "download or sign-in link"
    longest = next(t.text for t in longest_texts(controller, base_url, POLICY)
                   if t.kind == kind and t.language == "de")  # fmt: skip
    assert len(sent) <= len(longest) and segments(sent) <= segments(longest)


@pytest.mark.parametrize(("backend", "warned"), [("log", True), ("none", False)])
def test_config_check_warns_when_texts_are_sent(
    backend: str, warned: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "none.toml").write_text("")
    monkeypatch.setenv("RIGHTFUL_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("RIGHTFUL_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("RIGHTFUL_SMS_BACKEND", backend)
    monkeypatch.setenv("RIGHTFUL_PUBLIC_BASE_URL", LONG_URL)
    set_container(None)
    try:
        done = CliRunner().invoke(app, ["config", "check"])
    finally:
        set_container(None)
    assert ("warning: the longest verification code text (en) takes 2 SMS" in done.output) is warned
    assert ("shorten public_base_url" in done.output) is warned
