"""A SQLite source that is a folder or not a database says so, instead of "does not exist" or
a bare DatabaseError."""

from __future__ import annotations

from pathlib import Path

import pytest

from rightful.adapters.sources.sqlite import SqliteSource
from rightful.domain.errors import SourceUnavailableError


def test_a_folder_is_named_as_a_folder(tmp_path: Path) -> None:
    with pytest.raises(SourceUnavailableError, match="is a folder, not a SQLite file"):
        SqliteSource("shop", tmp_path)


def test_a_file_that_is_not_a_database_is_named_so(tmp_path: Path) -> None:
    text = tmp_path / "shop.db"
    text.write_text("these are notes, not a database " * 100)
    source = SqliteSource("shop", text)
    with pytest.raises(SourceUnavailableError, match="the file is not a SQLite database"):
        list(source.rows("SELECT 1 FROM sqlite_master", []))
