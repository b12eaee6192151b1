"""The data map: where a subject's data lives, how records link to the subject, and why."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from rightful.domain.identities import IdentityType
from rightful.domain.languages import Text
from rightful.domain.sensitivity import Sensitivity, category_sensitivity, highest

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Direction(StrEnum):
    """Fides edge direction: `from` = the referenced field's values query this collection."""

    FROM = "from"
    TO = "to"


class Match(StrEnum):
    """How a field's stored values compare with a key: exactly, or ignoring case and spaces."""

    EXACT = "exact"
    CASEFOLD = "casefold"


@dataclass(frozen=True, slots=True)
class Window:
    """A reference holds only while `at` (this row) lies in the other row's [from, until)."""

    valid_from: str
    valid_until: str | None
    at: str


@dataclass(frozen=True, slots=True)
class Validity:
    """An identity field holds only while verification time lies in [valid_from, valid_until)."""

    valid_from: str
    valid_until: str | None


@dataclass(frozen=True, slots=True)
class FieldAddress:
    """dataset.collection.field"""

    dataset: str
    collection: str
    field: str

    @property
    def collection_address(self) -> str:
        return f"{self.dataset}.{self.collection}"

    def __str__(self) -> str:
        return f"{self.dataset}.{self.collection}.{self.field}"


@dataclass(frozen=True, slots=True)
class Reference:
    """A Fides reference from one field to another, with rightful's optional validity window."""

    target: FieldAddress
    direction: Direction | None = None
    window: Window | None = None


@dataclass(frozen=True, slots=True)
class DataField:
    """One column of a collection."""

    name: str
    data_categories: tuple[str, ...] = ()
    data_type: str | None = None
    primary_key: bool = False
    identity: IdentityType | None = None
    identity_validity: Validity | None = None
    references: tuple[Reference, ...] = ()
    match: Match = Match.EXACT
    blob_store: str | None = None
    third_party: bool = False
    description: Text | None = None


class Disclosure(StrEnum):
    """What handing data to a recipient is under the CCPA (Cal. Civ. Code §1798.140). Fides has
    no word for it: its data uses say why data is used, not whether a disclosure is a sale."""

    BUSINESS_PURPOSE = "business_purpose"  # to a service provider or contractor
    SALE = "sale"  # for money or other valuable consideration
    SHARING = "sharing"  # for cross-context behavioral advertising, paid or not


@dataclass(frozen=True, slots=True)
class Recipient:
    """Someone the data is disclosed to (Art. 15(1)(c)); third countries need safeguards (15(2)).
    `disclosure` is empty where the map does not say what the disclosure is under the CCPA.
    `name` is the map's own wording, which identifies the recipient in warnings; `names` gives
    it in other languages too, where the map does."""

    name: str
    country: str | None = None
    third_country: bool = False
    safeguards: Text | None = None
    disclosure: frozenset[Disclosure] = frozenset()
    names: Text | None = None

    def named(self, language: str) -> str:
        """The name a requester in `language` reads, the map's own where it gives none."""
        return self.name if self.names is None else self.names.in_language(language)


@dataclass(frozen=True, slots=True)
class AutomatedDecisions:
    """Art. 15(1)(h): whether automated decisions are made, their logic and consequences."""

    exists: bool = False
    logic: Text | None = None
    significance: Text | None = None


@dataclass(frozen=True, slots=True)
class ProcessingInfo:
    """The Art. 15(1)(a)-(h) information for one collection. `recipients` is None when the map
    does not say, and empty when it says that nobody outside the controller receives the data."""

    purposes: tuple[Text, ...] = ()
    legal_basis: Text | None = None
    retention: Text | None = None
    recipients: tuple[Recipient, ...] | None = None
    source: Text | None = None
    automated_decisions: AutomatedDecisions | None = None

    def texts(self) -> Iterator[tuple[str, Text]]:
        """Every free text, each named as the map's `rightful:` block names it."""
        yield from (("purposes", purpose) for purpose in self.purposes)
        for key in ("legal_basis", "retention", "source"):
            if (text := getattr(self, key)) is not None:
                yield key, text
        for r in self.recipients or ():
            if r.names is not None:
                yield f"recipient {r.name}: name", r.names
            if r.safeguards is not None:
                yield f"recipient {r.name}: safeguards", r.safeguards
        if (decisions := self.automated_decisions) is not None:
            for key in ("logic", "significance"):
                if (text := getattr(decisions, key)) is not None:
                    yield f"automated_decisions: {key}", text

    @property
    def disclosures(self) -> frozenset[Disclosure] | None:
        """What the data's disclosures are under the CCPA (empty: it goes to nobody), or None
        where the map leaves the recipients, or what one of them receives it as, unsaid."""
        if self.recipients is None or any(not r.disclosure for r in self.recipients):
            return None
        return frozenset(d for r in self.recipients for d in r.disclosure)


@dataclass(frozen=True, slots=True)
class DataCollection:
    """A table (or a collection in a document store) of one dataset."""

    dataset: str
    name: str
    fields: tuple[DataField, ...]
    data_categories: tuple[str, ...] = ()
    info: ProcessingInfo = ProcessingInfo()
    subject: bool = False
    description: Text | None = None

    @property
    def address(self) -> str:
        """dataset.collection, unique across the data map."""
        return f"{self.dataset}.{self.name}"

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def primary_key(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.primary_key)

    def field(self, name: str) -> DataField | None:
        """The field called `name`, or None."""
        return next((f for f in self.fields if f.name == name), None)

    @property
    def categories(self) -> tuple[str, ...]:
        """Every category of the collection and its fields, sorted, without repeats."""
        found = set(self.data_categories)
        for f in self.fields:
            found.update(f.data_categories)
        return tuple(sorted(found))

    def texts(self) -> Iterator[tuple[str | None, str, Text]]:
        """Every free text a requester reads of the collection: (the field it describes, if
        one, its key in the map, the text)."""
        if self.description is not None:
            yield None, "description", self.description
        for f in self.fields:
            if f.description is not None:
                yield f.name, "description", f.description
        for key, text in self.info.texts():
            yield None, key, text

    @property
    def blob_fields(self) -> tuple[DataField, ...]:
        return tuple(f for f in self.fields if f.blob_store)


@dataclass(frozen=True, slots=True)
class Dataset:
    """A Fides dataset: collections in one source (a database, an API, a bucket index)."""

    key: str
    source: str
    collections: tuple[DataCollection, ...]
    origin: str = "<memory>"
    name: Text | None = None
    description: str | None = None


@dataclass(frozen=True)
class DataMap:
    """All datasets, plus the declared category sensitivities and custom categories."""

    datasets: tuple[Dataset, ...]
    declared_sensitivity: Mapping[str, Sensitivity] = field(default_factory=dict)
    custom_categories: frozenset[str] = frozenset()

    def collections(self) -> Iterator[DataCollection]:
        """Every collection, in dataset order."""
        for dataset in self.datasets:
            yield from dataset.collections

    @cached_property
    def categories(self) -> frozenset[str]:
        """Every data category a collection or field declares."""
        return frozenset(c for coll in self.collections() for c in coll.categories)

    @cached_property
    def sells_or_shares(self) -> bool:
        """Whether a recipient anywhere in the map receives data as a `sale` or `sharing` (CCPA).
        A disclosure the map leaves unsaid counts as neither: nothing may claim a sale on it."""
        sold = {Disclosure.SALE, Disclosure.SHARING}
        return any(r.disclosure & sold for coll in self.collections()
                   for r in coll.info.recipients or ())  # fmt: skip

    def holds_category(self, name: str) -> bool:
        """Whether `name` is declared, or is above one declared (user.contact above
        user.contact.email)."""
        return any(c == name or c.startswith(f"{name}.") for c in self.categories)

    def collection(self, address: str) -> DataCollection | None:
        """The collection at `dataset.collection`, or None."""
        return self._by_address.get(address)

    @cached_property
    def _by_address(self) -> dict[str, DataCollection]:
        """Collections by address (the first of a repeated address, as a scan finds it)."""
        found: dict[str, DataCollection] = {}
        for coll in self.collections():
            found.setdefault(coll.address, coll)
        return found

    def dataset_of(self, address: str) -> Dataset:
        """The dataset that holds the collection at `address`."""
        key = address.split(".", 1)[0]
        return next(d for d in self.datasets if d.key == key)

    def source_of(self, address: str) -> str:
        """The name of the source (a key of Settings.sources) holding a collection."""
        return self.dataset_of(address).source

    def origin_of(self, address: str) -> str:
        """The file the collection was declared in."""
        return self.dataset_of(address).origin

    @property
    def subject_collection(self) -> DataCollection | None:
        """The collection whose primary key is the subject key (`rightful: subject: true`)."""
        return next((c for c in self.collections() if c.subject), None)

    def identity_fields(
        self, kind: IdentityType | None = None
    ) -> Iterator[tuple[DataCollection, DataField]]:
        """Fields marked as identities (of one type, or of any)."""
        for coll in self.collections():
            for f in coll.fields:
                if f.identity is not None and (kind is None or f.identity is kind):
                    yield coll, f

    def sensitivity_of(self, address: str) -> Sensitivity:
        """The strictest level among the collection's categories."""
        coll = self.collection(address)
        if coll is None:
            return Sensitivity.STANDARD
        return highest(category_sensitivity(c, self.declared_sensitivity) for c in coll.categories)

    def schema_of(self, source: str) -> dict[str, frozenset[str]]:
        """Table name -> column names of one source, for validating identifiers in connectors."""
        return {
            c.name: frozenset(c.field_names)
            for d in self.datasets
            if d.source == source
            for c in d.collections
        }

    @property
    def sources(self) -> tuple[str, ...]:
        """Names of every source the data map needs, sorted."""
        return tuple(sorted({d.source for d in self.datasets}))
