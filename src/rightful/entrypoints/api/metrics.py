"""The figures as Prometheus gauges: a collector that reads them when scraped, in a registry of
its own (the process-wide one would mix in whatever else registered there). Every label value
is a status, type, kind, regime, audience, jurisdiction or mail state: never an id."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from rightful.domain.deadlines import Jurisdiction, Urgency
from rightful.domain.incident_clocks import Audience
from rightful.domain.incidents import IncidentKind
from rightful.domain.lifecycle import OPEN
from rightful.domain.packages import PackageStatus
from rightful.domain.requests import RequestType
from rightful.services.figures import Figures
from rightful.services.request_mail import NO_ADDRESS, PENDING, REFUSED, SENDING

Samples = Mapping[Any, float]


@dataclass(frozen=True)
class Gauge:
    """One gauge: its name, help, label names, and its samples by label values."""

    name: str
    help: str
    labels: tuple[str, ...]
    samples: Callable[[Figures], Samples]
    zeros: Callable[[Figures], Iterable[Any]] = lambda f: ()  # label values always shown


def _clock(field: str) -> Callable[[Figures], Samples]:
    return lambda f: getattr(f.incident_clocks, field)


def _regimes_audiences(f: Figures) -> Iterable[tuple[str, str]]:
    return [(r, a.value) for r in f.incident_clocks.regimes for a in Audience]


def _regimes(f: Figures) -> Iterable[str]:
    return f.incident_clocks.regimes


_OPEN_KINDS: Final = [(s.value, t.value) for s in sorted(OPEN) for t in RequestType]
GAUGES: Final = (
    Gauge("rightful_requests_open", "Requests not final (closed, rejected, cancelled, expired), "
          "by status and type.", ("status", "type"), lambda f: f.requests_open,
          lambda f: _OPEN_KINDS),
    Gauge("rightful_requests_overdue", "Requests still to be answered whose deadline has "
          "passed (as `rightful requests due` flags them).", (),
          lambda f: {(): f.requests_urgency.get(Urgency.OVERDUE, 0)}),
    Gauge("rightful_requests_due_soon", "Requests still to be answered due within "
          "due_soon_days (default 7), not yet overdue.", (),
          lambda f: {(): f.requests_urgency.get(Urgency.DUE_SOON, 0)}),
    Gauge("rightful_requests_oldest_waiting_days", "Age in days, from receipt, of the oldest "
          "request still to be answered (0 with none).", (),
          lambda f: {(): f.oldest_waiting_days}),
    Gauge("rightful_packages", "Packages by status (blocked: stopped by the leak gate).",
          ("status",), lambda f: f.packages, lambda f: [s.value for s in PackageStatus]),
    Gauge("rightful_builds_waiting", "Verified access and portability requests whose build "
          "has not started, by jurisdiction (CCPA ones may wait for the requester's "
          "declaration).", ("jurisdiction",), lambda f: f.builds_waiting,
          lambda f: [j.value for j in Jurisdiction]),
    Gauge("rightful_builds_running", "Package builds running (their heartbeat is recent).", (),
          lambda f: {(): f.builds_running}),
    Gauge("rightful_builds_lost", "Package builds lost with their worker (no heartbeat for "
          "build_lost_after_seconds); `rightful jobs builds` builds them again.", (),
          lambda f: {(): f.builds_lost}),
    Gauge("rightful_incidents_open", "Incidents not closed, by kind (near_miss: a package the "
          "leak gate blocked).", ("kind",), lambda f: f.incidents_open,
          lambda f: [k.value for k in IncidentKind]),
    Gauge("rightful_incident_notices_owed", "Notifications owed and not yet given, by regime "
          "and audience (authority: Art. 33; subjects: Art. 34).", ("regime", "audience"),
          _clock("owed"), _regimes_audiences),
    Gauge("rightful_incident_notices_overdue", "Notifications owed whose deadline has passed "
          "(Art. 33: 72 hours after awareness).", ("regime", "audience"), _clock("overdue"),
          _regimes_audiences),
    Gauge("rightful_incident_notices_due_within_24h", "Notifications owed, not overdue, due "
          "within 24 hours.", ("regime", "audience"), _clock("due_soon"), _regimes_audiences),
    Gauge("rightful_incident_people_untold", "People of an incident's scope that a notice sent "
          "to the people concerned has not told, by regime.", ("regime",), _clock("untold"),
          _regimes),
    Gauge("rightful_incident_people_untold_overdue", "Of those, people past their own due time "
          "(Art. 34: without undue delay).", ("regime",), _clock("untold_overdue"), _regimes),
    Gauge("rightful_request_notices_unsent", "Notices to requesters that reached nobody (refused "
          "by the relay, no address) or whose sender was lost, by mail state; `rightful jobs "
          "daily` sends them again.", ("state",), lambda f: f.notices_unsent,
          lambda f: [REFUSED, NO_ADDRESS, SENDING, PENDING]),
    Gauge("rightful_audit_entries", "Entries in the audit chain.", (),
          lambda f: {(): f.audit_entries}),
)  # fmt: skip


class FiguresCollector(Collector):
    """Reads the figures once per scrape and yields every gauge from them."""

    def __init__(self, read: Callable[[], Figures]) -> None:
        self._read = read

    def describe(self) -> Iterator[GaugeMetricFamily]:
        for g in GAUGES:
            yield GaugeMetricFamily(g.name, g.help, labels=g.labels)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        figures = self._read()
        for g in GAUGES:
            family = GaugeMetricFamily(g.name, g.help, labels=g.labels)
            samples = {_values(k): 0.0 for k in g.zeros(figures)}
            samples.update({_values(k): float(v) for k, v in g.samples(figures).items()})
            for values, value in sorted(samples.items()):
                family.add_metric(list(values), value)
            yield family


def _values(key: Any) -> tuple[str, ...]:
    return tuple(map(str, key)) if isinstance(key, tuple) else (str(key),)


def registry_of(read: Callable[[], Figures]) -> CollectorRegistry:
    """A registry holding only the figures' collector."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(FiguresCollector(read))
    return registry


def exposition(registry: CollectorRegistry) -> bytes:
    """The registry's figures now, in the Prometheus text format 0.0.4
    (prometheus_client's CONTENT_TYPE_PLAIN_0_0_4)."""
    return generate_latest(registry)
