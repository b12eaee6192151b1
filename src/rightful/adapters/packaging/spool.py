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
_JSON: Final = json.JSONEncoder(ensure_ascii=False)
IN_MEMORY: Final = 256 * 1024


def spooled(folder: Path) -> IO[bytes]:
    """A temporary file held in memory up to IN_MEMORY bytes, then on disk in `folder`."""
    return tempfile.SpooledTemporaryFile(max_size=IN_MEMORY, dir=folder)


class RowSpool:
    """The rows of one collection, as canonical JSON lines in a spooled temporary file."""

    def __init__(self, folder: Path, fields: tuple[str, ...]) -> None:
        self.folder = folder
        self.fields = fields
        self.rows = 0
        self._out = spooled(folder)

    def append(self, canonical: bytes) -> int:
        """Add one row (canonical JSON bytes); returns its index in the collection file."""
        self._out.write(canonical + b"\n")
        self.rows += 1
        return self.rows - 1

    def close(self) -> None:
        self._out.close()

    def lines(self) -> Iterator[bytes]:
        """The spooled rows, in order."""
        self._out.seek(0)
        for line in self._out:
            yield line.rstrip(b"\n")

    def write_json(self, header: Mapping[str, Any]) -> IO[bytes]:
        """One JSON document: the header's keys, then `records` holding every row in order;
        returned at its end (its size is tell())."""
        opening = json.dumps(dict(header), ensure_ascii=False, indent=1)[:-1].rstrip()
        out = spooled(self.folder)
        out.write(opening.encode() + b',\n "records": [')
        for i, line in enumerate(self.lines()):
            out.write((b"\n  " if i == 0 else b",\n  ") + line)
        out.write(b"\n ]\n}\n")
        return out

    def write_csv(self) -> IO[bytes]:
        """The rows as CSV with a header line; values as in the JSON, formulas defused;
        returned at its end (its size is tell())."""
        out = spooled(self.folder)
        text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
        writer = csv.writer(text)
        writer.writerow(self.fields)
        for line in self.lines():
            row = parse_line(line)
            writer.writerow([csv_cell(row.get(name)) for name in self.fields])
        text.detach()
        return out


def csv_cell(value: Any) -> str:
    """A JSON value as CSV text ('' for null)."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    elif type(value) is int:
        return str(value)  # as JSON writes it, and only a sign and digits: nothing to defuse
    else:
        text = _JSON.encode(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    if text.startswith(_SIGNS) and len(text) > 1 and not (text[1].isdigit() or text[1] == " "):
        return "'" + text
    return text
