"""Staff API keys: issue, authenticate, revoke. Only a hash of each secret is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from rightful.adapters.db.console import StaffUserRow
from rightful.adapters.db.tables import ApiKeyRow
from rightful.domain.clock import Clock
from rightful.domain.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from rightful.domain.lifecycle import Role
from rightful.domain.staff import Principal
from rightful.domain.subjects import check_second_person
from rightful.domain.words import written
from rightful.services.audit import AuditService

KEY_PREFIX = "rf"
NO_HOLDER = (
    "give --holder the console user name of the staff member who holds the key "
    "(`rightful staff add-user` first if they have none)"
)


@dataclass(frozen=True)
class IssuedKey:
    id: str
    role: Role
    secret: str  # shown once, never stored


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_key(
    session: Session, clock: Clock, *, name: str, role: str, holder: str | None = None
) -> IssuedKey:
    """Create a key for a staff member or integration; the full key is returned only here.
    `holder` names the console user who holds it (`issue_key_for`, which staff use, needs
    one); a key without one works alone but takes no part in four eyes (`check_named`)."""
    try:
        parsed = Role(role)
    except ValueError:
        raise InvalidInputError(f"unknown role {role!r}; use one of: {', '.join(Role)}") from None
    if not written(name, "a key's name", 0):
        raise InvalidInputError("a key needs a name saying who or what holds it")
    key_id = secrets.token_hex(6)
    secret = f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
    session.add(
        ApiKeyRow(
            id=key_id,
            name=name.strip(),
            holder=_console_user(session, holder).name if holder is not None else None,
            role=parsed.value,
            secret_hash=_hash(secret),
            created_at=clock.now(),
        )
    )
    return IssuedKey(id=key_id, role=parsed, secret=secret)


def issue_key_for(
    session: Session, clock: Clock, audit: AuditService, by: Principal, *, name: str, role: str,
    holder: str | None = None,
) -> IssuedKey:  # fmt: skip
    """Issue a key on someone's behalf and record in the audit chain who did (ids only). Every
    role acts in four-eyes decisions (an agent enters requests, records checks, uploads files),
    so every key issued so names its holder."""
    if holder is None or not holder.strip():
        raise InvalidInputError(NO_HOLDER)
    issued = issue_key(session, clock, name=name, role=role, holder=holder)
    key = session.get(ApiKeyRow, issued.id)
    assert key is not None
    key.issued_by = by.id
    audit.record(session, by.id, by.role_name, "staff.key_issued", None,
                 key_id=issued.id, role=issued.role.value)  # fmt: skip
    return issued


def name_holder(session: Session, key_id: str, holder: str) -> StaffUserRow:
    """Name the holder of a key issued without one (before holders were required); a key's
    holder, once named, is never changed (a new holder would make its past acts another's)."""
    row = session.get(ApiKeyRow, key_id)
    if row is None:
        raise NotFoundError(f"no API key {key_id}")
    if row.holder is not None:
        raise ConflictError(f"the key {key_id} has a holder already; issue a new key instead")
    user = _console_user(session, holder)
    row.holder = user.name
    return user


def _console_user(session: Session, holder: str) -> StaffUserRow:
    """The console user a holder names (in any case): a key's holder is a person of the
    console, so that the user and each of their keys are one person to four eyes."""
    wanted = written(holder, "a key's holder")
    for user in session.scalars(select(StaffUserRow)):
        if user.name.casefold() == wanted.casefold():
            return user
    raise InvalidInputError(f"no console user {wanted!r}: {NO_HOLDER}")


def authenticate(session: Session, clock: Clock, presented: str) -> Principal:
    """The principal a presented key stands for; AuthenticationError for anything else."""
    parts = presented.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        raise AuthenticationError("malformed API key")
    row = session.get(ApiKeyRow, parts[1])
    if row is None or row.revoked_at is not None:
        raise AuthenticationError("unknown or revoked API key")
    if not hmac.compare_digest(row.secret_hash, _hash(presented.strip())):
        raise AuthenticationError("unknown or revoked API key")
    row.last_used_at = clock.now()
    return Principal(id=f"key:{row.id}", role=Role(row.role))


def name_of(session: Session, principal_id: str) -> str:
    """Who acted, for people to read: a console user's name, a key's holder (a key without one:
    its name), the OS account that ran the command line; anything else (system, requester) as
    it is."""
    holder = _holder(session, principal_id)
    if holder is not None:
        return holder
    key = _unnamed_key(session, principal_id)
    return key.name if key is not None else principal_id


def person_of(session: Session, principal_id: str) -> str:
    """Who stands behind a principal: every key of one holder, the console user of that name
    and the OS account of that name at the command line are one person; anything else (a key
    without a holder too) is itself. Four-eyes rules call `check_named` first: a key without a
    holder may be anyone's."""
    holder = _holder(session, principal_id)
    return f"person:{holder.casefold()}" if holder is not None else principal_id


def _holder(session: Session, principal_id: str) -> str | None:
    """The console user's name, the key's holder, or the OS account at the command line; None
    for any other principal, a key without a holder, or one whose user or key is not found."""
    kind, _, rest = principal_id.partition(":")
    if kind == "cli" and rest:
        return rest
    if kind == "staff" and (user := session.get(StaffUserRow, rest)) is not None:
        return user.name
    if kind == "key" and (key := session.get(ApiKeyRow, rest)) is not None:
        return key.holder
    return None


def _unnamed_key(session: Session, principal_id: str) -> ApiKeyRow | None:
    """The key behind a principal when it names no holder (issued before holders were
    required), else None."""
    kind, _, rest = principal_id.partition(":")
    key = session.get(ApiKeyRow, rest) if kind == "key" else None
    return key if key is not None and key.holder is None else None


def check_named(session: Session, principals: tuple[str, ...], what: str) -> None:
    """Four eyes count people: a key without a holder, or one issued by such a key, might be
    anyone's, so it takes no part in the decision, on either side (PermissionDeniedError
    saying how to name its holder)."""
    for principal in principals:
        for link in (principal, *_issuing_keys(session, principal)):
            if (key := _unnamed_key(session, link)) is not None:
                raise PermissionDeniedError(
                    f"{what} needs two people, and the key {key.id} names no holder: "
                    f"name it with `rightful staff name-holder {key.id} --holder NAME`, or "
                    "re-issue it with --holder"
                )


def check_other_person(session: Session, first: str, by: Principal, what: str) -> None:
    """Four eyes: `by` must be another person than the principal `first` who acted before,
    and neither may hold a key the other issued, directly or through keys issued in turn (a
    key one mints for oneself under another holder's name is still one person's, and so is a
    key minted with that key)."""
    check_named(session, (first, by.id), what)
    one, other = person_of(session, first), person_of(session, by.id)
    check_second_person(one, other, what)
    if one in _issuers_of(session, by.id) or other in _issuers_of(session, first):
        raise PermissionDeniedError(
            f"{what} needs a second staff member, not a key the first one issued"
        )


def _issuers_of(session: Session, principal_id: str) -> set[str]:
    """Every person up the line of issuers of a key principal's key."""
    return {person_of(session, issuer) for issuer in _issuing_keys(session, principal_id)}


def _issuing_keys(session: Session, principal_id: str) -> list[str]:
    """The principals up the line of issuers of a key principal's key: who issued it, who
    issued the key that issued it, and so on (nobody for other principals)."""
    found: list[str] = []
    seen, current = {principal_id}, principal_id
    while True:
        kind, _, rest = current.partition(":")
        key = session.get(ApiKeyRow, rest) if kind == "key" else None
        if key is None or not key.issued_by or key.issued_by in seen:  # a loop: made by hand
            return found
        found.append(key.issued_by)
        current = key.issued_by
        seen.add(current)


def revoke_key(session: Session, clock: Clock, key_id: str) -> None:
    row = session.get(ApiKeyRow, key_id)
    if row is None:
        raise NotFoundError(f"no API key {key_id}")
    if row.revoked_at is not None:  # once: a second revocation would be a second audit entry
        raise ConflictError(
            f"the key {key_id} was revoked already, at {row.revoked_at:%Y-%m-%d %H:%M}"
        )
    row.revoked_at = clock.now()


def list_keys(session: Session) -> list[ApiKeyRow]:
    return list(session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.created_at)))
