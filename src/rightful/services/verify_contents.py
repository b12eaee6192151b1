"""What `rightful package verify` checks inside a package: every file the manifest lists is there
with its size and SHA-256, nothing else is, and each record's row hashes to the SHA-256 listed
for it."""

from __future__ import annotations

import hashlib
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from rightful.domain.packages import MANIFEST, SIGNATURE, canonical_bytes
from rightful.services.verify_reading import (
    READ_BUFFER,
    StreamedManifest,
    Unstreamable,
    WholeManifest,
    as_list,
    check_keys,
    member_stream,
    read_whole,
    streamed,
    whole_json,
)


@dataclass
class Contents:
    problems: list[str] = field(default_factory=list)
    items: int = 0
    files: int = 0


@dataclass
class ListedRows:
    """Per collection file, the SHA-256 listed for each row, as raw digests: item ids are read
    again only to name a problem, so memory per row stays small."""

    by_file: dict[str, dict[int, bytes | None]] = field(default_factory=lambda: defaultdict(dict))
    doubled: set[str] = field(default_factory=set)

    def add(self, path: str, item: dict[str, Any], contents: Contents) -> None:
        digests = self.by_file[path]
        row = item.get("row")
        if not isinstance(row, int) or isinstance(row, bool) or row < 0:
            contents.problems.append(f"{item.get('id')}: no row {row} in {path}")
        elif row in digests:
            self.doubled.add(path)
        else:
            digests[row] = _raw_digest(item.get("sha256"))


def _raw_digest(value: Any) -> bytes | None:
    """The 32 bytes a hex SHA-256 stands for; None (never equal to a digest) otherwise."""
    if not isinstance(value, str) or len(value) != 64:
        return None
    try:
        return bytes.fromhex(value)
    except ValueError:
        return None


@dataclass
class RowFindings:
    """What one collection file's rows showed: rows whose hash differs, listed rows past its
    end, and whether rows and items correspond one to one."""

    path: str
    differing: list[int] = field(default_factory=list)
    absent: list[int] = field(default_factory=list)
    one_to_one: bool = True


def check_contents(
    archive: zipfile.ZipFile, names: set[str], manifest: StreamedManifest | WholeManifest
) -> Contents:
    contents = Contents()
    expected = {MANIFEST, SIGNATURE}
    for entry in manifest.files():
        contents.files += 1
        path = _path_of(entry, contents)
        if path is not None:
            expected.add(path)
            _check_member(archive, names, path, entry, contents)
    rows = ListedRows()
    for item in manifest.items():
        contents.items += 1
        path = _path_of(item, contents)
        if path is None:
            continue
        if item.get("kind") == "record":
            rows.add(path, item, contents)
        else:
            expected.add(path)
            _check_member(archive, names, path, item, contents, label=item.get("id"))
    for name in sorted(expected - names):
        contents.problems.append(f"{name}: listed in the manifest but missing")
    for name in sorted(names - expected):
        contents.problems.append(f"{name}: in the archive but not in the manifest")
    findings = [
        found
        for path, listed in rows.by_file.items()
        if (found := _check_rows(archive, names, path, listed, rows.doubled, contents))
    ]
    contents.problems += _row_problems(findings, manifest)
    counts = manifest.counts()
    if not isinstance(counts, dict) or counts.get("items") != contents.items:
        contents.problems.append("the manifest's item count does not match its items")
    return contents


def _path_of(entry: Any, contents: Contents) -> str | None:
    path = entry.get("path") if isinstance(entry, dict) else None
    if not isinstance(path, str):
        what = entry.get("id") if isinstance(entry, dict) else None
        contents.problems.append(f"{what or 'an entry'}: the manifest names no path for it")
        return None
    return path


def _check_member(
    archive: zipfile.ZipFile,
    names: set[str],
    path: str,
    entry: dict[str, Any],
    contents: Contents,
    label: Any = None,
) -> None:
    if path not in names:
        return
    what = f"{label} ({path})" if label else path
    size, declared = entry.get("size"), archive.getinfo(path).file_size
    if size is not None and declared != size:
        # Differs whatever its bytes are: not unpacked, for it may be a bomb of gigabytes.
        contents.problems.append(
            f"{what}: size does not match the manifest ({declared} bytes, not {size})"
        )
        return
    sha256, total = sha256_of(archive, path)
    if sha256 != entry.get("sha256"):
        contents.problems.append(f"{what}: SHA-256 does not match the manifest")
    if size is not None and total != size:
        contents.problems.append(f"{what}: size does not match the manifest")


def sha256_of(archive: zipfile.ZipFile, name: str) -> tuple[str, int]:
    digest, total = hashlib.sha256(), 0
    with member_stream(archive, name) as stream:
        while piece := stream.read(READ_BUFFER):
            digest.update(piece)
            total += len(piece)
    return digest.hexdigest(), total


def _check_rows(
    archive: zipfile.ZipFile,
    names: set[str],
    path: str,
    listed: dict[int, bytes | None],
    doubled: set[str],
    contents: Contents,
) -> RowFindings | None:
    """Hash each row of a collection file against the digest listed for it."""
    if path not in names:
        contents.problems.append(f"{path}: records listed in a missing file")
        return None
    try:
        check_keys(archive, path)
        found = _hash_rows(path, listed, streamed(archive, path, "records.item"))
    except Unstreamable:
        try:
            document = whole_json(path, read_whole(archive, path))
        except ValueError:
            contents.problems.append(f"{path}: not valid JSON")
            return None
        records = document.get("records") if isinstance(document, dict) else None
        found = _hash_rows(path, listed, iter(as_list(records)))
    found.one_to_one = found.one_to_one and path not in doubled
    return found


def _hash_rows(path: str, listed: dict[int, bytes | None], records: Iterator[Any]) -> RowFindings:
    found = RowFindings(path)
    count = 0
    for row, record in enumerate(records):
        count += 1
        if row in listed:
            digest = _row_digest(record)
            if digest is None or digest != listed[row]:
                found.differing.append(row)
    found.absent = sorted(r for r in listed if r >= count)
    found.one_to_one = len(listed) == count and not found.absent
    return found


def _row_digest(record: Any) -> bytes | None:
    """SHA-256 of the row's canonical JSON; None when it has none (text that UTF-8 cannot
    hold, a lone surrogate), so that it equals no listed hash."""
    try:
        return hashlib.sha256(canonical_bytes(record)).digest()
    except (UnicodeEncodeError, RecursionError):
        return None


def _row_problems(
    findings: list[RowFindings], manifest: StreamedManifest | WholeManifest
) -> list[str]:
    """The findings as problems, each naming the items that list the row."""
    wanted = {(f.path, row) for f in findings for row in f.differing + f.absent}
    ids: dict[tuple[str, int], list[Any]] = defaultdict(list)
    if wanted:
        for item in manifest.items():
            key = (item.get("path"), item.get("row")) if isinstance(item, dict) else None
            if key in wanted and item.get("kind") == "record":
                ids[key].append(item.get("id"))
    problems: list[str] = []
    for f in findings:
        for row in f.differing:
            problems += [
                f"{i} ({f.path} row {row}): SHA-256 does not match" for i in ids[f.path, row]
            ]
        for row in f.absent:
            problems += [f"{i}: no row {row} in {f.path}" for i in ids[f.path, row]]
        if not f.one_to_one:
            problems.append(f"{f.path}: rows and manifest items do not correspond one to one")
    return problems
