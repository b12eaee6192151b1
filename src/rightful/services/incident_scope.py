"""Computing an incident's scope from the records, never from what anyone typed: the manifest of
each package says what was in it, the leak gate's reverse walk (with the data map in force now)
says whose each item is, and the delivery tables say where it went and whether it was deleted."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rightful.adapters.db.delivery import DownloadAttemptRow, DownloadLinkRow, NotMineReportRow
from rightful.adapters.sources import OpenSources
from rightful.domain.datamap import DataMap
from rightful.domain.datamap_graph import plan_traversal
from rightful.domain.delivery import Outcome
from rightful.domain.gate_walk import Walker
from rightful.domain.identities import IdentityType
from rightful.domain.incident_scope import (
    Attribution,
    Basis,
    Delivery,
    DownloadSource,
    Scope,
    ScopeItem,
    attribute,
    count_items,
    describe,
    exposure,
    holders,
)
from rightful.domain.incidents import IncidentKind
from rightful.domain.packages import MANIFEST, PackageStatus
from rightful.domain.provenance import SubjectKey
from rightful.services.incident_records import Target
from rightful.services.package_keys import subject_pseudonym
from rightful.services.packaging import PackageService
from rightful.services.subjects import SubjectService

SourceOpener = Callable[[], AbstractContextManager[OpenSources]]
NOT_STORED = (PackageStatus.BUILDING.value, PackageStatus.FAILED.value)


@dataclass(frozen=True)
class Entry:
    """A manifest item with the key the reverse walk starts from."""

    item: ScopeItem
    key: tuple[Any, ...] | None


class ScopeCalculator:
    """Scopes incidents against the packages, the sources and the delivery records."""

    def __init__(
        self, packages: PackageService, subjects: SubjectService, datamap: DataMap,
        open_sources: SourceOpener, pseudonym_key: bytes,
    ) -> None:  # fmt: skip
        self.packages, self.subjects, self.datamap = packages, subjects, datamap
        self.plan = plan_traversal(datamap)
        self.open_sources, self.pseudonym_key = open_sources, pseudonym_key

    def compute(self, target: Target) -> Scope:
        """The scope of one incident as the records show it now."""
        # The requester received the package: in a misdelivery (or a near-miss) their own data
        # went to its owner; in a breach it went to others with the rest.
        received = target.request_id and target.kind is not IncidentKind.BREACH
        recipient = self.subjects.bound_subject(target.request_id) if received else None
        entries = [e for p in target.package_ids for e in self.entries(p, target)]
        owners = self.owners(entries)
        basis, exposed = _exposed(target, entries, owners, recipient)
        holders = _holders(basis, exposed, owners, recipient)
        people = sorted({h for hs in holders.values() for h in hs}, key=str)
        with self.packages.store.transaction() as session:
            delivery = delivery_facts(session, target.package_ids)
        counts = count_items(e.item for e in exposed)
        marks = Counter(attribute(owners.get(e.item.id, set()), _value(recipient))
                        for e in exposed if e.item.kind != "blob")  # fmt: skip
        return Scope(
            basis, counts, tuple(self.pseudonym(p) for p in people), tuple(p.value for p in people),
            target.request_id, delivery, marks[Attribution.SHARED],
            marks[Attribution.UNATTRIBUTED], describe(counts), datamap_digest(self.datamap),
            self._by_subject(exposed, holders),
        )  # fmt: skip

    def _by_subject(
        self, exposed: list[Entry], holders: dict[str, list[SubjectKey]]
    ) -> dict[str, dict[str, int]]:
        out: dict[str, Counter[str]] = {}
        for e in exposed:
            for person in holders.get(e.item.id, []):
                out.setdefault(self.pseudonym(person), Counter())[e.item.collection] += 1
        return {p: dict(sorted(c.items())) for p, c in sorted(out.items())}

    def pseudonym(self, subject: SubjectKey) -> str:
        return subject_pseudonym(self.pseudonym_key, subject)

    def entries(self, package_id: str, target: Target) -> list[Entry]:
        """The package's manifest items (only the gate's offenders for a near-miss)."""
        package = self.packages.get(package_id)
        if package.status in NOT_STORED or package.stored_size is None:
            return []
        with self.packages.zip_of(package) as archive, archive.open(MANIFEST) as stream:
            items = list(manifest_entries(stream))
        if target.kind is IncidentKind.NEAR_MISS:
            return [e for e in items if e.item.id in target.affected_items]
        return items

    def owners(self, entries: list[Entry]) -> dict[str, set[Any]]:
        """Item id -> subject keys its reverse walk reaches; blobs inherit their record's."""
        by_collection: dict[str, list[Entry]] = {}
        for e in entries:
            if e.key is not None and e.item.kind != "blob" and self._walkable(e.item.collection):
                by_collection.setdefault(e.item.collection, []).append(e)
        found: dict[str, set[Any]] = {}
        with self.open_sources() as opened:
            walker = Walker(self.datamap, self.plan, opened.records)
            for address, group in by_collection.items():
                found.update(_walk(walker, address, group))
        for e in entries:
            if e.item.kind == "blob" and e.item.of is not None:
                found[e.item.id] = found.get(e.item.of, set())
        return found

    def contacts(self, keys: Iterable[Any]) -> dict[str, str | None]:
        """The current e-mail address of each subject key (the subject collection's e-mail
        identity field), None where there is none; keys as text."""
        subject = self.datamap.collection(self.plan.subject)
        email = (
            next((f.name for f in subject.fields if f.identity is IdentityType.EMAIL), None)
            if subject
            else None
        )
        wanted = [(k,) for k in keys]
        out: dict[str, str | None] = {str(k[0]): None for k in wanted}
        if email is None or not wanted:
            return out
        with self.open_sources() as opened:
            walker = Walker(self.datamap, self.plan, opened.records)
            shape = walker.shape(self.plan.subject)
            for key, row in walker.by_key(self.plan.subject, wanted).items():
                value = row[shape.pos(email)]
                out[str(key[0])] = str(value).strip() if value else None
        return out

    def _walkable(self, address: str) -> bool:
        known = self.datamap.collection(address) is not None
        return known and (address == self.plan.subject or self.plan.step(address) is not None)


def _walk(walker: Walker, address: str, group: list[Entry]) -> dict[str, set[Any]]:
    rows = walker.by_key(address, [e.key for e in group if e.key is not None])
    tagged = [(e.item.id, rows[tuple(e.key)]) for e in group
              if e.key is not None and tuple(e.key) in rows]  # fmt: skip
    return {str(tag): owners for tag, owners in walker.owners(address, tagged).items()}


def _value(subject: SubjectKey | None) -> Any:
    return None if subject is None else subject.value


def _exposed(
    target: Target, entries: list[Entry], owners: dict[str, set[Any]], recipient: SubjectKey | None
) -> tuple[Basis, list[Entry]]:
    near_miss = target.kind is IncidentKind.NEAR_MISS
    basis, items = exposure(near_miss, [e.item for e in entries], owners, _value(recipient))
    chosen = {i.id for i in items}
    return basis, [e for e in entries if e.item.id in chosen]


def _holders(
    basis: Basis, exposed: list[Entry], owners: dict[str, set[Any]], recipient: SubjectKey | None
) -> dict[str, list[SubjectKey]]:
    collection = recipient.collection if recipient else "subject"
    found = holders(basis, [e.item for e in exposed], owners, _value(recipient))
    return {i: [SubjectKey(collection, v) for v in values] for i, values in found.items()}


def manifest_entries(stream: IO[bytes]) -> Iterator[Entry]:
    """Items of a manifest.json as the package writer lays it out (one item per line), read
    without loading the whole manifest."""
    inside = False
    for raw in stream:
        line = raw.decode("utf-8").strip()
        if line.startswith('"items": ['):
            inside = True
        elif inside and line.startswith("{"):
            yield _entry(json.loads(line.rstrip(",")))
        elif inside and line.startswith("]"):
            return


def _entry(item: dict[str, Any]) -> Entry:
    key = item.get("key")
    scope_item = ScopeItem(
        id=str(item["id"]), kind=str(item["kind"]), collection=str(item["collection"]),
        categories=tuple(item.get("categories", ())), of=item.get("of"), size=item.get("size"),
    )  # fmt: skip
    return Entry(scope_item, tuple(key) if isinstance(key, list) else None)


def delivery_facts(session: Session, package_ids: Iterable[str]) -> Delivery:
    """Links, successful downloads (time, IP, user agent) and deletion, from delivery's tables."""
    ids = list(package_ids)
    links = list(
        session.scalars(select(DownloadLinkRow).where(DownloadLinkRow.package_id.in_(ids)))
    )
    if not links:
        return Delivery()
    started = list(session.scalars(
        select(DownloadAttemptRow)
        .where(DownloadAttemptRow.link_id.in_([link.id for link in links]),
               DownloadAttemptRow.outcome == Outcome.STARTED.value)
        .order_by(DownloadAttemptRow.at)))  # fmt: skip
    where = Counter((a.ip, a.user_agent) for a in started)
    deletion, confirmed = _deletion(session, ids)
    return Delivery(
        links=len(links), sent_at=min(link.created_at for link in links), downloads=len(started),
        first_download_at=started[0].at if started else None,
        last_download_at=started[-1].at if started else None,
        sources=tuple(DownloadSource(ip, ua, n) for (ip, ua), n in where.most_common()),
        protected=any(link.age_header is not None for link in links),
        deletion=deletion, deletion_confirmed_at=confirmed,
    )  # fmt: skip


def _deletion(session: Session, package_ids: list[str]) -> tuple[str, Any]:
    reports = list(session.scalars(
        select(NotMineReportRow).where(NotMineReportRow.package_id.in_(package_ids))
        .order_by(NotMineReportRow.reported_at)))  # fmt: skip
    if not reports:
        return "not_asked", None
    answered = [r for r in reports if r.deletion_confirmed_at is not None]
    if not answered:
        return "not_confirmed", None
    last = answered[-1]
    return (last.deletion_answer or "deleted"), last.deletion_confirmed_at


def datamap_digest(datamap: DataMap) -> str:
    """A digest of the data map a scope was computed with (a corrected map gives another)."""
    return hashlib.sha256(repr(datamap).encode()).hexdigest()
