"""The leak gate: independent proof, item by item, that a package holds only the subject's data.

Three checks, none of which trusts what the collector says about an item:
  (a) derivation - the row is read again by its key, must equal what was packaged, and a walk
      from it toward the subject (parents fetched by key, windows re-checked) must arrive at
      the requesting subject;
  (b) foreign identifiers - no identity or owner field of an item (e-mail, phone, customer id,
      device serial) may resolve to other subjects only;
  (c) footprint - no item may come from a product (devices, mailboxes, the account itself) in
      which the subject has no row at all.
Two more hold each package to what the request allows: (d) assurance - nothing above the
level the requester was verified to; (e) never disclosed - in a CCPA package, no value of a
field §7024(d) keeps back (government ID, account numbers, passwords, biometric templates).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from hashlib import sha256
from typing import Any, Final

from rightful.domain.datamap import DataMap
from rightful.domain.datamap_graph import TraversalPlan
from rightful.domain.errors import ConfigurationError
from rightful.domain.gate_walk import Walker, same_key
from rightful.domain.identities import IdentityType
from rightful.domain.identities import fold as fold_value
from rightful.domain.packages import ItemKind, canonical_bytes, row_object
from rightful.domain.provenance import SubjectKey
from rightful.domain.sensitivity import Sensitivity
from rightful.domain.sources import RecordSource

BATCH: Final = 500


class Check(StrEnum):
    DERIVATION = "derivation"
    FOREIGN_IDENTIFIER = "foreign_identifier"
    FOOTPRINT = "footprint"
    ASSURANCE = "assurance"  # no item above the verification level the request reached
    NEVER_DISCLOSED = "never_disclosed"  # CCPA §7024(d): no such value leaves, even the owner's


@dataclass(frozen=True)
class GateItem:
    """What the gate needs of one package item: where it claims to come from, never its chain."""

    id: str
    kind: ItemKind
    collection: str
    source: str
    key: tuple[Any, ...] | None = None
    sha256: str | None = None  # canonical JSON of the packaged row (records)
    blobs: tuple[tuple[str, str, str], ...] = ()  # (field, URI, blob item id) as packaged
    # Identifiers the item carries besides its row (a staff upload's labels and scan); a
    # record's own owner fields are read from the row the gate fetches again.
    identifiers: tuple[tuple[IdentityType, Any], ...] = ()
    bound_uri: str | None = None  # a staff attachment bound to a blob of the data map
    derivable: bool = True  # False only for four-eyes attachments: (b) and (c) still apply
    # Fields a reviewer left out of the packaged row (Art. 15(4)): empty in its content hash.
    left_out: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"GateItem({self.id}, {self.kind.value}, {self.collection})"


@dataclass(frozen=True)
class Finding:
    """One item that failed one check, named by id and key, never by content."""

    item: str
    check: Check
    reason: str
    collection: str
    key: tuple[Any, ...] | None = None


@dataclass
class GateReport:
    """Everything the gate found; a package is releasable only when `passed`."""

    subject: SubjectKey
    items: int = 0
    checked: Counter[Check] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.findings

    def failures(self, check: Check) -> int:
        """How many findings one check made."""
        return sum(1 for f in self.findings if f.check is check)

    @property
    def offending_items(self) -> list[str]:
        """Ids of every item with at least one finding, sorted."""
        return sorted({f.item for f in self.findings})


def identity_fields(datamap: DataMap, address: str) -> list[tuple[str, IdentityType]]:
    """Owner/identity fields of a collection: marked as identities, or joined to one by a
    reference in either direction. Fields marked third-party (Art. 15(4)) are not owner fields."""
    coll = datamap.collection(address)
    if coll is None:
        return []
    partners: dict[str, IdentityType] = {}
    for other in datamap.collections():
        for f in other.fields:
            for ref in f.references:
                target = datamap.collection(ref.target.collection_address)
                tf = target.field(ref.target.field) if target else None
                if tf is None or target is None:
                    continue
                if other.address == address and tf.identity is not None:
                    partners.setdefault(f.name, tf.identity)
                if target.address == address and f.identity is not None:
                    partners.setdefault(tf.name, f.identity)
    out = []
    for f in coll.fields:
        kind = f.identity or partners.get(f.name)
        if kind is not None and not f.third_party:
            out.append((f.name, kind))
    return out


def product_of(datamap: DataMap, plan: TraversalPlan, address: str) -> str:
    """The product an item of `address` belongs to: the nearest collection on its way to the
    subject that holds an identity (a device, a mailbox), else the subject collection."""
    path = plan.path_to_subject(address)
    for coll_address in [address, *(e.parent for e in reversed(path))]:
        coll = datamap.collection(coll_address)
        if coll is not None and any(f.identity is not None for f in coll.fields):
            return coll_address
    return plan.subject


# A row's canonical JSON from its columns and values (domain.packages.canonical_bytes of its
# row object); the service passes one that writes the same bytes faster.
RowEncoder = Callable[[Sequence[str], Sequence[Any]], bytes]


def row_bytes(columns: Sequence[str], values: Sequence[Any]) -> bytes:
    """canonical_bytes(row_object(columns, values))."""
    return canonical_bytes(row_object(tuple(columns), tuple(values)))


class LeakGate:
    """Runs the three checks over a package's items for one subject."""

    def __init__(
        self,
        datamap: DataMap,
        plan: TraversalPlan,
        sources: Mapping[str, RecordSource],
        subject: SubjectKey,
        max_sensitivity: Sensitivity | None = None,
        never_disclosed: Mapping[str, Mapping[str, tuple[str, ...]]] | None = None,
        encode_row: RowEncoder | None = None,
    ) -> None:
        if subject.collection != plan.subject:
            raise ConfigurationError("the subject key belongs to another collection")
        self.datamap, self.plan, self.subject = datamap, plan, subject
        self.max_sensitivity = max_sensitivity
        # collection -> the fields whose values must not be packaged (empty: not a CCPA package)
        self.never_disclosed = {c: frozenset(f) for c, f in (never_disclosed or {}).items() if f}
        self.walker = Walker(datamap, plan, sources)
        self._encode_row = encode_row or row_bytes
        self._resolved: dict[tuple[IdentityType, Any], frozenset[Any]] = {}
        self._anchors: dict[str, bool] = {}
        self._known_cache: dict[str, bool] = {}
        self._products: dict[str, str] = {}
        self._blob_cache: dict[str, list[tuple[str, int]]] = {}
        self._timed_cache: dict[str, bool] = {}
        self._identity_positions: dict[str, list[tuple[int, IdentityType]]] = {}
        self._row_identifiers: dict[str, tuple[tuple[IdentityType, Any], ...]] = {}

    def run(self, items: Iterable[GateItem]) -> GateReport:
        """Check every item; batches keep memory flat however many items there are."""
        report = GateReport(self.subject)
        for batch in _batches(items):
            report.items += len(batch)
            report.findings.extend(self._check_batch(batch, report.checked))
        return report

    def _check_batch(self, batch: list[GateItem], checked: Counter[Check]) -> list[Finding]:
        findings: list[Finding] = []
        orphans = [i for i in batch if i.kind is ItemKind.BLOB]
        records = [
            i for i in batch if i.derivable and i.bound_uri is None and i.kind is not ItemKind.BLOB
        ]
        bound_blobs = [i for i in batch if i.bound_uri is not None]
        checked[Check.DERIVATION] += len(records) + len(bound_blobs) + len(orphans)
        findings.extend(
            f for i in orphans for f in _findings(i, Check.DERIVATION, "file_without_record")
        )
        findings.extend(self.derive(records))
        findings.extend(self.derive_bound_blobs(bound_blobs))
        checked[Check.FOREIGN_IDENTIFIER] += len(batch)
        findings.extend(self.foreign_identifiers(batch))
        checked[Check.FOOTPRINT] += len(batch)
        findings.extend(self.footprint(batch))
        checked[Check.ASSURANCE] += len(batch)
        findings.extend(self.assurance(batch))
        if self.never_disclosed:
            checked[Check.NEVER_DISCLOSED] += len(records)
        return findings

    # --- (a) derivation ---------------------------------------------------------------------

    def derive(self, items: list[GateItem]) -> list[Finding]:
        """Re-read each record by key, compare it with what was packaged, walk it to its owner."""
        findings: list[Finding] = []
        by_collection: dict[str, list[GateItem]] = defaultdict(list)
        for item in items:
            by_collection[item.collection].append(item)
        for address, group in by_collection.items():
            findings.extend(self._derive_collection(address, group))
        return findings

    def _derive_collection(self, address: str, items: list[GateItem]) -> list[Finding]:
        if not self._known(address):
            return [f for i in items for f in _findings(i, Check.DERIVATION, "not_in_data_map")]
        shape = self.walker.shape(address)
        rows = self.walker.by_key(address, [i.key for i in items if i.key is not None])
        findings, walkable = [], []
        for item in items:
            row = rows.get(tuple(item.key)) if item.key is not None else None
            problem = self._compare(item, shape.source, shape.columns, row)
            if problem is not None:
                findings.extend(_findings(item, Check.DERIVATION, problem))
            elif row is not None:
                walkable.append((item, row))
                self._row_identifiers[item.id] = self._identifiers_of(address, shape.columns, row)
                if self._sends_undisclosed(item, shape.columns, row):
                    findings.extend(_findings(item, Check.NEVER_DISCLOSED, "undisclosed_sent"))
        owners = self.walker.owners(address, [(i.id, row) for i, row in walkable])
        timed = self._timed(address)
        for item, _ in walkable:
            reason = self._ownership_problem(owners.get(item.id, set()), timed)
            if reason is not None:
                findings.extend(_findings(item, Check.DERIVATION, reason))
        return findings

    def _identifiers_of(
        self, address: str, columns: tuple[str, ...], row: tuple[Any, ...]
    ) -> tuple[tuple[IdentityType, Any], ...]:
        """Owner and identity values of a row as the source holds it (equal to the packaged
        row, which the content check just established)."""
        if address not in self._identity_positions:
            self._identity_positions[address] = [
                (columns.index(name), kind) for name, kind in identity_fields(self.datamap, address)
            ]
        return tuple(
            (kind, row[pos])
            for pos, kind in self._identity_positions[address]
            if row[pos] is not None
        )

    def _content_sha256(
        self, columns: tuple[str, ...], row: tuple[Any, ...], item: GateItem
    ) -> str:
        """The hash of the row as it was packaged: the fields left out are empty there."""
        if left_out := item.left_out:
            row = tuple(
                None if name in left_out else v for name, v in zip(columns, row, strict=True)
            )
        return sha256(self._encode_row(columns, row)).hexdigest()

    def _compare(
        self, item: GateItem, source: str, columns: tuple[str, ...], row: tuple[Any, ...] | None
    ) -> str | None:
        if item.source != source:
            return "source_differs"
        if row is None:
            return "not_found_at_key"
        if item.sha256 is not None and self._content_sha256(columns, row, item) != item.sha256:
            return "content_differs"
        stored = {
            (name, row[pos])
            for name, pos in self._blob_positions(item.collection, columns)
            if row[pos] is not None
        }
        if {(b[0], b[1]) for b in item.blobs} - stored:
            return "blob_differs"
        return None

    def _sends_undisclosed(
        self, item: GateItem, columns: tuple[str, ...], row: tuple[Any, ...]
    ) -> bool:
        """(e) Whether a CCPA package sends a value of a field §7024(d) keeps back: the source
        holds one and the packaged row (equal to the source but for the fields it names as
        left out) does not leave it out, or a file of such a field was packaged."""
        held_back = self.never_disclosed.get(item.collection)
        if not held_back:
            return False
        if any(b[0] in held_back for b in item.blobs):
            return True
        sent = held_back - set(item.left_out)
        return any(name in sent and v is not None for name, v in zip(columns, row, strict=True))

    def _blob_positions(self, address: str, columns: tuple[str, ...]) -> list[tuple[str, int]]:
        if address not in self._blob_cache:
            coll = self.datamap.collection(address)
            assert coll is not None
            self._blob_cache[address] = [(f.name, columns.index(f.name)) for f in coll.blob_fields]
        return self._blob_cache[address]

    def _ownership_problem(self, owners: set[Any], timed: bool = False) -> str | None:
        mine = [o for o in owners if same_key(o, self.subject.value)]
        if mine and (len(mine) == len(owners) or not timed):
            return None  # a device row is every owner's, over time
        if mine:
            # A row tied to its owner at its own time (a recording, a ticket) that overlapping
            # windows give to two people at once (a resale whose end date was entered late):
            # whose it is, a person decides (leave it out, or correct the windows).
            return "reaches_another_subject_too"
        return "reaches_other_subject" if owners else "reaches_no_subject"

    def _timed(self, address: str) -> bool:
        """Whether a row of `address` belongs to its owner at its own time: its reference
        toward the subject holds only while one of its own fields lies in a window."""
        if address not in self._timed_cache:
            self._timed_cache[address] = any(
                e.child == address and e.window is not None and e.window_on_parent
                for e in self.plan.path_to_subject(address)
            )
        return self._timed_cache[address]

    def derive_bound_blobs(self, items: list[GateItem]) -> list[Finding]:
        """A staff attachment named by blob URI: the records that hold the URI must be the
        subject's (found by looking the URI up in every blob field of its store)."""
        findings = []
        for item in items:
            assert item.bound_uri is not None
            owners: set[Any] = set()
            for address, field_name in self._blob_fields(item.bound_uri):
                rows = self.walker.where(address, field_name, [item.bound_uri], fold=False)
                tagged: list[tuple[Hashable, tuple[Any, ...]]] = [(item.id, r) for r in rows]
                owners |= self.walker.owners(address, tagged).get(item.id, set())
            reason = self._ownership_problem(owners)
            if reason is not None:
                findings.extend(_findings(item, Check.DERIVATION, reason))
        return findings

    def _blob_fields(self, uri: str) -> Iterator[tuple[str, str]]:
        for coll in self.datamap.collections():
            if not self._known(coll.address):
                continue
            for f in coll.blob_fields:
                if uri.startswith(f"blob://{f.blob_store}/"):
                    yield coll.address, f.name

    def _known(self, address: str) -> bool:
        """Whether a collection is in the data map and reachable (cached per collection)."""
        if address not in self._known_cache:
            self._known_cache[address] = self.datamap.collection(address) is not None and (
                address == self.plan.subject or self.plan.step(address) is not None
            )
        return self._known_cache[address]

    # --- (b) foreign identifiers ------------------------------------------------------------

    def foreign_identifiers(self, items: list[GateItem]) -> list[Finding]:
        """Items holding an identifier that resolves to subjects, none of them the requester."""
        findings = []
        for item in items:
            held = (*item.identifiers, *self._row_identifiers.pop(item.id, ()))
            for kind in sorted({k for k, v in held if self._is_foreign(k, v)}):
                findings.extend(_findings(item, Check.FOREIGN_IDENTIFIER, f"foreign_{kind.value}"))
        return findings

    def _is_foreign(self, kind: IdentityType, value: Any) -> bool:
        owners = self.resolve(kind, value)
        return bool(owners) and not any(same_key(o, self.subject.value) for o in owners)

    def resolve(self, kind: IdentityType, value: Any) -> frozenset[Any]:
        """Every subject that ever held an identifier (validity of the identity row ignored, so
        a recycled address resolves to all its holders and only a truly foreign one stands out)."""
        cache_key = (kind, value)
        if cache_key not in self._resolved:
            self._resolved[cache_key] = frozenset(self._resolve(kind, value))
        return self._resolved[cache_key]

    def _resolve(self, kind: IdentityType, value: Any) -> set[Any]:
        owners: set[Any] = set()
        for coll, f in self.datamap.identity_fields(kind):
            probe = _typed(value, f.data_type)
            if probe is None or not self._known(coll.address):
                continue
            fold = f.match.value == "casefold"
            rows = self.walker.where(
                coll.address, f.name, [fold_value(probe) if fold else probe], fold
            )
            tagged: list[tuple[Hashable, tuple[Any, ...]]] = [("id", r) for r in rows]
            owners |= self.walker.owners(coll.address, tagged).get("id", set())
        return owners

    # --- (c) footprint ----------------------------------------------------------------------

    def footprint(self, items: list[GateItem]) -> list[Finding]:
        """Items from a product in which the subject holds nothing (no account, device, address)."""
        findings = []
        for item in items:
            if not self._known(item.collection):
                findings.extend(_findings(item, Check.FOOTPRINT, "not_in_data_map"))
                continue
            if item.collection not in self._products:
                self._products[item.collection] = product_of(
                    self.datamap, self.plan, item.collection
                )
            product = self._products[item.collection]
            if not self.has_anchor(product):
                findings.extend(_findings(item, Check.FOOTPRINT, f"no_footprint_in_{product}"))
        return findings

    def has_anchor(self, product: str) -> bool:
        """Whether the subject has a row in a product collection (cached per product)."""
        if product not in self._anchors:
            self._anchors[product] = self.walker.has_anchor(self.subject.value, product)
        return self._anchors[product]

    # --- assurance ----------------------------------------------------------------------------

    def assurance(self, items: list[GateItem]) -> list[Finding]:
        """Items of collections more sensitive than the level the requester was verified to."""
        if self.max_sensitivity is None:
            return []
        limit = self.max_sensitivity
        above = {
            c: self._known(c) and self.datamap.sensitivity_of(c).exceeds(limit)
            for c in {i.collection for i in items}
        }
        return [
            f
            for item in items
            if above[item.collection]
            for f in _findings(item, Check.ASSURANCE, "above_verified_level")
        ]


def _findings(item: GateItem, check: Check, reason: str) -> list[Finding]:
    """The finding for an item and, for a record, for each of its blob files too."""
    key = tuple(item.key) if item.key is not None else None
    ids = [item.id, *(b[2] for b in item.blobs)]
    return [Finding(i, check, reason, item.collection, key) for i in ids]


def _typed(value: Any, data_type: str | None) -> Any:
    """An identifier as the column stores it (customer ids may be integers), or None."""
    if data_type == "integer" and not isinstance(value, int):
        try:
            return int(str(value).strip())
        except ValueError:
            return None
    return value


def _batches(items: Iterable[GateItem]) -> Iterator[list[GateItem]]:
    batch: list[GateItem] = []
    for item in items:
        batch.append(item)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
