"""The RecordSource contract: every connector passes it against its real database.

A value matches only itself: no wildcard (`%`, `_`, `*`), no injected SQL, no look-alike letter,
no collation that ignores case, accents or trailing spaces (REQUIREMENTS: identity; issue 3 item 3).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, date
from pathlib import Path
from typing import Any

import psycopg
import pymysql
import pytest

from rightful.adapters.sources import open_source
from rightful.adapters.sources.memory import MemorySource
from rightful.adapters.sources.mysql import connect_args
from rightful.domain.errors import ConfigurationError, SourceSchemaError, SourceUnavailableError
from rightful.domain.sources import RecordSource

PEOPLE = [
    (1, "anna@example.com", "Anna"),
    (2, " ANNA@Example.com ", "Anna typed loudly"),
    (3, "%", "percent"),
    (4, "_", "underscore"),
    (5, "*", "star"),
    (6, "' OR 1=1 --", "injection"),
    (7, "\u0430nna@example.com", "Cyrillic a"),
    (8, "a%", "a percent"),
    (9, "ab", "a b"),
    (10, "josé@example.com", "accented"),
    (11, "jose@example.com", "plain"),
    (12, "trailing ", "trailing space"),
    (13, "trailing", "no trailing space"),
    (14, None, "no address"),
    (15, " ÄNNE@Example.com", "non-ASCII capital"),
]
MEMBERSHIPS = [(1, "a", "first"), (1, "b", "second"), (2, "a", "third")]
COLUMNS = ("id", "email", "name")
MEMBER_COLUMNS = ("person_id", "club", "note")
SCHEMA = {"people": COLUMNS, "memberships": MEMBER_COLUMNS}
# What a data map that drifted from the database declares: a column and a table it lacks.
DECLARED = {**SCHEMA, "people": (*COLUMNS, "nickname"), "persons": ("id",)}

DDL = {
    "sqlite": [
        "CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT, name TEXT)",
        "CREATE INDEX ix_people_email_folded ON people (lower(trim(email)))",
        "CREATE TABLE memberships (person_id INTEGER, club TEXT, note TEXT, "
        "PRIMARY KEY (person_id, club))",
    ],
    "postgresql": [
        "CREATE TABLE people (id BIGINT PRIMARY KEY, email TEXT, name TEXT)",
        "CREATE INDEX ix_people_email_folded ON people (lower(trim(email)))",
        "CREATE TABLE memberships (person_id BIGINT, club TEXT, note TEXT, "
        "PRIMARY KEY (person_id, club))",
    ],
    # A case- and accent-insensitive, PAD SPACE collation on purpose: the connector must not
    # let it widen a match.
    "mysql": [
        "CREATE TABLE people (id BIGINT PRIMARY KEY, email VARCHAR(255) COLLATE "
        "utf8mb4_general_ci, name VARCHAR(255), INDEX (email)) CHARACTER SET utf8mb4",
        "CREATE TABLE memberships (person_id BIGINT, club VARCHAR(50), note TEXT, "
        "PRIMARY KEY (person_id, club))",
    ],
}


def _fill(execute: Callable[[str, Any], None], dialect: str, mark: str) -> None:
    for statement in DDL[dialect]:
        execute(statement, None)
    for row in PEOPLE:
        execute(f"INSERT INTO people VALUES ({mark}, {mark}, {mark})", row)
    for row in MEMBERSHIPS:
        execute(f"INSERT INTO memberships VALUES ({mark}, {mark}, {mark})", row)


def _sqlite(tmp_path: Path) -> str:
    path = tmp_path / "people.db"
    conn = sqlite3.connect(path)
    with conn:
        _fill(lambda sql, p: conn.execute(sql, p or ()), "sqlite", "?")
    conn.close()
    return f"sqlite:///{path}"


def _postgres(url: str) -> str:
    dsn = "postgresql://" + url.split("://", 1)[1]
    with psycopg.connect(dsn) as conn:
        _fill(lambda sql, p: conn.execute(sql, p), "postgresql", "%s")
    return url


def _mysql(url: str) -> str:
    conn = pymysql.connect(autocommit=True, **connect_args(url))
    with conn.cursor() as cur:
        _fill(lambda sql, p: cur.execute(sql, p), "mysql", "%s")
    conn.close()
    return url


@pytest.fixture(
    params=[
        "memory",
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.postgres),
        pytest.param("mysql", marks=pytest.mark.mysql),
    ]
)
def source(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RecordSource]:
    """The same two tables behind each connector."""
    if request.param == "memory":
        made: RecordSource = MemorySource(
            "people", {"people": (COLUMNS, PEOPLE), "memberships": (MEMBER_COLUMNS, MEMBERSHIPS)}
        )
    elif request.param == "sqlite":
        made = open_source("people", _sqlite(tmp_path), schema=DECLARED)
    else:
        url = request.getfixturevalue("pg_url" if request.param == "postgresql" else "mysql_url")
        dsn = _postgres(url) if request.param == "postgresql" else _mysql(url)
        made = open_source("people", dsn, schema=DECLARED)
    yield made
    made.close()


def ids(
    source: RecordSource, values: list[Any], *, fold: bool = False, key: str = "email"
) -> set[int]:
    return {row[0] for row in source.lookup("people", COLUMNS, key, values, fold=fold)}


def test_a_value_matches_only_itself(source: RecordSource) -> None:
    assert ids(source, ["anna@example.com"]) == {1}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("%", {3}),
        ("_", {4}),
        ("*", {5}),
        ("' OR 1=1 --", {6}),
        ("a%", {8}),
        ("%@example.com", set()),
        ("a_", set()),
    ],
)
def test_wildcards_and_injections_match_only_themselves(
    source: RecordSource, value: str, expected: set[int]
) -> None:
    assert ids(source, [value]) == expected
    assert ids(source, [value], fold=True) == expected


def test_homoglyphs_do_not_match(source: RecordSource) -> None:
    assert ids(source, ["\u0430nna@example.com"]) == {7}
    assert 7 not in ids(source, ["anna@example.com"], fold=True)


def test_collations_do_not_widen_a_match(source: RecordSource) -> None:
    """Accent-insensitive and PAD SPACE comparisons (MariaDB's default) are filtered out."""
    assert ids(source, ["jose@example.com"]) == {11}
    assert ids(source, ["josé@example.com"]) == {10}
    assert ids(source, ["trailing"]) == {13}
    assert ids(source, ["ANNA@EXAMPLE.COM"]) == set()


def test_folded_lookup_finds_case_and_space_variants(source: RecordSource) -> None:
    """The normalising comparison lower(trim(col)) = value, never LIKE."""
    assert ids(source, ["anna@example.com"], fold=True) == {1, 2}
    assert ids(source, ["  ANNA@example.COM"], fold=True) == {1, 2}


def test_folded_lookup_lower_cases_beyond_ascii(source: RecordSource) -> None:
    """SQLite's lower() only knows A-Z; the connector still finds 'ÄNNE' for 'änne'."""
    assert ids(source, ["änne@example.com"], fold=True) == {15}
    assert ids(source, ["anne@example.com"], fold=True) == set()


def test_injected_sql_in_a_value_runs_nothing(source: RecordSource) -> None:
    assert ids(source, ["x'); DROP TABLE people; --", 'x"; DROP TABLE people; --']) == set()
    assert ids(source, ["anna@example.com"]) == {1}


def test_many_values_are_batched_and_all_found(source: RecordSource) -> None:
    values = [f"nobody{i}@example.com" for i in range(12_000)] + ["%", "ab", "anna@example.com"]
    assert ids(source, values) == {1, 3, 9}


def test_rows_come_in_the_asked_column_order(source: RecordSource) -> None:
    rows = list(source.lookup("people", ("name", "email", "id"), "id", [1, 3]))
    assert sorted(rows, key=lambda r: r[2]) == [
        ("Anna", "anna@example.com", 1),
        ("percent", "%", 3),
    ]


def test_none_and_repeated_values_are_harmless(source: RecordSource) -> None:
    assert ids(source, [None, 1, 1, 2], key="id") == {1, 2}
    assert ids(source, []) == set()
    assert ids(source, [None]) == set()


def test_fetch_by_composite_primary_key(source: RecordSource) -> None:
    rows = source.fetch(
        "memberships", MEMBER_COLUMNS, ("person_id", "club"), [(1, "b"), (2, "a"), (2, "%")]
    )
    assert sorted(rows) == [(1, "b", "second"), (2, "a", "third")]


def test_fetch_by_single_primary_key(source: RecordSource) -> None:
    assert sorted(source.fetch("people", COLUMNS, ("id",), [(6,)])) == [
        (6, "' OR 1=1 --", "injection")
    ]


@pytest.mark.parametrize(
    ("collection", "columns"),
    [
        ("people; DROP TABLE people", COLUMNS),
        ("nowhere", COLUMNS),
        ("people", ("id", "secret")),
        ("people", ('email" FROM people --', "id")),
    ],
)
def test_names_outside_the_data_map_are_refused(
    source: RecordSource, collection: str, columns: tuple[str, ...]
) -> None:
    with pytest.raises(ConfigurationError):
        list(source.lookup(collection, columns, "id", [1]))


def test_a_probe_of_what_exists_reads_nothing_and_passes(source: RecordSource) -> None:
    source.probe("people", COLUMNS)
    source.probe("memberships", ())


@pytest.mark.parametrize(
    ("collection", "columns", "named"),
    [("people", ("id", "nickname"), "nickname"), ("persons", ("id",), "persons")],
)
def test_a_probe_names_the_missing_column_or_table(
    source: RecordSource, collection: str, columns: tuple[str, ...], named: str
) -> None:
    with pytest.raises(SourceSchemaError, match=named) as caught:
        source.probe(collection, columns)
    assert caught.value.source == "people"


def test_a_lookup_of_a_missing_column_says_which_and_how_to_check(source: RecordSource) -> None:
    """Not "unavailable": the source answered, and the data map names what it lacks."""
    with pytest.raises(SourceSchemaError) as caught:
        list(source.lookup("people", (*COLUMNS, "nickname"), "email", ["anna@example.com"]))
    message = str(caught.value)
    assert message.startswith("source people: ") and "nickname" in message
    assert "rightful datamap check --live" in message
    assert "anna@example.com" not in message


def test_close_twice_is_safe(source: RecordSource) -> None:
    source.close()
    source.close()


@pytest.mark.postgres
def test_a_data_exception_is_reported_by_type_without_the_value(pg_url: str) -> None:
    """PostgreSQL's class 22 messages quote the value (`invalid input syntax ... "x"`)."""
    source = open_source("people", _postgres(pg_url), schema=SCHEMA)
    try:
        with pytest.raises(SourceUnavailableError) as caught:
            list(source.lookup("people", COLUMNS, "id", ["anna@example.com"]))
    finally:
        source.close()
    assert not isinstance(caught.value, SourceSchemaError)
    assert "anna" not in str(caught.value)


@pytest.mark.mysql
def test_mariadb_timestamps_are_read_in_utc(mysql_url: str) -> None:
    """TIMESTAMP values come back in the session's zone, without one; rightful reads times
    without a zone as UTC, so the session's zone must be UTC whatever the server's is."""
    from rightful.adapters.sources.mysql import MysqlSource

    made = MysqlSource("people", _mysql(mysql_url), schema=DECLARED)
    try:
        assert next(made.rows("SELECT @@session.time_zone", ()))[0] == "+00:00"
    finally:
        made.close()


@pytest.mark.postgres
def test_a_value_python_cannot_hold_is_named_as_such_not_as_the_source_being_down(
    pg_url: str,
) -> None:
    """`infinity`, PostgreSQL's idiom for an open end, made collection say the source was
    unavailable."""
    from rightful.domain.errors import SourceValueError

    dsn = "postgresql://" + pg_url.split("://", 1)[1]
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE TABLE spans (id integer primary key, until timestamptz)")
        conn.execute("INSERT INTO spans VALUES (1, 'infinity')")
    made = open_source("spans", pg_url, schema={"spans": ("id", "until")})
    try:
        with pytest.raises(SourceValueError, match="store an open end as NULL"):
            list(made.lookup("spans", ("id", "until"), "id", [1]))
    finally:
        made.close()


def test_sqlite_finds_a_folded_value_with_more_case_spellings_than_it_sends(
    tmp_path: Path,
) -> None:
    """SQLite's lower() folds only A-Z, and an address of more than six Cyrillic letters has
    more case spellings than are sent: it was never found ("no personal data found")."""
    import sqlite3

    path = tmp_path / "cyr.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT)")
        conn.execute("INSERT INTO people VALUES (1, 'ЖЕНЯ.ПЕТРОВА@example.com')")
        conn.execute("INSERT INTO people VALUES (2, 'женя.петров@example.com')")
        conn.execute("INSERT INTO people VALUES (3, 'женя.петрова@example.com')")
    made = open_source("people", f"sqlite:///{path}", schema={"people": ("id", "email")})
    try:
        found = made.lookup("people", ("id", "email"), "email",
                            ["женя.петрова@example.com"], fold=True)  # fmt: skip
        assert sorted(row[0] for row in found) == [1, 3], "each once"
    finally:
        made.close()


def test_a_sqlite_source_whose_file_is_missing_is_refused_and_never_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Connecting to a missing SQLite file would create it empty, and a collection would find
    nothing in it: a package that looks complete. Even should the file go after it was found
    (here, as if it had), the read-only connection creates nothing."""
    gone = tmp_path / "gone.db"
    with pytest.raises(SourceUnavailableError) as refused:
        open_source("crm", f"sqlite:///{gone}")
    assert str(refused.value) == (
        f"source crm: the SQLite file does not exist ({gone}); restore it or correct the "
        "source's DSN"
    )
    monkeypatch.setattr(
        "rightful.adapters.sources.sqlite.readable_sqlite_file", lambda _n, p: Path(p)
    )
    with pytest.raises(SourceUnavailableError, match=f"^source crm: cannot open {gone} "):
        open_source("crm", f"sqlite:///{gone}")
    assert not gone.exists()


@pytest.mark.postgres
def test_tables_in_another_schema_are_read_through_the_dsns_search_path(pg_url: str) -> None:
    """A company's tables outside `public` are named by the DSN's own options
    (`?options=-csearch_path%3Dcrm`); rightful's read-only option replaced them, and every
    table was missing. They are kept, and every transaction stays read-only."""
    dsn = "postgresql://" + pg_url.split("://", 1)[1]
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE SCHEMA crm")
        conn.execute('CREATE TABLE crm."Customers" ("CustomerID" integer PRIMARY KEY, "user" text)')
        conn.execute("""INSERT INTO crm."Customers" VALUES (1, 'Alice')""")
    columns = ("CustomerID", "user")
    made = open_source("crm", f"{pg_url}?options=-csearch_path%3Dcrm",
                       schema={"Customers": columns})  # fmt: skip
    try:
        assert list(made.lookup("Customers", columns, "CustomerID", [1])) == [(1, "Alice")]
        made.probe("Customers", columns)
        assert next(made.rows("SHOW default_transaction_read_only", ()))[0] == "on"
    finally:
        made.close()


@pytest.mark.postgres
def test_json_values_come_as_the_json_text_the_database_holds(pg_url: str) -> None:
    """Parsed by the driver, a jsonb value reached the package as Python's repr
    (`{'n': 1.1}`: no JSON, its decimals cut to floats). Art. 20 asks for a commonly used,
    machine-readable format; the value is the database's own JSON text, digits and all."""
    from rightful.domain.packages import jsonable

    dsn = "postgresql://" + pg_url.split("://", 1)[1]
    stored = '{"n": 1.10, "big": 12345678901234567890.0123456789, "ok": true, "none": null}'
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE TABLE prefs (id integer PRIMARY KEY, doc jsonb, raw json)")
        conn.execute("INSERT INTO prefs VALUES (1, %s, %s)", (stored, stored))
        (as_text,) = conn.execute("SELECT doc::text FROM prefs").fetchone() or ("",)
    columns = ("id", "doc", "raw")
    made = open_source("prefs", pg_url, schema={"prefs": columns})
    try:
        [(_, doc, raw)] = list(made.lookup("prefs", columns, "id", [1]))
    finally:
        made.close()
    assert (jsonable(doc), jsonable(raw)) == (as_text, stored)
    assert "12345678901234567890.0123456789" in as_text and "1.10" in as_text


@pytest.mark.postgres
def test_a_citext_address_is_found_and_types_without_a_binary_reader_come_as_text(
    pg_url: str,
) -> None:
    """citext (the usual type of an e-mail column), enums, xml, money and bit have no binary
    loader in psycopg: their values came as the bytes of the wire format, so a citext address
    never equalled the identity (the person's data was not found) and the package held the
    base64 of `happy` for an enum. They are read as the text PostgreSQL writes."""
    dsn = "postgresql://" + pg_url.split("://", 1)[1]
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS citext")
        conn.execute("CREATE TYPE mood AS ENUM ('sad', 'happy')")
        conn.execute("CREATE TABLE fans (id integer PRIMARY KEY, email citext, mood mood, "
                     "note xml, flags bit(4), paid money)")  # fmt: skip
        conn.execute("INSERT INTO fans VALUES (1, ' Dora@Example.com', 'happy', '<a>x</a>', "
                     "B'1010', 12.34)")  # fmt: skip
        (paid,) = conn.execute("SELECT paid::text FROM fans").fetchone() or ("",)
    columns = ("id", "email", "mood", "note", "flags", "paid")
    made = open_source("fans", pg_url, schema={"fans": columns})
    try:
        found = list(made.lookup("fans", columns, "email", ["dora@example.com"], fold=True))
        exact = list(made.lookup("fans", columns, "email", [" Dora@Example.com"]))
    finally:
        made.close()
    assert found == exact == [(1, " Dora@Example.com", "happy", "<a>x</a>", "1010", paid)]


@pytest.mark.postgres
def test_columns_of_a_domain_are_read_as_its_base_type(pg_url: str) -> None:
    """A domain (`CREATE DOMAIN customer_id AS bigint`) is sent by the server as its base type.
    Taken for a type without a binary reader, its values were selected as text: a key of a
    domain over bigint came as '5', never equal to 5, and the person's rows were not found
    (an access package left them out), a date as text. A domain over citext is still text."""
    dsn = "postgresql://" + pg_url.split("://", 1)[1]
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS citext")
        conn.execute("CREATE DOMAIN customer_id AS bigint CHECK (VALUE > 0)")
        conn.execute("CREATE DOMAIN positive_id AS customer_id")  # a domain over a domain
        conn.execute("CREATE DOMAIN address AS citext")
        conn.execute("CREATE DOMAIN day AS date")
        conn.execute("CREATE TABLE buyers (id positive_id PRIMARY KEY, email address, born day)")
        conn.execute("INSERT INTO buyers VALUES (5, 'Dora@Example.com', '2000-01-02')")
    columns = ("id", "email", "born")
    made = open_source("buyers", pg_url, schema={"buyers": columns})
    try:
        by_id = list(made.lookup("buyers", columns, "id", [5]))
        by_email = list(made.lookup("buyers", columns, "email", ["dora@example.com"], fold=True))
    finally:
        made.close()
    assert by_id == by_email == [(5, "Dora@Example.com", date(2000, 1, 2))]


@pytest.mark.postgres
def test_an_interval_is_its_text_and_an_array_of_text_types_a_list(pg_url: str) -> None:
    """psycopg reads an interval's month as 30 days and its year as 365: '1 year 2 mons' held
    by the database reached the package as 428 days (10276:05:06). An array of a type read
    as text (an enum, citext) came as the text '{sad,happy}' where other arrays are lists."""
    from rightful.domain.packages import jsonable

    dsn = "postgresql://" + pg_url.split("://", 1)[1]
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS citext")
        conn.execute("CREATE TYPE feeling AS ENUM ('sad', 'happy')")
        conn.execute("CREATE TABLE plans (id integer PRIMARY KEY, span interval, "
                     "spans interval[], moods feeling[], mails citext[])")  # fmt: skip
        conn.execute("INSERT INTO plans VALUES (1, '1 year 2 mons 3 days 04:05:06', "
                     "'{\"1 mon\", -838:59:59}', '{sad,happy}', "
                     "'{A@Example.com,NULL}')")  # fmt: skip
    columns = ("id", "span", "spans", "moods", "mails")
    made = open_source("plans", pg_url, schema={"plans": columns})
    try:
        [row] = list(made.lookup("plans", columns, "id", [1]))
    finally:
        made.close()
    assert [jsonable(v) for v in row] == [
        1, "1 year 2 mons 3 days 04:05:06", ["1 mon", "-838:59:59"], ["sad", "happy"],
        ["A@Example.com", None],
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("dsn", "said"),
    [
        ("mysql://reader@db.internal:33O6/shop", "its host or port cannot be read"),
        ("mysql://reader@db.internal:99999/shop", "its host or port cannot be read"),
        ("mysql://reader@[::1/shop", "its host or port cannot be read"),
        ("mysql://reader:pa/ss-w0rd@db.internal/shop", "its host or port cannot be read"),
        ("mysql://reader@db.internal/shop?charset=utf-8", "its charset is not one"),
    ],
)
def test_a_mysql_dsn_that_cannot_be_read_is_named_in_one_line_quoting_none_of_it(
    dsn: str, said: str
) -> None:
    """A mistyped port, an unclosed IPv6 bracket or an unknown charset stopped `datamap check
    --live` (and a build) with a ValueError or AttributeError traceback; Python's own words
    quote the part read as a port, which is a piece of the password when it holds a '/'."""
    with pytest.raises(ConfigurationError) as caught:
        open_source("helpdesk", dsn)
    message = str(caught.value)
    assert message.startswith(f"source helpdesk: {said}")
    assert "\n" not in message
    assert not any(part in message for part in ("33O6", "99999", "ss-w0rd", "utf-8", "::1"))


@pytest.mark.mysql
def test_a_mariadb_timestamp_is_read_as_the_utc_instant_it_is_and_a_datetime_without_zone(
    mysql_url: str,
) -> None:
    """TIMESTAMP is stored in UTC and read in the session's zone (UTC), but came without one:
    a package showed 2024-03-31T01:30:00 for it, as for a DATETIME of local time, where a
    PostgreSQL timestamptz shows +00:00. The instant says its zone; DATETIME says none."""
    from datetime import datetime

    conn = pymysql.connect(autocommit=True, **connect_args(mysql_url))
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE visits (id INT PRIMARY KEY, seen TIMESTAMP(3) NULL, "
                    "booked DATETIME, odd TIMESTAMP NULL)")  # fmt: skip
        cur.execute("SET time_zone = '+02:00', sql_mode = ''")
        cur.execute("INSERT INTO visits VALUES (1, '2024-03-31 03:30:00.125', "
                    "'2024-03-31 03:30:00', '0000-00-00 00:00:00')")  # fmt: skip
    conn.close()
    columns = ("id", "seen", "booked", "odd")
    made = open_source("visits", mysql_url, schema={"visits": columns})
    try:
        [(_, seen, booked, odd)] = list(made.lookup("visits", columns, "id", [1]))
    finally:
        made.close()
    assert seen == datetime(2024, 3, 31, 1, 30, 0, 125000, tzinfo=UTC)
    assert booked == datetime(2024, 3, 31, 3, 30) and booked.tzinfo is None
    assert odd == "0000-00-00 00:00:00"


@pytest.mark.postgres
def test_a_real_is_the_number_postgresql_prints_not_its_double(pg_url: str) -> None:
    """A `real` (float4) read as a double became 1.100000023841858 in the package where the
    database holds and prints 1.1."""
    import math

    dsn = "postgresql://" + pg_url.split("://", 1)[1]
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE TABLE readings (id integer PRIMARY KEY, r real, rs real[])")
        conn.execute("INSERT INTO readings VALUES (1, 1.1, '{0.1, -3.4028235e38, 1e-45}'), "
                     "(2, 'NaN', '{-0}')")  # fmt: skip
        printed = conn.execute("SELECT r::text, rs::text FROM readings ORDER BY id").fetchall()
    columns = ("id", "r", "rs")
    made = open_source("readings", pg_url, schema={"readings": columns})
    try:
        rows = sorted(made.lookup("readings", columns, "id", [1, 2]))
    finally:
        made.close()
    assert printed[0] == ("1.1", "{0.1,-3.4028235e+38,1e-45}")
    assert rows[0] == (1, 1.1, [0.1, -3.4028235e38, 1e-45])
    assert rows[1][0] == 2 and math.isnan(rows[1][1]) and rows[1][2] == [0.0]
