"""Console users: add them, sign them in (password + TOTP, or an SSO assertion), keep their
sessions alive within the idle and absolute limits, sign them out. Every step is audited."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
from sqlalchemy import case, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from rightful.adapters.db.base import Store
from rightful.adapters.db.console import (
    StaffSessionRow,
    StaffSignInFailureRow,
    StaffSsoUseRow,
    StaffUserRow,
)
from rightful.domain.clock import Clock
from rightful.domain.console import (
    SessionExpiredError,
    SessionPolicy,
    SessionState,
    SignInError,
    check_password_strength,
    check_session,
    dummy_hash,
    fresh_step,
    hash_password,
    password_matches,
    totp_step,
)
from rightful.domain.errors import (
    ConflictError,
    InvalidInputError,
    PermissionDeniedError,
)
from rightful.domain.key_ring import KeyRing
from rightful.domain.lifecycle import Role
from rightful.domain.staff import Principal
from rightful.domain.verification import (
    AccountAssertionChecker,
    AccountClaims,
    AssertionRejectedError,
)
from rightful.services.audit import AuditService
from rightful.services.staff_totp import TotpSeal

WRONG = "name, password or code is wrong"
TOTP_ISSUER = "rightful"


@dataclass(frozen=True)
class NewUser:
    """A console user just added; password and provisioning URI are shown once."""

    id: str
    name: str
    role: Role
    password: str
    provisioning_uri: str


@dataclass(frozen=True)
class SignedIn:
    token: str  # goes into the cookie; only its hash is stored
    session_id: str
    principal: Principal
    expires_at: datetime


@dataclass(frozen=True)
class ConsoleSession:
    """The staff member behind a live session, and the CSRF token bound to it."""

    session_id: str
    user_id: str
    name: str
    principal: Principal
    csrf: str


class StaffAuthService:
    """Sign-in, sessions and users of the staff console."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        audit: AuditService,
        *,
        totp_key: KeyRing,
        csrf_key: KeyRing,
        policy: SessionPolicy,
        max_failures: int = 5,
        max_failures_per_user: int = 50,
        sso: AccountAssertionChecker | None = None,
    ) -> None:
        self.store, self.clock, self.audit = store, clock, audit
        self.totp, self._csrf_key = TotpSeal(totp_key), csrf_key
        self.policy, self.max_failures, self.sso = policy, max_failures, sso
        self.max_failures_per_user = max(max_failures_per_user, max_failures)

    # --- users -------------------------------------------------------------------------------

    def add_user(
        self, name: str, role: Role, by: Principal, password: str | None = None
    ) -> NewUser:
        """Create a console user with a TOTP secret; the password is generated unless given."""
        name = name.strip()
        if not name or len(name) > 100 or any(c.isspace() for c in name):
            raise InvalidInputError("a console user name is one word of at most 100 characters")
        password = password or secrets.token_urlsafe(18)
        check_password_strength(password)
        secret = pyotp.random_base32()
        row = StaffUserRow(
            id=secrets.token_hex(6), name=name, role=Role(role).value,
            password_hash=hash_password(password), totp_secret=self.totp.seal(secret),
            created_at=self.clock.now(), last_totp_step=0, failures=0,
        )  # fmt: skip
        try:
            with self.store.transaction() as session:
                session.add(row)
                session.flush()
                self.audit.record(session, by.id, by.role_name, "console.user_added", None,
                                  user_id=row.id, role=row.role)  # fmt: skip
        except IntegrityError:
            raise ConflictError("a console user of that name exists already") from None
        uri = pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=TOTP_ISSUER)
        return NewUser(row.id, name, Role(row.role), password, uri)

    def unlock_user(self, name: str, by: Principal) -> None:
        """Clear the failure count of a user locked after too many failed sign-ins; a disabled
        user is refused (unlocked, they still could not sign in, and "unlocked" said otherwise)."""
        with self.store.transaction() as session:
            row = self._by_name(session, name.strip())
            if row is None:
                raise InvalidInputError("no console user of that name")
            if row.disabled_at is not None:
                raise ConflictError(
                    f"{row.name} was disabled at {row.disabled_at:%Y-%m-%d %H:%M} UTC and stays "
                    "disabled: add the person again under another name"
                )
            row.failures, row.locked_at = 0, None
            session.execute(
                delete(StaffSignInFailureRow).where(StaffSignInFailureRow.user_id == row.id)
            )
            self.audit.record(session, by.id, by.role_name, "console.user_unlocked", None,
                              user_id=row.id)  # fmt: skip

    def disable_user(self, name: str, by: Principal) -> int:
        """Stop a user from signing in (someone who left, a lost phone) and end their live
        sessions at once; how many sessions were ended."""
        now = self.clock.now()
        with self.store.transaction() as session:
            row = self._by_name(session, name.strip(), lock=True)
            if row is None:
                raise InvalidInputError("no console user of that name")
            if row.disabled_at is not None:
                raise ConflictError(
                    f"{row.name} was disabled already, at {row.disabled_at:%Y-%m-%d %H:%M} UTC"
                )
            row.disabled_at = now
            ended = session.execute(
                update(StaffSessionRow)
                .where(StaffSessionRow.user_id == row.id, StaffSessionRow.ended_at.is_(None))
                .values(ended_at=now)
                .execution_options(synchronize_session=False)
            )
            count = int(getattr(ended, "rowcount", 0) or 0)
            self.audit.record(session, by.id, by.role_name, "console.user_disabled", None,
                              user_id=row.id, sessions_ended=count)  # fmt: skip
            return count

    def totp_now(self, name: str) -> str:
        """The current TOTP code of a user (the demo and tests sign in with it)."""
        with self.store.transaction() as session:
            row = self._by_name(session, name)
            if row is None:
                raise InvalidInputError("no console user of that name")
            return pyotp.TOTP(self.totp.open(row.totp_secret).secret).at(self.clock.now())

    # --- signing in --------------------------------------------------------------------------

    def sign_in(self, name: str, password: str, code: str, client: str | None = None) -> SignedIn:
        """Password and a fresh TOTP code; the same error for every kind of mismatch. Failures
        lock the user for the client address they came from (`max_failures`), and for every
        address only after `max_failures_per_user`."""
        failed = False
        try:
            with self.store.transaction() as session:
                row = self._by_name(session, name.strip(), lock=True)
                ok = password_matches(row.password_hash if row else dummy_hash(), password)
                pair = self._pair(session, row, client)
                locked = pair is not None and pair.locked_at is not None
                failure = "locked" if locked else self._second_factor(session, row, ok, code)
                if failure is None and row is not None:
                    if pair is not None and pair.id is not None:
                        session.delete(pair)
                    self.totp.refresh(row)  # sealed under a previous web secret: now the current
                    return self._open(session, row, "password_totp")
                failed = True
                self._failed(session, row, pair)
        except IntegrityError:
            if not failed:
                raise
            # A failure from the same new client address was stored first: count this one on it.
            with self.store.transaction() as session:
                row = self._by_name(session, name.strip(), lock=True)
                self._failed(session, row, self._pair(session, row, client))
        raise SignInError(WRONG)

    def _pair(
        self, session: Session, row: StaffUserRow | None, client: str | None
    ) -> StaffSignInFailureRow | None:
        """The failure count of this user from this client (a keyed hash of its address). One
        counted under a previous web secret is moved to the current one's hash, so that a lock
        outlives the rotation."""
        if row is None:
            return None
        key, *earlier = (_client_hash(k, client) for k in self._csrf_key.all)
        found = session.scalars(
            select(StaffSignInFailureRow).where(
                StaffSignInFailureRow.user_id == row.id,
                StaffSignInFailureRow.client.in_([key, *earlier]),
            )
        ).all()
        if not found:
            return StaffSignInFailureRow(user_id=row.id, client=key, failures=0)
        pair = next((f for f in found if f.client == key), found[0])
        pair.client = key
        return pair

    def _second_factor(
        self, session: Session, row: StaffUserRow | None, ok: bool, code: str
    ) -> str | None:
        if row is None or not ok or row.disabled_at is not None or row.locked_at is not None:
            return "refused"
        try:
            step = fresh_step(self._matching_step(row, code), row.last_totp_step)
        except SignInError:
            return "code"
        return None if _claim_step(session, row, step) else "code"

    def _matching_step(self, row: StaffUserRow, code: str) -> int | None:
        totp, now = pyotp.TOTP(self.totp.open(row.totp_secret).secret), self.clock.now()
        code = code.strip().replace(" ", "")
        for delta in (-1, 0, 1):
            step = totp_step(now) + delta
            if hmac.compare_digest(totp.generate_otp(step).encode(), code.encode()):
                return step
        return None

    def _failed(
        self, session: Session, row: StaffUserRow | None, pair: StaffSignInFailureRow | None
    ) -> None:
        summary: dict[str, object] = {"user_id": row.id if row else None}
        if pair is not None and self._count_on(session, pair, self.max_failures):
            summary["locked"] = True
        if row is not None and self._count_on(session, row, self.max_failures_per_user):
            summary["user_locked"] = True
        self.audit.record(session, "public", "system", "console.sign_in_failed", None, **summary)

    def _count_on(
        self, session: Session, counted: StaffUserRow | StaffSignInFailureRow, limit: int
    ) -> bool:
        """One more failure on a user's or a pair's count, locking it at `limit`, in one
        statement so that failures at the same moment are each counted (a read, add and write
        lost them); whether this failure is the one that locked it."""
        if counted.id is None:  # the pair's first failure: a unique key turns away a second
            counted.failures = 1
            counted.locked_at = self.clock.now() if limit <= 1 else None
            session.add(counted)
            session.flush()
            return limit <= 1
        table = type(counted)
        failures = table.failures + 1
        locked_at = case((failures >= limit, func.coalesce(table.locked_at, self.clock.now())),
                         else_=table.locked_at)  # fmt: skip
        now_counted = session.execute(
            update(table)
            .where(table.id == counted.id)
            .values(failures=failures, locked_at=locked_at)
            .returning(table.failures)
            .execution_options(synchronize_session=False)
        ).scalar_one()
        return bool(now_counted == limit)

    def sso_user(self, assertion: str) -> str:
        """The name of the user a valid, unused assertion would sign in (nothing is used up):
        what the console asks the person in front of it to confirm."""
        claims = self._sso_claims(assertion)
        with self.store.transaction() as session:
            used = session.scalar(
                select(StaffSsoUseRow.id).where(
                    StaffSsoUseRow.issuer == claims.issuer,
                    StaffSsoUseRow.token_id == claims.token_id,
                )
            )
            if used is not None:
                raise AssertionRejectedError("this assertion was used already")
            return self._sso_user_row(session, claims).name

    def sign_in_sso(self, assertion: str) -> SignedIn:
        """A signed assertion from the configured issuer naming an existing, enabled user."""
        claims = self._sso_claims(assertion)
        try:
            with self.store.transaction() as session:
                session.add(
                    StaffSsoUseRow(
                        issuer=claims.issuer,
                        token_id=claims.token_id,
                        used_at=self.clock.now(),
                        expires_at=claims.expires_at,
                    )
                )
                session.flush()
                return self._open(session, self._sso_user_row(session, claims), "sso")
        except IntegrityError:
            raise AssertionRejectedError("this assertion was used already") from None

    def _open(self, session: Session, row: StaffUserRow, method: str) -> SignedIn:
        now, token = self.clock.now(), secrets.token_urlsafe(32)
        row.failures = 0
        record = StaffSessionRow(
            id=secrets.token_hex(8), token_hash=_digest(token), user_id=row.id, method=method,
            created_at=now, last_seen_at=now, expires_at=now + self.policy.max_age,
        )  # fmt: skip
        session.add(record)
        who = principal_of(row)
        self.audit.record(session, who.id, who.role_name, "console.signed_in", None,
                          session_id=record.id, method=method)  # fmt: skip
        return SignedIn(token, record.id, who, record.expires_at)

    # --- sessions ----------------------------------------------------------------------------

    def session(self, token: str) -> ConsoleSession:
        """The live session behind a cookie, touched now; SessionExpiredError otherwise."""
        now = self.clock.now()
        with self.store.transaction() as session:
            record = session.scalar(
                select(StaffSessionRow).where(StaffSessionRow.token_hash == _digest(token))
            )
            if record is None:
                raise SessionExpiredError("please sign in")
            try:
                check_session(_state(record), now, self.policy)
            except SessionExpiredError:
                record.ended_at = record.ended_at or now
                raise
            user = session.get(StaffUserRow, record.user_id)
            if user is None or user.disabled_at is not None:
                raise SessionExpiredError("this console user is disabled")
            record.last_seen_at = now
            return ConsoleSession(record.id, user.id, user.name, principal_of(user),
                                  self.csrf_for(record.id))  # fmt: skip

    def sign_out(self, token: str) -> None:
        with self.store.transaction() as session:
            record = session.scalar(
                select(StaffSessionRow).where(StaffSessionRow.token_hash == _digest(token))
            )
            if record is None or record.ended_at is not None:
                return
            record.ended_at = self.clock.now()
            user = session.get(StaffUserRow, record.user_id)
            who = principal_of(user) if user else Principal("public", None)
            self.audit.record(session, who.id, who.role_name, "console.signed_out", None,
                              session_id=record.id)  # fmt: skip

    def csrf_for(self, session_id: str) -> str:
        """The CSRF token bound to one session (forms carry it; a forged form cannot)."""
        return _session_csrf(self._csrf_key.current, session_id)

    def check_csrf(self, current: ConsoleSession, presented: str) -> None:
        """Pass a form carrying the session's token, made under the current key or a previous
        one (a page rendered before web_secret was rotated)."""
        tokens = (_session_csrf(k, current.session_id) for k in self._csrf_key.all)
        if not any(hmac.compare_digest(t.encode(), presented.encode()) for t in tokens):
            raise PermissionDeniedError("the form was stale or forged; reload the page")

    # --- internals ---------------------------------------------------------------------------

    def _sso_claims(self, assertion: str) -> AccountClaims:
        if self.sso is None:
            raise ConflictError("single sign-on is not configured")
        return self.sso.check(assertion, self.clock.now())

    def _sso_user_row(self, session: Session, claims: AccountClaims) -> StaffUserRow:
        row = self._by_name(session, claims.subject)
        if row is None or row.disabled_at is not None or row.locked_at is not None:
            raise AssertionRejectedError("the assertion names no enabled console user")
        return row

    def _by_name(self, session: Session, name: str, lock: bool = False) -> StaffUserRow | None:
        """The user of that name; `lock` holds the row until the transaction ends, so that one
        user's sign-ins take turns (their counts, locks and used codes stay true)."""
        query = select(StaffUserRow).where(StaffUserRow.name == name)
        return session.scalar(query.with_for_update() if lock else query)


def principal_of(user: StaffUserRow) -> Principal:
    """The principal the audit chain records for a console user."""
    return Principal(id=f"staff:{user.id}", role=Role(user.role))


def _session_csrf(key: bytes, session_id: str) -> str:
    return hmac.new(key, session_id.encode(), hashlib.sha256).hexdigest()


def _client_hash(key: bytes, client: str | None) -> str:
    """A client address as the failure counts keep it: keyed, so it cannot be read back."""
    message = b"sign-in-client\x00" + (client or "").encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _state(row: StaffSessionRow) -> SessionState:
    return SessionState(row.last_seen_at, row.expires_at, row.ended_at)


def _claim_step(session: Session, row: StaffUserRow, step: int) -> bool:
    """Mark a code's step used, unless a sign-in at the same moment used it (or a later one)
    first: the row lock does not hold on SQLite, where four sign-ins sent at once with one code
    all succeeded. The compare-and-set is one statement on every database."""
    claimed = session.execute(
        update(StaffUserRow)
        .where(StaffUserRow.id == row.id, StaffUserRow.last_totp_step < step)
        .values(last_totp_step=step)
        .execution_options(synchronize_session=False)
    )
    if not getattr(claimed, "rowcount", 0):
        return False
    set_committed_value(row, "last_totp_step", step)
    return True
