"""`rightful package verify` checks a package offline: the signature, every hash, and that the
archive holds exactly what the manifest lists - no more, no less (Art. 5(2) accountability)."""

from __future__ import annotations

import base64
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from rightful.bootstrap import set_container
from rightful.domain.audit import key_id_of, public_key_of
from rightful.entrypoints.cli.main import app
from rightful.services.audit import public_key_pem
from rightful.services.package_verify import verify_package

from .world import AGENT, World

runner = CliRunner()
Edit = Callable[[dict[str, bytes]], None]


@pytest.fixture
def package_zip(world: World, tmp_path: Path) -> Path:
    package = world.c.packages.build(world.request_for(1), AGENT)
    return world.export(package.id, tmp_path / "package.zip")


def rewrite(source: Path, target: Path, edit: Edit) -> Path:
    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    edit(members)
    with zipfile.ZipFile(target, "w") as out:
        for name, data in members.items():
            out.writestr(name, data)
    return target


def first_blob(members: dict[str, bytes]) -> str:
    return next(n for n in members if n.startswith("files/"))


def flip_byte(members: dict[str, bytes]) -> None:
    name = first_blob(members)
    data = bytearray(members[name])
    data[100] ^= 0x01
    members[name] = bytes(data)


def drop_file(members: dict[str, bytes]) -> None:
    del members[first_blob(members)]


def add_file(members: dict[str, bytes]) -> None:
    members["files/speaker.recordings/someone_else.wav"] = b"RIFF...."


def change_row(members: dict[str, bytes]) -> None:
    path = "data/shop.orders.json"
    members[path] = members[path].replace(b"9900", b"9901")


def forge_signature(members: dict[str, bytes]) -> None:
    """Change the manifest and sign it again with a key of one's own."""
    key = Ed25519PrivateKey.generate()
    manifest = members["manifest.json"].replace(b'"language": "en"', b'"language": "de"')
    members["manifest.json"] = manifest
    sig = json.loads(members["manifest.sig"])
    sig["signature"] = base64.b64encode(key.sign(manifest)).decode()
    members["manifest.sig"] = json.dumps(sig).encode()


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (flip_byte, "SHA-256 does not match"),
        (drop_file, "listed in the manifest but missing"),
        (add_file, "in the archive but not in the manifest"),
        (change_row, "SHA-256 does not match"),
        (forge_signature, "signature over manifest.json does not verify"),
    ],
    ids=["changed-byte", "missing-file", "extra-file", "changed-row", "forged-signature"],
)
def test_verify_catches_each_kind_of_change(
    package_zip: Path, tmp_path: Path, edit: Edit, problem: str
) -> None:
    assert verify_package(package_zip).ok
    changed = rewrite(package_zip, tmp_path / "changed.zip", edit)
    report = verify_package(changed)
    assert not report.ok
    assert any(problem in p for p in report.problems), report.problems


def test_a_package_signed_by_another_key_fails_when_the_key_is_pinned(
    world: World, package_zip: Path, tmp_path: Path
) -> None:
    """A forger can re-sign with their own key and embed it; pinning the controller's key
    catches that."""
    key = Ed25519PrivateKey.generate()
    raw_public = key.public_key().public_bytes_raw()

    def resign(members: dict[str, bytes]) -> None:
        manifest = members["manifest.json"]
        sig = json.loads(members["manifest.sig"])
        sig["public_key"] = base64.b64encode(raw_public).decode()
        sig["key_id"] = key_id_of(raw_public)
        sig["signature"] = base64.b64encode(key.sign(manifest)).decode()
        members["manifest.sig"] = json.dumps(sig).encode()

    forged = rewrite(package_zip, tmp_path / "forged.zip", resign)
    assert verify_package(forged).ok, "self-consistent, so only the pinned key can tell"
    controller = public_key_pem(public_key_of(world.c.packages.config.signing_key)).encode()
    report = verify_package(forged, controller)
    assert not report.ok and "signed by another key" in report.problems[0]
    assert verify_package(package_zip, controller).ok


def test_the_cli_verifies_and_exits_non_zero_on_a_problem(
    world: World, package_zip: Path, tmp_path: Path
) -> None:
    set_container(world.c)
    try:
        pem = tmp_path / "controller.pem"
        result = runner.invoke(app, ["package", "public-key"])
        assert result.exit_code == 0, result.output
        pem.write_text(result.output)
        serialization.load_pem_public_key(pem.read_bytes())
        ok = runner.invoke(app, ["package", "verify", str(package_zip), "--public-key", str(pem)])
        assert ok.exit_code == 0 and "intact" in ok.output and "pinned key" in ok.output
        bad = rewrite(package_zip, tmp_path / "bad.zip", drop_file)
        failed = runner.invoke(app, ["package", "verify", str(bad)])
        assert failed.exit_code == 1
    finally:
        set_container(None)


def test_staff_export_through_the_cli_is_audited(world: World, tmp_path: Path) -> None:
    rid = world.request_for(1)
    world.c.packages.build(rid, AGENT)
    set_container(world.c)
    try:
        out = tmp_path / "export.zip"
        result = runner.invoke(app, ["package", "export", rid, str(out)])
        assert result.exit_code == 0, result.output
    finally:
        set_container(None)
    assert verify_package(out).ok
    exported = [e for e in world.c.audit.timeline(rid) if e.action == "package.exported"]
    assert len(exported) == 1 and exported[0].actor.startswith("cli:")


def test_a_file_that_is_not_a_zip_is_reported(tmp_path: Path) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip at all")
    assert verify_package(junk).problems == ["not a readable ZIP archive"]
