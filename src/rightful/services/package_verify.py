"""`rightful package verify`: check a decrypted package offline - signature, every hash, and that
the archive holds exactly what the manifest lists."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from rightful.domain.audit import key_id_of
from rightful.domain.packages import (
    MANIFEST,
    SIGNATURE,
    SIGNATURE_FORMAT,
    SIGNATURE_FORMAT_BYTES,
    canonical_bytes,
    is_safe_member,
    signed_statement,
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


def verify_package(path: Path, public_key_pem: bytes | None = None) -> VerifyReport:
    """Verify a package ZIP; with `public_key_pem` the signer is pinned to that key."""
    report = VerifyReport(pinned=public_key_pem is not None)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        report.problems.append("not a readable ZIP archive")
        return report
    with archive:
        names = _names(archive, report)
        if MANIFEST not in names or SIGNATURE not in names:
            report.problems.append("manifest.json or manifest.sig is missing")
            return report
        manifest_bytes = archive.read(MANIFEST)
        _check_signature(manifest_bytes, archive.read(SIGNATURE), public_key_pem, report)
        try:
            manifest = json.loads(manifest_bytes)
        except ValueError:
            report.problems.append("manifest.json is not valid JSON")
            return report
        _check_contents(archive, names, manifest, report)
    return report


def _names(archive: zipfile.ZipFile, report: VerifyReport) -> set[str]:
    listing = [info.filename for info in archive.infolist()]
    for name, count in Counter(listing).items():
        if count > 1:
            report.problems.append(f"{name}: appears {count} times in the archive")
        if not is_safe_member(name):
            report.problems.append(f"{name!r}: unsafe file name (absolute or leaves the archive)")
    return set(listing)


def _check_signature(
    manifest: bytes, raw_sig: bytes, pinned_pem: bytes | None, report: VerifyReport
) -> None:
    try:
        sig = json.loads(raw_sig)
        embedded = base64.b64decode(sig["public_key"], validate=True)
        signature = base64.b64decode(sig["signature"], validate=True)
    except (ValueError, KeyError, TypeError, binascii.Error):
        report.problems.append("manifest.sig is not a readable signature")
        return
    key = embedded
    if pinned_pem is not None:
        loaded = serialization.load_pem_public_key(pinned_pem)
        if not isinstance(loaded, Ed25519PublicKey):
            report.problems.append("the given public key is not an Ed25519 key")
            return
        key = loaded.public_bytes_raw()
        if key != embedded:
            report.problems.append("the manifest was signed by another key than the one given")
    report.key_id = key_id_of(key)
    if sig.get("key_id") != key_id_of(embedded):
        report.problems.append("manifest.sig names another key id than its key")
    signed = _signed_bytes(manifest, sig, report)
    if signed is None:
        return
    try:
        Ed25519PublicKey.from_public_bytes(key).verify(signature, signed)
    except (InvalidSignature, ValueError):
        report.problems.append("the signature over manifest.json does not verify")


def _signed_bytes(manifest: bytes, sig: dict[str, Any], report: VerifyReport) -> bytes | None:
    """What the signature must be over: the statement naming the manifest's SHA-256 (as
    computed here, never as the file claims), or the manifest itself for the first format."""
    sha256 = hashlib.sha256(manifest).hexdigest()
    if sig.get("format") == SIGNATURE_FORMAT:
        if sig.get("manifest_sha256") != sha256:
            report.problems.append("manifest.sig names another manifest (SHA-256 differs)")
        return signed_statement(str(sig.get("key_id")), sha256)
    if sig.get("format") == SIGNATURE_FORMAT_BYTES:
        return manifest
    report.problems.append("manifest.sig has a format this version does not know")
    return None


def _check_contents(
    archive: zipfile.ZipFile, names: set[str], manifest: dict[str, Any], report: VerifyReport
) -> None:
    files = manifest.get("files") or []
    items = manifest.get("items") or []
    report.items, report.files = len(items), len(files)
    expected = {MANIFEST, SIGNATURE} | {f["path"] for f in files}
    expected |= {i["path"] for i in items if i.get("kind") != "record"}
    for name in sorted(expected - names):
        report.problems.append(f"{name}: listed in the manifest but missing")
    for name in sorted(names - expected):
        report.problems.append(f"{name}: in the archive but not in the manifest")
    for entry in files:
        _check_member(archive, names, entry["path"], entry.get("sha256"), entry.get("size"), report)
    for item in items:
        if item.get("kind") != "record":
            _check_member(
                archive,
                names,
                item["path"],
                item.get("sha256"),
                item.get("size"),
                report,
                label=item.get("id"),
            )
    _check_rows(archive, names, items, report)
    counts = manifest.get("counts") or {}
    if counts.get("items") != len(items):
        report.problems.append("the manifest's item count does not match its items")


def _check_member(
    archive: zipfile.ZipFile,
    names: set[str],
    path: str,
    sha256: str | None,
    size: int | None,
    report: VerifyReport,
    label: str | None = None,
) -> None:
    if path not in names:
        return
    digest, total = hashlib.sha256(), 0
    with archive.open(path) as stream:
        while piece := stream.read(1024 * 1024):
            digest.update(piece)
            total += len(piece)
    what = f"{label} ({path})" if label else path
    if digest.hexdigest() != sha256:
        report.problems.append(f"{what}: SHA-256 does not match the manifest")
    if size is not None and total != size:
        report.problems.append(f"{what}: size does not match the manifest")


def _check_rows(
    archive: zipfile.ZipFile, names: set[str], items: list[dict[str, Any]], report: VerifyReport
) -> None:
    """Each record item's row hashes as listed, and each row of each file is listed once."""
    by_file: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        if item.get("kind") == "record":
            by_file[item["path"]].append(item)
    for path, listed in by_file.items():
        if path not in names:
            report.problems.append(f"{path}: records listed in a missing file")
            continue
        try:
            records = json.loads(archive.read(path)).get("records", [])
        except ValueError:
            report.problems.append(f"{path}: not valid JSON")
            continue
        seen = Counter(item.get("row") for item in listed)
        for item in listed:
            _check_row(records, item, path, report)
        rows = sorted(r for r in seen if isinstance(r, int))
        if rows != list(range(len(records))) or any(n > 1 for n in seen.values()):
            report.problems.append(f"{path}: rows and manifest items do not correspond one to one")


def _check_row(records: list[Any], item: dict[str, Any], path: str, report: VerifyReport) -> None:
    row = item.get("row")
    if not isinstance(row, int) or not 0 <= row < len(records):
        report.problems.append(f"{item.get('id')}: no row {row} in {path}")
        return
    if hashlib.sha256(canonical_bytes(records[row])).hexdigest() != item.get("sha256"):
        report.problems.append(f"{item.get('id')} ({path} row {row}): SHA-256 does not match")
