"""The one-subject rule over generated estates: bind exactly the unique subject the verified
identities lead to, never bind when they lead to two or more, close when they lead to none,
and let nothing the requester merely typed (claimed identities, contact fields) change that."""

from __future__ import annotations

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from rightful.domain.identities import Identity, IdentityType
from rightful.domain.lifecycle import Status
from rightful.domain.staff import SYSTEM
from rightful.domain.verification import Factor
from rightful.services.identity_set import Proof, record_proof

from . import estate
from .conftest import World

EMAILS = [f"p{i}@example.org" for i in range(4)]
PHONES = [f"+491511234560{i}" for i in range(4)]

people = st.lists(
    st.tuples(st.sampled_from([*EMAILS, None]), st.sampled_from([*PHONES, None])),
    min_size=0,
    max_size=6,
)
identities = st.sampled_from(
    [Identity(IdentityType.EMAIL, e) for e in EMAILS]
    + [Identity(IdentityType.PHONE, p) for p in PHONES]
)


def holders(
    rows: list[tuple[int, str | None, str | None, None]], wanted: set[Identity]
) -> set[int]:
    """Who the estate says holds any of the identities, computed by brute force."""
    found = set()
    for customer, email, phone, _ in rows:
        if Identity(IdentityType.EMAIL, email or "") in wanted:
            found.add(customer)
        if Identity(IdentityType.PHONE, phone or "") in wanted:
            found.add(customer)
    return found


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    people=people,
    verified=st.sets(identities, min_size=1, max_size=3),
    claimed=st.sets(identities, max_size=3),
    contact=identities,
)
def test_only_a_unique_candidate_of_the_verified_identities_is_ever_bound(
    sqlite_world: World,
    people: list[tuple[str | None, str | None]],
    verified: set[Identity],
    claimed: set[Identity],
    contact: Identity,
) -> None:
    world = sqlite_world
    rows = [(n, email, phone, None) for n, (email, phone) in enumerate(people, start=1)]
    world.c.sources["crm"] = estate.source(rows)  # type: ignore[attr-defined]
    email = contact.value if contact.type is IdentityType.EMAIL else None
    phone = contact.value if contact.type is IdentityType.PHONE else None
    claims = tuple((i.type.value, i.value) for i in claimed)
    rid = world.submit(email, phone=phone, claimed_identities=claims)
    with world.c.store.transaction() as session:
        for identity in sorted(verified, key=lambda i: (i.type, i.value)):
            proof = Proof(identity, Factor.STAFF_CHECK, "property", world.clock.now())
            record_proof(session, world.c.audit, rid, proof, SYSTEM)
    settled = world.c.subjects.settle(rid)
    event(settled.outcome)
    expected = holders(rows, verified)
    bound = world.c.subjects.bound_subject(rid)
    if len(expected) == 1:
        assert settled.outcome == "bound"
        assert bound is not None
        assert {bound.value} == expected
        assert world.status(rid) is Status.VERIFIED
    elif not expected:
        assert (settled.outcome, bound) == ("no_subject", None)
        assert world.status(rid) is Status.CLOSED
    else:
        assert (settled.outcome, bound) == ("ambiguous", None)
        assert {c.subject.value for c in world.c.subjects.review(rid).candidates} == expected
        assert world.status(rid) is Status.AWAITING_VERIFICATION
