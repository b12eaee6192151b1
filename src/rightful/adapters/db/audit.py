"""The audit chain's tables and the append-only repository that extends it in a transaction."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Final, cast

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Connection,
    Integer,
    Row,
    String,
    Table,
    Text,
    bindparam,
    event,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from rightful.adapters.db.base import Base, UTCDateTime
from rightful.domain.audit import (
    GENESIS_HASH,
    AuditEntry,
    AuditHeadMissingError,
    ChainHead,
    Checkpoint,
    EntryDraft,
    Summary,
    seal,
)
from rightful.domain.clock import Clock

SeqType = BigInteger().with_variant(Integer(), "sqlite")
UNREADABLE: Final = "!unreadable"  # not a valid summary key, so such an entry can never verify


class AuditEntryRow(Base):
    """One entry of the chain; rows are only ever inserted."""

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(80), index=True)
    summary: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHeadRow(Base):
    """The single row that says where the chain ends; writers lock it to take their turn."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(SeqType)
    last_hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpointRow(Base):
    """A signed statement that entry `seq` had hash `head_hash`."""

    __tablename__ = "audit_checkpoints"

    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=False)
    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    head_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    signature: Mapped[str] = mapped_column(String(128))


ENTRIES: Final = cast(Table, AuditEntryRow.__table__)
CHECKPOINTS: Final = cast(Table, AuditCheckpointRow.__table__)
HEAD: Final = cast(Table, AuditHeadRow.__table__)


class SqlAuditLog:
    """The chain in rightful's SQL store. Append-only: there is no update or delete here.

    Every method works in the session it is given and never commits: an entry commits or
    rolls back together with the state change it records.
    """

    chunk_size = 1000

    def append(self, session: Session, draft: EntryDraft, clock: Clock) -> AuditEntry:
        """Add `draft` as the next entry. The transaction's first entry takes the chain's turn
        (locking the head row) and later ones follow it; the head is written once, before
        the transaction commits."""
        last: ChainHead | None = session.info.get(_UNWRITTEN_HEAD)
        if last is None:
            seq, prev_hash = self._advance_head(session)
        else:
            seq, prev_hash = last.last_seq + 1, last.last_hash
        entry = seal(draft, seq, clock.now(), prev_hash)
        # On the connection: an entry needs no flush of the ORM changes before it (they flush
        # once, at commit, not once per entry). The head's turn above is taken after a flush,
        # so that row locks are still taken in the order they were before.
        session.connection().execute(_INSERT_ENTRY, _entry_values(entry))
        session.info[_UNWRITTEN_HEAD] = ChainHead(entry.seq, entry.hash)
        return entry

    def lock_head(self, session: Session) -> ChainHead:
        """The head, locked until the session ends, so that nobody appends meanwhile."""
        _write_head(session)
        return ChainHead(*self._head_update(session, _LOCK_HEAD))

    def head(self, session: Session) -> ChainHead | None:
        """The head as stored, without locking; None before the first entry."""
        _write_head(session)
        row = session.execute(select(HEAD.c.last_seq, HEAD.c.last_hash)).first()
        return None if row is None else ChainHead(row[0], row[1])

    def entries(
        self, session: Session, from_seq: int = 1, to_seq: int | None = None
    ) -> Iterator[AuditEntry]:
        """Entries in seq order, fetched in chunks so that long chains stream."""
        next_seq = from_seq
        while True:
            stmt = select(ENTRIES).where(ENTRIES.c.seq >= next_seq)
            if to_seq is not None:
                stmt = stmt.where(ENTRIES.c.seq <= to_seq)
            rows = session.execute(stmt.order_by(ENTRIES.c.seq).limit(self.chunk_size)).all()
            yield from (_entry(row) for row in rows)
            if len(rows) < self.chunk_size:
                return
            next_seq = rows[-1].seq + 1

    def for_request(self, session: Session, request_id: str) -> list[AuditEntry]:
        """Every entry about one request, oldest first."""
        stmt = select(ENTRIES).where(ENTRIES.c.request_id == request_id).order_by(ENTRIES.c.seq)
        return [_entry(row) for row in session.execute(stmt)]

    def save_checkpoint(self, session: Session, checkpoint: Checkpoint) -> None:
        """Store a signed checkpoint."""
        values = {
            "seq": checkpoint.seq,
            "key_id": checkpoint.key_id,
            "head_hash": checkpoint.head_hash,
            "at": checkpoint.at,
            "signature": checkpoint.signature,
        }
        session.execute(CHECKPOINTS.insert().values(**values))

    def checkpoints(self, session: Session, to_seq: int | None = None) -> list[Checkpoint]:
        """Stored checkpoints in seq order (up to `to_seq` when given)."""
        stmt = select(CHECKPOINTS)
        if to_seq is not None:
            stmt = stmt.where(CHECKPOINTS.c.seq <= to_seq)
        rows = session.execute(stmt.order_by(CHECKPOINTS.c.seq, CHECKPOINTS.c.key_id))
        return [Checkpoint(r.seq, r.head_hash, r.at, r.key_id, r.signature) for r in rows]

    def _advance_head(self, session: Session) -> tuple[int, str]:
        # The UPDATE comes first: PostgreSQL row-locks the head and SQLite takes its write
        # lock before anything is read, so two writers can never both extend the same hash.
        return self._head_update(session, _ADVANCE_HEAD)

    def _head_update(self, session: Session, stmt: Any) -> tuple[int, str]:
        row = session.execute(stmt).first()
        if row is None:
            last = session.execute(select(func.max(ENTRIES.c.seq))).scalar()
            if last is None:
                _create_head(session)
                row = session.execute(stmt).one()
            else:
                # The first writer of a new store may have committed its head and entries since
                # the head was looked for (on PostgreSQL each statement sees what committed
                # before it); if the head is still not there, it was deleted: tampering.
                row = session.execute(stmt).first()
                if row is None:
                    raise AuditHeadMissingError.up_to(last)
        return int(row[0]), str(row[1])


def _head_statement(last_seq: Any) -> Any:
    return (
        update(HEAD)
        .where(HEAD.c.id == 1)
        .values(last_seq=last_seq)
        .returning(HEAD.c.last_seq, HEAD.c.last_hash)
    )


# The chain's statements, built once (each append ran three statements built anew).
_ADVANCE_HEAD: Final = _head_statement(HEAD.c.last_seq + 1)
_LOCK_HEAD: Final = _head_statement(HEAD.c.last_seq)
_INSERT_ENTRY: Final = ENTRIES.insert()
_SET_HEAD: Final = (
    update(HEAD)
    .where(HEAD.c.id == 1)
    .values(last_seq=bindparam("seq"), last_hash=bindparam("hash"))
)
# session.info key: the last entry this transaction appended, while the head row lags behind.
_UNWRITTEN_HEAD: Final = "rightful.audit.unwritten_head"


def _write_head(session: Session) -> None:
    """Bring the head row up to the last entry the transaction appended (if it lags)."""
    last: ChainHead | None = session.info.pop(_UNWRITTEN_HEAD, None)
    if last is not None:
        session.connection().execute(_SET_HEAD, {"seq": last.last_seq, "hash": last.last_hash})


@event.listens_for(Session, "before_commit")
def _head_before_commit(session: Session) -> None:
    _write_head(session)


@event.listens_for(Session, "after_rollback")
def _forget_unwritten_head(session: Session) -> None:
    # The entries it described are gone with the transaction; the head row never moved.
    session.info.pop(_UNWRITTEN_HEAD, None)


def _create_head(session: Session) -> None:
    """Insert the genesis head once, race-free: a second writer's insert does nothing."""
    values = {"id": 1, "last_seq": 0, "last_hash": GENESIS_HASH}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(pg_insert(HEAD).values(**values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        session.execute(sqlite_insert(HEAD).values(**values).on_conflict_do_nothing())
    else:
        session.execute(HEAD.insert().values(**values))


def _entry_values(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at,
        "actor": entry.actor,
        "role": entry.role,
        "action": entry.action,
        "request_id": entry.request_id,
        "summary": _stored_form(entry.summary),
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def _entry(row: Row[Any]) -> AuditEntry:
    return AuditEntry(
        row.seq, row.at, row.actor, row.role, row.action, row.request_id,
        _summary(row.summary), row.prev_hash, row.hash,
    )  # fmt: skip


def _summary(text: str) -> Summary:
    """The stored summary; a row tampered into unreadable text, or into text other than the one
    form rightful writes, gets one that never verifies: a key given twice parses to the hashed
    value here while SQL's JSON functions read the other."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return {UNREADABLE: True}
    if not isinstance(value, dict) or _stored_form(value) != text:
        return {UNREADABLE: True}
    return value


def _stored_form(summary: Summary) -> str:
    return json.dumps(summary, sort_keys=True, ensure_ascii=False)


# --- defence in depth: the database itself refuses to rewrite history ------------------------

_PG_GUARDS: Final = (
    """
    CREATE OR REPLACE FUNCTION rightful_audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'rightful: % on % refused, the audit chain is append-only',
            TG_OP, TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION rightful_audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' OR NEW.last_seq < OLD.last_seq THEN
            RAISE EXCEPTION 'rightful: the audit head only moves forward'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END $$
    """,
    "CREATE OR REPLACE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries"
    " FOR EACH ROW EXECUTE FUNCTION rightful_audit_refuse()",
    "CREATE OR REPLACE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries"
    " FOR EACH STATEMENT EXECUTE FUNCTION rightful_audit_refuse()",
    "CREATE OR REPLACE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE"
    " ON audit_checkpoints FOR EACH ROW EXECUTE FUNCTION rightful_audit_refuse()",
    "CREATE OR REPLACE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints"
    " FOR EACH STATEMENT EXECUTE FUNCTION rightful_audit_refuse()",
    "CREATE OR REPLACE TRIGGER audit_head_forward BEFORE UPDATE OR DELETE ON audit_head"
    " FOR EACH ROW EXECUTE FUNCTION rightful_audit_head_forward()",
    "CREATE OR REPLACE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head"
    " FOR EACH STATEMENT EXECUTE FUNCTION rightful_audit_refuse()",
)

_SQLITE_GUARDS: Final = (
    "CREATE TRIGGER IF NOT EXISTS audit_entries_no_update BEFORE UPDATE ON audit_entries"
    " BEGIN SELECT RAISE(ABORT, 'rightful: the audit chain is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_entries_no_delete BEFORE DELETE ON audit_entries"
    " BEGIN SELECT RAISE(ABORT, 'rightful: the audit chain is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints"
    " BEGIN SELECT RAISE(ABORT, 'rightful: audit checkpoints are append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints"
    " BEGIN SELECT RAISE(ABORT, 'rightful: audit checkpoints are append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_head_forward BEFORE UPDATE ON audit_head"
    " WHEN NEW.last_seq < OLD.last_seq"
    " BEGIN SELECT RAISE(ABORT, 'rightful: the audit head only moves forward'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_head_no_delete BEFORE DELETE ON audit_head"
    " BEGIN SELECT RAISE(ABORT, 'rightful: the audit head only moves forward'); END",
)

_GUARD_NAMES: Final = {
    "postgresql": (
        ("audit_entries", "audit_entries_append_only"),
        ("audit_entries", "audit_entries_no_truncate"),
        ("audit_checkpoints", "audit_checkpoints_append_only"),
        ("audit_checkpoints", "audit_checkpoints_no_truncate"),
        ("audit_head", "audit_head_forward"),
        ("audit_head", "audit_head_no_truncate"),
    ),
    "sqlite": (
        ("audit_entries", "audit_entries_no_update"),
        ("audit_entries", "audit_entries_no_delete"),
        ("audit_checkpoints", "audit_checkpoints_no_update"),
        ("audit_checkpoints", "audit_checkpoints_no_delete"),
        ("audit_head", "audit_head_forward"),
        ("audit_head", "audit_head_no_delete"),
    ),
}


def install_append_only_guards(connection: Connection) -> None:
    """Triggers that refuse UPDATE/DELETE/TRUNCATE of entries and checkpoints and a backward head.

    Defence in depth only: whoever owns the database can drop or bypass them, which is why
    verification never relies on them. Idempotent; call it from the Alembic migration.
    """
    statements = {"postgresql": _PG_GUARDS, "sqlite": _SQLITE_GUARDS}.get(connection.dialect.name)
    for statement in statements or ():
        connection.execute(text(statement))


def remove_append_only_guards(connection: Connection) -> None:
    """Drop the triggers again (Alembic downgrade)."""
    dialect = connection.dialect.name
    for table, name in _GUARD_NAMES.get(dialect, ()):
        on_table = f" ON {table}" if dialect == "postgresql" else ""
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}{on_table}")
    if dialect == "postgresql":
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS rightful_audit_refuse()")
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS rightful_audit_head_forward()")
