"""Key files and secrets that cannot be used are refused in one line naming the file and what
to do, never a traceback (a probe found ValueError and IsADirectoryError tracebacks, and empty
HMAC keys accepted)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from rightful.adapters.files import load_or_create_hex_secret
from rightful.domain.errors import ConfigurationError
from rightful.services.audit import load_or_create_signing_key
from rightful.services.package_keys import external_key_wrapper
from rightful.settings import load_settings


def private(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    os.chmod(path, 0o600)
    return path


@pytest.mark.parametrize(
    "content", [b"junk", b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"]
)
def test_a_signing_key_file_that_holds_no_key_is_named_with_what_it_is_for(
    tmp_path: Path, content: bytes
) -> None:
    key = private(tmp_path / "package.pem", content)
    with pytest.raises(ConfigurationError, match=r"package signing key .* is not an unencrypted"):
        load_or_create_signing_key(key, "package signing key")


def test_a_folder_given_as_key_file_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"audit signing key .* is not a file"):
        load_or_create_signing_key(tmp_path)


def test_a_secret_file_that_is_not_hex_is_refused_without_replacing_it(tmp_path: Path) -> None:
    junk = private(tmp_path / "package_pseudonym", b"not hex at all")
    with pytest.raises(ConfigurationError, match="does not hold a hex secret"):
        load_or_create_hex_secret(None, junk, setting="package_pseudonym")
    assert junk.read_bytes() == b"not hex at all"


@pytest.mark.parametrize("setting", ["verification_secret", "package_pseudonym_key", "web_secret"])
def test_a_configured_hmac_key_must_be_long_enough_to_key_anything(
    tmp_path: Path, setting: str
) -> None:
    """A short web_secret started the server, whose console pages then answered 503."""
    with pytest.raises(ValidationError, match="at least 32 bytes"):
        load_settings(data_dir=tmp_path, **{setting: ""})
    assert load_settings(data_dir=tmp_path, **{setting: "k" * 32})


def test_a_previous_web_secret_is_held_to_what_web_secret_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ValidationError, match="each at least 32 bytes"):
        load_settings(data_dir=tmp_path, web_previous_secrets=["k" * 32, "short"])
    monkeypatch.setenv("RIGHTFUL_WEB_PREVIOUS_SECRETS", '["' + "k" * 32 + '"]')
    listed = load_settings(data_dir=tmp_path).web_previous_secrets
    assert [s.get_secret_value() for s in listed] == ["k" * 32]


@pytest.mark.parametrize(
    ("spec", "said"),
    [("os:getcwd", "its factory failed (TypeError)"), ("os:sep", "is not a factory")],
)
def test_a_key_wrapper_factory_that_fails_is_one_line(tmp_path: Path, spec: str, said: str) -> None:
    settings = load_settings(data_dir=tmp_path, package_key_wrapper=spec)
    with pytest.raises(ConfigurationError, match=said.replace("(", r"\(").replace(")", r"\)")):
        external_key_wrapper(settings)
