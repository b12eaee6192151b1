"""Rows wait in spools while a package is built: in memory while small, on disk past
IN_MEMORY, and the JSON and CSV documents hold every row in order either way (REQUIREMENTS,
"The access response": Art. 20, structured and machine-readable)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from rightful.adapters.packaging.encoding import canonical_row
from rightful.adapters.packaging.spool import BATCH, IN_MEMORY, Appended, RowSpool

FIELDS = ("id", "note")


@pytest.mark.parametrize("rows", [0, 1, 3, IN_MEMORY // 40, 3 * IN_MEMORY // 40])
def test_every_row_reaches_the_json_and_csv_documents_in_order(tmp_path: Path, rows: int) -> None:
    spool = RowSpool(tmp_path, FIELDS)
    values = [(i, f"note {i} " + "x" * (i % 17)) for i in range(rows)]
    for row in values:
        spool.append(canonical_row(FIELDS, row))

    with spool.write_json({"collection": "c", "count": rows}) as document:
        assert document.tell() > 0
        document.seek(0)
        parsed = json.loads(document.read())
    with spool.write_csv() as table:
        table.seek(0)
        lines = list(csv.reader(io.TextIOWrapper(table, encoding="utf-8-sig", newline="")))
    spool.close()

    assert parsed["count"] == rows
    assert parsed["records"] == [dict(zip(FIELDS, row, strict=True)) for row in values]
    assert lines == [list(FIELDS), *([str(i), note] for i, note in values)]


def test_the_csv_opens_in_a_spreadsheet_as_written(tmp_path: Path) -> None:
    """index.html offers the CSV "you can open in a spreadsheet": Excel reads a CSV without a
    UTF-8 byte order mark in the legacy code page ("Ben KrÃ¼ger"). Values holding the
    separator, quotes or line breaks are quoted, and leading zeros stay as stored."""
    spool = RowSpool(tmp_path, FIELDS)
    notes = ["Ben Krüger", 'a, "b"\nc', "0049301234"]
    for i, note in enumerate(notes):
        spool.append(canonical_row(FIELDS, (i, note)))
    with spool.write_csv() as table:
        table.seek(0)
        raw = table.read()
    spool.close()
    assert raw.startswith(b"\xef\xbb\xbfid,note\r\n")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows == [list(FIELDS), *([str(i), note] for i, note in enumerate(notes))]


def test_a_spool_leaves_no_file_behind(tmp_path: Path) -> None:
    spool = RowSpool(tmp_path, FIELDS)
    for i in range(3 * IN_MEMORY // 40):
        spool.append(canonical_row(FIELDS, (i, "y" * 30)))
    spool.write_json({}).close()
    spool.write_csv().close()
    spool.close()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("end", [b"\n", b""])
def test_appended_pieces_reach_the_file_whole_and_in_order(tmp_path: Path, end: bytes) -> None:
    pieces = [str(i).encode() * (i % 50) for i in range(3 * BATCH // 100)]
    pieces.append(b"z" * (2 * BATCH))  # one piece larger than a batch
    appended = Appended(tmp_path, end, in_memory=BATCH)
    for piece in pieces:
        appended.append(piece)
    halfway = appended.file().tell()
    appended.append(b"last")

    spooled = appended.file()
    spooled.seek(0)
    assert halfway == sum(len(p) + len(end) for p in pieces)
    assert spooled.read() == b"".join(p + end for p in [*pieces, b"last"])
    appended.close()
    assert list(tmp_path.iterdir()) == []
