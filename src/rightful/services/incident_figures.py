"""The notification clocks of every open incident for GET /metrics, counted from the same
deadlines and untold people `rightful jobs incidents` reminds the DPO of, read for all at once
(`open_clocks`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy.orm import Session

from rightful.domain.incident_clocks import Regime
from rightful.services.incident_open_clocks import open_clocks

# An incident notice due within this long is "due soon" (the first reminder's distance).
INCIDENT_SOON: Final = timedelta(hours=24)


@dataclass(frozen=True)
class IncidentClocks:
    """Notices owed by (regime, audience): still to go, overdue, due within INCIDENT_SOON; and
    people a sent notice has not told, by regime: all, and overdue."""

    regimes: tuple[str, ...]  # in force
    owed: Mapping[tuple[str, str], int]
    overdue: Mapping[tuple[str, str], int]
    due_soon: Mapping[tuple[str, str], int]
    untold: Mapping[str, int]
    untold_overdue: Mapping[str, int]


def read_clocks(session: Session, regimes: Sequence[Regime], now: datetime) -> IncidentClocks:
    """The clocks of the incidents not closed, counted as of `now`."""
    clocks = open_clocks(session, regimes)
    deadlines = [d for c in clocks for d in c.deadlines]
    untold = [u for c in clocks for u in c.untold.values()]
    owed: Counter[tuple[str, str]] = Counter()
    overdue: Counter[tuple[str, str]] = Counter()
    soon: Counter[tuple[str, str]] = Counter()
    for d in deadlines:
        key, state, left = (d.regime, d.audience.value), d.state(now), d.left(now)
        owed[key] += state in ("open", "overdue")
        overdue[key] += state == "overdue"
        soon[key] += state == "open" and left is not None and left <= INCIDENT_SOON
    told: Counter[str] = Counter()
    told_overdue: Counter[str] = Counter()
    for u in untold:
        told[u.regime] += len(u.people)
        told_overdue[u.regime] += len(u.overdue(now))
    names = tuple(r.name for r in regimes)
    return IncidentClocks(names, owed, overdue, soon, told, told_overdue)
