"""Rows spooled per collection while records stream in, then written out as JSON and CSV.

Only one line is in memory at a time, and each spool or document file is held in memory only up
to IN_MEMORY bytes, then moved to a file in the build's folder: a subject with millions of rows
costs disk, not RAM, and a small package creates no files.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any, Final

from rightful.adapters.packaging.encoding import parse_line

# Spreadsheet programs run cells that start like a formula; such cells get a leading apostrophe
# in the CSV (OWASP). The JSON file keeps every value exactly as stored.
_FORMULA_START: Final = ("=", "@", "\t", "\r")
_SIGNS: Final = ("+", "-")
# A cell that starts with a sign is left as it is only when it holds nothing but a number,
# a phone number or sums of them: such a formula can only compute (-2+3), never call (DDE,
# HYPERLINK), while '-2+3+cmd|...' is a formula as much as '=cmd|...' is.
_NUMERIC: Final = frozenset("0123456789 .,()/+-")
_JSON: Final = json.JSONEncoder(ensure_ascii=False)
# The CSV starts with a UTF-8 byte order mark: without it, Excel opens a double-clicked CSV in
# the computer's legacy code page, and "Krüger" reads "KrÃ¼ger" (its own "CSV UTF-8" writes one).
CSV_BOM: Final = "\ufeff".encode()
IN_MEMORY: Final = 256 * 1024
BATCH: Final = 64 * 1024
COPY_BUFFER: Final = 1024 * 1024


def spooled(folder: Path | None, in_memory: int = IN_MEMORY) -> IO[bytes]:
    """A temporary file held in memory up to `in_memory` bytes, then on disk in `folder`."""
    return tempfile.SpooledTemporaryFile(max_size=in_memory, dir=folder)


class Appended:
    """Pieces of bytes appended to a spooled file, each followed by `end`, handed to it about
    BATCH bytes at a time: SpooledTemporaryFile.write is Python code, about a microsecond a
    call, and a build appends two or three pieces an item (rows, manifest lines, ZIP central
    records)."""

    def __init__(self, folder: Path | None, end: bytes = b"\n", in_memory: int = IN_MEMORY) -> None:
        self._file = spooled(folder, in_memory)
        self._end = end
        self._pending: list[bytes] = []
        self._pending_bytes = 0

    def append(self, piece: bytes) -> None:
        self._pending.append(piece)
        self._pending_bytes += len(piece)
        if self._pending_bytes >= BATCH:
            self._flush()

    def file(self) -> IO[bytes]:
        """The spooled file with every piece appended so far, at its end (tell() is its size);
        read it once appending is done."""
        self._flush()
        self._file.seek(0, io.SEEK_END)
        return self._file

    def close(self) -> None:
        self._pending.clear()
        self._file.close()

    def _flush(self) -> None:
        if self._pending:
            self._pending.append(b"")
            self._file.write(self._end.join(self._pending))
            self._pending.clear()
            self._pending_bytes = 0


class RowSpool:
    """The rows of one collection, as canonical JSON lines in a spooled temporary file."""

    def __init__(self, folder: Path, fields: tuple[str, ...]) -> None:
        self.folder = folder
        self.fields = fields
        self.rows = 0
        self._out = Appended(folder)

    def append(self, canonical: bytes) -> int:
        """Add one row (canonical JSON bytes); returns its index in the collection file."""
        self._out.append(canonical)
        self.rows += 1
        return self.rows - 1

    def close(self) -> None:
        self._out.close()

    def lines(self) -> Iterator[bytes]:
        """The spooled rows, in order."""
        spooled_rows = self._out.file()
        spooled_rows.seek(0)
        for line in spooled_rows:
            yield line.rstrip(b"\n")

    def write_json(self, header: Mapping[str, Any]) -> IO[bytes]:
        """One JSON document: the header's keys, then `records` holding every row in order;
        returned at its end (its size is tell())."""
        opening = json.dumps(dict(header), ensure_ascii=False, indent=1)[:-1].rstrip()
        out = spooled(self.folder)
        out.write(opening.encode() + b',\n "records": [')
        copy_as_list(self._out.file(), out)
        out.write(b"\n ]\n}\n")
        return out

    def write_csv(self) -> IO[bytes]:
        """The rows as CSV (UTF-8 with a byte order mark) with a header line; values as in the
        JSON, formulas defused; returned at its end (its size is tell())."""
        out = spooled(self.folder)
        out.write(CSV_BOM)
        text = io.StringIO()  # handed to `out` about BATCH characters at a time
        writer = csv.writer(text)
        writer.writerow(self.fields)
        for line in self.lines():
            row = parse_line(line)
            writer.writerow([csv_cell(row.get(name)) for name in self.fields])
            if text.tell() >= BATCH:
                _move(text, out)
        _move(text, out)
        return out


def copy_as_list(lines: IO[bytes], out: IO[bytes]) -> None:
    """The lines of `lines` (each ending in a newline) as the items of a JSON list, one a
    line: `\\n  ` before the first, `,\\n  ` between them. Copied COPY_BUFFER bytes at a time,
    not a line at a time: JSON escapes a newline inside text, so each newline ends an item."""
    left = lines.tell() - 1  # the last item's newline is not copied
    lines.seek(0)
    if left >= 0:
        out.write(b"\n  ")
    while left > 0 and (chunk := lines.read(min(COPY_BUFFER, left))):
        left -= len(chunk)
        out.write(chunk.replace(b"\n", b",\n  "))


def _move(text: io.StringIO, out: IO[bytes]) -> None:
    out.write(text.getvalue().encode())
    text.seek(0)
    text.truncate()


def csv_cell(value: Any) -> str:
    """A JSON value as CSV text ('' for null)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        # as JSON writes it: a number is a sign and digits (a float also '.' and 'e'), and
        # true, false, a list or an object start with a letter or a bracket: nothing to defuse
        return str(value) if type(value) is int else _JSON.encode(value)
    if value.startswith(_FORMULA_START):
        return "'" + value
    if value.startswith(_SIGNS) and len(value) > 1 and not _NUMERIC.issuperset(value):
        return "'" + value
    return value
