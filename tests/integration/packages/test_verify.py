"""`rightful package verify` checks a package offline: the signature, every hash, and that the
archive holds exactly what the manifest lists - no more, no less (Art. 5(2) accountability)."""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from rightful.bootstrap import set_container
from rightful.domain.audit import key_id_of, public_key_of
from rightful.domain.packages import SIGNATURE_FORMAT, SIGNATURE_FORMAT_BYTES, signed_statement
from rightful.entrypoints.cli.main import app
from rightful.services.audit import public_key_pem
from rightful.services.package_verify import verify_package

from .world import AGENT, REVIEWER, World

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


def add_folder(members: dict[str, bytes]) -> None:
    members["files/extra/"] = b""


def change_row(members: dict[str, bytes]) -> None:
    path = "data/shop.orders.json"
    members[path] = members[path].replace(b"9900", b"9901")


def forge_signature(members: dict[str, bytes]) -> None:
    """Change the manifest and sign it again with a key of one's own (the embedded public key
    left as it was)."""
    key = Ed25519PrivateKey.generate()
    manifest = members["manifest.json"].replace(b'"language": "en"', b'"language": "de"')
    members["manifest.json"] = manifest
    sig = json.loads(members["manifest.sig"])
    sig["manifest_sha256"] = hashlib.sha256(manifest).hexdigest()
    statement = signed_statement(sig["key_id"], sig["manifest_sha256"])
    sig["signature"] = base64.b64encode(key.sign(statement)).decode()
    members["manifest.sig"] = json.dumps(sig).encode()


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (flip_byte, "SHA-256 does not match"),
        (drop_file, "listed in the manifest but missing"),
        (add_file, "in the archive but not in the manifest"),
        (add_folder, "'files/extra/': a folder entry, which a package never holds"),
        (change_row, "SHA-256 does not match"),
        (forge_signature, "signature over manifest.json does not verify"),
    ],
    ids=[
        "changed-byte",
        "missing-file",
        "extra-file",
        "extra-folder",
        "changed-row",
        "forged-signature",
    ],
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
    """A forger can re-sign with their own key and embed it; a signature that does not match
    the key the manifest names fails on its own, and when the forger names their key in the
    manifest too, pinning the controller's key catches it."""
    key = Ed25519PrivateKey.generate()
    raw_public = key.public_key().public_bytes_raw()
    controller_id = key_id_of(public_key_of(world.c.packages.config.signing_key))

    def resign(members: dict[str, bytes], *, rename: bool = False) -> None:
        if rename:
            members["manifest.json"] = members["manifest.json"].replace(
                f'"signing_key_id": "{controller_id}"'.encode(),
                f'"signing_key_id": "{key_id_of(raw_public)}"'.encode(),
            )
        sig = json.loads(members["manifest.sig"])
        sig["public_key"] = base64.b64encode(raw_public).decode()
        sig["key_id"] = key_id_of(raw_public)
        sig["manifest_sha256"] = hashlib.sha256(members["manifest.json"]).hexdigest()
        statement = signed_statement(sig["key_id"], sig["manifest_sha256"])
        sig["signature"] = base64.b64encode(key.sign(statement)).decode()
        members["manifest.sig"] = json.dumps(sig).encode()

    swapped = verify_package(rewrite(package_zip, tmp_path / "swapped.zip", resign))
    assert swapped.problems == [
        f"manifest.json names signing key {controller_id}, but key {key_id_of(raw_public)} "
        "signed it"
    ]
    forged = rewrite(package_zip, tmp_path / "forged.zip", lambda m: resign(m, rename=True))
    assert verify_package(forged).ok, "self-consistent, so only the pinned key can tell"
    controller = public_key_pem(public_key_of(world.c.packages.config.signing_key)).encode()
    report = verify_package(forged, controller)
    assert not report.ok and "not by the key given" in report.problems[0]
    assert verify_package(package_zip, controller).ok


def test_the_signature_names_the_manifest_by_its_sha256(world: World, package_zip: Path) -> None:
    """Signed is a statement of format, key id and the manifest's SHA-256, so the manifest can
    be written however large it is, without being held in memory to sign it."""
    with zipfile.ZipFile(package_zip) as archive:
        manifest, sig = archive.read("manifest.json"), json.loads(archive.read("manifest.sig"))
    public = public_key_of(world.c.packages.config.signing_key)
    assert sig["format"] == SIGNATURE_FORMAT
    assert sig["manifest_sha256"] == hashlib.sha256(manifest).hexdigest()
    statement = signed_statement(key_id_of(public), sig["manifest_sha256"])
    Ed25519PublicKey.from_public_bytes(public).verify(base64.b64decode(sig["signature"]), statement)


def sig_changed(**fields: str) -> Edit:
    def edit(members: dict[str, bytes]) -> None:
        sig = json.loads(members["manifest.sig"])
        sig.update(fields)
        members["manifest.sig"] = json.dumps(sig).encode()

    return edit


def test_a_signature_claiming_another_manifest_fails(package_zip: Path, tmp_path: Path) -> None:
    claim_other = sig_changed(manifest_sha256="0" * 64)
    report = verify_package(rewrite(package_zip, tmp_path / "other.zip", claim_other))
    assert "manifest.sig names another manifest (SHA-256 differs)" in report.problems


def test_packages_signed_in_the_first_format_still_verify(
    world: World, package_zip: Path, tmp_path: Path
) -> None:
    """Packages built before the statement format signed manifest.json's bytes themselves."""
    key = Ed25519PrivateKey.from_private_bytes(world.c.packages.config.signing_key)

    def first_format(members: dict[str, bytes]) -> None:
        sig = json.loads(members["manifest.sig"])
        sig["format"] = SIGNATURE_FORMAT_BYTES
        sig["signature"] = base64.b64encode(key.sign(members["manifest.json"])).decode()
        members["manifest.sig"] = json.dumps(sig).encode()

    def and_changed(members: dict[str, bytes]) -> None:
        first_format(members)
        manifest = members["manifest.json"]
        members["manifest.json"] = manifest.replace(b'"language": "en"', b'"language": "de"')

    assert verify_package(rewrite(package_zip, tmp_path / "v1.zip", first_format)).ok
    changed = verify_package(rewrite(package_zip, tmp_path / "v1x.zip", and_changed))
    assert "the signature over manifest.json does not verify" in changed.problems


def test_a_signature_of_an_unknown_format_fails(package_zip: Path, tmp_path: Path) -> None:
    unknown = sig_changed(format="rightful-manifest-signature/9")
    report = verify_package(rewrite(package_zip, tmp_path / "unknown.zip", unknown))
    assert "manifest.sig has a format this version does not know" in report.problems


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
    """An export of a package not approved says it is not for the requester (export comes
    before a hand-over, whose own check would come only after the data had left)."""
    rid = world.request_for(1)
    package = world.c.packages.build(rid, AGENT)
    set_container(world.c)
    try:
        out = tmp_path / "export.zip"
        result = runner.invoke(app, ["package", "export", rid, str(out)])
        assert result.exit_code == 0, result.output
        assert "note: not for the requester: the package is ready, not approved" in result.output
        world.c.package_review.approve(package.id, REVIEWER)
        approved = runner.invoke(app, ["package", "export", rid, str(tmp_path / "approved.zip")])
        assert approved.exit_code == 0 and "note:" not in approved.output, approved.output
    finally:
        set_container(None)
    assert verify_package(out).ok
    exported = [e for e in world.c.audit.timeline(rid) if e.action == "package.exported"]
    assert len(exported) == 2 and exported[0].actor.startswith("cli:")


def test_a_file_that_is_not_a_zip_is_reported(tmp_path: Path) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip at all")
    [problem] = verify_package(junk).problems
    assert (
        problem == "not a readable ZIP archive (no ZIP directory at its end: another kind of "
        "file, or cut short)"
    )


def members_of(path: Path) -> dict[str, bytes] | None:
    try:
        with zipfile.ZipFile(path) as archive:
            return {name: archive.read(name) for name in archive.namelist()}
    except Exception:
        return None


# A real package cut short, or with a few bits flipped anywhere (headers, directory, data).
damage = st.one_of(
    st.tuples(st.just("cut"), st.floats(0, 1, exclude_max=True)),
    st.tuples(st.just("flip"), st.lists(st.tuples(st.floats(0, 1, exclude_max=True),
                                                  st.integers(0, 7)), min_size=1, max_size=4)),
)  # fmt: skip


def damaged(data: bytes, how: tuple[str, Any]) -> bytes:
    kind, detail = how
    if kind == "cut":
        return data[: int(detail * len(data))]
    out = bytearray(data)
    for at, bit in detail:
        out[int(at * len(out))] ^= 1 << bit
    return bytes(out)


def only_exits(result: Result) -> bool:
    """The command ended by exiting, not by an exception escaping it."""
    return result.exception is None or isinstance(result.exception, SystemExit)


def test_a_damaged_or_truncated_package_is_reported_never_a_traceback(
    package_zip: Path, tmp_path: Path
) -> None:
    """Exit 1 with a line saying what is wrong; exit 0 only when every member reads as it was
    (a flip in a ZIP's timestamps or attributes changes nothing the package vouches for)."""
    original, target = package_zip.read_bytes(), tmp_path / "damaged.zip"
    intact = members_of(package_zip)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(how=damage)
    def check(how: tuple[str, Any]) -> None:
        target.write_bytes(damaged(original, how))
        result = runner.invoke(app, ["package", "verify", str(target)])
        assert only_exits(result), result.exception
        assert result.exit_code in (0, 1), result.output
        if result.exit_code == 0:
            assert members_of(target) == intact
        else:
            assert "✗ " in result.output and "Traceback" not in result.output

    check()


def test_a_member_that_cannot_be_read_is_named(package_zip: Path, tmp_path: Path) -> None:
    data = bytearray(package_zip.read_bytes())
    with zipfile.ZipFile(package_zip) as archive:
        info = archive.getinfo("manifest.sig")
    extra = int.from_bytes(data[info.header_offset + 28 : info.header_offset + 30], "little")
    data[info.header_offset + 30 + len(info.filename) + extra + 5] ^= 0xFF  # its deflated data
    broken = tmp_path / "broken.zip"
    broken.write_bytes(bytes(data))
    problems = verify_package(broken).problems
    assert problems[-1].startswith("manifest.sig: cannot be read (")


def test_a_file_that_cannot_be_opened_says_why(tmp_path: Path) -> None:
    """The system's reason (here: a folder), not a guess that the file was cut short."""
    assert verify_package(tmp_path).problems == ["not a readable ZIP archive (Is a directory)"]


def test_a_foreign_archive_of_many_entries_is_told_in_a_bounded_report(
    package_zip: Path, tmp_path: Path
) -> None:
    def add_many(members: dict[str, bytes]) -> None:
        members.update({f"extra/{n}.txt": b"x" for n in range(300)})

    report = verify_package(rewrite(package_zip, tmp_path / "many.zip", add_many))
    assert len(report.problems) == 101 and report.problems[-1] == "… and 200 more problems"


def test_a_manifest_too_large_to_read_whole_is_refused_not_held(
    package_zip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A small ZIP whose manifest unpacks to gigabytes took 860 MB to check; one that cannot be
    streamed is read whole only up to MAX_WHOLE_READ."""

    def padded(members: dict[str, bytes]) -> None:  # no JSON a stream can read: read whole
        members["manifest.json"] = b"{" + b" " * 5000

    compact = rewrite(package_zip, tmp_path / "padded.zip", padded)
    monkeypatch.setattr("rightful.services.verify_reading.MAX_WHOLE_READ", 1000)
    report = verify_package(compact)
    assert any("unpacks to more than" in p for p in report.problems), report.problems


def test_a_member_larger_than_listed_is_reported_without_unpacking_it(
    package_zip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A zip bomb in a file's place (2 MB of ZIP that unpacks to 2 GB took 9 s to hash): the
    size the archive declares for it is compared with the manifest's first, and it is not read.
    zipfile never hands out more than a member's declared size, so nothing larger gets in."""
    from rightful.services import verify_contents

    def bomb(members: dict[str, bytes]) -> None:
        members[first_blob(members)] = bytes(8 * 2**20)

    with zipfile.ZipFile(package_zip) as archive:
        blob = first_blob(dict.fromkeys(archive.namelist(), b""))
        listed = archive.getinfo(blob).file_size
    inflated = rewrite(package_zip, tmp_path / "bomb.zip", bomb)
    read: list[str] = []
    hashed = verify_contents.sha256_of
    monkeypatch.setattr(
        verify_contents,
        "sha256_of",
        lambda archive, name: read.append(name) or hashed(archive, name),
    )
    report = verify_package(inflated)
    assert blob not in read
    expected = f"({blob}): size does not match the manifest (8388608 bytes, not {listed})"
    assert any(p.endswith(expected) for p in report.problems), report.problems


DEEP = b"[" * 100_000 + b"]" * 100_000  # 200 kB, a few hundred bytes deflated


@pytest.mark.parametrize(
    ("member", "content", "said"),
    [
        ("manifest.sig", DEEP, "manifest.sig: nested more than"),
        ("manifest.json", b'{"files": ' + DEEP + b"}", "manifest.json: nested more than"),
        ("manifest.json", b'{"x": "\\ud800", "files": ' + DEEP + b"}", "manifest.json: nested"),
        ("data/shop.orders.json", b'{"records": ' + DEEP + b"}", "shop.orders.json: nested"),
        ("data/shop.orders.json", b'{"x": "\\ud800", "records": ' + DEEP + b"}", "orders.json"),
    ],
    ids=["signature", "manifest", "manifest-read-whole", "collection", "collection-read-whole"],
)
def test_json_nested_absurdly_deep_is_refused_in_bounded_memory(
    package_zip: Path, tmp_path: Path, member: str, content: bytes, said: str
) -> None:
    """A few hundred bytes of brackets crashed verify (RecursionError) or, streamed, made the
    parser take gigabytes until the system killed it. rightful writes nothing nested more than
    a thousand levels deep (json.dumps cannot), so deeper is refused at once, naming the file."""
    import resource

    def deepen(members: dict[str, bytes]) -> None:
        members[member] = content

    bad = rewrite(package_zip, tmp_path / "deep.zip", deepen)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = runner.invoke(app, ["package", "verify", str(bad)])
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert only_exits(result), result.exception
    assert result.exit_code == 1 and said in result.output, result.output
    assert grown_mib < 100


def test_a_text_too_long_to_be_a_package_s_is_refused_not_held(
    package_zip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """540 kB zipped with a 512 MiB string in the manifest took 235 s and 2 GB, and printed the
    string whole as a file name. A text longer than MAX_STRING is refused as it is read, and no
    problem line runs on."""
    monkeypatch.setattr("rightful.services.verify_reading.MAX_STRING", 2**20)

    def long_text(members: dict[str, bytes]) -> None:
        members["manifest.json"] = b'{"files": [{"path": "' + b"a" * 3 * 2**20 + b'"}]}'

    def long_name(members: dict[str, bytes]) -> None:
        members["manifest.json"] = b'{"files": [{"path": "' + b"a" * 5000 + b'"}]}'

    report = verify_package(rewrite(package_zip, tmp_path / "text.zip", long_text))
    assert "manifest.json: a text runs on for more than 1 MiB" in report.problems[-1]
    report = verify_package(rewrite(package_zip, tmp_path / "name.zip", long_name))
    assert not report.ok and all(len(p) <= 300 for p in report.problems), report.problems
