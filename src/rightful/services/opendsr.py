"""Requests from another system in the OpenDSR format: taken in once, read back, cancelled.

A request that arrives this way is an ordinary request with the channel `opendsr`: rightful
acknowledges it, verifies the person itself and answers them directly. The sender learns the
status, never the data: OpenDSR's `results_url` would be a bearer link to someone's data, which
is exactly what rightful refuses to hand out.
"""

from __future__ import annotations

import base64
import hashlib
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rightful.adapters.db.base import Store
from rightful.adapters.db.opendsr import OpenDsrRequestRow
from rightful.adapters.db.tables import RequestRow
from rightful.domain.clock import Clock
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.errors import ConflictError, InvalidInputError, NotFoundError
from rightful.domain.intake import NewRequest
from rightful.domain.lifecycle import Role, Status
from rightful.domain.opendsr import Submission, cancellable, canonical_id, request_status
from rightful.domain.requests import RequestType
from rightful.domain.staff import Principal
from rightful.domain.verification import Channel, ResendTooSoonError, needs_verification
from rightful.services.audit import AuditService
from rightful.services.requests import RequestService
from rightful.services.staff import person_of
from rightful.services.verification import VerificationService

PENDING = frozenset(s for s in Status if cancellable(s))
CLOCK_SKEW = timedelta(minutes=5)  # a sender's clock a little ahead of ours is not an error
OLDEST = timedelta(days=366)  # older than any deadline could run: a wrong date, not a request


@dataclass(frozen=True)
class Received:
    """An OpenDSR request and the request it became; `created` is False for a repeated POST."""

    link: OpenDsrRequestRow
    request: RequestRow
    created: bool


class OpenDsrService:
    """Intake, status and cancellation of OpenDSR requests, and the signature on every answer."""

    def __init__(
        self, store: Store, clock: Clock, audit: AuditService, requests: RequestService,
        verification: VerificationService, signing_key: bytes, controller: str,
    ) -> None:  # fmt: skip
        self.store, self.clock, self.audit, self.requests = store, clock, audit, requests
        self.verification = verification
        self._key = Ed25519PrivateKey.from_private_bytes(signing_key)
        self.controller = controller

    def submit(self, sub: Submission, by: Principal, callback_urls: int = 0) -> Received:
        """Take the request in once: the same `subject_request_id` again returns the first."""
        by.require(Role.AGENT)
        known = self._find(sub.subject_request_id)
        if known is not None:
            return self._reached(self._same(known, sub, by))
        if sub.email is None and self.verification.sms is None:
            raise InvalidInputError(
                "this installation sends no SMS: give an email to reach the person"
            )
        now = self.clock.now()
        if sub.submitted_time > now + CLOCK_SKEW:
            raise InvalidInputError("submitted_time is in the future; give when it was submitted")
        if sub.submitted_time < now - OLDEST:
            raise InvalidInputError(
                "submitted_time is more than a year ago; check it, the deadline runs from it"
            )
        new = NewRequest(
            type=sub.type, jurisdiction=sub.jurisdiction, email=sub.email, phone=sub.phone,
            claimed_identities=sub.claims, channel="opendsr",
            received_at=min(sub.submitted_time, now),
        )  # fmt: skip

        def link(session: Session, row: RequestRow) -> None:
            session.add(OpenDsrRequestRow(
                subject_request_id=sub.subject_request_id, request_id=row.id,
                regulation=sub.jurisdiction.value, received_at=self.clock.now(),
                submitted_by=by.id, callback_urls=callback_urls,
            ))  # fmt: skip
            session.flush()
            self.audit.record(
                session, by.id, by.role_name, "opendsr.received", row.id,
                subject_request_id=sub.subject_request_id, callback_urls=callback_urls,
            )  # fmt: skip

        try:
            self.requests.submit(new, by, also=link)
        except IntegrityError:  # the same id, posted twice at once: the other one won
            again = self._find(sub.subject_request_id)
            if again is None:
                raise
            # Only a repeat of that one is answered as taken in: another sender's, or another
            # request under the same id, would otherwise be told it was (docs/opendsr.md).
            return self._reached(self._same(again, sub, by))
        return self._reached(self.get(sub.subject_request_id, created=True))

    def _reached(self, received: Received) -> Received:
        """As from the portal, the person is asked at once to confirm it is them; a repeated
        POST asks again only if the first one never got that far."""
        row = received.request
        if row.status != Status.RECEIVED or not needs_verification(
            Jurisdiction(row.jurisdiction), RequestType(row.type)
        ):
            return received
        try:
            self.verification.start(row.id, Channel.EMAIL if row.requester_email else Channel.SMS)
        except (ConflictError, ResendTooSoonError):
            if received.created:
                raise
            # A repeat posted at the moment the first asked the person: that one asked.
        return self.get(received.link.subject_request_id, created=received.created)

    def _same(self, known: Received, sub: Submission, by: Principal) -> Received:
        """A repeated POST is the same request from the same sender, or a conflict (409):
        another sender's id, or the same id with another type, regulation or person, would
        otherwise be answered as if it had been taken in."""
        row = known.request
        if not self._sent_by(known, by):
            raise ConflictError("this subject_request_id is taken; send a new UUID")
        again = NewRequest(type=sub.type, jurisdiction=sub.jurisdiction, email=sub.email,
                           phone=sub.phone, channel="opendsr")  # fmt: skip
        same = (row.type, row.jurisdiction, (row.requester_email, row.requester_phone)) == (
            sub.type.value, sub.jurisdiction.value, self.requests.contact(again))  # fmt: skip
        if not same:
            raise ConflictError(
                "this subject_request_id was taken in with another type, regulation or "
                "identity; send a new UUID for a new request"
            )
        return known

    def get(
        self, subject_request_id: str, by: Principal | None = None, *, created: bool = False
    ) -> Received:
        """The request a `subject_request_id` became, for its sender (any sender when `by` is
        None); NotFoundError when there is none, or it is another sender's."""
        found = self._find(subject_request_id, created=created)
        if found is None or (by is not None and not self._sent_by(found, by)):
            raise NotFoundError(f"no OpenDSR request {subject_request_id}")
        return found

    def _sent_by(self, found: Received, by: Principal) -> bool:
        with self.store.transaction() as session:
            return person_of(session, found.link.submitted_by) == person_of(session, by.id)

    def cancel(self, subject_request_id: str, by: Principal) -> Received:
        """Cancel while pending (not yet verified); later the request stays (ConflictError)."""
        by.require(Role.AGENT)
        found = self.get(subject_request_id, by)
        if cancellable(Status(found.request.status)):
            with suppress(ConflictError):  # it moved on meanwhile: refused below, as any stage
                self.requests.move(
                    found.request.id, Status.CANCELLED, by, "cancelled by its OpenDSR sender",
                    only_from=PENDING,
                )  # fmt: skip
                return self.get(subject_request_id)
        # Its sender learns the OpenDSR status, not rightful's stage or request id.
        status = request_status(Status(self.get(subject_request_id).request.status))
        raise ConflictError(
            f"this request is {status}; its sender can cancel it only while it is pending"
        )

    def sign(self, body: bytes) -> str:
        """The `X-OpenDSR-Signature` of an answer: Ed25519 over its exact bytes, base64."""
        return base64.b64encode(self._key.sign(body)).decode("ascii")

    def certificate_pem(self) -> str:
        """A self-signed X.509 certificate of the signing key, the same on every call."""
        public = self._key.public_key()
        raw = public.public_bytes_raw()
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, self.controller[:64] or "-")])
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(public)
            .serial_number(int.from_bytes(hashlib.sha256(raw).digest()[:16], "big") >> 1)
            .not_valid_before(datetime(2026, 1, 1, tzinfo=UTC))
            .not_valid_after(datetime(2126, 1, 1, tzinfo=UTC))
            .sign(self._key, None)
        )
        return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")

    def _find(self, subject_request_id: str, *, created: bool = False) -> Received | None:
        with self.store.transaction() as session:
            link = session.get(OpenDsrRequestRow, canonical_id(subject_request_id))
            if link is None:
                return None
            request = session.get(RequestRow, link.request_id)
            if request is None:
                raise NotFoundError(f"no request for OpenDSR request {subject_request_id}")
            return Received(link, request, created)
