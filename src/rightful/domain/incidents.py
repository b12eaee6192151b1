"""Incidents: near-misses the leak gate stopped, and data that went astray (Art. 33, 34)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from rightful.domain.errors import ConflictError, InvalidInputError
from rightful.domain.severity import Circumstances, Exposure
from rightful.domain.words import move_refused, written


class IncidentKind(StrEnum):
    """What happened."""

    NEAR_MISS = "near_miss"  # stopped before anything left: the gate blocked a package
    MISDELIVERY = "misdelivery"  # data reached someone it did not belong to
    BREACH = "breach"  # any other personal data breach (loss, theft, unauthorised access)


class IncidentSource(StrEnum):
    """Who or what raised it: the register shows whether the controller found it itself."""

    GATE = "gate"
    BUTTON = "button"  # "this is not my data"
    STAFF = "staff"
    OUTSIDE = "outside"  # an authority, the press, a researcher


class ReporterKind(StrEnum):
    """Who reported it, as a kind: the register and the chain name the kind, not the person."""

    GATE = "gate"
    RECIPIENT = "recipient"  # whoever received the data and pressed "this is not my data"
    STAFF = "staff"
    AUTHORITY = "authority"
    PRESS = "press"
    RESEARCHER = "researcher"
    SUBJECT = "subject"  # the person whose data it is
    OTHER = "other"


# A register may take in breaches found long ago (Art. 33(5)), but not from before any of the
# laws it follows; further back is a typo (and year 1 overflows every clock).
AWARENESS_YEARS_BACK: Final = 10


class OutsideReporter(StrEnum):
    """The kinds of reporter an outside report may come from (what staff choose from)."""

    AUTHORITY = "authority"
    OTHER = "other"
    PRESS = "press"
    RESEARCHER = "researcher"
    SUBJECT = "subject"


OUTSIDE_KINDS: Final = frozenset(ReporterKind(k.value) for k in OutsideReporter)
# As people type and read them (help, forms, messages), in one order.
OUTSIDE_NAMES: Final = tuple(k.value for k in OutsideReporter)
DEFAULT_REPORTER: Final = {
    IncidentSource.GATE: ReporterKind.GATE,
    IncidentSource.BUTTON: ReporterKind.RECIPIENT,
    IncidentSource.STAFF: ReporterKind.STAFF,
    IncidentSource.OUTSIDE: ReporterKind.OTHER,
}


class Discovery(StrEnum):
    """Whether the controller found the incident itself or was told by someone outside."""

    CONTROLLER = "controller"
    OUTSIDER = "outsider"


def discovered_by(source: IncidentSource) -> Discovery:
    """Derived from who opened the incident, so that nobody can claim it afterwards."""
    if source in (IncidentSource.GATE, IncidentSource.STAFF):
        return Discovery.CONTROLLER
    return Discovery.OUTSIDER


class Nature(StrEnum):
    """The circumstances of a breach, as the ENISA method scores them."""

    NEAR_MISS = "near_miss"  # nothing left the controller
    KNOWN_RECIPIENT = "known_recipient"  # misdelivered to one identified person
    UNKNOWN_RECIPIENTS = "unknown_recipients"  # forwarded, published, or to unknown people
    MALICIOUS = "malicious"  # stolen, hacked, taken on purpose
    LOST = "lost"  # lost or destroyed: availability
    ALTERED = "altered"  # changed without authority: integrity


def default_nature(kind: IncidentKind) -> Nature:
    """The nature assumed until staff say otherwise."""
    return {
        IncidentKind.NEAR_MISS: Nature.NEAR_MISS,
        IncidentKind.MISDELIVERY: Nature.KNOWN_RECIPIENT,
        IncidentKind.BREACH: Nature.UNKNOWN_RECIPIENTS,
    }[kind]


def circumstances_of(nature: Nature, downloads: int | None) -> tuple[Circumstances, str]:
    """ENISA circumstances for a nature; `downloads` (None: not a download) can lower them."""
    if nature is Nature.NEAR_MISS:
        return Circumstances(Exposure.NONE), "near-miss: nothing left the controller"
    if downloads == 0 and nature is Nature.KNOWN_RECIPIENT:
        return Circumstances(Exposure.NONE), "no download succeeded before the links were revoked"
    table = {
        Nature.KNOWN_RECIPIENT: (Circumstances(Exposure.KNOWN_RECIPIENT), "one known recipient"),
        Nature.UNKNOWN_RECIPIENTS: (
            Circumstances(Exposure.UNKNOWN_RECIPIENTS),
            "unknown or many recipients",
        ),
        Nature.MALICIOUS: (
            Circumstances(Exposure.UNKNOWN_RECIPIENTS, malicious=True),
            "taken with malicious intent",
        ),
        Nature.LOST: (Circumstances(Exposure.NONE, availability=0.5), "lost: unavailable"),
        Nature.ALTERED: (Circumstances(Exposure.NONE, integrity=0.5), "altered without authority"),
    }
    return table[nature]


class IncidentStatus(StrEnum):
    OPEN = "open"
    CONTAINED = "contained"
    ASSESSED = "assessed"
    NOTIFIED = "notified"
    CLOSED = "closed"


INCIDENT_MOVES: Final[dict[IncidentStatus, frozenset[IncidentStatus]]] = {
    IncidentStatus.OPEN: frozenset(
        {IncidentStatus.CONTAINED, IncidentStatus.ASSESSED, IncidentStatus.CLOSED}
    ),
    IncidentStatus.CONTAINED: frozenset({IncidentStatus.ASSESSED, IncidentStatus.CLOSED}),
    IncidentStatus.ASSESSED: frozenset(
        {IncidentStatus.ASSESSED, IncidentStatus.NOTIFIED, IncidentStatus.CLOSED}
    ),
    IncidentStatus.NOTIFIED: frozenset({IncidentStatus.NOTIFIED, IncidentStatus.CLOSED}),
    # Facts learnt after closing (the recipient admits a copy; more people affected) reopen it.
    IncidentStatus.CLOSED: frozenset({IncidentStatus.ASSESSED, IncidentStatus.NOTIFIED}),
}


def check_incident_move(current: IncidentStatus, target: IncidentStatus) -> None:
    """Raise ConflictError unless an incident in `current` may move to `target`."""
    if target not in INCIDENT_MOVES[current]:
        raise ConflictError(move_refused("incident", current, target))


def check_awareness(aware_at: datetime, opened_at: datetime) -> None:
    """Raise InvalidInputError for a time of awareness that cannot be true of an incident
    opened at `opened_at`."""
    if aware_at.tzinfo is None:
        raise InvalidInputError("the time of awareness must be an aware UTC datetime")
    if aware_at > opened_at:
        raise InvalidInputError("nobody can be aware of an incident after it is opened")
    if aware_at < opened_at - timedelta(days=366 * AWARENESS_YEARS_BACK):
        raise InvalidInputError(
            f"the time of awareness lies more than {AWARENESS_YEARS_BACK} years back; "
            "give it as YYYY-MM-DDTHH:MM with its offset (e.g. 2026-12-05T09:30+01:00)"
        )


@dataclass(frozen=True)
class NewIncident:
    """An incident to open. `reporter` is a principal id or a short label, never contact data;
    `affected_items` are manifest item ids of the package concerned."""

    kind: IncidentKind
    source: IncidentSource
    reporter: str
    aware_at: datetime
    request_id: str | None = None
    package_id: str | None = None
    affected_items: tuple[str, ...] = ()
    description: str = ""
    reporter_kind: ReporterKind | None = None
    nature: Nature | None = None
    more_packages: tuple[str, ...] = ()

    @property
    def kind_of_reporter(self) -> ReporterKind:
        """The reporter's kind, given or implied by the source."""
        return self.reporter_kind or DEFAULT_REPORTER[self.source]

    @property
    def packages(self) -> tuple[str, ...]:
        """Every package concerned, the first one first, without repeats."""
        first = (self.package_id,) if self.package_id else ()
        return tuple(dict.fromkeys((*first, *self.more_packages)))

    def check(self, opened_at: datetime) -> None:
        """Raise InvalidInputError for an incident that cannot be true as stated."""
        check_awareness(self.aware_at, opened_at)
        if not self.reporter.strip():
            raise InvalidInputError("an incident needs a reporter")
        written(self.description, "the description", 0)
        # A near-miss is stopped inside by definition; whatever someone outside saw had left.
        outside = (IncidentSource.BUTTON, IncidentSource.OUTSIDE)
        if self.kind is IncidentKind.NEAR_MISS and self.source in outside:
            raise InvalidInputError("a report from outside is never a near-miss")
        self._check_reporter()

    def _check_reporter(self) -> None:
        kind = self.kind_of_reporter
        if self.source is IncidentSource.OUTSIDE and kind not in OUTSIDE_KINDS:
            raise InvalidInputError(
                f"an outside report comes from one of: {', '.join(OUTSIDE_NAMES)}"
            )
        if self.source is not IncidentSource.OUTSIDE and kind is not DEFAULT_REPORTER[self.source]:
            expected = DEFAULT_REPORTER[self.source].value
            raise InvalidInputError(f"a {self.source} incident is reported by {expected}")
        if self.nature is Nature.NEAR_MISS and self.kind is not IncidentKind.NEAR_MISS:
            raise InvalidInputError("only a near-miss has the nature near_miss")
