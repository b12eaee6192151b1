"""`rightful package verify`: check a decrypted package offline - signature, every hash, and that
the archive holds exactly what the manifest lists.

The manifest and the collection files are read as streams (ijson), so memory stays flat
however many items a package holds. A document the streaming parser cannot read exactly as
the standard library does (integers past 64 bits, NaN, escaped surrogates) is read whole by
the standard library instead: the verdict never depends on which reader was used. An object
that holds a key twice is refused by both readers: which of the two counts is a reader's
choice (json.loads takes the last, a stream sees both), and a verifier must not pick one."""

from __future__ import annotations

import base64
import binascii
import errno
import hashlib
import json
import lzma
import re
import zipfile
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from itertools import accumulate, chain
from pathlib import Path
from typing import IO, Any, Final

import ijson
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
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


READ_BUFFER: Final = 1024 * 1024

# What zipfile raises on damaged, truncated or foreign archives, while opening or reading.
_UNREADABLE: Final = (
    zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, NotImplementedError, RuntimeError,
    OSError, ValueError,
)  # fmt: skip


class DamagedArchiveError(Exception):
    """The archive or one of its members cannot be read; the message says which and why."""


MAX_PROBLEMS_LISTED = 100  # a foreign archive of 200,000 entries is not 200,000 lines
MAX_WHOLE_READ = 64 * 1024 * 1024  # members read whole: manifest.sig, or an older manifest


def verify_package(path: Path, public_key_pem: bytes | None = None) -> VerifyReport:
    """Verify a package ZIP; with `public_key_pem` the signer is pinned to that key. A damaged,
    truncated or foreign file is a problem in the report, never an exception."""
    report = VerifyReport(pinned=public_key_pem is not None)
    try:
        archive = zipfile.ZipFile(path)
    except _UNREADABLE as exc:
        report.problems.append(f"not a readable ZIP archive{_detail(exc)}")
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
    manifest_sha256 = _sha256_of(archive, MANIFEST)[0]
    _check_signature(
        lambda: _read(archive, MANIFEST),
        manifest_sha256,
        _read(archive, SIGNATURE),
        public_key_pem,
        report,
    )
    manifest: StreamedManifest | WholeManifest
    try:
        manifest = StreamedManifest(archive)
        contents = _check_contents(archive, names, manifest)
    except Unstreamable:
        try:
            document = _whole_json(MANIFEST, _read(archive, MANIFEST))
        except ValueError:
            report.problems.append("manifest.json is not valid JSON")
            return
        if not isinstance(document, dict):
            report.problems.append("manifest.json is not a JSON object")
            return
        manifest = WholeManifest(document)
        contents = _check_contents(archive, names, manifest)
    report.problems += contents.problems
    report.items, report.files = contents.items, contents.files
    named = manifest.signing_key_id()
    if report.key_id is not None and named != report.key_id:
        shown = named if isinstance(named, str) and len(named) <= 40 else "another"
        report.problems.append(
            f"manifest.json names signing key {shown}, but key {report.key_id} signed it"
        )


@contextmanager
def _member(archive: zipfile.ZipFile, name: str) -> Iterator[IO[bytes]]:
    """Member `name` as a stream; DamagedArchiveError naming it when it cannot be read, whether
    on opening or anywhere in the reading done inside the block."""
    try:
        with archive.open(name) as stream:
            yield stream
    except _UNREADABLE as exc:
        raise DamagedArchiveError(f"{name}: cannot be read{_detail(exc)}") from exc


def _read(archive: zipfile.ZipFile, name: str) -> bytes:
    """A member read whole, when it is small enough to be: a manifest that unpacks to gigabytes
    is refused, not held in memory."""
    limit = MAX_WHOLE_READ
    with _member(archive, name) as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise DamagedArchiveError(
            f"{name}: unpacks to more than {limit // 2**20} MiB, and not in rightful's "
            "line-by-line layout: it cannot be checked in bounded memory"
        )
    return data


def _detail(exc: BaseException) -> str:
    """Why zipfile refused, in words; empty where its own message would add nothing."""
    text = str(exc)
    if isinstance(exc, zlib.error | lzma.LZMAError | EOFError):
        text = "compressed data is corrupt or cut short"
    elif isinstance(exc, RuntimeError) and "encrypted" in text:
        text = "encrypted with a password; rightful packages are not"
    elif isinstance(exc, OSError) and exc.errno not in (None, errno.EINVAL) and exc.strerror:
        text = exc.strerror  # e.g. Permission denied
    elif isinstance(exc, OSError):  # a seek outside the file: offsets past its end
        text = "the file is cut short or its directory is damaged"
    elif "CRC-32" in text:
        text = "its CRC-32 does not match: changed or damaged"
    elif text == "File is not a zip file":
        text = "no ZIP directory at its end: another kind of file, or cut short"
    return f" ({text})" if text else ""


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
        sig = _whole_json(SIGNATURE, raw_sig)
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


# --- reading JSON as a stream, or whole where a stream could read it otherwise -----------------


class Unstreamable(Exception):
    """The streaming parser refused a document, or might read it otherwise than json.loads."""


# JSON escapes of UTF-16 surrogates: the streaming parser turns a lone one into "?" silently.
_SURROGATE_ESCAPE: Final = re.compile(rb"\\u[dD][89a-fA-F]")

# Deeper than json.dumps can write (so than any package holds): the streaming parser's memory
# grows with the square of the depth (100,000 levels: gigabytes), json.loads recurses.
MAX_DEPTH: Final = 1000
MAX_STRING: Final = 64 * 1024 * 1024  # longer texts belong in files of their own
MAX_PROBLEM_LENGTH: Final = 300  # a name in a problem is the archive's, of any length
_ESCAPE: Final = re.compile(rb"\\.", re.DOTALL)  # a backslash and what it escapes
_NOT_STRUCTURE: Final = bytes(b for b in range(256) if b not in b'[]{}"')
_STEP: Final = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


class NestingTracker:
    """How deep the JSON read so far is nested, fed a document piece by piece; strings (which
    may hold brackets) are skipped, also when one runs on into the next piece.

    Escapes gone, every quote opens or closes a string. Of the rest only quotes and brackets
    are kept, and two quotes side by side are dropped (a string without brackets, or the end of
    one and the start of the next: nothing between them, so what is inside stays inside). What
    is left is split at the few quotes that remain. All of it runs in C: a 38 MiB manifest of
    100,000 items takes about 0.1 s."""

    def __init__(self, name: str) -> None:
        self._name, self._depth, self._in_string, self._backslash = name, 0, False, b""
        self._string_run = 0  # bytes of the string still open, when one runs on past a piece

    def feed(self, data: bytes) -> None:
        self._check_string_run(data)
        text = self._backslash + data
        if b"\\" in text:
            text = _ESCAPE.sub(b"", text)
        self._backslash = b""
        if text.endswith(b"\\"):  # its escaped character is in the next piece
            text, self._backslash = text[:-1], b"\\"
        parts = text.translate(None, _NOT_STRUCTURE).replace(b'""', b"").split(b'"')
        brackets = b"".join(parts[1 if self._in_string else 0 :: 2])
        self._in_string ^= len(parts) % 2 == 0
        opening = brackets.count(b"[") + brackets.count(b"{")
        if self._depth + opening > MAX_DEPTH:
            deepest = max(accumulate(map(_STEP.__getitem__, brackets), initial=self._depth))
            if deepest > MAX_DEPTH:
                raise DamagedArchiveError(
                    f"{self._name}: nested more than {MAX_DEPTH} levels deep; no package is, "
                    "so it is not read further"
                )
        self._depth += 2 * opening - len(brackets)

    def _check_string_run(self, data: bytes) -> None:
        """A string that goes on for more than MAX_STRING: the parser would hold it whole (a
        few hundred kB zipped made 2 GB of one string). Counted from the last quote, which
        over-counts only a string that ends with escaped quotes: still no package's."""
        last_quote = data.rfind(b'"')
        if last_quote < 0:
            self._string_run += len(data) if self._in_string else 0
        else:
            self._string_run = len(data) - last_quote
        if self._string_run > MAX_STRING:
            raise DamagedArchiveError(
                f"{self._name}: a text runs on for more than {MAX_STRING // 2**20} MiB; no "
                "package holds one, so it is not read further"
            )


class _Guarded:
    """A member stream for ijson that stops at anything the parser may read inexactly, and at
    nesting deep enough to exhaust memory."""

    def __init__(self, stream: IO[bytes], name: str) -> None:
        self._stream, self._tail, self._depth = stream, b"", NestingTracker(name)

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self._depth.feed(data)
        if _SURROGATE_ESCAPE.search(self._tail + data[:8]) or _SURROGATE_ESCAPE.search(data):
            raise Unstreamable
        self._tail = data[-5:]
        return data


def _whole_json(name: str, data: bytes) -> Any:
    """A member read whole, as json.loads reads it, once it is known not to nest too deep;
    DamagedArchiveError naming it where an object holds a key twice. ValueError: not JSON."""
    NestingTracker(name).feed(data)
    try:
        return json.loads(data, object_pairs_hook=partial(_one_of_each, name))
    except RecursionError:  # json.loads may give up a little short of MAX_DEPTH
        raise DamagedArchiveError(f"{name}: nested too deep to be read") from None


def _one_of_each(name: str, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) < len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DamagedArchiveError(_key_twice(name, key))
            seen.add(key)
    return document


def _key_twice(name: str, key: str) -> str:
    shown = key if len(key) <= 40 else f"{key[:40]}…"
    return (
        f"{name}: the key {shown!r} appears twice in one object; readers differ on which "
        "counts, so it is not read further"
    )


def _check_keys(archive: zipfile.ZipFile, name: str) -> bool:
    """Whether member `name` is a JSON object, read through once as a stream to refuse (as
    DamagedArchiveError) an object that holds a key twice; Unstreamable as `streamed`. Only the
    keys of the objects open at a point are held."""
    with _member(archive, name) as member:
        try:
            events = ijson.basic_parse(_Guarded(member, name), use_float=True, buf_size=READ_BUFFER)
            first = next(events, (None, None))[0]
            _refuse_keys_twice(name, chain([(first, None)], events))
        except (ijson.JSONError, UnicodeDecodeError) as refused:
            raise Unstreamable from refused
    return first == "start_map"


def _refuse_keys_twice(name: str, events: Iterator[tuple[Any, Any]]) -> None:
    open_objects: list[set[str]] = []
    for event, value in events:
        if event == "map_key":
            if value in open_objects[-1]:
                raise DamagedArchiveError(_key_twice(name, value))
            open_objects[-1].add(value)
        elif event == "start_map":
            open_objects.append(set())
        elif event == "end_map":
            open_objects.pop()


def streamed(archive: zipfile.ZipFile, name: str, prefix: str) -> Iterator[Any]:
    """The values at `prefix` in member `name`, as json.loads would read them; Unstreamable
    where the streaming parser refuses the document or could read it otherwise."""
    with _member(archive, name) as member:
        try:
            guarded = _Guarded(member, name)
            yield from ijson.items(guarded, prefix, use_float=True, buf_size=READ_BUFFER)
        except (ijson.JSONError, UnicodeDecodeError) as refused:
            raise Unstreamable from refused


class StreamedManifest:
    """manifest.json read in passes, one item at a time."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self._archive = archive
        if not _check_keys(archive, MANIFEST):
            raise Unstreamable  # json.loads says what it is

    def files(self) -> Iterator[Any]:
        return streamed(self._archive, MANIFEST, "files.item")

    def items(self) -> Iterator[Any]:
        return streamed(self._archive, MANIFEST, "items.item")

    def counts(self) -> Any:
        return next(streamed(self._archive, MANIFEST, "counts"), None)

    def signing_key_id(self) -> Any:
        return next(streamed(self._archive, MANIFEST, "signing_key_id"), None)


class WholeManifest:
    """manifest.json as json.loads read it."""

    def __init__(self, document: dict[str, Any]) -> None:
        self._doc = document

    def files(self) -> Iterator[Any]:
        return iter(_list(self._doc.get("files")))

    def items(self) -> Iterator[Any]:
        return iter(_list(self._doc.get("items")))

    def counts(self) -> Any:
        return self._doc.get("counts")

    def signing_key_id(self) -> Any:
        return self._doc.get("signing_key_id")


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


# --- the contents ----------------------------------------------------------------------------


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


def _check_contents(
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
    sha256, total = _sha256_of(archive, path)
    if sha256 != entry.get("sha256"):
        contents.problems.append(f"{what}: SHA-256 does not match the manifest")
    if size is not None and total != size:
        contents.problems.append(f"{what}: size does not match the manifest")


def _sha256_of(archive: zipfile.ZipFile, name: str) -> tuple[str, int]:
    digest, total = hashlib.sha256(), 0
    with _member(archive, name) as stream:
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
        _check_keys(archive, path)
        found = _hash_rows(path, listed, streamed(archive, path, "records.item"))
    except Unstreamable:
        try:
            document = _whole_json(path, _read(archive, path))
        except ValueError:
            contents.problems.append(f"{path}: not valid JSON")
            return None
        records = document.get("records") if isinstance(document, dict) else None
        found = _hash_rows(path, listed, iter(_list(records)))
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
