"""Reading a package's members for `rightful package verify`: each member as a stream that names
the member when zipfile cannot read it, small members whole, and JSON as a stream (ijson), so
that memory stays flat however many items a package holds. A document the streaming parser
cannot read exactly as the standard library does (integers past 64 bits, NaN, escaped
surrogates) is read whole by the standard library instead: the verdict never depends on which
reader was used. An object that holds a key twice is refused by both readers: which of the two
counts is a reader's choice (json.loads takes the last, a stream sees both), and a verifier must
not pick one."""

from __future__ import annotations

import errno
import json
import lzma
import re
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from itertools import accumulate, chain
from typing import IO, Any, Final

import ijson

from rightful.domain.packages import MANIFEST

READ_BUFFER: Final = 1024 * 1024
MAX_WHOLE_READ = 64 * 1024 * 1024  # members read whole: manifest.sig, or an older manifest

# What zipfile raises on damaged, truncated or foreign archives, while opening or reading.
UNREADABLE: Final = (
    zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, NotImplementedError, RuntimeError,
    OSError, ValueError,
)  # fmt: skip


class DamagedArchiveError(Exception):
    """The archive or one of its members cannot be read; the message says which and why."""


@contextmanager
def member_stream(archive: zipfile.ZipFile, name: str) -> Iterator[IO[bytes]]:
    """Member `name` as a stream; DamagedArchiveError naming it when it cannot be read, whether
    on opening or anywhere in the reading done inside the block."""
    try:
        with archive.open(name) as stream:
            yield stream
    except UNREADABLE as exc:
        raise DamagedArchiveError(f"{name}: cannot be read{detail(exc)}") from exc


def read_whole(archive: zipfile.ZipFile, name: str) -> bytes:
    """A member read whole, when it is small enough to be: a manifest that unpacks to gigabytes
    is refused, not held in memory."""
    limit = MAX_WHOLE_READ
    with member_stream(archive, name) as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise DamagedArchiveError(
            f"{name}: unpacks to more than {limit // 2**20} MiB, and not in rightful's "
            "line-by-line layout: it cannot be checked in bounded memory"
        )
    return data


def detail(exc: BaseException) -> str:
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


# --- JSON as a stream, or whole where a stream could read it otherwise ----------------------


class Unstreamable(Exception):
    """The streaming parser refused a document, or might read it otherwise than json.loads."""


# JSON escapes of UTF-16 surrogates: the streaming parser turns a lone one into "?" silently.
_SURROGATE_ESCAPE: Final = re.compile(rb"\\u[dD][89a-fA-F]")

# Deeper than json.dumps can write (so than any package holds): the streaming parser's memory
# grows with the square of the depth (100,000 levels: gigabytes), json.loads recurses.
MAX_DEPTH: Final = 1000
MAX_STRING: Final = 64 * 1024 * 1024  # longer texts belong in files of their own
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


def whole_json(name: str, data: bytes) -> Any:
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


def check_keys(archive: zipfile.ZipFile, name: str) -> bool:
    """Whether member `name` is a JSON object, read through once as a stream to refuse (as
    DamagedArchiveError) an object that holds a key twice; Unstreamable as `streamed`. Only the
    keys of the objects open at a point are held."""
    with member_stream(archive, name) as member:
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
    with member_stream(archive, name) as member:
        try:
            guarded = _Guarded(member, name)
            yield from ijson.items(guarded, prefix, use_float=True, buf_size=READ_BUFFER)
        except (ijson.JSONError, UnicodeDecodeError) as refused:
            raise Unstreamable from refused


class StreamedManifest:
    """manifest.json read in passes, one item at a time."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self._archive = archive
        if not check_keys(archive, MANIFEST):
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
        return iter(as_list(self._doc.get("files")))

    def items(self) -> Iterator[Any]:
        return iter(as_list(self._doc.get("items")))

    def counts(self) -> Any:
        return self._doc.get("counts")

    def signing_key_id(self) -> Any:
        return self._doc.get("signing_key_id")


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
