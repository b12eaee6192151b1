"""`rightful datamap check --live`: the map against the sources as configured, on SQLite,
PostgreSQL and MariaDB; and a collection over a map that drifted names what it lacks."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rightful.adapters.datamap.fides_yaml import load_datamap
from rightful.adapters.sources import opened_sources
from rightful.bootstrap import set_container
from rightful.demo.estate import DATAMAP_FILES, DemoEstate
from rightful.demo.loaders import load_demo_sql, seed_demo
from rightful.demo.schema import columns_of
from rightful.domain.errors import SourceNotPopulatedError, SourceSchemaError
from rightful.domain.identities import IdentityType, normalise
from rightful.domain.provenance import SubjectKey
from rightful.domain.sources import Row
from rightful.entrypoints.cli.main import app
from rightful.services.collection import collect, compile_plan

# The new user's edits: two columns and a table renamed in the map, not in the databases.
DRIFT = {
    "shop.yaml": [
        ("- name: body\n", "- name: bodytext\n"),
        ("- name: amount_cents\n", "- name: total\n"),
        ("- name: newsletter\n", "- name: newsletters\n"),
    ]
}
# A table and a column written in another case than the database holds them.
CASED = {
    "shop.yaml": [
        ("- name: newsletter\n", "- name: Newsletter\n"),
        ("- name: amount_cents\n", "- name: Amount_Cents\n"),
    ]
}


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.postgres),
        pytest.param("mysql", marks=pytest.mark.mysql),
    ]
)
def estate(request: pytest.FixtureRequest, tmp_path: Path) -> DemoEstate:
    """Hearthly in one kind of database, its recordings in a folder."""
    seeded = seed_demo(tmp_path / "estate")
    if request.param == "sqlite":
        return seeded
    url = request.getfixturevalue("pg_url" if request.param == "postgresql" else "mysql_url")
    return load_demo_sql(url, seeded)


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "none.toml").write_text("")
    monkeypatch.setenv("RIGHTFUL_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("RIGHTFUL_DATA_DIR", str(tmp_path / "var"))
    set_container(None)
    yield CliRunner()
    set_container(None)


def drifted(tmp_path: Path, edits: dict[str, list[tuple[str, str]]] = DRIFT) -> list[Path]:
    """The demo map with the edits (DRIFT) applied, written to tmp_path/maps."""
    folder = tmp_path / "maps"
    folder.mkdir(exist_ok=True)
    files = []
    for original in DATAMAP_FILES:
        text = original.read_text()
        for old, new in edits.get(original.name, []):
            assert old in text
            text = text.replace(old, new)
        files.append(folder / original.name)
        files[-1].write_text(text)
    return files


def check_live(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, dsns: dict[str, str], files: list[Path]
) -> tuple[int, list[str]]:
    monkeypatch.setenv("RIGHTFUL_SOURCES", json.dumps(dsns))
    monkeypatch.setenv("RIGHTFUL_DATAMAP_FILES", json.dumps([str(f) for f in files]))
    result = CliRunner().invoke(app, ["datamap", "check", "--live"])
    return result.exit_code, result.output.splitlines()


def test_a_map_that_matches_its_sources_passes(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, estate: DemoEstate
) -> None:
    code, lines = check_live(cli, monkeypatch, estate.dsns, list(DATAMAP_FILES))
    assert code == 0, lines
    assert "live: 10 collections in 3 sources have every declared table and column" in lines
    assert not [line for line in lines if line.startswith("warning: ")]
    assert lines[-1] == "ok"


def test_each_missing_column_and_table_is_one_line_naming_source_collection_and_name(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, estate: DemoEstate, tmp_path: Path
) -> None:
    files = drifted(tmp_path)
    code, lines = check_live(cli, monkeypatch, estate.dsns, files)
    shop = files[1]
    assert code == 1
    assert sorted(line for line in lines if line.startswith("error: ")) == [
        f"error: {shop}: shop.newsletters: no table newsletters in source shop",
        f"error: {shop}: shop.orders.total: no column total in source shop",
        f"error: {shop}: shop.support_tickets.bodytext: no column bodytext in source shop",
    ]
    assert lines[-1] == "3 errors"


def test_an_unreachable_source_and_a_missing_folder_are_named(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, estate: DemoEstate, tmp_path: Path
) -> None:
    dsns = {
        **estate.dsns,
        "speaker": f"sqlite:///{tmp_path}/gone.db",
        "recordings": (tmp_path / "no-such-folder").as_uri(),
    }
    del dsns["accounts"]
    code, lines = check_live(cli, monkeypatch, dsns, list(DATAMAP_FILES))
    errors = [line for line in lines if line.startswith("error: ")]
    assert code == 1 and len(errors) == 3, lines
    assert "source accounts is not configured (set RIGHTFUL_SOURCES__ACCOUNTS" in errors[0]
    assert "source speaker: the SQLite file does not exist" in errors[1]
    assert errors[2].endswith(
        "speaker.recordings.audio_uri: blob store recordings: the folder does not exist "
        f"({tmp_path}/no-such-folder); restore it or correct the store's DSN"
    )


def test_without_files_the_configured_map_is_checked_or_one_line_says_how_to_give_it(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("RIGHTFUL_DATAMAP_FILES", raising=False)
    result = cli.invoke(app, ["datamap", "check"])
    assert result.exit_code == 2 and result.output.strip().count("\n") == 0
    assert "no data map files given and none configured" in result.output
    assert "RIGHTFUL_DATAMAP_FILES" in result.output
    monkeypatch.setenv("RIGHTFUL_DATAMAP_FILES", ",".join(map(str, drifted(tmp_path))))
    set_container(None)
    result = cli.invoke(app, ["datamap", "check"])
    assert result.exit_code == 0 and result.output.rstrip().endswith("ok")


def test_collecting_over_a_drifted_map_names_the_source_and_the_missing_column(
    estate: DemoEstate, tmp_path: Path
) -> None:
    """Not "unavailable": the build's error says what the map and the database disagree on."""
    with pytest.raises(SourceSchemaError) as caught:
        collect_for_anna(estate, drifted(tmp_path))
    message = str(caught.value)
    assert message.startswith("source shop: ") and "rightful datamap check --live" in message
    assert any(name in message for name in ("newsletters", "total", "bodytext")), message
    assert "anna" not in message.lower()


def collect_for_anna(estate: DemoEstate, files: list[Path]) -> None:
    """A collection for the first customer, by her email, over the map in `files`."""
    datamap = load_datamap(files)
    schemas = {name: datamap.schema_of(name) for name in datamap.sources}
    anna = estate.customer(1)
    email = normalise(IdentityType.EMAIL, anna.email)
    subject = SubjectKey("accounts.customers", anna.customer_id)
    with opened_sources(estate.dsns, schemas) as opened:
        list(collect(compile_plan(datamap), opened.records, [email], subject))


def retype_customer_of_contacts(estate: DemoEstate) -> None:
    """The contacts table's customer_id becomes text, as a hand-made table might have it."""
    dsn = estate.dsns["accounts"]
    scheme = dsn.split("://", 1)[0].split("+", 1)[0]
    if scheme == "postgresql":
        import psycopg

        with psycopg.connect("postgresql://" + dsn.split("://", 1)[1]) as conn:
            conn.execute("ALTER TABLE contacts ALTER COLUMN customer_id TYPE text")
    elif scheme == "mysql":
        import pymysql

        from rightful.adapters.sources.mysql import connect_args

        conn = pymysql.connect(autocommit=True, **connect_args(dsn))
        with conn.cursor() as cur:
            cur.execute("ALTER TABLE contacts MODIFY customer_id VARCHAR(40)")
        conn.close()
    else:
        import sqlite3

        path = dsn.split("///", 1)[1]
        with sqlite3.connect(path) as conn:
            columns = conn.execute(
                "SELECT name, type FROM pragma_table_info('contacts')"
            ).fetchall()
            typed = ", ".join(f"{n} {'TEXT' if n == 'customer_id' else t}" for n, t in columns)
            names = ", ".join(n for n, _ in columns)
            conn.executescript(f"""
                ALTER TABLE contacts RENAME TO contacts_old;
                CREATE TABLE contacts ({typed});
                INSERT INTO contacts ({names}) SELECT {names} FROM contacts_old;
                DROP TABLE contacts_old;
            """)


def test_a_reference_between_a_text_and_a_number_column_is_named(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, estate: DemoEstate
) -> None:
    """A probe found the text-to-bigint join passing --live, then failing every build on
    PostgreSQL ("btrim(bigint) does not exist") and matching as text on MariaDB."""
    retype_customer_of_contacts(estate)
    code, lines = check_live(cli, monkeypatch, estate.dsns, list(DATAMAP_FILES))
    assert code != 0
    [line] = [x for x in lines if "holds text values but refers to" in x]
    assert "accounts.contacts" in line and "customer_id" in line
    assert "accounts.customers.customer_id, which holds number" in line


def test_a_window_that_mixes_times_with_and_without_a_zone_is_a_warning(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, estate: DemoEstate
) -> None:
    """Who owned the speaker when a recording was made is decided by comparing the recording's
    time with the ownership window (brief). recorded_at loses its zone here: read as UTC, it
    is right only if it holds UTC, so the check warns and still passes."""
    scheme = estate.dsns["speaker"].split("://", 1)[0].split("+", 1)[0]
    if scheme == "sqlite":
        pytest.skip("SQLite declares no zone: its times are text, each with or without one")
    retype_recorded_at(estate, scheme)
    code, lines = check_live(cli, monkeypatch, estate.dsns, list(DATAMAP_FILES))
    assert code == 0 and lines[-1] == "ok", lines
    [warning] = [line for line in lines if line.startswith("warning: ")]
    assert "speaker.recordings.device_serial: its window compares" in warning
    with_zone, without = ("owned_from and owned_until", "recorded_at")
    if scheme == "mysql":  # there it is recorded_at that keeps UTC (TIMESTAMP)
        with_zone, without = without, with_zone
    assert f"compares {with_zone} (a time with its zone) with {without} (without one," in warning


def retype_recorded_at(estate: DemoEstate, scheme: str) -> None:
    """recordings.recorded_at becomes the other kind of time than the ownership window's."""
    dsn = estate.dsns["speaker"]
    if scheme == "postgresql":
        import psycopg

        with psycopg.connect("postgresql://" + dsn.split("://", 1)[1]) as conn:
            conn.execute("ALTER TABLE recordings ALTER COLUMN recorded_at TYPE timestamp")
        return
    import pymysql

    from rightful.adapters.sources.mysql import connect_args

    conn = pymysql.connect(autocommit=True, **connect_args(dsn))
    with conn.cursor() as cur:
        cur.execute("ALTER TABLE recordings MODIFY recorded_at TIMESTAMP(6) NULL DEFAULT NULL")
    conn.close()


def test_a_folded_number_column_is_named_where_its_database_cannot_fold_it(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, estate: DemoEstate, tmp_path: Path
) -> None:
    """`match: casefold` copied onto customer_id: --live passed, then every build failed on
    PostgreSQL with "btrim(integer) does not exist ... (run `rightful datamap check --live`)",
    and on SQLite lower(trim(7)), the text '7', matched no number: nothing was collected.
    MariaDB compares the text with the number, so there the map still runs."""
    folder = tmp_path / "maps"
    folder.mkdir()
    files = []
    for original in DATAMAP_FILES:
        text = original.read_text()
        if original.name == "accounts.yaml":
            declared = "fides_meta: {primary_key: true, identity: customer_id, data_type: integer}"
            assert declared in text
            text = text.replace(declared, declared + "\n            rightful: {match: casefold}")
        files.append(folder / original.name)
        files[-1].write_text(text)
    code, lines = check_live(cli, monkeypatch, estate.dsns, files)
    folded = [line for line in lines if "is compared folded" in line]
    if estate.dsns["accounts"].startswith("mysql"):
        assert (code, folded) == (0, []), lines
        return
    assert code == 1
    assert (
        f"error: {files[0]}: accounts.customers.customer_id: is compared folded (match: "
        "casefold, here or at the other end of its reference) but holds number values, which "
        "its database does not match folded (PostgreSQL refuses lower() of them, SQLite finds "
        "none): remove match: casefold, or make the column text"
    ) in folded
    assert any("accounts.contacts.customer_id: is compared folded" in line for line in folded)


def test_a_name_the_database_holds_in_another_case_is_shown_beside_the_missing_one(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, estate: DemoEstate, tmp_path: Path
) -> None:
    """A table created unquoted (`CREATE TABLE Newsletter`) is `newsletter` on PostgreSQL, a
    map that says `Newsletter` got only "no table Newsletter", though psql finds it. The line
    now names what the database holds. SQLite compares names without case, as MariaDB does
    column names; MariaDB table names keep theirs."""
    scheme = estate.dsns["shop"].split("://", 1)[0].split("+", 1)[0]
    if scheme == "sqlite":
        pytest.skip("SQLite finds a table or column in any case")
    files = drifted(tmp_path, CASED)
    code, lines = check_live(cli, monkeypatch, estate.dsns, files)
    errors = [line for line in lines if line.startswith("error: ")]
    hint = ": write the name in the case the database holds)"
    expected = [
        f"error: {files[1]}: shop.Newsletter: no table Newsletter in source shop "
        f"(it has newsletter{hint}"
    ]
    if scheme == "postgresql":
        expected.insert(0, f"error: {files[1]}: shop.orders.Amount_Cents: no column Amount_Cents "
                           f"in source shop (it has amount_cents{hint}")  # fmt: skip
    assert code == 1
    assert sorted(errors) == sorted(expected)


def materialize(estate: DemoEstate, table: str, *, with_data: bool = True, **types: str) -> None:
    """On PostgreSQL, a demo table becomes a materialized view of the same name over its rows
    (kept as <table>_rows), each column named in `types` cast to the type given there; without
    data, the view is created WITH NO DATA (never populated until refreshed)."""
    import psycopg

    columns = ", ".join(f"{c}::{types[c]} AS {c}" if c in types else c for c in columns_of(table))
    with psycopg.connect("postgresql://" + estate.dsns["shop"].split("://", 1)[1]) as conn:
        if conn.execute("SELECT to_regclass(%s)", (f"{table}_rows",)).fetchone() == (None,):
            conn.execute(f"ALTER TABLE {table} RENAME TO {table}_rows")
        else:  # made before: made again
            conn.execute(f"DROP MATERIALIZED VIEW {table}")
        filled = "" if with_data else " WITH NO DATA"
        conn.execute(
            f"CREATE MATERIALIZED VIEW {table} AS SELECT {columns} FROM {table}_rows{filled}"
        )


# PostgreSQL's information_schema, which --live read the column types from, leaves materialized
# views out: one declared as a collection was found, but its columns' types were not compared.
on_postgres = pytest.mark.parametrize(
    "estate", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


@on_postgres
def test_a_materialized_views_columns_are_compared_as_a_tables(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, estate: DemoEstate
) -> None:
    materialize(estate, "contacts")
    code, lines = check_live(cli, monkeypatch, estate.dsns, list(DATAMAP_FILES))
    assert code == 0 and lines[-1] == "ok", lines
    assert not [line for line in lines if line.startswith(("error: ", "warning: "))]
    materialize(estate, "contacts", customer_id="text")
    code, lines = check_live(cli, monkeypatch, estate.dsns, list(DATAMAP_FILES))
    assert code == 1
    assert [line for line in lines if line.startswith("error: ")] == [
        f"error: {DATAMAP_FILES[0]}: accounts.contacts.customer_id: holds text values but refers "
        "to accounts.customers.customer_id, which holds number: make both columns one type (a "
        "join between them fails or matches nothing)"
    ]


@on_postgres
def test_a_materialized_view_in_a_window_that_mixes_zones_is_a_warning_as_a_table(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, estate: DemoEstate
) -> None:
    materialize(estate, "recordings", recorded_at="timestamp")
    code, lines = check_live(cli, monkeypatch, estate.dsns, list(DATAMAP_FILES))
    assert code == 0 and lines[-1] == "ok", lines
    [warning] = [line for line in lines if line.startswith("warning: ")]
    assert (
        "speaker.recordings.device_serial: its window compares owned_from and owned_until (a "
        "time with its zone) with recorded_at (without one, read as UTC)"
    ) in warning


@on_postgres
def test_a_materialized_views_name_in_another_case_is_shown_beside_the_missing_one(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, estate: DemoEstate, tmp_path: Path
) -> None:
    materialize(estate, "newsletter")
    materialize(estate, "orders")
    files = drifted(tmp_path, CASED)
    code, lines = check_live(cli, monkeypatch, estate.dsns, files)
    hint = ": write the name in the case the database holds)"
    assert code == 1
    assert sorted(line for line in lines if line.startswith("error: ")) == [
        f"error: {files[1]}: shop.Newsletter: no table Newsletter in source shop "
        f"(it has newsletter{hint}",
        f"error: {files[1]}: shop.orders.Amount_Cents: no column Amount_Cents in source shop "
        f"(it has amount_cents{hint}",
    ]


# A materialized view created WITH NO DATA (never refreshed): --live said ok, since its probe
# (WHERE 1=0) never opened it, then every build failed with "source shop:
# ObjectNotInPrerequisiteState", read as the source being unavailable.
@on_postgres
def test_a_materialized_view_never_populated_is_one_line_saying_how_to_populate_it(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, estate: DemoEstate, tmp_path: Path
) -> None:
    materialize(estate, "orders", with_data=False)
    files = drifted(tmp_path, {"shop.yaml": DRIFT["shop.yaml"][:1]})  # the others still checked
    code, lines = check_live(cli, monkeypatch, estate.dsns, files)
    assert code == 1
    assert sorted(line for line in lines if line.startswith("error: ")) == [
        f"error: {files[1]}: shop.orders: orders in source shop is a materialized view that "
        "has not been populated: run `REFRESH MATERIALIZED VIEW orders`; until then no request "
        "can be answered from this collection",
        f"error: {files[1]}: shop.support_tickets.bodytext: no column bodytext in source shop",
    ]
    assert lines[-1] == "2 errors"


# The collection is a plain view over the one never populated, made by these statements; the
# line names that one as REFRESH needs it written: quoted when held in upper case, and with its
# schema when the search path does not find it (the server's message named it alone, and
# `REFRESH MATERIALIZED VIEW orders` found no such view).
VIEWS_OVER = {
    "in upper case": (
        ['ALTER MATERIALIZED VIEW orders RENAME TO "Orders_MV"',
         'CREATE VIEW orders AS SELECT * FROM "Orders_MV"'],
        "Orders_MV", '"Orders_MV"',
    ),
    "in another schema": (
        ["CREATE SCHEMA reports", "ALTER MATERIALIZED VIEW orders SET SCHEMA reports",
         "CREATE VIEW orders AS SELECT * FROM reports.orders"],
        "reports.orders", "reports.orders",
    ),
}  # fmt: skip


@on_postgres
@pytest.mark.parametrize("made", VIEWS_OVER)
def test_a_view_over_a_materialized_view_never_populated_names_the_one_to_refresh(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, estate: DemoEstate, made: str
) -> None:
    import psycopg

    statements, view, refresh = VIEWS_OVER[made]
    materialize(estate, "orders", with_data=False)
    with psycopg.connect("postgresql://" + estate.dsns["shop"].split("://", 1)[1]) as conn:
        for statement in statements:
            conn.execute(statement)
    code, lines = check_live(cli, monkeypatch, estate.dsns, list(DATAMAP_FILES))
    assert code == 1
    assert [line for line in lines if line.startswith("error: ")] == [
        f"error: {DATAMAP_FILES[1]}: shop.orders: orders in source shop reads materialized view "
        f"{view} that has not been populated: run `REFRESH MATERIALIZED VIEW {refresh}`; until "
        "then no request can be answered from this collection"
    ]


@on_postgres
def test_collecting_from_a_materialized_view_never_populated_names_it_and_the_refresh(
    estate: DemoEstate,
) -> None:
    materialize(estate, "orders", with_data=False)
    with pytest.raises(SourceNotPopulatedError) as caught:
        collect_for_anna(estate, list(DATAMAP_FILES))
    assert str(caught.value) == (
        "source shop: orders is a materialized view that has not been populated: run "
        "`REFRESH MATERIALIZED VIEW orders`; until then no request can be answered from a "
        "collection that reads it"
    )


def not_populated(file: Path) -> str:
    """The line for shop.orders, a materialized view never populated, in map `file`."""
    return (
        f"error: {file}: shop.orders: orders in source shop is a materialized view that has not "
        "been populated: run `REFRESH MATERIALIZED VIEW orders`; until then no request can be "
        "answered from this collection"
    )


# The view was known by the server's English message; a server writing another language
# (lc_messages) made it "source shop: ObjectNotInPrerequisiteState" again. German messages
# need the de_DE.UTF-8 locale on the server's machine (scripts/test makes it).
GERMAN = "options=-c%20lc_messages%3Dde_DE.UTF-8"


def server_message(dsn: str, sql: str) -> str:
    """The server's message on failing `sql`, read through `dsn` ("" when it did not fail);
    skips the test where the DSN's lc_messages names a locale the server's machine lacks."""
    import psycopg

    try:
        with psycopg.connect("postgresql://" + dsn.split("://", 1)[1]) as conn:
            conn.execute(sql)
    except psycopg.errors.InvalidParameterValue:
        pytest.skip("the server's machine has no de_DE.UTF-8 locale")
    except psycopg.Error as exc:
        return exc.diag.message_primary or ""
    return ""


@on_postgres
def test_a_materialized_view_never_populated_is_known_whatever_language_the_server_writes(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, estate: DemoEstate
) -> None:
    materialize(estate, "orders", with_data=False)
    german = {n: f"{d}?{GERMAN}" for n, d in estate.dsns.items() if d.startswith("postgresql")}
    message = server_message(german["shop"], "SELECT 1 FROM orders LIMIT 0")
    assert message == "materialisierte Sicht »orders« wurde noch nicht befüllt"
    estate = replace(estate, dsns={**estate.dsns, **german})
    code, lines = check_live(cli, monkeypatch, estate.dsns, list(DATAMAP_FILES))
    errors = [line for line in lines if line.startswith("error: ")]
    assert (code, errors) == (1, [not_populated(DATAMAP_FILES[1])])
    with pytest.raises(SourceNotPopulatedError, match="REFRESH MATERIALIZED VIEW orders`"):
        collect_for_anna(estate, list(DATAMAP_FILES))


# A never-populated view's line was all --live said of it: its columns were not compared.
@on_postgres
def test_a_materialized_view_never_populated_has_its_missing_columns_named(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, estate: DemoEstate, tmp_path: Path
) -> None:
    """PostgreSQL resolves the names of a query before it opens the view."""
    materialize(estate, "orders", with_data=False)
    files = drifted(tmp_path, {"shop.yaml": DRIFT["shop.yaml"][1:2]})  # amount_cents -> total
    code, lines = check_live(cli, monkeypatch, estate.dsns, files)
    assert code == 1
    assert sorted(line for line in lines if line.startswith("error: ")) == [
        f"error: {files[1]}: shop.orders.total: no column total in source shop",
        not_populated(files[1]),
    ]


@on_postgres
def test_a_materialized_view_never_populated_has_its_columns_types_compared(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, estate: DemoEstate
) -> None:
    materialize(estate, "orders", with_data=False, customer_id="text")
    code, lines = check_live(cli, monkeypatch, estate.dsns, list(DATAMAP_FILES))
    assert code == 1
    assert sorted(line for line in lines if line.startswith("error: ")) == [
        f"error: {DATAMAP_FILES[1]}: shop.orders.customer_id: holds text values but refers to "
        "accounts.customers.customer_id, which holds number: make both columns one type (a "
        "join between them fails or matches nothing)",
        not_populated(DATAMAP_FILES[1]),
    ]


@on_postgres
def test_the_columns_of_a_sources_collections_are_asked_in_one_statement(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch, estate: DemoEstate
) -> None:
    """The check asked for the column types once per collection: ten statements for the demo's
    ten collections, one per source now (three)."""
    from rightful.adapters.sources.postgres import PostgresSource

    statements: list[str] = []
    rows = PostgresSource.rows

    def counted(source: PostgresSource, sql: str, params: Sequence[Any]) -> Iterator[Row]:
        statements.append(sql)
        return rows(source, sql, params)

    monkeypatch.setattr(PostgresSource, "rows", counted)
    code, lines = check_live(cli, monkeypatch, estate.dsns, list(DATAMAP_FILES))
    assert code == 0, lines
    assert "live: 10 collections in 3 sources have every declared table and column" in lines
    assert sum("information_schema.columns" in sql for sql in statements) == 3
