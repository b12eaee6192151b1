"""A starting data map drafted from a database's schema (`rightful datamap draft`).

The draft holds what the schema says for certain (tables and views, columns, kinds of value,
primary keys, foreign keys as references) and, as notes for a reviewer, what it can only guess (data
categories and identities from names, the subject collection, validity windows, files named
by a column). It never marks the subject nor declares the Art. 15(1) information: those are
the engineer's to decide, and `datamap check` names them until they are.
"""

from __future__ import annotations

import json
from collections import Counter, deque
from dataclasses import dataclass, field

from rightful.domain.datamap import IDENTIFIER
from rightful.domain.datamap_guesses import guess, may_name_a_file, window_columns
from rightful.domain.words import counted


@dataclass(frozen=True, slots=True)
class ColumnShape:
    """A column as the database declares it: `kind` as `datamap check --live` compares values
    (number, text, time, uuid, bool, binary; None when the type says nothing)."""

    name: str
    kind: str | None
    whole_number: bool = False
    nullable: bool = True


@dataclass(frozen=True, slots=True)
class ForeignKey:
    """columns of this table hold values of target_columns of `table` (in `schema`, where
    another schema than the one drafted holds it)."""

    columns: tuple[str, ...]
    table: str
    target_columns: tuple[str, ...]
    schema: str | None = None


@dataclass(frozen=True, slots=True)
class TableShape:
    """A table's columns and constraints, read from the catalog (no rows); a view's have no
    constraints. A materialized view holds the rows of its last refresh."""

    name: str
    columns: tuple[ColumnShape, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    unique: tuple[tuple[str, ...], ...] = ()
    view: bool = False
    materialized: bool = False


@dataclass
class DraftField:
    """A field of the drafted map; `notes` are the reviewer's `# review:` comments."""

    name: str
    data_type: str | None = None
    primary_key: bool = False
    identity: str | None = None
    categories: list[str] = field(default_factory=list)
    references: list[tuple[str, str, str]] = field(default_factory=list)  # dataset, field, dir
    notes: list[str] = field(default_factory=list)


@dataclass
class DraftCollection:
    """A table of the drafted map."""

    name: str
    fields: list[DraftField] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Draft:
    """The drafted dataset of one source, with the notes for the top of the file."""

    source: str
    collections: list[DraftCollection]
    notes: list[str]
    subject: str | None


VIEW_NOTE = (
    "a view: the database declares no primary key nor foreign key for it. Before it can be "
    "collected, declare fides_meta: primary_key: true on the columns that identify a row, "
    "never NULL and unique (the build refuses a row whose key is NULL), and declare its "
    "references by hand, or datamap check calls it unreachable"
)
MATERIALIZED_VIEW_NOTE = (
    f"a materialized {VIEW_NOTE.removeprefix('a ')}. It holds its rows as of its last REFRESH "
    "MATERIALIZED VIEW: a subject's newest rows are missing from it until then, so an access "
    "package (Art. 15) that reads it can lack them; prefer the tables it reads, or refresh it "
    "before each request is collected"
)


def quoted(name: str) -> str:
    """A name the map refuses, quoted with every control or non-ASCII character escaped: it
    is written into a comment, which a line break in the name would end."""
    return json.dumps(name)


def plain(name: str) -> bool:
    """Whether the data map accepts the name (docs: plain identifiers only)."""
    return IDENTIFIER.match(name) is not None


Edge = tuple[str, str, str, str]


def _edges(tables: dict[str, TableShape]) -> list[Edge]:
    """(child, column, parent, parent column) of each one-column foreign key between tables
    of the draft whose names it keeps."""
    found = []
    for t in tables.values():
        for fk in t.foreign_keys:
            parent = tables.get(fk.table) if fk.schema is None else None
            if parent is None or len(fk.columns) != 1:
                continue
            (column,), (target,) = fk.columns, fk.target_columns
            if plain(column) and plain(target):
                found.append((t.name, column, parent.name, target))
    return found


def subject_candidate(tables: dict[str, TableShape], edges: list[Edge]) -> str | None:
    """The table others refer to most, by `edges` (their foreign keys), among those with an
    e-mail column (ties: by name); never a view, which has no key to stand for the person."""
    referrers: Counter[str] = Counter()
    for child, _column, parent, _target in set(edges):
        if child != parent:
            referrers[parent] += 1
    with_email = [
        t.name
        for t in tables.values()
        if not t.view and any(guess(c.name).identity == "email" for c in t.columns)
    ]
    if not with_email:
        return None
    return min(with_email, key=lambda name: (-referrers[name], name))


def levels_from(subject: str | None, edges: list[Edge]) -> dict[str, int]:
    """How many of `edges` away from `subject` each table lies (following them either way)."""
    if subject is None:
        return {}
    level = {subject: 0}
    queue = deque([subject])
    while queue:
        here = queue.popleft()
        for child, _column, parent, _target in edges:
            for a, b in ((child, parent), (parent, child)):
                if a == here and b not in level:
                    level[b] = level[here] + 1
                    queue.append(b)
    return level


def draft_map(source: str, shapes: list[TableShape], notes: tuple[str, ...] = ()) -> Draft:
    """The dataset `source` drafted from its tables' shapes; `notes` go to the top too."""
    refused = sorted(t.name for t in shapes if not plain(t.name))
    tables = {t.name: t for t in sorted(shapes, key=lambda t: t.name) if plain(t.name)}
    edges = _edges(tables)
    subject = subject_candidate(tables, edges)
    drafting = _Drafting(source, tables, edges, subject, levels_from(subject, edges))
    collections = [drafting.collection(t) for t in tables.values()]
    return Draft(source, collections, [*drafting.header(refused), *notes], subject)


@dataclass(frozen=True, slots=True)
class _Drafting:
    source: str
    tables: dict[str, TableShape]
    edges: list[Edge]
    subject: str | None
    level: dict[str, int]

    def header(self, refused: list[str]) -> list[str]:
        lines = [
            f"Drafted by `rightful datamap draft {self.source}` from the schema of source "
            f"{self.source} (tables, views, columns, keys); no rows were read.",
            "Lines marked `# review:` are guesses from names and types: confirm or correct "
            "each, then delete the line.",
            self._subject_line(),
            "Declare what a package tells the person (Art. 15(1) GDPR): purposes, legal_basis, "
            "retention, recipients (recipients: [] when nobody outside receives the data) and "
            "automated_decisions (false when none is made), under the dataset's "
            "`rightful: defaults:` or per collection (docs/datamap.md).",
        ]
        if self.subject is not None:
            lines.append(
                f"References follow the foreign keys, directed away from {self.subject} "
                "(direction: from = the referenced row selects this one; to = this row selects "
                "the referenced one): turn them if you mark another subject."
            )
        if refused:
            lines.append(
                "Left out, names the data map refuses (plain identifiers only: letters, "
                f"digits, '_'): tables {', '.join(map(quoted, refused))}."
            )
        lines.append(
            "Then run `rightful datamap check FILE`, and `rightful datamap check --live` once "
            "the file is in datamap_files."
        )
        return lines

    def _subject_line(self) -> str:
        ask = (
            "Mark exactly one subject collection, the table whose one-column primary key "
            "stands for the person: add `rightful: {subject: true}` to it."
        )
        if self.subject is None:
            return f"{ask} No table has an e-mail column to suggest one."
        referrers = {c for c, _col, p, _t in self.edges if p == self.subject != c}
        refer = counted(len(referrers), "other table refers", "other tables refer")
        return f"{ask} Likely: {self.subject} (it has an e-mail column, and {refer} to it)."

    def collection(self, t: TableShape) -> DraftCollection:
        coll = DraftCollection(t.name)
        left_out = [c.name for c in t.columns if not plain(c.name)]
        if left_out:
            coll.notes.append(
                "left out, names the data map refuses (plain identifiers only: letters, "
                f"digits, '_'): columns {', '.join(map(quoted, left_out))}"
            )
        key = t.primary_key if all(plain(c) for c in t.primary_key) else ()
        coll.notes += self._wanting(t, key)
        windows = window_columns([c.name for c in t.columns if plain(c.name)])
        for start, end in windows:
            coll.notes.append(_window_note(start, end))
        for fk in t.foreign_keys:
            if len(fk.columns) > 1:
                coll.notes.append(
                    f"foreign key ({', '.join(fk.columns)}) to {fk.table} not drafted: a "
                    "reference joins one column to one column"
                )
        bounds = {name for pair in windows for name in pair}
        coll.fields = [self._field(t, c, key, bounds) for c in t.columns if plain(c.name)]
        return coll

    def _wanting(self, t: TableShape, key: tuple[str, ...]) -> list[str]:
        """What the map needs before the table's rows can be collected: a key and a way in."""
        if t.view:
            return [MATERIALIZED_VIEW_NOTE if t.materialized else VIEW_NOTE]
        notes = [] if key else [_no_key(t)]
        if self.subject is not None and t.name not in self.level:
            notes.append(
                f"no foreign key leads here from {self.subject}: datamap check will call it "
                "unreachable; add a reference, or leave the table out of the map"
            )
        return notes

    def _field(
        self, t: TableShape, c: ColumnShape, key: tuple[str, ...], bounds: set[str]
    ) -> DraftField:
        f = DraftField(c.name, data_type=_data_type(c), primary_key=c.name in key)
        if c.kind == "text" and (c.name in bounds or c.name.lower().endswith("_at")):
            f.data_type = None  # a window's columns must not be declared string
            f.notes.append("times kept as text: no data_type, so that it can bound a window")
        for fk in t.foreign_keys:
            if fk.columns == (c.name,):
                self._reference(t, f, fk)
        named = guess(c.name)
        if c.kind == "binary":
            f.notes.append(
                "binary values: no data category guessed; say what it holds (a voice: "
                "user.biometric.voice, a photo: user.content.self_image, ...)"
            )
        elif named.identity is not None and c.kind in (None, "text"):
            f.categories, f.identity = [str(named.category)], named.identity
            f.notes.append(
                f"guessed from the name: {named.category}, identity {named.identity} (add "
                "rightful: {match: casefold} if stored values vary in case or spaces)"
            )
        elif self._stands_for_subject(t, c, f):
            f.categories = ["user.unique_id"]
            f.notes.append(f"guessed: user.unique_id, the key of {self.subject}")
        elif f.primary_key:
            f.categories = ["system.operations"]
            f.notes.append("guessed: system.operations, a row's own key")
        elif named.category is not None:
            f.categories = [named.category]
            f.notes.append(f"guessed from the name: {named.category}")
        if c.kind == "text" and may_name_a_file(c.name):
            f.notes.append(
                "may name a file: if it holds blob://<store>/<key>, declare rightful: {blob: "
                "<store>} (a source whose DSN is file:///<folder>) so the file goes with the row"
            )
        return f

    def _stands_for_subject(self, t: TableShape, c: ColumnShape, f: DraftField) -> bool:
        if self.subject is None:
            return False
        if t.name == self.subject:
            return f.primary_key
        key = self.tables[self.subject].primary_key
        return any(d == self.source and r.split(".") == [self.subject, *key]
                   for d, r, _ in f.references)  # fmt: skip

    def _reference(self, t: TableShape, f: DraftField, fk: ForeignKey) -> None:
        parent = self.tables.get(fk.table) if fk.schema is None else None
        (target,) = fk.target_columns
        if parent is None or not plain(target):
            where = f"{fk.schema}.{fk.table}" if fk.schema else fk.table
            f.notes.append(
                f"refers to {quoted(where)}.{quoted(target)}, which this draft leaves out: no "
                "reference drafted"
            )
            return
        here, there = self.level.get(t.name), self.level.get(parent.name)
        nearer = here is not None and (there is None or here < there)
        direction = "to" if nearer and t.name != parent.name else "from"
        f.references.append((self.source, f"{parent.name}.{target}", direction))


def _data_type(c: ColumnShape) -> str | None:
    """The Fides data_type of a kind of value; None for times and bytes, which Fides has none
    for (a window's columns must not be declared string)."""
    if c.kind == "number":
        return "integer" if c.whole_number else "float"
    return {"text": "string", "uuid": "string", "bool": "boolean"}.get(c.kind or "")


def _no_key(t: TableShape) -> str:
    columns = {c.name: c for c in t.columns}
    unique = [
        u for u in t.unique
        if all(plain(n) and n in columns and not columns[n].nullable for n in u)
    ]  # fmt: skip
    why = (
        "no primary key that the map can name: the data map needs one (fides_meta: "
        "primary_key: true on the columns that identify a row, never NULL and unique)"
    )
    if not unique:
        return why
    shown = ", ".join(u[0] if len(u) == 1 else f"({', '.join(u)})" for u in unique)
    return f"{why}; unique and never NULL here: {shown}"


def _window_note(start: str, end: str) -> str:
    return (
        f"{start} .. {end} look like the time a row holds (an owner of a device, the holder of "
        "an address): if so, declare it, or what is reached through this table goes to every "
        f"holder ever: rightful: {{valid: {{from: {start}, until: {end}}}}} on an identity "
        f"field here, window: {{from: {start}, until: {end}, at: <time column>}} on the "
        "reference of each collection whose rows belong to the holder at the time "
        "(docs/datamap.md, Windows)"
    )
