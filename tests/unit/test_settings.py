"""Settings that would be accepted and then do the wrong thing later are refused when they are
loaded, with one line saying what to fix (the house rule for bad input)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from rightful.settings import load_settings


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
