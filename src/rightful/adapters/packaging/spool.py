"""Rows spooled to disk per collection while records stream in, then written out as JSON and CSV.

Only one line is in memory at a time; a subject with millions of rows costs disk, not RAM.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any, Final

from rightful.adapters.packaging.encoding import parse_line

# Spreadsheet programs run cells that start like a formula; such cells get a leading apostrophe
# in the CSV (OWASP). The JSON file keeps every value exactly as stored.
_FORMULA_START: Final = ("=", "@", "\t", "\r")
_SIGNS: Final = ("+", "-")
_JSON: Final = json.JSONEncoder(ensure_ascii=False)


class RowSpool:
    """The rows of one collection, as canonical JSON lines in a temporary file."""

    def __init__(self, folder: Path, number: int, fields: tuple[str, ...]) -> None:
        self.path = folder / f"rows-{number}.jsonl"
        self.fields = fields
        self.rows = 0
        self._out: IO[bytes] = self.path.open("wb")

    def append(self, canonical: bytes) -> int:
        """Add one row (canonical JSON bytes); returns its index in the collection file."""
        self._out.write(canonical + b"\n")
        self.rows += 1
        return self.rows - 1

    def close(self) -> None:
        if not self._out.closed:
            self._out.close()

    def lines(self) -> Iterator[bytes]:
        """The spooled rows, in order."""
        self.close()
        with self.path.open("rb") as source:
            for line in source:
                yield line.rstrip(b"\n")

    def write_json(self, target: Path, header: Mapping[str, Any]) -> Path:
        """One JSON document: the header's keys, then `records` holding every row in order."""
        opening = json.dumps(dict(header), ensure_ascii=False, indent=1)[:-1].rstrip()
        with target.open("wb") as out:
            out.write(opening.encode() + b',\n "records": [')
            for i, line in enumerate(self.lines()):
                out.write((b"\n  " if i == 0 else b",\n  ") + line)
            out.write(b"\n ]\n}\n")
        return target

    def write_csv(self, target: Path) -> Path:
        """The rows as CSV with a header line; values as in the JSON, formulas defused."""
        with target.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(self.fields)
            for line in self.lines():
                row = parse_line(line)
                writer.writerow([csv_cell(row.get(name)) for name in self.fields])
        return target


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
