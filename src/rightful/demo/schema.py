"""The demo estate's tables, rendered for SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

# dataset -> table -> [(column, kind)]; the first column is the primary key.
# kinds: int, key (indexed text), text (long text), ts (timestamp)
TABLES: dict[str, dict[str, list[tuple[str, str]]]] = {
    "accounts": {
        "customers": [
            ("customer_id", "int"),
            ("full_name", "key"),
            ("email", "key"),
            ("phone", "key"),
            ("country", "key"),
            ("created_at", "ts"),
        ],
        "email_history": [
            ("history_id", "int"),
            ("customer_id", "int"),
            ("email", "key"),
            ("valid_from", "ts"),
            ("valid_until", "ts"),
        ],
        "household_members": [
            ("member_id", "int"),
            ("customer_id", "int"),
            ("member_name", "key"),
            ("relation", "key"),
        ],
        "contacts": [
            ("contact_id", "int"),
            ("customer_id", "int"),
            ("contact_name", "key"),
            ("contact_phone", "key"),
        ],
    },
    "speaker": {
        "device_ownership": [
            ("ownership_id", "int"),
            ("device_serial", "key"),
            ("customer_id", "int"),
            ("owned_from", "ts"),
            ("owned_until", "ts"),
        ],
        "devices": [("serial", "key"), ("model", "key"), ("firmware", "key")],
        "recordings": [
            ("recording_id", "int"),
            ("device_serial", "key"),
            ("recorded_at", "ts"),
            ("duration_ms", "int"),
            ("transcript", "text"),
            ("audio_uri", "key"),
        ],
    },
    "shop": {
        "orders": [
            ("order_id", "int"),
            ("customer_id", "int"),
            ("ordered_at", "ts"),
            ("item", "key"),
            ("amount_cents", "int"),
            ("shipping_address", "text"),
        ],
        "support_tickets": [
            ("ticket_id", "int"),
            ("email", "key"),
            ("created_at", "ts"),
            ("subject_line", "text"),
            ("body", "text"),
        ],
        "newsletter": [
            ("subscription_id", "int"),
            ("email", "key"),
            ("subscribed_at", "ts"),
            ("topics", "key"),
        ],
    },
}

# (table, column, folded): lookups the collector makes; folded ones get lower(trim(...)).
INDEXES: list[tuple[str, str, bool]] = [
    ("customers", "email", True),
    ("customers", "phone", False),
    ("email_history", "customer_id", False),
    ("email_history", "email", True),
    ("household_members", "customer_id", False),
    ("contacts", "customer_id", False),
    ("device_ownership", "customer_id", False),
    ("device_ownership", "device_serial", False),
    ("recordings", "device_serial", False),
    ("orders", "customer_id", False),
    ("support_tickets", "email", True),
    ("newsletter", "email", True),
]

TYPES = {
    "sqlite": {"int": "INTEGER", "key": "TEXT", "text": "TEXT", "ts": "TEXT"},
    "postgresql": {"int": "BIGINT", "key": "TEXT", "text": "TEXT", "ts": "TIMESTAMPTZ"},
    "mysql": {"int": "BIGINT", "key": "VARCHAR(255)", "text": "TEXT", "ts": "DATETIME(6)"},
}


def table_dataset(table: str) -> str:
    """The dataset a demo table belongs to."""
    return next(d for d, tables in TABLES.items() if table in tables)


def columns_of(table: str) -> list[str]:
    """Column names of a demo table, primary key first."""
    return [c for c, _ in TABLES[table_dataset(table)][table]]


def create_statements(dialect: str, dataset: str | None = None) -> list[str]:
    """CREATE TABLE and CREATE INDEX statements (one dataset, or all)."""
    quote = "`" if dialect == "mysql" else '"'
    statements = []
    for ds, tables in TABLES.items():
        if dataset is not None and ds != dataset:
            continue
        for table, cols in tables.items():
            body = ", ".join(f"{quote}{c}{quote} {TYPES[dialect][k]}" for c, k in cols)
            statements.append(
                f"CREATE TABLE {quote}{table}{quote} ({body}, "
                f"PRIMARY KEY ({quote}{cols[0][0]}{quote}))"
            )
            statements.extend(_indexes(dialect, table, quote))
    return statements


def _indexes(dialect: str, table: str, quote: str) -> list[str]:
    out = []
    for t, column, folded in INDEXES:
        if t != table:
            continue
        name = f"ix_{t}_{column}{'_folded' if folded else ''}"
        if folded and dialect != "mysql":
            out.append(f"CREATE INDEX {name} ON {t} (lower(trim({column})))")
        else:  # MariaDB has no expression indexes; the plain one still serves exact lookups
            out.append(f"CREATE INDEX {name} ON {quote}{t}{quote} ({quote}{column}{quote})")
    return out


def to_db(dialect: str, value: Any) -> Any:
    """A Python value as each database stores it (timestamps: ISO text, aware, naive UTC)."""
    if not isinstance(value, datetime):
        return value
    if dialect == "sqlite":
        return value.astimezone(UTC).isoformat()
    if dialect == "mysql":
        return value.astimezone(UTC).replace(tzinfo=None)
    return value
