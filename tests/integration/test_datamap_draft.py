"""`rightful datamap draft`: a starting data map from a live schema, on SQLite, PostgreSQL and
MariaDB, that `datamap check` loads and names what is left to decide, and that `--live` passes.
No row is read: the tables hold a secret that must not reach the draft."""

from __future__ import annotations

import json
import sqlite3
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pymysql
import pytest
import yaml
from typer.testing import CliRunner

from rightful.adapters.sources.mysql import connect_args
from rightful.bootstrap import set_container
from rightful.entrypoints.cli.main import app
from tests.integration.conftest import files_limited_to

SECRET = "zyx-secret-anna"
FLOOR = ["customers", "devices", "ownership", "recordings"]

# {blob}, {time}, {int} and quoted names differ by database; the rest is one schema.
DDL = [
    "CREATE TABLE customers (customer_id {int} PRIMARY KEY, email VARCHAR(200) NOT NULL, "
    "name VARCHAR(200), {q}Straße Nr{q} VARCHAR(20))",
    "CREATE TABLE devices (serial VARCHAR(40) PRIMARY KEY, model VARCHAR(80))",
    "CREATE TABLE ownership (ownership_id {int} PRIMARY KEY, customer_id {int} NOT NULL "
    "REFERENCES customers (customer_id), device_serial VARCHAR(40) NOT NULL REFERENCES "
    "devices (serial), valid_from {time} NOT NULL, valid_until {time} NULL)",
    "CREATE TABLE recordings (recording_id {int} PRIMARY KEY, device_serial VARCHAR(40) "
    "REFERENCES devices (serial), recorded_at {time} NULL, audio_path VARCHAR(200), "
    "audio {blob})",
    "CREATE TABLE audit_log (event VARCHAR(80) NOT NULL UNIQUE, happened {time} NULL)",
    "CREATE TABLE {q}order items{q} (id {int} PRIMARY KEY, {q}unit price{q} REAL)",
    "CREATE VIEW customer_contacts AS SELECT customer_id, email AS contact_email, "
    "name AS full_name FROM customers",
]
ROWS = [
    f"INSERT INTO customers VALUES (1, '{SECRET}@example.com', '{SECRET}', '{SECRET}')",
    f"INSERT INTO devices VALUES ('{SECRET}-serial', '{SECRET}')",
    f"INSERT INTO ownership VALUES (1, 1, '{SECRET}-serial', '2026-01-01 00:00:00', NULL)",
    f"INSERT INTO recordings VALUES (1, '{SECRET}-serial', NULL, '{SECRET}.wav', NULL)",
    f"INSERT INTO audit_log VALUES ('{SECRET}', NULL)",
]
TYPES = {
    "sqlite": {"int": "INTEGER", "time": "TIMESTAMP", "blob": "BLOB", "q": '"'},
    "postgresql": {"int": "INTEGER", "time": "TIMESTAMPTZ", "blob": "BYTEA", "q": '"'},
    "mysql": {"int": "INTEGER", "time": "DATETIME(6)", "blob": "BLOB", "q": "`"},
}


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.postgres),
        pytest.param("mysql", marks=pytest.mark.mysql),
    ]
)
def dsn(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The DSN of a database holding the estate's tables, each with a row of SECRET."""
    kind = request.param
    statements = [s.format(**TYPES[kind]) for s in DDL] + ROWS
    if kind != "mysql":  # SQLAlchemy warns that it skips such an index: not on the terminal
        statements.append("CREATE INDEX ix_folded ON customers (lower(trim(email)))")
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path}/estate.db"
        with sqlite3.connect(tmp_path / "estate.db") as conn:
            for statement in statements:
                conn.execute(statement)
        return url
    if kind == "postgresql":
        url = str(request.getfixturevalue("pg_url"))
        with psycopg.connect("postgresql://" + url.split("://", 1)[1]) as conn:
            for statement in statements:
                conn.execute(statement)
        return url
    url = str(request.getfixturevalue("mysql_url"))
    conn = pymysql.connect(autocommit=True, **connect_args(url))
    with conn.cursor() as cur:
        for statement in statements:
            cur.execute(statement)
    conn.close()
    return url


@pytest.fixture
def rightful(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dsn: str) -> Iterator[Any]:
    """`rightful ARGS...` with the estate configured as source `estate`: (exit code, stdout,
    stderr)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "none.toml").write_text("")
    monkeypatch.setenv("RIGHTFUL_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("RIGHTFUL_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("RIGHTFUL_SOURCES", json.dumps({"estate": dsn}))

    def run(*args: str) -> tuple[int, str, str]:
        set_container(None)
        result = CliRunner().invoke(app, list(args))
        return result.exit_code, result.stdout, result.stderr

    yield run
    set_container(None)


def collections(text: str) -> dict[str, dict[str, dict[str, Any]]]:
    """The drafted collections of source estate: name -> field name -> field."""
    return collections_of(text, "estate")


def collections_of(text: str, source: str) -> dict[str, dict[str, dict[str, Any]]]:
    """The drafted collections: name -> field name -> field."""
    [dataset] = yaml.safe_load(text)["dataset"]
    assert dataset["fides_key"] == source and dataset["rightful"] == {"source": source}
    return {c["name"]: {f["name"]: f for f in c["fields"]} for c in dataset["collections"]}


def comment_before(text: str, line: str) -> str:
    """The comment lines right above `line` (stripped), joined into one text."""
    lines = text.splitlines()
    at = [i for i, x in enumerate(lines) if x.strip() == line]
    assert len(at) == 1, (line, at)
    above = []
    for x in reversed(lines[: at[0]]):
        if not x.strip().startswith("#"):
            break
        above.insert(0, x.strip().lstrip("#").strip())
    return " ".join(above)


def declare_as_the_note_says(path: Path, view: str) -> None:
    """Mark customers the subject in the drafted map at `path`, and declare the customer_id of
    `view` its key and a reference to theirs, as a view's note asks."""
    [dataset] = yaml.safe_load(path.read_text())["dataset"]
    for coll in dataset["collections"]:
        if coll["name"] == "customers":
            coll["rightful"] = {"subject": True}
        elif coll["name"] == view:
            [key] = [f for f in coll["fields"] if f["name"] == "customer_id"]
            key["fides_meta"].update(primary_key=True, references=[
                {"dataset": "estate", "field": "customers.customer_id", "direction": "from"}
            ])  # fmt: skip
    path.write_text(yaml.safe_dump({"dataset": [dataset]}))


def test_the_draft_holds_the_schema_keys_and_references_with_their_direction(
    rightful: Any,
) -> None:
    code, out, err = rightful("datamap", "draft", "estate")
    assert (code, err) == (0, ""), err
    drafted = collections(out)
    assert list(drafted) == [
        "audit_log", "customer_contacts", "customers", "devices", "ownership", "recordings"
    ]  # fmt: skip
    customers = drafted["customers"]
    assert customers["customer_id"]["fides_meta"] == {"primary_key": True, "data_type": "integer"}
    assert customers["email"]["fides_meta"] == {"identity": "email", "data_type": "string"}
    assert customers["email"]["data_categories"] == ["user.contact.email"]
    assert customers["name"]["data_categories"] == ["user.name"]
    ownership = drafted["ownership"]
    # The customer's row selects its ownership rows; an ownership row selects its device: the
    # walk goes away from the likely subject, as in the demo's device_ownership.
    assert ownership["customer_id"]["fides_meta"]["references"] == [
        {"dataset": "estate", "field": "customers.customer_id", "direction": "from"}
    ]
    assert ownership["device_serial"]["fides_meta"]["references"] == [
        {"dataset": "estate", "field": "devices.serial", "direction": "to"}
    ]
    assert drafted["recordings"]["device_serial"]["fides_meta"] == {
        "data_type": "string",
        "references": [{"dataset": "estate", "field": "devices.serial", "direction": "from"}],
    }
    # A time and bytes have no Fides data_type (a window's bounds must not be declared string).
    assert "fides_meta" not in ownership["valid_from"]
    assert drafted["recordings"]["audio"] == {"name": "audio"}
    assert drafted["devices"]["serial"]["fides_meta"]["primary_key"] is True
    assert "primary_key" not in str(drafted["audit_log"])


def test_guesses_are_marked_for_review_and_nothing_is_decided_for_the_engineer(
    rightful: Any,
) -> None:
    code, out, _ = rightful("datamap", "draft", "estate")
    assert code == 0
    assert "subject: true}` to it. Likely: customers (it has an e-mail column" in " ".join(
        line.lstrip("# ") for line in out.splitlines()
    )
    assert "rightful: {subject: true}\n" not in out and "subject: true\n" not in out
    assert (
        "purposes, legal_basis, retention, recipients (recipients: [] when nobody outside "
        "receives the data) and automated_decisions" in out.replace("\n#  ", "")
    )
    email = comment_before(out, "- name: email")
    assert email.startswith("review: guessed from the name: user.contact.email, identity email")
    assert comment_before(out, "- name: audio").startswith("review: binary values: no data")
    assert "may name a file" in comment_before(out, "- name: audio_path")
    audit = comment_before(out, "- name: audit_log")
    assert audit.startswith("review: no primary key that the map can name")
    assert "unique and never NULL here: event" in audit
    assert "valid_from .. valid_until look like the time a row holds" in comment_before(
        out, "- name: ownership"
    )


def test_names_the_map_refuses_are_listed_in_a_comment_not_dropped_silently(
    rightful: Any,
) -> None:
    code, out, _ = rightful("datamap", "draft", "estate")
    assert code == 0
    header = " ".join(line.lstrip("# ") for line in out.splitlines() if line.startswith("#"))
    assert "(plain identifiers only: letters, digits, '_'): tables \"order items\"" in header
    refused = comment_before(out, "- name: customers")
    assert 'columns "Stra\\u00dfe Nr"' in refused
    assert "order items" not in collections(out) and "Straße Nr" not in out


def test_no_row_is_read_and_nothing_but_the_draft_is_printed(rightful: Any) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code, out, err = rightful("datamap", "draft", "estate")
    assert code == 0 and err == ""
    assert not [w for w in caught if "index" in str(w.message)]  # SQLAlchemy's skipped ix_folded
    assert SECRET not in out + err and "secret" not in (out + err).lower()


def test_datamap_check_names_what_is_left_to_decide_and_then_passes_live(
    rightful: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, _ = rightful("datamap", "draft", "estate", "--out", "all.yaml")
    assert code == 0
    code, out, err = rightful("datamap", "check", "all.yaml")
    assert code == 1
    assert err.splitlines() == [
        "error: all.yaml: estate.audit_log: no primary key (fides_meta: primary_key: true on a "
        "field)",
        "error: all.yaml: estate.customer_contacts: no primary key (fides_meta: primary_key: "
        "true on a field)",
        "error: all.yaml: -: no subject collection (rightful: subject: true)",
        "3 errors",
    ]
    code, _, err = rightful("datamap", "draft", "estate", "--tables", ",".join(FLOOR),
                            "--out", "floor.yaml")  # fmt: skip
    assert code == 0 and "wrote floor.yaml" in err
    drafted = (tmp_path / "floor.yaml").read_text()
    marked = drafted.replace("- name: customers\n", "- name: customers\n        rightful: "
                             "{subject: true}\n")  # fmt: skip
    assert marked != drafted
    (tmp_path / "floor.yaml").write_text(marked)
    code, out, err = rightful("datamap", "check", "floor.yaml")
    assert code == 0 and out.splitlines()[-1] == "ok", err
    assert "subject: estate.customers (subject key: customer_id)" in out
    expected = {f"estate.{c}: no {what}" for c in FLOOR for what in
                ("purposes", "retention", "recipients", "automated_decisions")}  # fmt: skip
    warned = {": ".join(line.split(": ")[2:4]) for line in err.splitlines()}
    assert warned == expected, err
    monkeypatch.setenv("RIGHTFUL_DATAMAP_FILES", json.dumps([str(tmp_path / "floor.yaml")]))
    code, out, err = rightful("datamap", "check", "--live")
    assert code == 0, err
    assert "live: 4 collections in 1 sources have every declared table and column" in out


def test_a_view_is_drafted_with_its_columns_and_its_key_and_references_left_to_declare(
    rightful: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = rightful("datamap", "draft", "estate", "--tables",
                            "customers,customer_contacts", "--out", "view.yaml")  # fmt: skip
    assert code == 0, err
    drafted = (tmp_path / "view.yaml").read_text()
    view = collections(drafted)["customer_contacts"]
    assert view["customer_id"] == {"name": "customer_id", "fides_meta": {"data_type": "integer"}}
    assert view["contact_email"]["fides_meta"] == {"identity": "email", "data_type": "string"}
    assert view["full_name"]["data_categories"] == ["user.name"]
    note = comment_before(drafted, "- name: customer_contacts")
    assert note.startswith("review: a view: the database declares no primary key nor foreign")
    assert "primary_key: true on the columns that identify a row, never NULL and unique" in note
    assert "declare its references by hand" in note
    assert "Likely: customers" in drafted
    code, _, err = rightful("datamap", "check", "view.yaml")
    assert code == 1 and "estate.customer_contacts: no primary key" in err
    # Declared as the note says, the view is a collection like any other, also live.
    declare_as_the_note_says(tmp_path / "view.yaml", "customer_contacts")
    code, out, err = rightful("datamap", "check", "view.yaml")
    assert code == 0 and out.splitlines()[-1] == "ok", err
    monkeypatch.setenv("RIGHTFUL_DATAMAP_FILES", json.dumps([str(tmp_path / "view.yaml")]))
    code, out, err = rightful("datamap", "check", "--live")
    assert code == 0, err
    assert "live: 2 collections in 1 sources have every declared table and column" in out


@pytest.mark.postgres
@pytest.mark.parametrize("dsn", ["postgresql"], indirect=True)
def test_a_materialized_view_is_drafted_as_a_view_whose_rows_may_miss_the_newest(
    rightful: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dsn: str
) -> None:
    with psycopg.connect("postgresql://" + dsn.split("://", 1)[1]) as conn:
        conn.execute("CREATE MATERIALIZED VIEW customer_mail AS SELECT customer_id, email "
                     "AS contact_email FROM customers")  # fmt: skip
    code, out, err = rightful("datamap", "draft", "estate")
    assert (code, err) == (0, ""), err
    assert "customer_mail" in collections(out) and SECRET not in out
    code, _, err = rightful("datamap", "draft", "estate", "--tables", "customers,customer_mail",
                            "--out", "mat.yaml")  # fmt: skip
    assert code == 0, err
    drafted = (tmp_path / "mat.yaml").read_text()
    mail = collections(drafted)["customer_mail"]
    assert mail["customer_id"] == {"name": "customer_id", "fides_meta": {"data_type": "integer"}}
    assert mail["contact_email"]["fides_meta"] == {"identity": "email", "data_type": "string"}
    note = comment_before(drafted, "- name: customer_mail")
    assert note.startswith("review: a materialized view: the database declares no primary key")
    assert "primary_key: true on the columns that identify a row, never NULL and unique" in note
    # Art. 15: a copy of the data held now, which a snapshot may lack.
    assert "rows as of its last REFRESH MATERIALIZED VIEW" in note
    assert "a subject's newest rows are missing from it until then" in note
    assert "Likely: customers" in drafted  # never the subject itself
    declare_as_the_note_says(tmp_path / "mat.yaml", "customer_mail")
    monkeypatch.setenv("RIGHTFUL_DATAMAP_FILES", json.dumps([str(tmp_path / "mat.yaml")]))
    code, out, err = rightful("datamap", "check", "--live")
    assert code == 0, err
    assert "live: 2 collections in 1 sources have every declared table and column" in out


def test_a_wrong_source_or_table_is_one_line_saying_what_to_fix(
    rightful: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dsn: str
) -> None:
    code, out, err = rightful("datamap", "draft", "shop")
    assert code != 0 and out == ""
    assert err.strip() == (
        "error: source shop is not configured (set RIGHTFUL_SOURCES__SHOP or [sources] in the "
        "TOML file)"
    )
    code, _, err = rightful("datamap", "draft", "estate", "--tables", "customers,orders")
    assert code != 0 and err.count("\n") == 1
    assert "source estate has no table 'orders'; its tables and views: audit_log, customer_c" in err
    (tmp_path / "kept.yaml").write_text("mine\n")
    code, _, err = rightful("datamap", "draft", "estate", "--out", "kept.yaml")
    assert code != 0 and "kept.yaml exists; pass --force to overwrite it" in err
    assert (tmp_path / "kept.yaml").read_text() == "mine\n"
    assert rightful("datamap", "draft", "estate", "--out", "kept.yaml", "--force")[0] == 0
    gone = {
        "sqlite": f"sqlite:///{tmp_path}/gone.db",
        "postgresql": "postgresql://postgres@127.0.0.1:1/none",
        "mysql": "mysql://root@127.0.0.1:1/none",
    }[dsn.split(":", 1)[0].split("+", 1)[0]]
    monkeypatch.setenv("RIGHTFUL_SOURCES", json.dumps({"estate": gone}))
    code, _, err = rightful("datamap", "draft", "estate")
    assert code != 0 and err.count("\n") == 1
    assert err.startswith("error: source estate: ")


@pytest.mark.parametrize("dsn", ["sqlite"], indirect=True)
def test_a_draft_is_written_whole_or_not_at_all(rightful: Any, tmp_path: Path) -> None:
    (tmp_path / "kept.yaml").write_text("mine\n")
    with files_limited_to(1000):
        code, _, err = rightful("datamap", "draft", "estate", "--out", "kept.yaml", "--force")
    assert (code, err) == (2, "error: cannot write kept.yaml: File too large\n")
    assert (tmp_path / "kept.yaml").read_text() == "mine\n"
    assert not list(tmp_path.glob(".partial-*"))
    code, _, err = rightful("datamap", "draft", "estate", "--out", "maps/estate.yaml")
    assert (code, err) == (
        2,
        "error: cannot write maps/estate.yaml: the folder maps does not exist\n",
    )
    assert not (tmp_path / "maps").exists()


@pytest.mark.postgres
def test_another_schema_is_read_and_the_draft_says_to_put_it_on_the_search_path(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with psycopg.connect("postgresql://" + pg_url.split("://", 1)[1]) as conn:
        conn.execute("CREATE SCHEMA crm")
        conn.execute("CREATE TABLE crm.people (person_id BIGINT PRIMARY KEY, email TEXT)")
        conn.execute("CREATE TABLE public.other (id BIGINT PRIMARY KEY)")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "none.toml").write_text("")
    monkeypatch.setenv("RIGHTFUL_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("RIGHTFUL_SOURCES", json.dumps({"crm": pg_url}))
    set_container(None)
    result = CliRunner().invoke(app, ["datamap", "draft", "crm", "--schema", "crm"])
    set_container(None)
    assert result.exit_code == 0, result.stderr
    assert list(collections_of(result.stdout, "crm")) == ["people"]
    header = " ".join(x.lstrip("# ") for x in result.stdout.splitlines() if x.startswith("#"))
    assert "Tables read from schema crm, which is not the one the source's queries read" in header
    assert "?options=-csearch_path%3Dcrm" in header
