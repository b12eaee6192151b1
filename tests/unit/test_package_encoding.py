"""The build's fast JSON writes exactly the canonical bytes that `rightful package verify`
recomputes with the standard library, for any row a source can hold (REQUIREMENTS, "The access
response": Art. 20, structured and machine-readable, and every item's hash checkable offline)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from rightful.adapters.packaging.encoding import canonical_row, json_line, parse_line
from rightful.adapters.packaging.spool import csv_cell
from rightful.domain.packages import canonical_bytes, row_object

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),  # also past 64 bits, which orjson cannot write
    st.floats(),  # orjson writes floats in another form; NaN and infinities become text
    st.text(),  # every code point: control characters, quotes, emoji, look-alikes
    st.binary(max_size=20),
    st.datetimes(timezones=st.just(UTC)),
    st.dates(),
    st.timedeltas(),
    st.decimals(allow_nan=False),
    st.lists(st.one_of(st.none(), st.integers(), st.text(), st.floats()), max_size=3),  # arrays
)


@given(st.dictionaries(st.text(), VALUES, max_size=8))
def test_a_row_is_written_exactly_as_the_canonical_form_writes_it(row: dict[str, object]) -> None:
    fields, values = tuple(row), tuple(row.values())
    assert canonical_row(fields, values) == canonical_bytes(row_object(fields, values))


def test_rows_that_orjson_would_write_differently_take_the_standard_library() -> None:
    assert canonical_row(("f",), (1.5e-7,)) == b'{"f":1.5e-07}'
    assert canonical_row(("n",), (2**64,)) == b'{"n":18446744073709551616}'
    assert canonical_row(("d",), (Decimal("1.10"),)) == b'{"d":"1.10"}'
    assert canonical_row(("b", "a"), (date(2024, 2, 29), True)) == b'{"a":true,"b":"2024-02-29"}'


@given(st.dictionaries(st.text(), st.one_of(st.none(), st.integers(-(2**63), 2**63), st.text())))
def test_a_manifest_line_reads_back_as_the_standard_library_reads_it(
    item: dict[str, object],
) -> None:
    line = json_line(item)
    assert b"\n" not in line
    assert parse_line(line) == json.loads(line) == item


@given(st.integers(), st.text())
def test_numbers_of_any_width_read_back_exactly(number: int, text: str) -> None:
    line = json_line({"key": [number], "text": text})
    assert parse_line(line) == {"key": [number], "text": text}


def test_values_without_a_json_form_are_written_as_text() -> None:
    at = datetime(2021, 1, 1, tzinfo=UTC)
    assert parse_line(json_line({"at": at})) == {"at": "2021-01-01T00:00:00+00:00"}


def test_an_array_is_a_json_array_in_the_json_and_json_text_in_the_csv() -> None:
    """A PostgreSQL text[] or int[] came as Python's repr, `['c,d', None, "it's"]`: neither
    JSON nor unambiguous (Art. 20: structured, commonly used and machine-readable)."""
    tags = ["a b", "c,d", None, "it's", Decimal("1.10"), [date(2024, 2, 29)]]
    row = row_object(("id", "tags"), (1, tags))
    assert row == {"id": 1, "tags": ["a b", "c,d", None, "it's", "1.10", ["2024-02-29"]]}
    assert json.loads(canonical_row(("id", "tags"), (1, tags))) == row
    assert json.loads(csv_cell(row["tags"])) == row["tags"]


def test_a_duration_is_written_as_the_database_writes_it() -> None:
    """MariaDB TIME and PostgreSQL interval come as a timedelta, whose str() wrote the TIME
    -838:59:59 as "-35 days, 1:00:01" and 26 hours as "1 day, 2:00:00"."""
    written = [
        row_object(("t",), (value,))["t"]
        for value in (
            timedelta(hours=9),
            -timedelta(hours=838, minutes=59, seconds=59),
            timedelta(days=1, hours=2, minutes=3, seconds=4),
            timedelta(seconds=-1, microseconds=500),
        )
    ]
    assert written == ["9:00:00", "-838:59:59", "26:03:04", "-0:00:00.999500"]
