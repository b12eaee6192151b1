"""docs/configuration.md names every setting a user can set, with its environment variable: a
setting missing there is one an operator cannot find."""

from __future__ import annotations

import re
from pathlib import Path

from rightful.settings import PREFIX, Settings

DOC = Path(__file__).parents[2] / "docs" / "configuration.md"


def documented_rows() -> dict[str, str]:
    """setting -> its row, for each table row that starts with a setting's name."""
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if found := re.match(r"\| `([a-z_0-9]+)` \|", line):
            rows[found.group(1)] = line
    return rows


def test_every_setting_has_a_row_with_its_environment_variable() -> None:
    rows = documented_rows()
    missing = [name for name in Settings.model_fields if name not in rows]
    assert missing == []
    without_variable = [
        name for name in Settings.model_fields if f"`{PREFIX}{name.upper()}" not in rows[name]
    ]
    assert without_variable == []
    assert set(rows) <= set(Settings.model_fields)  # no row for a setting that is gone


def bounds(name: str) -> tuple[int, int] | None:
    """A setting's lowest and highest value, when it has both."""
    found = {type(m).__name__: m for m in Settings.model_fields[name].metadata}
    if "Ge" in found and "Le" in found:
        return found["Ge"].ge, found["Le"].le
    return None


def test_every_bounded_setting_states_its_range() -> None:
    """download_session_minutes = 2 was refused ("greater than or equal to 5") by a page that
    named no range: an operator learns the bounds from the table, not from the refusal."""
    rows = documented_rows()
    unstated = [
        name
        for name in Settings.model_fields
        if (limits := bounds(name)) and f"{limits[0]} to {limits[1]}" not in rows[name]
    ]
    assert unstated == []
