"""Settings that would be accepted and then do the wrong thing later are refused when they are
loaded, with one line saying what to fix (the house rule for bad input)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from rightful.settings import describe_validation_error, load_settings


def test_a_pause_policy_table_changes_only_the_jurisdictions_it_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """REQUIREMENTS.md:10: the pause is a policy per GDPR authority. The example in
    docs/configuration.md (a table holding only `gdpr = true`) kept the UK GDPR pause off."""
    config = tmp_path / "rightful.toml"
    config.write_text("[pause_clock_awaiting_identity]\ngdpr = true\n", encoding="utf-8")
    monkeypatch.setenv("RIGHTFUL_CONFIG", str(config))
    settings = load_settings(data_dir=tmp_path)
    assert settings.pause_clock_awaiting_identity == {"gdpr": True, "uk_gdpr": True}
    monkeypatch.delenv("RIGHTFUL_CONFIG")
    off = load_settings(data_dir=tmp_path, pause_clock_awaiting_identity={"uk_gdpr": False})
    assert off.pause_clock_awaiting_identity == {"gdpr": False, "uk_gdpr": False}


@pytest.mark.parametrize("key", ["uk-gdpr", "gdrp", "ccpa"])
def test_a_pause_policy_for_no_pausable_jurisdiction_is_refused_naming_the_keys(
    tmp_path: Path, key: str
) -> None:
    """REQUIREMENTS.md:10: never a pause for CCPA; a misspelt key was a policy nobody read."""
    with pytest.raises(ValidationError, match=f"'{key}' is not a jurisdiction .* gdpr and uk_gdpr"):
        load_settings(data_dir=tmp_path, pause_clock_awaiting_identity={key: True})


def test_the_due_soon_window_is_bounded_as_the_api_bounds_within_days(tmp_path: Path) -> None:
    """A due_soon_days of 99999999999 was accepted and `rightful requests due` then failed with
    OverflowError; the API's within_days stops at 3660 days."""
    with pytest.raises(ValidationError, match="less than or equal to 3660"):
        load_settings(data_dir=tmp_path, due_soon_days=99_999_999_999)
    assert load_settings(data_dir=tmp_path, due_soon_days=3660).due_soon_days == 3660


@pytest.mark.parametrize("setting", ["smtp_ca_file", "sms_webhook_ca_file"])
def test_a_ca_bundle_that_is_not_a_file_is_refused_naming_it(tmp_path: Path, setting: str) -> None:
    """A missing bundle passed and failed each mail later as "the mail server did not accept the
    message (FileNotFoundError)"."""
    with pytest.raises(ValidationError, match=r"the CA bundle .*missing.pem does not exist"):
        load_settings(data_dir=tmp_path, **{setting: tmp_path / "missing.pem"})
    with pytest.raises(ValidationError, match="is not a file"):
        load_settings(data_dir=tmp_path, **{setting: tmp_path})
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    assert getattr(load_settings(data_dir=tmp_path, **{setting: bundle}), setting) == bundle


def test_the_default_phone_region_is_one_phone_numbers_have(tmp_path: Path) -> None:
    """Region XX was accepted, and then no number without a country code was a phone number."""
    with pytest.raises(ValidationError, match="'XX' is not a region of phone numbers"):
        load_settings(data_dir=tmp_path, default_phone_region="XX")
    assert load_settings(data_dir=tmp_path, default_phone_region="us").default_phone_region == "US"


def test_each_trusted_proxy_is_an_address_or_network_as_the_middleware_matches_it(
    tmp_path: Path,
) -> None:
    """`not-a-net` was accepted (and matched no client); `10.1.2.3/8` was taken for a host name
    by the proxy-headers middleware, which reads networks strictly."""
    with pytest.raises(ValidationError, match="'not-a-net' is not an address or network"):
        load_settings(data_dir=tmp_path, trusted_proxies=["10.0.0.1", "not-a-net"])
    given = ["10.1.2.3/8", "10.0.0.5", "2001:DB8::1", "fd00::/8"]
    proxies = load_settings(data_dir=tmp_path, trusted_proxies=given).trusted_proxies
    assert proxies == ["10.0.0.0/8", "10.0.0.5", "2001:db8::1", "fd00::/8"]


@pytest.mark.parametrize("prefix", ["account_assertion", "staff_sso"])
def test_a_short_shared_assertion_secret_is_refused_when_the_settings_load(
    tmp_path: Path, prefix: str
) -> None:
    """It was refused only at the first sign-in (for staff SSO under the other setting's name)."""
    issuer = {f"{prefix}_issuer": "https://id.example"}
    with pytest.raises(ValidationError, match="at least 32 bytes"):
        load_settings(data_dir=tmp_path, **issuer, **{f"{prefix}_secret": "short"})
    assert load_settings(data_dir=tmp_path, **issuer, **{f"{prefix}_secret": "k" * 32})


@pytest.mark.parametrize("prefix", ["account_assertion", "staff_sso"])
def test_an_assertion_issuer_needs_exactly_one_way_to_check_signatures(
    tmp_path: Path, prefix: str
) -> None:
    issuer = {f"{prefix}_issuer": "https://id.example"}
    both = {f"{prefix}_secret": "k" * 32, f"{prefix}_public_key": "-----BEGIN PUBLIC KEY-----"}
    for keys in ({}, both):
        with pytest.raises(ValidationError, match=f"exactly one of {prefix}_secret and"):
            load_settings(data_dir=tmp_path, **issuer, **keys)
    assert load_settings(data_dir=tmp_path, **{f"{prefix}_secret": "k" * 32})  # issuer unset: off


@pytest.mark.parametrize("prefix", ["account_assertion", "staff_sso"])
def test_a_blank_assertion_secret_is_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefix: str
) -> None:
    """A deployment that leaves the variable blank (`RIGHTFUL_STAFF_SSO_SECRET=`), as it may
    leave the issuer, has none: since the secrets were checked at load, nothing started."""
    monkeypatch.setenv(f"RIGHTFUL_{prefix.upper()}_SECRET", "")
    monkeypatch.setenv(f"RIGHTFUL_{prefix.upper()}_ISSUER", "")
    assert getattr(load_settings(data_dir=tmp_path), f"{prefix}_secret") is None
    monkeypatch.setenv(f"RIGHTFUL_{prefix.upper()}_ISSUER", "https://id.example")
    with pytest.raises(ValidationError, match=f"exactly one of {prefix}_secret and"):
        load_settings(data_dir=tmp_path)


def test_the_notice_of_the_right_to_opt_out_is_a_web_address(tmp_path: Path) -> None:
    """It is written into denied CCPA deletions' notices as a link (§7062(f))."""
    with pytest.raises(ValidationError, match="not an http"):
        load_settings(data_dir=tmp_path, ccpa_opt_out_notice_url="shop.example/do-not-sell")
    url = "https://shop.example/do-not-sell"
    assert load_settings(data_dir=tmp_path, ccpa_opt_out_notice_url=url).ccpa_opt_out_notice_url


def test_a_refused_setting_is_named_with_our_words_only(tmp_path: Path) -> None:
    """`rightful config show` with a short metrics token printed "invalid setting metrics_token:
    Value error, at least 32 bytes ...": pydantic's prefix says nothing to the operator."""
    with pytest.raises(ValidationError) as refused:
        load_settings(data_dir=tmp_path, metrics_token="short")
    assert describe_validation_error(refused.value) == (
        "invalid setting metrics_token: at least 32 bytes (openssl rand -hex 32), or unset "
        "(check RIGHTFUL_* variables or the TOML file)"
    )


BEYOND = [(0, "greater than 0"), (61, "less than or equal to 60"), (float("inf"), "less than")]


@pytest.mark.parametrize(("seconds", "message"), BEYOND)
def test_the_readiness_deadline_is_a_few_seconds(
    tmp_path: Path, seconds: float, message: str
) -> None:
    """0 would fail every probe at once; beyond a minute no probe waits for the answer."""
    with pytest.raises(ValidationError, match=f"readiness_timeout_seconds\n.*should be {message}"):
        load_settings(data_dir=tmp_path, readiness_timeout_seconds=seconds)
    assert load_settings(data_dir=tmp_path, readiness_timeout_seconds=0.2).readiness_timeout_seconds
