"""Taking a submission in once: the first with a key makes the request, a repeat finds it.

The key's row is written in the request's own transaction, under a primary key: of two
submissions at once with one key, the second fails to insert it and its request is rolled back
with it (no request, no audit entry, no acknowledgement mail), then finds the first's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rightful.adapters.db.base import Store
from rightful.adapters.db.idempotency import IdempotencyKeyRow
from rightful.adapters.db.tables import RequestRow
from rightful.domain.clock import Clock
from rightful.domain.idempotency import KEPT_FOR, IdempotencyKeyReusedError, Once, once
from rightful.domain.intake import NewRequest
from rightful.domain.key_ring import KeyRing
from rightful.domain.staff import Principal
from rightful.services.requests import RequestService


@dataclass(frozen=True)
class Submitted:
    """The request a submission made or, for a repeat (`created` False), found."""

    request: RequestRow
    created: bool


class IdempotentIntake:
    """Submits requests through RequestService, each key's once."""

    def __init__(
        self, store: Store, clock: Clock, requests: RequestService, secret: Callable[[], KeyRing]
    ) -> None:
        self.store, self.clock, self.requests = store, clock, requests
        self._secret = secret  # keys the digest of what was sent; read on first use

    def once(self, scope: str, key: str, body: dict[str, object]) -> Once:
        """What is kept of a submission of `body` under `key` by `scope` (InvalidInputError for
        a malformed key)."""
        return once(scope, key, body, self._secret())

    def first(self, once: Once) -> RequestRow | None:
        """The request this key already made, or None; IdempotencyKeyReusedError when it made
        one from other details."""
        with self.store.transaction() as session:
            row = session.get(IdempotencyKeyRow, (once.scope, once.key_digest))
            if row is None:
                return None
            if not once.same_body(row.body_digest):
                raise IdempotencyKeyReusedError(row.request_id)
            return self.requests.load(session, row.request_id)

    def submit(self, new: NewRequest, by: Principal, once: Once | None) -> Submitted:
        """Record `new` (as RequestService.submit does), unless `once`'s key made a request
        already: then that one, as found by `first`."""
        if once is None:
            return Submitted(self.requests.submit(new, by), created=True)
        known = self.first(once)
        if known is not None:
            return Submitted(known, created=False)

        def keep(session: Session, row: RequestRow) -> None:
            session.add(IdempotencyKeyRow(
                scope=once.scope, key_digest=once.key_digest, body_digest=once.body_digest,
                request_id=row.id, created_at=self.clock.now(),
            ))  # fmt: skip
            session.flush()

        try:
            return Submitted(self.requests.submit(new, by, also=keep), created=True)
        except IntegrityError:  # the same key, sent twice at once: the other one made it
            again = self.first(once)
            if again is None:
                raise
            return Submitted(again, created=False)

    def forget_old(self) -> int:
        """Remove the keys kept longer than KEPT_FOR (the daily job); how many."""
        before = self.clock.now() - KEPT_FOR
        with self.store.transaction() as session:
            gone = session.execute(
                delete(IdempotencyKeyRow).where(IdempotencyKeyRow.created_at < before)
            )
            return int(gone.rowcount)  # type: ignore[attr-defined]  # a CursorResult's count
