"""Proof by a signed-in account: the controller's app vouches for its logged-in user, once."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from rightful.adapters.db import verification_repo as repo
from rightful.adapters.db.base import Store
from rightful.adapters.db.tables import RequestRow
from rightful.adapters.db.verification import AssertionUseRow
from rightful.domain.clock import Clock
from rightful.domain.errors import ConflictError, InvalidInputError, NotFoundError
from rightful.domain.identities import Identity, IdentityPolicy, IdentityType
from rightful.domain.lifecycle import OPEN, Status
from rightful.domain.staff import requester
from rightful.domain.verification import (
    AccountAssertionChecker,
    AccountClaims,
    AssertionRejectedError,
    Factor,
)
from rightful.domain.words import with_article
from rightful.services.audit import AuditService, digest
from rightful.services.identity_set import Proof, may_bind, record_proof
from rightful.services.subjects import SubjectService

REPLAYED = "this assertion was used already"


class AccountProofs:
    """Checks an assertion, refuses a replay of its id, and records the account it vouches for."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        audit: AuditService,
        subjects: SubjectService,
        checker: AccountAssertionChecker,
        identities: IdentityPolicy,
        kind: IdentityType,
    ) -> None:
        self.store, self.clock, self.audit, self.subjects = store, clock, audit, subjects
        self.checker, self.identities, self.kind = checker, identities, kind

    def prove(self, request_id: str, token: str) -> None:
        """Record the account as a verified identity; AssertionRejectedError says why not."""
        claims = self.checker.check(token, self.clock.now())
        try:
            identity = self.identities.normalise(self.kind, claims.subject)
        except InvalidInputError:
            raise AssertionRejectedError("the assertion names no usable account") from None
        self._check_fits(request_id, identity)
        try:
            replayed = self._use(request_id, claims, identity)
        except IntegrityError:  # the same assertion, accepted concurrently by another request
            replayed = True
        if replayed:
            raise AssertionRejectedError(REPLAYED)

    def _check_fits(self, request_id: str, identity: Identity) -> None:
        """Before binding any account may verify; afterwards only the bound subject's."""
        with self.store.transaction() as session:
            row = session.get(RequestRow, request_id)
            if row is None:
                raise NotFoundError(f"no request {request_id}")
            bound = repo.binding(session, request_id)
            held_from = Status(row.held_from) if row.held_from else None
            if row.status not in OPEN or not (bound or may_bind(Status(row.status), held_from)):
                raise ConflictError(
                    f"{with_article(row.status)} request takes no more proofs of identity"
                )
            subject = repo.subject_of(bound) if bound else None
        if subject is not None and subject not in self.subjects.holders([identity]):
            raise ConflictError("this account is not the one this request is bound to")

    def _use(self, request_id: str, claims: AccountClaims, identity: Identity) -> bool:
        """Record the assertion's id and the proof; True (and an audit event) for a replay."""
        who, now = requester(request_id), self.clock.now()
        with self.store.transaction() as session:
            seen = select(AssertionUseRow.id).where(
                AssertionUseRow.issuer == claims.issuer,
                AssertionUseRow.token_id == claims.token_id,
            )
            if session.scalar(seen) is not None:
                self.audit.record(
                    session, who.id, who.role_name, "verification.assertion_replayed", request_id
                )
                return True
            session.add(
                AssertionUseRow(
                    issuer=claims.issuer,
                    token_id=claims.token_id,
                    request_id=request_id,
                    used_at=now,
                    expires_at=claims.expires_at,
                )
            )
            session.flush()
            evidence = f"assertion:{digest(claims.issuer + chr(0) + claims.token_id)}"
            proof = Proof(identity, Factor.ACCOUNT_ASSERTION, evidence, now)
            record_proof(session, self.audit, request_id, proof, who)
        return False
