"""Who the CLI records as the actor: the OS account of the real uid, which a second person's
approval (four eyes on a manual attachment) relies on."""

from __future__ import annotations

import os
import pwd

import pytest

from rightful.entrypoints.cli import common
from rightful.entrypoints.cli.common import cli_principal


def test_the_cli_actor_is_the_os_account_of_the_real_uid() -> None:
    assert cli_principal().id == f"cli:{pwd.getpwuid(os.getuid()).pw_name}"


def test_setting_user_or_logname_does_not_change_who_the_cli_records(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = cli_principal().id
    monkeypatch.setenv("USER", "mallory")
    monkeypatch.setenv("LOGNAME", "mallory")
    monkeypatch.setenv("LNAME", "mallory")
    assert cli_principal().id == before != "cli:mallory"


def test_a_uid_without_a_passwd_entry_is_recorded_by_number(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_entry(uid: int) -> pwd.struct_passwd:
        raise KeyError(uid)

    monkeypatch.setattr(common.pwd, "getpwuid", no_entry)
    assert cli_principal().id == f"cli:uid{os.getuid()}"
