"""`rightful package verify`: check a decrypted package offline - signature, every hash, and that
the archive holds exactly what the manifest lists (verify_contents.py), reading its JSON as
streams in bounded memory (verify_reading.py)."""

from __future__ import annotations

import base64
import binascii
import re
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from rightful.domain.audit import key_id_of
from rightful.domain.packages import (
    MANIFEST,
    SIGNATURE,
    SIGNATURE_FORMAT,
    SIGNATURE_FORMAT_BYTES,
    is_safe_member,
    signed_statement,
)
from rightful.services.verify_contents import check_contents, sha256_of
from rightful.services.verify_reading import (
    UNREADABLE,
    DamagedArchiveError,
    StreamedManifest,
    Unstreamable,
    WholeManifest,
    detail,
    read_whole,
    whole_json,
)


@dataclass
class VerifyReport:
    """What verification found; the package is intact only when there are no problems."""

    problems: list[str] = field(default_factory=list)
    key_id: str | None = None
    pinned: bool = False
    items: int = 0
    files: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


MAX_PROBLEMS_LISTED = 100  # a foreign archive of 200,000 entries is not 200,000 lines
MAX_PROBLEM_LENGTH: Final = 300  # a name in a problem is the archive's, of any length


def verify_package(path: Path, public_key_pem: bytes | None = None) -> VerifyReport:
    """Verify a package ZIP; with `public_key_pem` the signer is pinned to that key. A damaged,
    truncated or foreign file is a problem in the report, never an exception."""
    report = VerifyReport(pinned=public_key_pem is not None)
    try:
        archive = zipfile.ZipFile(path)
    except UNREADABLE as exc:
        report.problems.append(f"not a readable ZIP archive{detail(exc)}")
        return report
    with archive:
        try:
            _check_archive(archive, public_key_pem, report)
        except DamagedArchiveError as exc:
            report.problems.append(str(exc))
    report.problems = [_shortened(p) for p in report.problems]
    if len(report.problems) > MAX_PROBLEMS_LISTED:
        more = len(report.problems) - MAX_PROBLEMS_LISTED
        report.problems[MAX_PROBLEMS_LISTED:] = [f"… and {more} more problems"]
    return report


def _shortened(problem: str) -> str:
    if len(problem) <= MAX_PROBLEM_LENGTH:
        return problem
    return f"{problem[: MAX_PROBLEM_LENGTH - 20]}… ({len(problem):,} characters)"


def _check_archive(
    archive: zipfile.ZipFile, public_key_pem: bytes | None, report: VerifyReport
) -> None:
    names = _names(archive, report)
    if MANIFEST not in names or SIGNATURE not in names:
        report.problems.append("manifest.json or manifest.sig is missing")
        return
    manifest_sha256 = sha256_of(archive, MANIFEST)[0]
    _check_signature(
        lambda: read_whole(archive, MANIFEST),
        manifest_sha256,
        read_whole(archive, SIGNATURE),
        public_key_pem,
        report,
    )
    manifest: StreamedManifest | WholeManifest
    try:
        manifest = StreamedManifest(archive)
        contents = check_contents(archive, names, manifest)
    except Unstreamable:
        try:
            document = whole_json(MANIFEST, read_whole(archive, MANIFEST))
        except ValueError:
            report.problems.append("manifest.json is not valid JSON")
            return
        if not isinstance(document, dict):
            report.problems.append("manifest.json is not a JSON object")
            return
        manifest = WholeManifest(document)
        contents = check_contents(archive, names, manifest)
    report.problems += contents.problems
    report.items, report.files = contents.items, contents.files
    named = manifest.signing_key_id()
    if report.key_id is not None and named != report.key_id:
        shown = named if isinstance(named, str) and len(named) <= 40 else "another"
        report.problems.append(
            f"manifest.json names signing key {shown}, but key {report.key_id} signed it"
        )


def _names(archive: zipfile.ZipFile, report: VerifyReport) -> set[str]:
    listing = [info.filename for info in archive.infolist()]
    for name, count in Counter(listing).items():
        if count > 1:
            report.problems.append(f"{name}: appears {count} times in the archive")
        if name.endswith("/") and is_safe_member(name[:-1]):  # said "unsafe", which it is not
            report.problems.append(f"{name!r}: a folder entry, which a package never holds")
        elif not is_safe_member(name):
            report.problems.append(f"{name!r}: unsafe file name (absolute or leaves the archive)")
    return set(listing)


def _check_signature(
    manifest: Callable[[], bytes],
    manifest_sha256: str,
    raw_sig: bytes,
    pinned_pem: bytes | None,
    report: VerifyReport,
) -> None:
    try:
        sig = whole_json(SIGNATURE, raw_sig)
        embedded = base64.b64decode(sig["public_key"], validate=True)
        signature = base64.b64decode(sig["signature"], validate=True)
    except DamagedArchiveError as exc:  # nested too deep, a key twice: said as such
        report.problems.append(str(exc))
        return
    except (ValueError, KeyError, TypeError, binascii.Error):
        report.problems.append("manifest.sig is not a readable signature")
        return
    key = embedded
    if pinned_pem is not None:
        try:
            pinned = pinned_keys(pinned_pem)
        except ValueError as exc:
            report.problems.append(f"the given public key: {exc}")
            return
        if embedded not in pinned:
            given = "the key given" if len(pinned) == 1 else f"any of the {len(pinned)} keys given"
            report.problems.append(
                f"the manifest was signed by key {key_id_of(embedded)}, not by {given}"
            )
            return
    report.key_id = key_id_of(key)
    if sig.get("key_id") != key_id_of(embedded):
        report.problems.append("manifest.sig names another key id than its key")
    signed = _signed_bytes(manifest, manifest_sha256, sig, report)
    if signed is None:
        return
    try:
        Ed25519PublicKey.from_public_bytes(key).verify(signature, signed)
    except (InvalidSignature, ValueError):
        report.problems.append("the signature over manifest.json does not verify")


_PEM_BLOCK: Final = re.compile(rb"-----BEGIN PUBLIC KEY-----.*?-----END PUBLIC KEY-----", re.S)


def pinned_keys(pem: bytes) -> list[bytes]:
    """The raw Ed25519 keys of one or more PEM public keys (a controller's current key and the
    ones it signed with before, as `rightful package public-key --all` prints them). ValueError
    says why when there is none or one is not an Ed25519 public key."""
    blocks = _PEM_BLOCK.findall(pem)
    if not blocks:
        raise ValueError("no PEM public key in it")
    keys = []
    for block in blocks:
        try:
            key = serialization.load_pem_public_key(block)
        except (ValueError, UnsupportedAlgorithm):
            raise ValueError("a PEM block in it is no public key") from None
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("a key in it is not an Ed25519 key")
        keys.append(key.public_bytes_raw())
    return keys


def _signed_bytes(
    manifest: Callable[[], bytes], sha256: str, sig: dict[str, Any], report: VerifyReport
) -> bytes | None:
    """What the signature must be over: the statement naming the manifest's SHA-256 (as
    computed here, never as the file claims), or the manifest itself for the first format
    (read whole only then: Ed25519 signs a whole message)."""
    if sig.get("format") == SIGNATURE_FORMAT:
        if sig.get("manifest_sha256") != sha256:
            report.problems.append("manifest.sig names another manifest (SHA-256 differs)")
        return signed_statement(str(sig.get("key_id")), sha256)
    if sig.get("format") == SIGNATURE_FORMAT_BYTES:
        return manifest()
    report.problems.append("manifest.sig has a format this version does not know")
    return None
