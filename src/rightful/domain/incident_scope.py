"""The scope of an incident, computed from the package manifest and the delivery records: whose
data, which categories with how many records, where it went, and a sentence people can read."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from rightful.domain.sensitivity import Sensitivity, category_sensitivity
from rightful.domain.severity import Exposed


class Attribution(StrEnum):
    """Whose an item is, by the reverse walk of the data map in force when scoping."""

    OWN = "own"  # the recipient's alone
    SHARED = "shared"  # the recipient's and someone else's: the data map cannot tell them apart
    FOREIGN = "foreign"  # someone else's
    UNATTRIBUTED = "unattributed"  # leads to nobody (or could not be read again)


def attribute(owners: Collection[Any], recipient: Any | None) -> Attribution:
    """Classify an item by the subject keys its reverse walk reached."""
    mine = recipient is not None and any(_same(o, recipient) for o in owners)
    others = [o for o in owners if recipient is None or not _same(o, recipient)]
    if mine:
        return Attribution.SHARED if others else Attribution.OWN
    return Attribution.FOREIGN if others else Attribution.UNATTRIBUTED


def _same(a: Any, b: Any) -> bool:
    return bool(a == b) or str(a) == str(b)


class Basis(StrEnum):
    """Which items the scope counts, and why."""

    OFFENDING_ITEMS = "offending_items"  # a near-miss: the items the gate named
    FOREIGN_ITEMS = "foreign_items"  # the subject's package held other people's items
    WHOLE_PACKAGE = "whole_package"  # all the subject's, and it reached someone else


@dataclass(frozen=True)
class ScopeItem:
    """What the scope needs of one manifest item: never its content."""

    id: str
    kind: str  # record, blob, attachment
    collection: str
    categories: tuple[str, ...] = ()
    of: str | None = None  # a blob's record item
    size: int | None = None


Owners = Mapping[str, Collection[Any]]  # item id -> subject keys its reverse walk reached


def exposure(
    near_miss: bool, items: Sequence[ScopeItem], owners: Owners, recipient: Any | None
) -> tuple[Basis, list[ScopeItem]]:
    """Which items count as exposed: a near-miss's offenders; else every item that is not the
    recipient's alone; and if all were theirs yet it was reported, the whole package."""
    if near_miss:
        return Basis.OFFENDING_ITEMS, list(items)
    foreign = [
        i for i in items if attribute(owners.get(i.id, ()), recipient) is not Attribution.OWN
    ]
    if recipient is not None and foreign:
        return Basis.FOREIGN_ITEMS, foreign
    return Basis.WHOLE_PACKAGE, list(items)


def holders(
    basis: Basis, exposed: Iterable[ScopeItem], owners: Owners, recipient: Any | None
) -> dict[str, list[Any]]:
    """Record item id -> whose data it is: the owners reached without the recipient, unless
    the whole package was the recipient's own and reached someone else."""
    out: dict[str, list[Any]] = {}
    for item in exposed:
        if item.kind == "blob":
            continue
        found = sorted({str(o): o for o in owners.get(item.id, ())}.values(), key=str)
        if basis is not Basis.WHOLE_PACKAGE and recipient is not None:
            found = [o for o in found if not _same(o, recipient)]
        elif basis is Basis.WHOLE_PACKAGE and recipient is not None and not found:
            found = [recipient]
        if found:
            out[item.id] = found
    return out


@dataclass(frozen=True)
class CollectionCount:
    collection: str
    records: int
    files: int
    categories: tuple[str, ...]


@dataclass(frozen=True)
class Counts:
    """Records by collection and by category; files are the blobs of those records."""

    collections: tuple[CollectionCount, ...] = ()
    records_by_category: Mapping[str, int] = field(default_factory=dict)
    records: int = 0
    files: int = 0
    file_bytes: int = 0


def count_items(items: Iterable[ScopeItem]) -> Counts:
    """Tally records (and attachments) per collection and category; blobs count as files."""
    records: Counter[str] = Counter()
    files: Counter[str] = Counter()
    cats: dict[str, set[str]] = defaultdict(set)
    by_category: Counter[str] = Counter()
    size = 0
    for item in items:
        cats[item.collection].update(item.categories)
        if item.kind == "blob":
            files[item.collection] += 1
            size += item.size or 0
            continue
        records[item.collection] += 1
        by_category.update(set(item.categories))
    colls = tuple(
        CollectionCount(c, records[c], files[c], tuple(sorted(cats[c])))
        for c in sorted(cats, key=lambda c: (-records[c], c))
    )
    return Counts(colls, dict(sorted(by_category.items())), sum(records.values()),
                  sum(files.values()), size)  # fmt: skip


# Categories worth naming in a sentence, most telling first: (prefix, one, many).
LABELS: Final = (
    ("user.biometric.voice", "voice audio", "voice audio"),
    ("user.content.voice_transcript", "transcript", "transcripts"),
    ("user.health_and_medical", "health data", "health data"),
    ("user.biometric", "biometric data", "biometric data"),
    ("user.financial", "financial data", "financial data"),
    ("user.payment", "payment data", "payment data"),
    ("user.government_id", "ID number", "ID numbers"),
    ("user.location", "location", "locations"),
    ("user.content", "message content", "message content"),
    ("user.behavior.purchase_history", "purchase", "purchases"),
    ("user.contact.email", "e-mail address", "e-mail addresses"),
    ("user.contact.phone_number", "phone number", "phone numbers"),
    ("user.contact.address", "postal address", "postal addresses"),
    ("user.name", "name", "names"),
    ("user.device.device_id", "device serial", "device serials"),
)
# The same labels in German (one form: they follow "mit").
GERMAN_LABELS: Final = {
    "user.biometric.voice": "Sprachaufnahmen", "user.content.voice_transcript": "Transkripten",
    "user.health_and_medical": "Gesundheitsdaten", "user.biometric": "biometrischen Daten",
    "user.financial": "Finanzdaten", "user.payment": "Zahlungsdaten",
    "user.government_id": "Ausweisnummern", "user.location": "Standorten",
    "user.content": "Nachrichteninhalten", "user.behavior.purchase_history": "Einkäufen",
    "user.contact.email": "E-Mail-Adressen", "user.contact.phone_number": "Telefonnummern",
    "user.contact.address": "Postanschriften", "user.name": "Namen",
    "user.device.device_id": "Geräteseriennummern",
}  # fmt: skip


def noun_of(collection: str, n: int) -> str:
    """A collection address as a counted noun: 'speaker.recordings' -> 'recording(s)'."""
    name = collection.rsplit(".", 1)[-1].replace("_", " ").strip() or collection
    if not name.endswith("s") or name.endswith("ss"):
        return f"{name} record" if n == 1 else f"{name} records"
    return name[:-1] if n == 1 else name


def labels_of(categories: Iterable[str], n: int, lang: str = "en") -> list[str]:
    """The telling categories of a collection, each named by its most specific label once,
    most telling first."""
    chosen: set[int] = set()
    for c in categories:
        for index, (prefix, _, _) in enumerate(LABELS):
            if c == prefix or c.startswith(prefix + "."):
                chosen.add(index)
                break
    if lang == "de":
        return list(dict.fromkeys(GERMAN_LABELS[LABELS[i][0]] for i in sorted(chosen)))
    return list(dict.fromkeys(LABELS[i][1 if n == 1 else 2] for i in sorted(chosen)))


def number(n: int, lang: str = "en") -> str:
    """A count with thousands separated as the language writes them (1,606 / 1.606)."""
    return f"{n:,}".replace(",", ".") if lang == "de" else f"{n:,}"


def describe(counts: Counts, lang: str = "en") -> str:
    """'4 recordings with voice audio, transcripts and device serials; 1 device' and so on
    (in German: '4 Einträge aus recordings mit Sprachaufnahmen, ...')."""
    words = _german if lang == "de" else _english
    parts = [words(c, n) for c in counts.collections if (n := c.records or c.files)]
    if parts:
        return "; ".join(parts)
    return "keine personenbezogenen Daten" if lang == "de" else "no personal data"


def _english(c: CollectionCount, n: int) -> str:
    noun = noun_of(c.collection, n)
    labels = [x for x in labels_of(c.categories, n) if x not in noun]
    return f"{number(n)} {noun}" + (f" with {_and(labels)}" if labels else "")


def _german(c: CollectionCount, n: int) -> str:
    labels = labels_of(c.categories, n, "de")
    entries = "Eintrag" if n == 1 else "Einträge"
    with_labels = f" mit {_and(labels, 'und')}" if labels else ""
    return f"{number(n, 'de')} {entries} aus {c.collection.rsplit('.', 1)[-1]}{with_labels}"


def describe_person(scope: Scope, pseudonym: str, lang: str = "en") -> str:
    """What of one person's data was exposed, in the words of `describe`."""
    mine = scope.by_subject.get(pseudonym, {})
    cats = {c.collection: c.categories for c in scope.counts.collections}
    counts = Counts(tuple(CollectionCount(c, n, 0, cats.get(c, ())) for c, n in
                          sorted(mine.items(), key=lambda x: (-x[1], x[0]))))  # fmt: skip
    if mine:
        return describe(counts, lang)
    return scope.summary if lang == "en" else describe(scope.counts, lang)


def _and(words: list[str], conjunction: str = "and") -> str:
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + f" {conjunction} " + words[-1]


@dataclass(frozen=True)
class DownloadSource:
    """Where successful downloads came from (personal data: kept in the incident tables only)."""

    ip: str | None
    user_agent: str | None
    downloads: int


@dataclass(frozen=True)
class Delivery:
    """What the delivery records say: links, successful downloads, deletion confirmation."""

    links: int = 0
    sent_at: datetime | None = None
    downloads: int = 0
    first_download_at: datetime | None = None
    last_download_at: datetime | None = None
    sources: tuple[DownloadSource, ...] = ()
    protected: bool = False  # passphrase-encrypted for the requester
    deletion: str = "not_asked"  # deleted, never_downloaded, not_confirmed, not_asked
    deletion_confirmed_at: datetime | None = None

    @property
    def left(self) -> bool:
        """Whether anything was downloaded at all."""
        return self.downloads > 0


@dataclass(frozen=True)
class Scope:
    """The computed scope; `subject_keys` stay in the incident tables, pseudonyms may travel."""

    basis: Basis
    counts: Counts
    subjects: tuple[str, ...]  # pseudonyms
    subject_keys: tuple[Any, ...]
    recipient_request: str | None
    delivery: Delivery
    ambiguous: int = 0  # items the data map attributes to the recipient and someone else
    unattributed: int = 0
    summary: str = ""
    datamap_sha256: str = ""
    by_subject: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    @property
    def categories(self) -> tuple[str, ...]:
        return tuple(sorted(self.counts.records_by_category))


def exposed_of(scope: Scope, declared: Mapping[str, Sensitivity]) -> Exposed:
    """The ENISA inputs of a scope: categories with counts, sensitivity, people, intelligibility."""
    by_category = dict(scope.counts.records_by_category)
    sensitivity = {c: category_sensitivity(c, declared) for c in by_category}
    return Exposed(
        records_by_category=by_category,
        subjects=max(1, len(scope.subjects)),
        records=scope.counts.records,
        declared_sensitivity=sensitivity,
        children=any(c.startswith("user.childrens") for c in by_category),
        most_per_person=max((sum(c.values()) for c in scope.by_subject.values()), default=None),
        unintelligible=scope.delivery.protected and not scope.delivery.left,
    )


# --- stored form ------------------------------------------------------------------------------


def scope_json(scope: Scope) -> dict[str, Any]:
    """The scope as plain JSON (instants as ISO text) for the incident tables."""
    d = scope.delivery
    return {
        "basis": scope.basis.value,
        "subjects": list(scope.subjects),
        "subject_keys": [_plain(k) for k in scope.subject_keys],
        "recipient_request": scope.recipient_request,
        "ambiguous": scope.ambiguous,
        "unattributed": scope.unattributed,
        "summary": scope.summary,
        "datamap_sha256": scope.datamap_sha256,
        "by_subject": {k: dict(v) for k, v in scope.by_subject.items()},
        "counts": {
            "records": scope.counts.records,
            "files": scope.counts.files,
            "file_bytes": scope.counts.file_bytes,
            "records_by_category": dict(scope.counts.records_by_category),
            "collections": [
                {
                    "collection": c.collection,
                    "records": c.records,
                    "files": c.files,
                    "categories": list(c.categories),
                }
                for c in scope.counts.collections
            ],
        },
        "delivery": {
            "links": d.links,
            "sent_at": _iso(d.sent_at),
            "downloads": d.downloads,
            "first_download_at": _iso(d.first_download_at),
            "last_download_at": _iso(d.last_download_at),
            "sources": [
                {"ip": s.ip, "user_agent": s.user_agent, "downloads": s.downloads}
                for s in d.sources
            ],
            "protected": d.protected,
            "deletion": d.deletion,
            "deletion_confirmed_at": _iso(d.deletion_confirmed_at),
        },
    }


def scope_from_json(data: Mapping[str, Any]) -> Scope:
    """A scope back from its stored form."""
    c, d = data["counts"], data["delivery"]
    counts = Counts(
        tuple(CollectionCount(x["collection"], x["records"], x["files"], tuple(x["categories"]))
              for x in c["collections"]),
        dict(c["records_by_category"]), c["records"], c["files"], c["file_bytes"],
    )  # fmt: skip
    delivery = Delivery(
        d["links"], _at(d["sent_at"]), d["downloads"], _at(d["first_download_at"]),
        _at(d["last_download_at"]),
        tuple(DownloadSource(s["ip"], s["user_agent"], s["downloads"]) for s in d["sources"]),
        d["protected"], d["deletion"], _at(d["deletion_confirmed_at"]),
    )  # fmt: skip
    return Scope(
        Basis(data["basis"]), counts, tuple(data["subjects"]), tuple(data["subject_keys"]),
        data["recipient_request"], delivery, data["ambiguous"], data["unattributed"],
        data["summary"], data["datamap_sha256"],
        {k: dict(v) for k, v in data.get("by_subject", {}).items()},
    )  # fmt: skip


def _plain(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def _at(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
