"""Demo data for `rightful demo`: a staff key and requests at every stage of their deadline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select

from rightful.adapters.db.tables import RequestRow
from rightful.bootstrap import Container
from rightful.domain.clock import FixedClock
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.intake import NewRequest
from rightful.domain.lifecycle import Status
from rightful.domain.requests import RequestType
from rightful.domain.staff import Principal
from rightful.services import staff
from rightful.services.requests import RequestService
from rightful.services.setup import initialise

DEMO = Principal(id="demo-seed", role=None)

# (type, jurisdiction, e-mail, days since receipt, statuses to walk through)
DEMO_REQUESTS: list[tuple[RequestType, Jurisdiction, str, int, list[Status]]] = [
    (RequestType.ACCESS, Jurisdiction.GDPR, "anna.schmidt@example.org", 2, []),
    (RequestType.ACCESS, Jurisdiction.GDPR, "jonas.weber@example.org", 26,
     [Status.AWAITING_VERIFICATION]),
    (RequestType.ERASURE, Jurisdiction.UK_GDPR, "oliver.smith@example.co.uk", 35,
     [Status.AWAITING_VERIFICATION, Status.VERIFIED]),
    (RequestType.ACCESS, Jurisdiction.CCPA, "maria.garcia@example.com", 40,
     [Status.AWAITING_VERIFICATION]),
    (RequestType.OBJECTION, Jurisdiction.GDPR, "lena.fischer@example.org", 12,
     [Status.CANCELLED]),
]


@dataclass
class DemoSummary:
    admin_key: str
    lines: list[str] = field(default_factory=list)


def prepare_demo(c: Container) -> DemoSummary:
    """Initialise the store, seed the demo estate when available, and issue a demo admin key."""
    initialise(c)
    with c.store.transaction() as session:
        issued = staff.issue_key(session, c.clock, name="demo admin", role="admin")
        c.audit.record(session, "demo-seed", "system", "staff.key_issued", None,
                       key_id=issued.id, role=issued.role.value)
    return DemoSummary(admin_key=issued.secret)


def seed_demo_requests(c: Container) -> int:
    """Requests received days ago, so that the due list shows overdue and due-soon ones (once)."""
    with c.store.transaction() as session:
        if session.scalar(select(func.count()).where(RequestRow.created_by == DEMO.id)):
            return 0
    now = c.clock.now()
    for kind, jurisdiction, email, days_ago, path in DEMO_REQUESTS:
        past = FixedClock(now - timedelta(days=days_ago))
        service = RequestService(c.store, past, c.audit, c.settings)
        row = service.submit(NewRequest(type=kind, jurisdiction=jurisdiction, email=email), DEMO)
        service.clock = c.clock
        for status in path:
            reason = "withdrawn by the requester" if status is Status.CANCELLED else ""
            service.move(row.id, status, DEMO, reason)
    return len(DEMO_REQUESTS)
