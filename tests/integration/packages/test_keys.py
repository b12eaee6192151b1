"""Key rotation: every package's data key is re-wrapped under a new master key; old keys stay
readable until the rotation is done, and packages stay readable throughout."""

from __future__ import annotations

import base64
import io
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from rightful.adapters.db.packages import PackageRow
from rightful.adapters.db.verification import AgentAuthorityRow, PaperDeclarationRow
from rightful.adapters.storage.keys import FolderKeyWrapper, KeyFolder, master_key_id
from rightful.bootstrap import set_container
from rightful.demo.story import hearthly
from rightful.domain.errors import ConfigurationError, ConflictError
from rightful.domain.package_ports import WrappedKey
from rightful.entrypoints.cli.common import cli_principal
from rightful.entrypoints.cli.main import app
from rightful.services import documents
from rightful.services.package_keys import (
    Retirement,
    RotationReport,
    key_folder,
    retire_keys,
    rotate_keys,
)
from rightful.settings import load_settings

from . import kms_plugin
from .world import AGENT, REVIEWER, World, make_world, stored_manifest

SYSTEM_ADMIN = cli_principal()


def rotate(world: World) -> RotationReport:
    c = world.c
    return rotate_keys(
        c.store, c.audit, c.package_keys, c.package_key_folder, SYSTEM_ADMIN, c.settings.data_dir
    )


def retire(world: World, grace: timedelta = timedelta(0)) -> Retirement:
    c = world.c
    return retire_keys(c.store, c.audit, c.package_keys, c.package_key_folder, SYSTEM_ADMIN, grace)


def again(world: World, **settings: Any) -> World:
    """Another process on the same store and data folder."""
    url = world.c.settings.database_url.get_secret_value()  # type: ignore[union-attr]
    return make_world(url, world.c.settings.data_dir, hearthly(), **settings)


def readable(world: World, package_id: str) -> bool:
    return stored_manifest(world, package_id).startswith(b"{")


def build_two(world: World) -> list[str]:
    ids = []
    for customer in (1, 4):
        rid = world.request_for(customer)
        ids.append(world.c.packages.build(rid, AGENT).id)
    return ids


def test_rotation_with_generated_keys_rewraps_everything_and_retires_the_old_key(
    world: World,
) -> None:
    ids = build_two(world)
    rid = world.request_for(5)
    upload = world.c.attachments.upload(
        rid,
        AGENT,
        filename="n.txt",
        content=io.BytesIO(b"note"),
        collection="shop.orders",
        justification="Scanned letter that the customer sent with the request.",
        labels=[("customer_id", "5")],
    )
    old = world.c.package_keys.current_key_id
    report = rotate(world)
    assert report.current_key_id != old
    assert (report.packages, report.attachments, report.still_old) == (2, 1, {})
    assert len(list(key_folder(world.c.settings).glob("*.key"))) == 2, "old key kept meanwhile"
    fresh = make_world(
        world.c.settings.database_url.get_secret_value(),  # type: ignore[union-attr]
        world.c.settings.data_dir,
        hearthly(),
    )
    assert fresh.c.package_keys.current_key_id == report.current_key_id
    for pid in ids:
        assert fresh.c.packages.get(pid).master_key_id == report.current_key_id
        assert readable(fresh, pid)
    world.c.attachments.approve(upload.id, REVIEWER)
    assert rotate(fresh).packages == 2
    retired = retire(fresh)
    assert old in retired.retired and len(list(key_folder(world.c.settings).glob("*.key"))) == 1
    last = make_world(
        world.c.settings.database_url.get_secret_value(),  # type: ignore[union-attr]
        world.c.settings.data_dir,
        hearthly(),
    )
    assert all(readable(last, pid) for pid in ids)
    assert last.c.packages.build(rid, AGENT).attachment_count == 1, "the upload still opens"
    rotations = [
        e
        for e in world.c.audit.timeline(None)  # type: ignore[arg-type]
        if e.action == "package.keys_rotated"
    ]
    assert [e.summary["packages"] for e in rotations] == [2, 2]


class CtrlC(FolderKeyWrapper):
    """The folder's keys, as a rotation interrupted (Ctrl-C, a kill) before its first re-wrap
    sees them."""

    def wrap(self, data_key: bytes) -> WrappedKey:
        raise KeyboardInterrupt


def test_rotation_run_again_after_an_interruption_resumes_with_the_key_it_made(
    world: World,
) -> None:
    """A rotation cut short left its new key current and the rows under the old one; running
    it again minted yet another key each time. It finishes with the key it made instead; the
    next rotation, once one has run to its end, makes a new key again."""
    ids = build_two(world)
    old, folder = world.c.package_keys.current_key_id, world.c.package_key_folder
    assert folder is not None
    with pytest.raises(KeyboardInterrupt):
        rotate_keys(
            world.c.store,
            world.c.audit,
            CtrlC(folder),
            folder,
            SYSTEM_ADMIN,
            world.c.settings.data_dir,
        )
    made = folder.current_id()
    assert made != old and all(world.c.packages.get(p).master_key_id == old for p in ids)

    result = cli(again(world), "package", "rotate-key")
    assert result.exit_code == 0, result.output
    said = f"master key {made} (resuming the rotation cut short before): re-wrapped 2 packages"
    assert said in result.output
    assert set(folder.keys()) == {old, made}, "no third key"
    assert all(world.c.packages.get(p).master_key_id == made for p in ids)

    assert rotate(again(world)).current_key_id not in {old, made}


def test_rotation_stopped_before_its_key_became_current_resumes_with_that_key(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed after storing its new key but before making it current, a rotation left the
    marker naming that key; the next run makes it current and finishes with it: no third key."""
    ids = build_two(world)
    old, folder = world.c.package_keys.current_key_id, world.c.package_key_folder
    assert folder is not None

    def killed(_folder: KeyFolder, _key_id: str) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(KeyFolder, "_make_current", killed)
        with pytest.raises(KeyboardInterrupt):
            rotate_keys(
                world.c.store,
                world.c.audit,
                world.c.package_keys,
                folder,
                SYSTEM_ADMIN,
                world.c.settings.data_dir,
            )
    assert folder.current_id() == old and len(folder.keys()) == 2
    made = next(iter(set(folder.keys()) - {old}))

    result = cli(again(world), "package", "rotate-key")
    assert result.exit_code == 0, result.output
    assert f"master key {made} (resuming the rotation cut short before)" in result.output
    assert set(folder.keys()) == {old, made}, "no third key"
    assert folder.current_id() == made
    assert all(world.c.packages.get(p).master_key_id == made for p in ids)


def test_rotations_run_at_once_take_turns_and_neither_takes_the_other_for_cut_short(
    world: World,
) -> None:
    """A second rotation while one runs waits for it, then makes a key of its own: it does not
    take the running one's key for that of a rotation cut short."""
    build_two(world)
    old, folder = world.c.package_keys.current_key_id, world.c.package_key_folder
    assert folder is not None
    start = threading.Barrier(2)

    def run(_: int) -> RotationReport:
        start.wait()
        return rotate(again(world))

    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(run, range(2)))
    assert not any(r.resumed for r in reports)
    assert len({old, *(r.current_key_id for r in reports)}) == 3 == len(folder.keys())


def test_rotation_to_a_configured_key_keeps_the_old_one_readable_until_done(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path}/rightful.db"
    k1, k2 = (base64.b64encode(os.urandom(32)).decode() for _ in range(2))
    first = make_world(url, tmp_path, hearthly(), package_master_key=k1)
    ids = build_two(first)
    without_old = make_world(url, tmp_path, hearthly(), package_master_key=k2)
    with pytest.raises(ConfigurationError, match="not configured"):
        readable(without_old, ids[0])
    during = make_world(
        url, tmp_path, hearthly(), package_master_key=k2, package_previous_master_keys=[k1]
    )
    assert all(readable(during, pid) for pid in ids)
    report = rotate(during)
    assert report.current_key_id == master_key_id(base64.b64decode(k2)) and report.packages == 2
    after = make_world(url, tmp_path, hearthly(), package_master_key=k2)
    assert all(readable(after, pid) for pid in ids)


def test_rotate_key_from_the_cli(world: World) -> None:
    ids = build_two(world)
    set_container(world.c)
    try:
        result = CliRunner().invoke(app, ["package", "rotate-key"])
    finally:
        set_container(None)
    assert result.exit_code == 0, result.output
    assert "re-wrapped 2 packages" in result.output
    fresh = make_world(
        world.c.settings.database_url.get_secret_value(),  # type: ignore[union-attr]
        world.c.settings.data_dir,
        hearthly(),
    )
    assert all(readable(fresh, pid) for pid in ids)


def test_a_running_process_wraps_with_the_key_another_process_rotated_to(world: World) -> None:
    """The server keeps running while an operator rotates and retires: what it builds next is
    wrapped under the new key, so retiring the old one loses nothing."""
    before = build_two(world)[0]
    operator = again(world)
    report = rotate(operator)
    assert report.packages == 2
    assert retire(operator).retired, "the old key, unused now, goes"
    built = world.c.packages.build(world.request_for(5), AGENT)
    assert built.master_key_id == report.current_key_id
    restarted = again(world)
    assert readable(restarted, built.id) and readable(restarted, before)
    assert readable(world, before), "the running process finds the re-wrapped keys too"


def test_a_key_that_stopped_being_current_recently_is_kept(world: World) -> None:
    build_two(world)
    old = world.c.package_keys.current_key_id
    rotate(world)
    result = retire(world, grace=timedelta(minutes=60))
    assert result.retired == []
    assert "current until recently; it can go after" in result.kept[old]
    assert (key_folder(world.c.settings) / f"{old}.key").exists()


def damage_wrapped_key(world: World, package_id: str) -> None:
    with world.c.store.transaction() as session:
        row = session.get(PackageRow, package_id)
        assert row is not None and row.wrapped_key is not None
        row.wrapped_key = bytes(len(row.wrapped_key))


def test_one_unreadable_key_is_reported_and_the_rest_are_rotated(world: World) -> None:
    damaged, fine = build_two(world)
    old = world.c.package_keys.current_key_id
    damage_wrapped_key(world, damaged)
    report = rotate(world)
    assert [(row.kind, row.id) for row in report.failed] == [("package", damaged)]
    assert "fails authentication" in report.failed[0].reason
    assert report.packages == 1 and readable(again(world), fine)
    assert report.still_old == {old: 1}
    kept = retire(world)
    assert old not in kept.retired and kept.kept[old] == "1 row still under it"
    entry = [e for e in world.c.audit.timeline(None) if e.action == "package.keys_rotated"][-1]  # type: ignore[arg-type]
    assert (entry.summary["failed"], entry.summary["failed_ids"]) == (1, [damaged])


def test_rotate_key_from_the_cli_names_what_it_could_not_rewrap_and_exits_1(
    world: World,
) -> None:
    damaged, _ = build_two(world)
    damage_wrapped_key(world, damaged)
    set_container(world.c)
    try:
        result = CliRunner().invoke(app, ["package", "rotate-key", "--retire"])
    finally:
        set_container(None)
    assert result.exit_code == 1
    assert f"✗ package {damaged}: its wrapped key fails authentication" in result.output
    assert "re-wrapped 1 package, 0 attachments" in result.output
    assert "still wrapped" not in result.output and "1 row still under it" in result.output
    assert "1 key could not be re-wrapped" in result.output


MARKER = b"Power-of-attorney-of-Anna-Schmidt"
SCAN = b"%PDF-1.7\n(" + MARKER + b")\n%%EOF\n"


def add_document(world: World, table: Any, rid: str, *, encrypted: bool, path: str = "") -> int:
    """A document row of `table` (AgentAuthorityRow or PaperDeclarationRow) with SCAN, stored
    as uploads are now, or in plaintext at `path` as before encryption at rest."""
    fields = (
        {"kind": "authorised_agent", "agent_name": "Helpers", "submitted_at": world.c.clock.now(),
         "submitted_by": "k", "size": len(SCAN)}
        if table is AgentAuthorityRow
        else {"full_name": "Anna Schmidt", "signed_on": world.c.clock.now().date(),
              "recorded_at": world.c.clock.now(), "recorded_by": "k", "size": len(SCAN)}
    )  # fmt: skip
    row = table(request_id=rid, sha256="0" * 64, content_type="application/pdf",
                state="pending", **fields)  # fmt: skip
    if encrypted:
        world.c.document_files.keep(row, SCAN)
    else:
        row.file_path = path
        (world.c.settings.data_dir / path).parent.mkdir(parents=True, exist_ok=True)
        (world.c.settings.data_dir / path).write_bytes(SCAN)
    with world.c.store.transaction() as session:
        session.add(row)
        session.flush()
        return int(row.id)


def document_row(world: World, table: Any, row_id: int) -> Any:
    with world.c.store.transaction() as session:
        return session.get(table, row_id)


def holding(folder: Path, marker: bytes) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and marker in p.read_bytes()]


def test_rotation_rewraps_document_keys_and_encrypts_documents_stored_in_plaintext(
    store_url: str, tmp_path: Path
) -> None:
    """Identity documents are encrypted at rest as packages are (REQUIREMENTS.md:30 and :40:
    unintelligible data lowers a breach's severity): rotation re-wraps their keys and encrypts
    those stored before in place; two rows of one plaintext file each get their own."""
    world = make_world(store_url, tmp_path, hearthly())
    rid = world.request_for(5)
    new = add_document(world, AgentAuthorityRow, rid, encrypted=True)
    shared = f"authority/{rid}/{'1' * 64}.pdf"
    old = [
        (AgentAuthorityRow, add_document(world, AgentAuthorityRow, rid, encrypted=False,
                                         path=shared)),
        (AgentAuthorityRow, add_document(world, AgentAuthorityRow, rid, encrypted=False,
                                         path=shared)),
        (PaperDeclarationRow, add_document(world, PaperDeclarationRow, rid, encrypted=False,
                                           path=f"declarations/{rid}/{'2' * 64}.pdf")),
    ]  # fmt: skip
    assert len(holding(world.c.settings.data_dir, MARKER)) == 2
    first = world.c.package_keys.current_key_id
    report = rotate(world)
    assert (report.documents, report.encrypted, report.failed) == (1, 3, [])
    assert holding(world.c.settings.data_dir, MARKER) == []
    fresh = again(world)
    for table, row_id in [(AgentAuthorityRow, new), *old]:
        row = document_row(fresh, table, row_id)
        assert row.master_key_id == report.current_key_id
        assert fresh.c.document_files.content(row) == SCAN
    assert len({document_row(world, t, i).file_path for t, i in old}) == 3
    assert rotate(world).encrypted == 0, "nothing left in plaintext"
    assert first in retire(world).retired
    [*_, entry] = [e for e in world.c.audit.timeline(None)  # type: ignore[arg-type]
                   if e.action == "package.keys_rotated"]  # fmt: skip
    assert (entry.summary["documents"], entry.summary["documents_encrypted"]) == (4, 0)
    world.c.store.engine.dispose()


def test_a_rotation_cut_short_while_encrypting_a_document_leaves_it_readable(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    rid = world.request_for(5)
    path = f"authority/{rid}/{'3' * 64}.pdf"
    doc = add_document(world, AgentAuthorityRow, rid, encrypted=False, path=path)
    written = documents.write_private

    def then_killed(*args: Any, **kwargs: Any) -> None:
        written(*args, **kwargs)
        raise KeyboardInterrupt

    def killed(*_: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(documents, "write_private", then_killed)  # before the row points to it
    with pytest.raises(KeyboardInterrupt):
        rotate(world)
    row = document_row(world, AgentAuthorityRow, doc)
    assert (row.file_path, row.wrapped_key) == (path, None)
    assert world.c.document_files.content(row) == SCAN
    monkeypatch.undo()

    monkeypatch.setattr(documents, "_drop_plaintext", killed)  # before the plaintext goes
    with pytest.raises(KeyboardInterrupt):
        rotate(world)
    row = document_row(world, AgentAuthorityRow, doc)
    assert row.file_path != path and world.c.document_files.content(row) == SCAN
    monkeypatch.undo()

    left = world.c.settings.data_dir / path
    assert (rotate(world).encrypted, rotate(world).plaintext_removed) == (0, 0), "a fresh file"
    an_hour_ago = time.time() - documents.SWEEP_AFTER_SECONDS - 1
    os.utime(left, (an_hour_ago, an_hour_ago))
    assert rotate(world).plaintext_removed == 1, "the plaintext left behind is deleted"
    assert not left.exists() and holding(world.c.settings.data_dir, MARKER) == []
    assert world.c.document_files.content(document_row(world, AgentAuthorityRow, doc)) == SCAN


def test_a_key_a_document_still_uses_is_not_retired(world: World) -> None:
    rid = world.request_for(5)
    doc = add_document(world, PaperDeclarationRow, rid, encrypted=True)
    old = world.c.package_keys.current_key_id
    with world.c.store.transaction() as session:
        row = session.get(PaperDeclarationRow, doc)
        assert row is not None and row.wrapped_key is not None
        row.wrapped_key = bytes(len(row.wrapped_key))  # cannot be re-wrapped
    report = rotate(world)
    assert [(row.kind, row.id) for row in report.failed] == [("paper declaration", str(doc))]
    assert report.still_old == {old: 1}
    kept = retire(world)
    assert old not in kept.retired and kept.kept[old] == "1 row still under it"


def test_rotate_key_from_the_cli_says_how_many_documents_it_encrypted(world: World) -> None:
    rid = world.request_for(5)
    add_document(world, AgentAuthorityRow, rid, encrypted=False, path=f"authority/{rid}/a.pdf")
    gone = add_document(
        world, AgentAuthorityRow, rid, encrypted=False, path=f"authority/{rid}/b.pdf"
    )
    (world.c.settings.data_dir / "authority" / rid / "b.pdf").unlink()
    result = cli(world, "package", "rotate-key")
    assert "0 documents; encrypted 1 document stored in plaintext before" in result.output
    assert f"✗ authority document {gone}: its document file is missing" in result.output
    assert result.exit_code == 1 and "1 document file is missing" in result.output


KMS = "tests.integration.packages.kms_plugin:connect"


def test_an_external_key_service_plugs_in_and_rotation_follows_it(tmp_path: Path) -> None:
    world = make_world(f"sqlite:///{tmp_path}/r.db", tmp_path, hearthly(), package_key_wrapper=KMS)
    ids = build_two(world)
    assert {world.c.packages.get(pid).master_key_id for pid in ids} == {"kms-v1"}
    assert world.c.package_key_folder is None
    assert not (key_folder(world.c.settings)).exists(), "no local key is made"
    kms_plugin.VAULTS[str(tmp_path)].rotate()  # the service rotates on its own schedule
    report = rotate(world)
    assert (report.current_key_id, report.packages, report.still_old) == ("kms-v2", 2, {})
    assert all(readable(again(world, package_key_wrapper=KMS), pid) for pid in ids)
    with pytest.raises(ConflictError, match="retire it in the KMS"):
        retire(world)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("tests.integration.packages.nowhere:connect", "cannot load it"),
        ("tests.integration.packages.kms_plugin:missing", "cannot load it"),
        ("tests.integration.packages.kms_plugin:not_a_wrapper", "returned no KeyWrapper"),
    ],
)
def test_a_key_wrapper_that_cannot_be_loaded_is_a_configuration_error(
    tmp_path: Path, spec: str, message: str
) -> None:
    world = make_world(f"sqlite:///{tmp_path}/r.db", tmp_path, hearthly(), package_key_wrapper=spec)
    with pytest.raises(ConfigurationError, match=message):
        world.c.package_keys  # noqa: B018


def test_a_key_wrapper_setting_that_is_not_module_colon_factory_is_refused(
    tmp_path: Path,
) -> None:
    with pytest.raises(ValidationError, match="package_key_wrapper"):
        load_settings(data_dir=tmp_path, package_key_wrapper="kms.connect()")


def kms_world(tmp_path: Path) -> World:
    world = make_world(f"sqlite:///{tmp_path}/r.db", tmp_path, hearthly(), package_key_wrapper=KMS)
    world.c.package_keys  # noqa: B018  (connects, making the service's vault)
    return world


def cli(world: World, *args: str) -> Any:
    set_container(world.c)
    try:
        return CliRunner().invoke(app, list(args))
    finally:
        set_container(None)


def test_an_unreachable_key_service_fails_a_build_in_one_line_and_starts_nothing(
    tmp_path: Path,
) -> None:
    world = kms_world(tmp_path)
    request_id = world.request_for(1)
    kms_plugin.VAULTS[str(tmp_path)].down = True
    result = cli(world, "package", "build", request_id)
    assert result.exit_code == 2 and not isinstance(result.exception, ConnectionError)
    assert result.output.startswith("error: package_key_wrapper " + KMS)
    assert "key service failed (ConnectionError)" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert world.c.packages.for_request(request_id) == []
    assert world.status(request_id) == "verified"


def test_an_unreachable_key_service_fails_opening_a_package_clearly(tmp_path: Path) -> None:
    world = kms_world(tmp_path)
    package = world.c.packages.build(world.request_for(1), AGENT)
    kms_plugin.VAULTS[str(tmp_path)].down = True
    with pytest.raises(ConfigurationError, match=r"key service failed \(ConnectionError\)"):
        world.c.packages.export(package.id, tmp_path / "out.zip", REVIEWER)
    result = cli(world, "package", "export", package.request_id, str(tmp_path / "cli.zip"))
    assert result.exit_code != 0 and "cannot write" not in result.output
    assert "key service failed (ConnectionError)" in result.output
    assert not (tmp_path / "out.zip").exists() and not (tmp_path / "cli.zip").exists()


def test_rotation_while_the_key_service_is_down_changes_nothing_and_says_why(
    tmp_path: Path,
) -> None:
    world = kms_world(tmp_path)
    ids = build_two(world)
    vault = kms_plugin.VAULTS[str(tmp_path)]
    vault.rotate()
    vault.down = True
    result = cli(world, "package", "rotate-key")
    assert result.exit_code == 1
    assert "the key service failed (ConnectionError)" in result.output
    assert {world.c.packages.get(pid).master_key_id for pid in ids} == {"kms-v1"}
    vault.down = False
    assert cli(world, "package", "rotate-key").exit_code == 0
    assert {world.c.packages.get(pid).master_key_id for pid in ids} == {"kms-v2"}


def test_rotating_with_the_old_key_left_out_of_the_settings_says_so_once_per_key(
    tmp_path: Path,
) -> None:
    """The operator set the new key and forgot package_previous_master_keys: every row is
    refused, none changes, and the output names the missing key once, not once per package."""
    url = f"sqlite:///{tmp_path}/rightful.db"
    k1, k2 = (base64.b64encode(os.urandom(32)).decode() for _ in range(2))
    ids = build_two(make_world(url, tmp_path, hearthly(), package_master_key=k1))
    forgot = make_world(url, tmp_path, hearthly(), package_master_key=k2)
    result = cli(forgot, "package", "rotate-key")
    old = master_key_id(base64.b64decode(k1))
    assert result.exit_code == 1
    assert result.output.splitlines()[1:] == [
        f"✗ 2 packages: their master key {old} is not available",
        f"still under old keys: {old} (2)",
        "error: 2 keys could not be re-wrapped; make their master key available "
        "(package_previous_master_keys) and run rotate-key again",
    ]
    assert {forgot.c.packages.get(pid).master_key_id for pid in ids} == {old}


def test_rotating_while_packages_build_are_ready_and_approved_loses_none(
    world: World, tmp_path: Path
) -> None:
    """Rotation in the middle of a build, with packages ready and approved around it: each
    ends under the new key, opens, stays deliverable and verifies offline."""
    from rightful.services.package_verify import verify_package

    ready_id, approved_id = build_two(world)
    world.c.package_review.approve(approved_id, REVIEWER)
    rotated: list[RotationReport] = []

    def rotates_midway(*args: Any, **kwargs: Any) -> Any:
        for n, step in enumerate(world.c.packages.collector(*args, **kwargs)):
            if n == 1:
                rotated.append(rotate(again(world)))  # another process, mid-build
            yield step

    building = world.packages_with(rotates_midway).build(world.request_for(5), AGENT)
    [report] = rotated
    assert report.packages == 3 and report.still_old == {}
    later = again(world)
    for pid in (ready_id, approved_id, building.id):
        assert later.c.packages.get(pid).master_key_id == report.current_key_id
        exported = later.export(pid, tmp_path / f"{pid}.zip")
        assert verify_package(exported).ok
    assert building.status == "ready"
    later.c.package_review.assert_deliverable(approved_id)
