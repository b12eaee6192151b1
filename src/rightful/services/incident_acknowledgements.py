"""The acknowledgement to an outside reporter (authority, press, researcher, subject): mailed
when they report, tried again by the incident job while the mail service refuses it, and given
up after `IncidentPolicy.acknowledgement_attempts`, so that staff reach the reporter another way.
Each refused attempt is counted with its kind; the chain records the acknowledgement, or once
that it was given up (ids and kinds, never the reporter's contact)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import select

from rightful.adapters.db.incidents import IncidentReporterRow
from rightful.domain.errors import RightfulError
from rightful.domain.messaging import DeliveryError
from rightful.domain.staff import SYSTEM
from rightful.services.incident_mail import acknowledgement

if TYPE_CHECKING:
    from rightful.services.incidents import IncidentService

log = logging.getLogger("rightful.incidents")


SENT, REFUSED, GIVEN_UP = "sent", "refused", "given_up"


def acknowledge(service: IncidentService, incident_id: str, address: str) -> str:
    """Thank an outside reporter with the reference: SENT, or REFUSED by the mail service (the
    attempt counted with its kind), or GIVEN_UP when that was the last attempt allowed."""
    try:
        service.mailer.send(acknowledgement(address, incident_id, service.policy))
    except RightfulError as exc:
        log.warning("acknowledgement of incident %s failed: %s", incident_id, exc)
        kind = exc.kind if isinstance(exc, DeliveryError) else type(exc).__name__
        return GIVEN_UP if _refused(service, incident_id, kind) else REFUSED
    with service.store.transaction() as session:
        reporter = session.get(IncidentReporterRow, incident_id)
        if reporter is not None:
            reporter.acknowledged_at = service.clock.now()
        service.audit.record(
            session, SYSTEM.id, SYSTEM.role_name, "incident.reporter_acknowledged", None,
            incident_id=incident_id,
        )  # fmt: skip
    return SENT


def _refused(service: IncidentService, incident_id: str, kind: str) -> bool:
    """Count a refused attempt; whether it was the last one allowed (given up, audited once)."""
    now, most = service.clock.now(), service.policy.acknowledgement_attempts
    with service.store.transaction() as session:
        reporter = session.get(IncidentReporterRow, incident_id, with_for_update=True)
        if reporter is None or reporter.acknowledged_at or reporter.ack_given_up_at:
            return False
        reporter.ack_attempts = (reporter.ack_attempts or 0) + 1
        reporter.ack_attempted_at, reporter.ack_failure = now, kind[:64]
        if reporter.ack_attempts < most:
            return False
        reporter.ack_given_up_at = now
        service.audit.record(
            session, SYSTEM.id, SYSTEM.role_name, "incident.reporter_ack_given_up", None,
            incident_id=incident_id, attempts=reporter.ack_attempts, failure=reporter.ack_failure,
        )  # fmt: skip
    log.warning("acknowledgement of incident %s given up after %d attempts (%s): reach the "
                "reporter another way", incident_id, most, kind)  # fmt: skip
    return True


def unacknowledged(service: IncidentService) -> list[tuple[str, str]]:
    """(incident id, address) of every outside reporter not acknowledged yet and not given up."""
    query = select(IncidentReporterRow).where(
        IncidentReporterRow.contact_email.is_not(None),
        IncidentReporterRow.acknowledged_at.is_(None),
        IncidentReporterRow.ack_given_up_at.is_(None),
    )
    with service.store.transaction() as session:
        return [(r.incident_id, r.contact_email) for r in session.scalars(query)
                if r.contact_email]  # fmt: skip
