"""People an Art. 34 communication has not told: each has a due time of their own, and an
incident whose people must be told closes with them untold only on an Art. 34(3) exception.

A notice's deadline is met when it first goes out (Art. 34(1)); a person it did not reach, or
who came into the scope afterwards, is told "without undue delay" from when the controller
could tell them: when they came into the scope, or when the notice first went out if they were
in it already. The regime's `subjects_hours` (rightful's target for "without undue delay") is
counted from then; a regime without one gives them no fixed time (still untold, still
reminded)."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from rightful.domain.errors import ConflictError, InvalidInputError
from rightful.domain.incident_clocks import Regime, mark_reached
from rightful.domain.words import counted, written


class UntoldException(StrEnum):
    """Art. 34(3): why people who were not told need not be (each with a justification)."""

    UNINTELLIGIBLE = "unintelligible"  # (a) encrypted, or otherwise unintelligible to others
    RISK_REMOVED = "risk_removed"  # (b) measures since ensure the high risk is no longer likely
    PUBLIC_COMMUNICATION = "public_communication"  # (c) disproportionate effort: told publicly


EXCEPTION_NAMES: Final = tuple(e.value for e in UntoldException)
MIN_UNTOLD_JUSTIFICATION: Final = 20  # characters, as an override's justification


def joined(scopes: Iterable[tuple[datetime, Collection[str]]]) -> dict[str, datetime]:
    """When each person first came into the incident's scope, from its scopes as computed."""
    out: dict[str, datetime] = {}
    for at, people in sorted(scopes, key=lambda s: s[0]):
        for person in people:
            out.setdefault(person, at)
    return out


def due_of(joined_at: datetime | None, sent_at: datetime, hours: int | None) -> datetime | None:
    """When a person the sent notice has not told is to be told: `hours` after they became
    tellable (in the scope, and the notice's words approved and sent); None without a fixed
    time."""
    if hours is None:
        return None
    start = sent_at if joined_at is None else max(joined_at, sent_at)
    return start + timedelta(hours=hours)


@dataclass(frozen=True)
class Sent:
    """A notice to the people concerned that went out, and whom its last attempts reached."""

    notice_id: str
    regime: str
    sent_at: datetime
    reached: Collection[str]


def reached(attempts: Iterable[tuple[str, str]]) -> frozenset[str]:
    """Who the last attempt to reach them reached, of `attempts` (person, outcome) oldest
    first."""
    last = dict(attempts)
    return frozenset(person for person, outcome in last.items() if outcome == "sent")


def untold_of(
    sent: Iterable[Sent], people: Sequence[str], since: Mapping[str, datetime],
    regimes: Iterable[Regime],
) -> dict[str, Untold]:  # fmt: skip
    """For each sent notice, the people of the current scope it has not told, each due
    `subjects_hours` after they became tellable (`since`: when they came into the scope)."""
    hours = {r.name: r.subjects_hours for r in regimes}
    out: dict[str, Untold] = {}
    for n in sent:
        due = {p: due_of(since.get(p), n.sent_at, hours.get(n.regime))
               for p in people if p not in n.reached}  # fmt: skip
        out[n.notice_id] = Untold(n.notice_id, n.regime, due)
    return out


@dataclass(frozen=True)
class Untold:
    """The people of the current scope one sent notice has not told, each with a due time."""

    notice_id: str
    regime: str
    due: Mapping[str, datetime | None]  # pseudonym -> due time (None: no fixed time)

    @property
    def people(self) -> tuple[str, ...]:
        return tuple(self.due)

    def overdue(self, now: datetime) -> tuple[str, ...]:
        return tuple(p for p, at in self.due.items() if at is not None and now > at)

    @property
    def due_at(self) -> datetime | None:
        """The earliest due time: when the first of them is to be told by."""
        times = [at for at in self.due.values() if at is not None]
        return min(times) if times else None

    def mark(self, now: datetime, hours_before: Sequence[int]) -> str | None:
        """Which people the DPO is reminded of and how near each one's due time is, as one
        digest: a reminder goes again when it changes (people added or told, or one of them
        reaching a reminder mark: `hours_before` their due time, or overdue). None for nobody."""
        if not self.due:
            return None
        lines = sorted(f"{p}:{_reached(at, now, hours_before)}" for p, at in self.due.items())
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _reached(due: datetime | None, now: datetime, hours_before: Sequence[int]) -> str:
    if due is None:
        return "-"
    return "overdue" if now > due else str(mark_reached(due, now, hours_before))


def never_told(untold: Iterable[Untold], owed_regimes: Collection[str]) -> dict[str, set[str]]:
    """Per regime whose people must be told, those of its sent notices told none of them (a
    person told in German is not untold because the English notice missed them)."""
    out: dict[str, set[str]] = {}
    for u in untold:
        if u.regime not in owed_regimes:
            continue
        people = set(u.people)
        out[u.regime] = out[u.regime] & people if u.regime in out else people
    return {regime: people for regime, people in out.items() if people}


@dataclass(frozen=True)
class ClosingException:
    """An Art. 34(3) exception the DPO relies on to close with people untold."""

    exception: UntoldException
    justification: str


def closing_exception(exception: str | None, justification: str | None) -> ClosingException | None:
    """The exception as given (both or neither); InvalidInputError otherwise."""
    if exception is None and not (justification or "").strip():
        return None
    if exception is None or exception not in EXCEPTION_NAMES:
        raise InvalidInputError(
            f"name the Art. 34(3) exception relied on: one of {', '.join(EXCEPTION_NAMES)}"
        )
    text = written(justification or "", "the justification", MIN_UNTOLD_JUSTIFICATION)
    return ClosingException(UntoldException(exception), text)


def check_closing(untold: Mapping[str, set[str]], given: ClosingException | None) -> int:
    """How many people are closed untold (0 when everyone was told); ConflictError when some
    are and no exception is given, InvalidInputError for an exception with nobody untold."""
    n = len(set().union(*untold.values())) if untold else 0
    if n and given is None:
        raise ConflictError(
            f"{counted(n, 'person', 'people')} of the scope must be told (Art. 34(1)) and "
            f"{'was' if n == 1 else 'were'} not: send the notice to the people concerned again, "
            f"or close with an Art. 34(3) exception ({', '.join(EXCEPTION_NAMES)}) and a "
            "justification"
        )
    if not n and given is not None:
        raise InvalidInputError("everyone of the scope was told: close without an exception")
    return n
