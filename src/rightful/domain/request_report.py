"""The yearly figures on requests: what a business subject to CCPA §7102 (personal information
of 10,000,000 or more consumers a year) publishes by 1 July for the previous calendar year, and
what a DPO reports under GDPR Art. 5(2) (accountability). Counts only, never who asked.

A request counts in the period its receipt falls in, [start, end) in the controller's zone, with
its outcome as it stood at the report's moment (`as_of`: now, or the end of a past day), read
from its recorded moves, so that a report made again later gives the same figures; one received,
or entered in the store, after that moment is not counted:

- complied (in whole or in part): delivered (its package), or closed with its outcome: answered
  in words, erasure or rectification recorded, restriction placed, no personal data found;
- denied, by reason: identity not verified (refused so, or expired waiting for the requester's
  identity, a CCPA request closed unverified at its deadline among them), manifestly unfounded
  or excessive (Art. 12(5), as its audit entry records), other (every other refusal);
- withdrawn (cancelled); open (none of these yet).

A request is answered when complied with or denied; it was answered at the last move into
`delivered` for one delivered (an earlier package reported as "not my data" answered nobody),
else at the move that ended it. Its days to respond are calendar days in the controller's zone
from the day received to the day answered (0: the same day); late means answered after its
deadline (`respond_by`, extension and pauses included); extended, that it was extended."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Final

from rightful.domain.deadlines import Jurisdiction
from rightful.domain.errors import InvalidInputError
from rightful.domain.lifecycle import Status
from rightful.domain.requests import RequestType

JURISDICTIONS: Final = tuple(j.value for j in Jurisdiction)  # in the order reported

# The kinds of request as §7102(a)(1) names them; a CCPA portability request is a request to
# know (the copy "in a portable format", Cal. Civ. Code §1798.130(a)(2)(B)).
CCPA_KIND: Final = {
    RequestType.ACCESS: "know",
    RequestType.PORTABILITY: "know",
    RequestType.ERASURE: "delete",
    RequestType.RECTIFICATION: "correct",
    RequestType.OBJECTION: "opt-out",
    RequestType.RESTRICTION: "limit",
}
GDPR_KIND: Final = {
    RequestType.ACCESS: "Art. 15 access",
    RequestType.PORTABILITY: "Art. 20 portability",
    RequestType.ERASURE: "Art. 17 erasure",
    RequestType.RECTIFICATION: "Art. 16 rectification",
    RequestType.RESTRICTION: "Art. 18 restriction",
    RequestType.OBJECTION: "Art. 21 objection",
}
MAX_YEARS: Final = 10  # a longer period is a mistake, not a report


class Outcome(StrEnum):
    COMPLIED = "complied"
    DENIED_UNVERIFIED = "denied_unverified"
    DENIED_MANIFESTLY = "denied_manifestly"
    DENIED_OTHER = "denied_other"
    WITHDRAWN = "withdrawn"
    OPEN = "open"


DENIED: Final = frozenset(
    {Outcome.DENIED_UNVERIFIED, Outcome.DENIED_MANIFESTLY, Outcome.DENIED_OTHER}
)


def kind_name(jurisdiction: str, kind: RequestType) -> str:
    """The kind as the jurisdiction's law names it."""
    return (CCPA_KIND if jurisdiction == Jurisdiction.CCPA else GDPR_KIND)[kind]


def kinds(jurisdiction: str) -> tuple[str, ...]:
    """Every kind reported for a jurisdiction, in order (each shown, if only with zeros)."""
    names = (CCPA_KIND if jurisdiction == Jurisdiction.CCPA else GDPR_KIND).values()
    return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class Facts:
    """What the store knows of one request that the figures need (a row of columns)."""

    jurisdiction: str
    type: str
    status: str  # lifecycle.Status's value at the report's moment
    received_at: datetime
    respond_by: datetime
    extended: bool  # by the report's moment
    closed_at: datetime | None  # the move into a final status
    delivered_at: datetime | None  # the last move into `delivered` by the report's moment
    refused_unverified: bool
    refused_manifestly: bool  # an Art. 12(5) refusal's audit entry exists


def outcome(f: Facts) -> Outcome:
    """How the request counts (the module's docstring defines each)."""
    if f.status in (Status.DELIVERED, Status.CLOSED):
        return Outcome.COMPLIED
    if f.status == Status.EXPIRED or (f.status == Status.REJECTED and f.refused_unverified):
        return Outcome.DENIED_UNVERIFIED
    if f.status == Status.REJECTED:
        return Outcome.DENIED_MANIFESTLY if f.refused_manifestly else Outcome.DENIED_OTHER
    return Outcome.WITHDRAWN if f.status == Status.CANCELLED else Outcome.OPEN


def answered_at(f: Facts, how: Outcome) -> datetime | None:
    """When the request was answered; None for one withdrawn or open."""
    if how is Outcome.COMPLIED and f.delivered_at is not None:
        return f.delivered_at
    if how is Outcome.COMPLIED or how in DENIED:
        return f.closed_at
    return None


@dataclass
class Line:
    """The figures of one kind of request under one jurisdiction."""

    jurisdiction: str
    kind: str
    counts: Counter[Outcome] = field(default_factory=Counter)
    late: int = 0
    extended: int = 0
    days: Counter[int] = field(default_factory=Counter)  # days to respond -> requests

    @property
    def received(self) -> int:
        return sum(self.counts.values())

    @property
    def denied(self) -> int:
        return sum(self.counts[o] for o in DENIED)

    @property
    def answered(self) -> int:
        return sum(self.days.values())

    def median_days(self) -> float | None:
        """The median of the days to respond of those answered; None with none."""
        n = self.answered
        if n == 0:
            return None
        middle = sorted({(n - 1) // 2, n // 2})
        picked, seen = [], 0
        for days, count in sorted(self.days.items()):
            picked += [days for i in middle if seen <= i < seen + count]
            seen += count
        return sum(picked) / len(picked)

    def mean_days(self) -> float | None:
        """The mean of the days to respond of those answered, to a tenth; None with none."""
        n = self.answered
        return round(sum(d * c for d, c in self.days.items()) / n, 1) if n else None

    def add(self, f: Facts, zone: tzinfo) -> None:
        how = outcome(f)
        self.counts[how] += 1
        self.extended += f.extended
        at = answered_at(f, how)
        if at is not None:
            self.late += at > f.respond_by
            self.days[_days_between(f.received_at, at, zone)] += 1

    def as_json(self) -> dict[str, object]:
        c = self.counts
        return {
            "jurisdiction": self.jurisdiction, "kind": self.kind, "received": self.received,
            "complied": c[Outcome.COMPLIED], "denied": self.denied,
            "denied_by_reason": {
                "identity_not_verified": c[Outcome.DENIED_UNVERIFIED],
                "manifestly_unfounded_or_excessive": c[Outcome.DENIED_MANIFESTLY],
                "other": c[Outcome.DENIED_OTHER],
            },
            "withdrawn": c[Outcome.WITHDRAWN], "open": c[Outcome.OPEN], "late": self.late,
            "extended": self.extended, "answered": self.answered,
            "days_median": self.median_days(), "days_mean": self.mean_days(),
        }  # fmt: skip


def _days_between(received: datetime, answered: datetime, zone: tzinfo) -> int:
    """Calendar days in `zone` from the day received to the day answered."""
    return (answered.astimezone(zone).date() - received.astimezone(zone).date()).days


@dataclass(frozen=True)
class Period:
    """Days [start, end) in the controller's zone."""

    start: date
    end: date

    def bounds(self, zone: tzinfo) -> tuple[datetime, datetime]:
        """The period's first instant and the first instant after it, in `zone`."""
        return datetime.combine(self.start, time(), zone), datetime.combine(self.end, time(), zone)


def period(
    today: date, *, year: str | None = None, start: str | None = None, end: str | None = None
) -> Period:
    """The period asked for: a calendar year, or a start and an end day; the previous calendar
    year (what §7102 asks for) when neither is given. InvalidInputError says what is wrong."""
    if year is not None and (start is not None or end is not None):
        raise InvalidInputError("give a year, or a start and an end day, not both")
    if year is not None:
        number = _year(year)
        return Period(date(number, 1, 1), date(number + 1, 1, 1))
    if start is None and end is None:
        return Period(date(today.year - 1, 1, 1), date(today.year, 1, 1))
    if start is None or end is None:
        raise InvalidInputError("give both the start and the end day (the end is not counted)")
    chosen = Period(_day(start, "start"), _day(end, "end"))
    if chosen.start >= chosen.end:
        raise InvalidInputError(f"the start {start} is not before the end {end}")
    if chosen.end.year - chosen.start.year > MAX_YEARS:
        raise InvalidInputError(f"a period of at most {MAX_YEARS} years")
    return chosen


def _year(text: str) -> int:
    if not text.strip().isdigit() or not 1970 <= int(text) <= 9998:
        raise InvalidInputError(f"the year {text!r} is not a year such as 2026")
    return int(text)


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInputError(f"the {what} {text!r} is not a day such as 2026-01-01") from None


def as_of(now: datetime, zone: tzinfo, day: str | None = None) -> datetime:
    """The report's moment: `now`, or the last instant of `day` in `zone` (every move made that
    day counts). InvalidInputError for a day that is not one or has not ended by `now`."""
    if day is None:
        return now
    chosen = _day(day, "as-of day")
    end = datetime.combine(chosen + timedelta(days=1), time(), zone) - timedelta(microseconds=1)
    if end > now:
        raise InvalidInputError(
            f"the as-of day {chosen} has not ended yet in {zone}: give a past day (the figures "
            "of a day to come are not known)"
        )
    return end


@dataclass(frozen=True)
class RequestReport:
    period: Period
    zone: str
    as_of: datetime  # the moment whose figures these are
    computed_at: datetime  # when they were counted
    lines: tuple[Line, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "from": self.period.start.isoformat(), "to": self.period.end.isoformat(),
            "zone": self.zone, "as_of": self.as_of.isoformat(),
            "computed_at": self.computed_at.isoformat(),
            "lines": [line.as_json() for line in self.lines],
        }  # fmt: skip


def tally(facts: Iterable[Facts], jurisdictions: Iterable[str], zone: tzinfo) -> tuple[Line, ...]:
    """The lines of every kind of each jurisdiction, in order, counted from `facts` (read once,
    as they stream: a line keeps counts, never a request)."""
    lines = {(j, k): Line(j, k) for j in jurisdictions for k in kinds(j)}
    for f in facts:
        lines[f.jurisdiction, kind_name(f.jurisdiction, RequestType(f.type))].add(f, zone)
    return tuple(lines.values())
