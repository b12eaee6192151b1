"""`rightful package ...` as staff meet it: mistakes they can make are one line with exit 2, and
what the commands print is whole and readable."""

from __future__ import annotations

import io
import json
import logging
import os
import stat
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rightful.adapters.db.packages import PackageRow
from rightful.domain.errors import SourceNotPopulatedError, SourceSchemaError
from rightful.entrypoints.cli import common
from rightful.entrypoints.cli.main import app

from .corrupt import DropsValidityWindows
from .world import AGENT, REVIEWER, World, manifest_of


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def one_line_error(code: int, out: str) -> bool:
    return code == 2 and out.startswith("error: ") and out.strip().count("\n") == 0


def built(world: World) -> tuple[str, str]:
    """(request id, package id) of a freshly built package."""
    rid = world.request_for(1)
    return rid, world.c.packages.build(rid, AGENT).id


# --- export -----------------------------------------------------------------------------------


def test_an_export_is_readable_by_its_owner_only(cli: World, tmp_path: Path) -> None:
    """The decrypted package is full of personal data: it is written with mode 0600."""
    rid, _ = built(cli)
    out = tmp_path / "out.zip"
    code, said = run("package", "export", rid, str(out))
    assert code == 0, said
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_an_export_never_overwrites_a_file_unless_forced(cli: World, tmp_path: Path) -> None:
    """An existing file is kept (one-line error naming --force); with --force it is replaced,
    and made private too."""
    rid, _ = built(cli)
    out = tmp_path / "out.zip"
    out.write_text("keep me")
    out.chmod(0o644)
    code, said = run("package", "export", rid, str(out))
    assert one_line_error(code, said) and "--force" in said
    assert out.read_text() == "keep me"
    code, said = run("package", "export", rid, str(out), "--force")
    assert code == 0, said
    assert out.read_bytes().startswith(b"PK") and stat.S_IMODE(out.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("target", "said"),
    [("missing/o.zip", "does not exist"), (".", "is a folder")],
)
def test_an_export_to_a_path_that_cannot_be_written_is_one_line(
    cli: World, tmp_path: Path, target: str, said: str
) -> None:
    """A missing folder or a folder as target: one line, exit 2, no traceback."""
    rid, _ = built(cli)
    code, out = run("package", "export", rid, str(tmp_path / target))
    assert one_line_error(code, out) and said in out


def test_exporting_for_an_unknown_request_says_there_is_no_such_request(
    cli: World, tmp_path: Path
) -> None:
    """`export nope` says "no request nope", not that the request has no package."""
    code, out = run("package", "export", "nope", str(tmp_path / "out.zip"))
    assert one_line_error(code, out) and "no request nope" in out
    assert not (tmp_path / "out.zip").exists()


# --- verify -----------------------------------------------------------------------------------


@pytest.fixture
def exported(cli: World, tmp_path: Path) -> Path:
    _, pid = built(cli)
    return cli.export(pid, tmp_path / "package.zip")


@pytest.mark.parametrize(
    ("pem", "said"),
    [
        (b"not a key at all\n", "no PEM public key in it"),
        (None, "cannot read --public-key"),
    ],
)
def test_a_public_key_that_cannot_be_used_is_a_usage_error_not_a_failed_package(
    exported: Path, tmp_path: Path, pem: bytes | None, said: str
) -> None:
    """A --public-key that is missing or no PEM is exit 2 with one line; exit 1 stays reserved
    for a package that fails verification."""
    key = tmp_path / "controller.pem"
    if pem is not None:
        key.write_bytes(pem)
    code, out = run("package", "verify", str(exported), "--public-key", str(key))
    assert one_line_error(code, out) and said in out


def test_an_unpinned_verification_says_how_to_pin_the_key(exported: Path) -> None:
    """Without --public-key the success line names the key from manifest.sig and how to pin
    it, in one sentence without nested parentheses."""
    code, out = run("package", "verify", str(exported))
    assert code == 0, out
    assert "the key named in manifest.sig (not pinned: pass --public-key to pin it)" in out
    assert "((" not in out and "))" not in out


# --- list -------------------------------------------------------------------------------------


def test_listing_the_packages_of_an_unknown_request_fails(cli: World) -> None:
    """`package list nope` is "no request nope" with exit 2, not an empty table."""
    code, out = run("package", "list", "nope")
    assert one_line_error(code, out) and "no request nope" in out


def test_the_package_list_is_also_json(cli: World) -> None:
    """`package list --json`, like the other list commands: id, status, items, built_at and
    the full manifest hash of each package, newest first."""
    rid, pid = built(cli)
    code, out = run("package", "list", rid, "--json")
    assert code == 0, out
    [listed] = json.loads(out)
    package = cli.c.packages.get(pid)
    assert listed["id"] == pid and listed["status"] == package.status
    assert listed["items"] == package.item_count
    assert listed["manifest_sha256"] == package.manifest_sha256


def test_package_ids_are_printed_whole_on_an_80_column_terminal(
    cli: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ids are copied into the next command: the table never shortens them, even at 80 columns."""
    monkeypatch.setattr(common.console, "width", 80)
    rid, pid = built(cli)
    code, out = run("package", "list", rid)
    assert code == 0 and pid in out


# --- show -------------------------------------------------------------------------------------


def test_show_prints_the_gate_verdict_in_words_and_a_sample_table(
    cli: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Plain `package show`: the gate's verdict with its checks (no raw dict), and the sampled
    items as a table of ids, collections, keys and paths - what --json shows, no values. Ids
    and collections stay whole at 80 columns."""
    monkeypatch.setattr(common.console, "width", 80)
    _, pid = built(cli)
    code, out = run("package", "show", pid, "--sample", "8")
    assert code == 0, out
    assert "gate: passed, 16 items checked (derivation 16," in out and "{" not in out
    code, raw = run("package", "show", pid, "--sample", "8", "--json")
    sample = json.loads(raw)["sample"]
    assert len(sample) == 8
    assert all(s["id"] in out and s["collection"] in out for s in sample)
    assert "Anna" not in out and "@" not in out


def test_show_names_withheld_collections_and_files_not_found(cli: World) -> None:
    """What the console and the API show, the CLI shows too: collections withheld until the
    requester steps up, and files the data map points at that could not be read."""
    rid = cli.request_for(1, high=False)
    package = cli.c.packages.build(rid, AGENT)
    code, out = run("package", "show", package.id)
    assert code == 0, out
    assert "withheld until the requester steps up: speaker.recordings" in out
    assert "not found" not in out
    with cli.c.store.transaction() as session:
        row = session.get(PackageRow, package.id)
        assert row is not None
        row.missing_blobs = 3
        row.missing_files = [{"item": "i000004", "collection": "speaker.recordings",
                              "field": "audio_uri"}]  # fmt: skip
    code, out = run("package", "show", package.id)
    assert "3 files not found" in out
    assert "record i000004: speaker.recordings.audio_uri" in out and "and 2 more" in out


def test_show_names_each_category_in_words_beside_its_key(cli: World) -> None:
    """A reviewer at a terminal reads the categories as the console shows them: the words the
    requester will read, then the key of the data map; --json keeps the keys, for machines."""
    rid = cli.request_for(1, high=False)
    package = cli.c.packages.build(rid, AGENT)
    code, out = run("package", "show", package.id)
    assert code == 0, out
    emails = json.loads(run("package", "show", package.id, "--json")[1])["by_category"][
        "user.contact.email"
    ]
    lines = [" ".join(line.split()) for line in out.splitlines()]
    assert f"{emails} E-mail addresses (user.contact.email)" in lines
    shown = " ".join(out.split())  # however the console wrapped it
    withheld = shown.split("withheld until the requester steps up: ")[1].split(" gate: ")[0]
    assert "Voice recordings (user.biometric.voice)" in withheld, out
    assert ": system.operations" not in withheld and ", user." not in withheld


def test_show_names_what_blocked_a_package(cli: World) -> None:
    """A blocked package: BLOCKED, the failed checks with their counts, and the incident."""
    rid = cli.request_for(5)
    blocked = cli.packages_with(DropsValidityWindows()).build(rid, AGENT)
    code, out = run("package", "show", blocked.id)
    assert code == 0, out
    gate = cli.c.package_review.review(blocked.id, REVIEWER).as_json()["gate"]
    failed = gate["failures"]["derivation"]
    assert f"gate: BLOCKED, {gate['items_checked']} items checked" in out
    assert f"{gate['offending_items']} items failed: derivation {failed}" in out
    assert f"incident {gate['incident_id']}" in out


def test_approving_an_approved_package_says_it_is_already_approved(cli: World) -> None:
    _, pid = built(cli)
    assert run("package", "approve", pid)[0] == 0
    code, out = run("package", "approve", pid)
    assert one_line_error(code, out) and "the package is already approved" in out


@pytest.mark.parametrize(
    ("error", "step"),
    [
        (SourceSchemaError("shop", 'column "total" does not exist'), "check --live` says which"),
        (
            SourceNotPopulatedError("shop", "orders", "REFRESH MATERIALIZED VIEW orders"),
            "check --live` names it and the REFRESH to run",
        ),
    ],
    ids=["missing-column", "view-never-populated"],
)
def test_show_of_a_failed_build_says_it_failed_why_and_what_to_do(
    cli: World, error: Exception, step: str
) -> None:
    """Not "0 records ... gate: not run": the error's type as audited, and the next step."""
    rid = cli.request_for(1)
    kind = type(error).__name__

    def drifted(*args: Any, **kwargs: Any) -> Any:
        yield from cli.c.packages.collector(*args, **kwargs)
        raise error

    with pytest.raises(type(error)):
        cli.packages_with(drifted).build(rid, AGENT)
    [failed] = cli.c.packages.for_request(rid)
    code, out = run("package", "show", failed.id)
    assert code == 0, out
    assert f"the build failed with {kind}; the package holds nothing" in out
    assert step in " ".join(out.split()) and f"rightful package build {rid}" in out
    assert "gate: not run" not in out
    code, raw = run("package", "show", failed.id, "--json")
    assert json.loads(raw)["build_error"] == kind


def test_show_of_a_build_lost_without_a_reason_still_says_it_failed(cli: World) -> None:
    _, pid = built(cli)
    with cli.c.store.transaction() as session:
        row = session.get(PackageRow, pid)
        assert row is not None
        row.status = "failed"  # as a build whose process ended is marked by the next one
    code, out = run("package", "show", pid)
    assert code == 0 and "the build failed; the package holds nothing" in out
    assert "the server or worker log has the error's type" in out


def test_show_content_prints_the_sampled_records_values_as_audited(cli: World) -> None:
    """--content promises the sampled rows: the CLI prints their values (not only --json), and
    the audit entry counts the rows whose values were shown."""
    rid, pid = built(cli)
    code, out = run("package", "show", pid, "--sample", "30", "--content")
    assert code == 0, out
    assert "values of 16 sampled records:" in out and '"full_name": "Anna Schmidt"' in out
    assert "files are not shown here" in out
    [entry] = [e for e in cli.c.audit.timeline(rid) if e.action == "package.reviewed"]
    assert (entry.summary["with_values"], entry.summary["values_shown"]) == (True, 16)


def test_a_review_that_shows_no_values_is_not_audited_as_showing_them(cli: World) -> None:
    rid, pid = built(cli)
    cli.c.package_review.review(pid, REVIEWER, sample=0, include_content=True)
    run("package", "show", pid)
    entries = [e.summary for e in cli.c.audit.timeline(rid) if e.action == "package.reviewed"]
    assert [(e["with_values"], e["values_shown"]) for e in entries] == [(False, 0), (False, 0)]


def test_show_samples_as_many_items_as_the_setting_says(cli: World) -> None:
    _, pid = built(cli)
    cli.c.packages.config = replace(cli.c.packages.config, review_sample=3)  # type: ignore[misc]
    code, raw = run("package", "show", pid, "--json")
    assert code == 0 and len(json.loads(raw)["sample"]) == 3
    code, out = run("package", "show", pid)
    assert "sample of 3 items" in out


def test_a_request_id_given_for_a_package_id_lists_its_packages(cli: World) -> None:
    rid, pid = built(cli)
    code, out = run("package", "show", rid)
    assert one_line_error(code, out)
    assert f"{rid} is a request id, not a package id; its packages, newest first: {pid}" in out
    other = cli.request_for(2)
    code, out = run("package", "approve", other)
    assert one_line_error(code, out) and "it has no package yet" in out


def test_a_package_id_given_for_a_request_id_names_its_request(cli: World, tmp_path: Path) -> None:
    """README: `package list` and `package export` take the request, `package show` the
    package; a swapped id said only "no request <id>"."""
    rid, pid = built(cli)
    for args in (["package", "list", pid], ["package", "export", pid, str(tmp_path / "out.zip")],
                 ["requests", "show", pid]):  # fmt: skip
        code, out = run(*args)
        assert one_line_error(code, out)
        assert f"{pid} is a package id, not a request id; its request is {rid}" in out
    assert not (tmp_path / "out.zip").exists()
    code, out = run("package", "list", "no-such-id")
    assert one_line_error(code, out) and "no request no-such-id" in out


def test_one_failed_item_is_counted_in_the_singular(
    cli: World, caplog: pytest.LogCaptureFixture
) -> None:
    """An upload named after another speaker is the one item the gate fails: '1 item failed',
    in `show` as in the log, never '1 items'."""
    rid = cli.request_for(1)
    row = cli.c.attachments.upload(
        rid, AGENT, filename="export_D-1002_8.wav", content=io.BytesIO(b"RIFF"),
        collection="speaker.recordings", labels=[("customer_id", "1")],
        justification="Call recording from the support line, asked for on the phone.",
    )  # fmt: skip
    cli.c.attachments.approve(row.id, REVIEWER)
    with caplog.at_level(logging.WARNING):
        blocked = cli.c.packages.build(rid, AGENT)
    assert ": 1 offending item" in caplog.text and "1 offending items" not in caplog.text
    code, out = run("package", "show", blocked.id, "--sample", "1")
    assert code == 0 and "; 1 item failed: foreign_identifier 1" in out
    assert "sample of 1 item" in out and "1 items" not in out


# --- leaving out (Art. 15(4)) ----------------------------------------------------------------


def test_a_row_is_left_out_and_put_back_from_the_cli(cli: World) -> None:
    """REQUIREMENTS.md:20 (Art. 15(4)): only the affected parts are withheld."""
    rid, pid = built(cli)
    key = next(str(i["key"][0]) for i in manifest_of(cli, pid)["items"]
               if i["kind"] == "record" and i["collection"] == "speaker.recordings")  # fmt: skip
    why = "A guest's voice and words are on this recording, not the account holder's."
    code, out = run("package", "leave-out", pid, "--collection", "speaker.recordings",
                    "--key", key, "--reason", "short")  # fmt: skip
    assert one_line_error(code, out) and "Art. 15(4)" in out
    code, out = run("package", "leave-out", pid, "--collection", "speaker.nothing",
                    "--key", key, "--reason", why)  # fmt: skip
    assert one_line_error(code, out) and "not a collection of the data map" in out
    code, out = run("package", "leave-out", pid, "--collection", "speaker.recordings",
                    "--key", key, "--reason", why)  # fmt: skip
    assert code == 0 and f"rightful package build {rid}" in out, out
    exclusion_id = out.split()[1].rstrip(":")
    code, out = run("package", "left-out", rid, "--json")
    assert code == 0 and json.loads(out)[0]["id"] == exclusion_id
    code, out = run("package", "put-back", exclusion_id)
    assert code == 0, out
    code, out = run("package", "left-out", rid)
    assert code == 0 and "nothing is left out" in out


def test_an_export_never_writes_another_requests_package_or_over_a_device(
    cli: World, tmp_path: Path
) -> None:
    rid, pid = built(cli)
    other = cli.request_for(5)
    code, out = run("package", "export", other, str(tmp_path / "x.zip"), "--package", pid)
    assert one_line_error(code, out) and "belongs to another request" in out
    assert not (tmp_path / "x.zip").exists()
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    code, out = run("package", "export", rid, str(pipe), "--force")
    assert one_line_error(code, out) and "not a regular file" in out
    assert stat.S_ISFIFO(pipe.stat().st_mode), "the pipe is still a pipe"


@pytest.mark.parametrize("typed", ["[/]", "[/bold]", "[red]x[/red]", ":smile:"])
def test_what_was_typed_is_echoed_as_typed_never_as_markup(cli: World, typed: str) -> None:
    code, out = run("package", "show", typed)
    assert one_line_error(code, out) and f"no package {typed}" in out


def test_a_zip_entry_named_like_markup_is_reported_as_its_name(
    exported: Path, tmp_path: Path
) -> None:
    changed = tmp_path / "markup.zip"
    with zipfile.ZipFile(exported) as src, zipfile.ZipFile(changed, "w") as out:
        for info in src.infolist():
            out.writestr(info, src.read(info))
        out.writestr("[/]evil :warning:", b"x")
    code, out = run("package", "verify", str(changed))
    assert code == 1 and "[/]evil :warning:" in out


def test_a_pasted_megabyte_is_not_printed_back_whole(cli: World) -> None:
    code, out = run("package", "show", "x" * 100_000)
    assert one_line_error(code, out) and len(out) < 1100 and out.rstrip().endswith("…")
