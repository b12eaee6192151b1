"""OpenDSR in rightful's terms (REQUIREMENTS.md "OpenDSR"): what a sender's identities become,
and how rightful's statuses read in the format. Whose data is whose: nothing a sender states is
ever more than a claim, and hashed identities are never matched."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rightful.domain.errors import InvalidInputError
from rightful.domain.identities import IdentityType
from rightful.domain.lifecycle import Status
from rightful.domain.opendsr import (
    IDENTITY_TYPES,
    SubjectIdentity,
    cancellable,
    parse_submission,
    request_status,
)

AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
SRID = str(uuid.UUID(int=7, version=4))


def parse(*identities: SubjectIdentity, kind: str = "access", regulation: str = "gdpr") -> object:
    return parse_submission(SRID, kind, list(identities), AT, regulation)


identities = st.lists(
    st.builds(
        SubjectIdentity,
        st.sampled_from(sorted(IDENTITY_TYPES)),
        st.text(alphabet="abc123@.+", min_size=1, max_size=20),
        st.just("raw"),
    ),
    min_size=1,
    max_size=6,
)


@given(identities)
def test_a_contact_detail_is_where_to_reach_the_person_and_the_rest_stay_claims(
    given_identities: list[SubjectIdentity],
) -> None:
    """Only the e-mail address and phone number become contact details (still to be verified
    by rightful); every other identity is kept as a claim, which never seeds a search."""
    kinds = [IDENTITY_TYPES[i.type] for i in given_identities]
    contacts = [k for k in kinds if k in (IdentityType.EMAIL, IdentityType.PHONE)]
    if not contacts or kinds.count(IdentityType.EMAIL) > 1 or kinds.count(IdentityType.PHONE) > 1:
        with pytest.raises(InvalidInputError):
            parse(*given_identities)
        return
    sub = parse_submission(SRID, "access", given_identities, AT, "gdpr")
    assert all(kind not in ("email", "phone") for kind, _ in sub.claims)
    assert len(sub.claims) == len(kinds) - len(contacts)
    assert (sub.email is None) == (IdentityType.EMAIL not in kinds)


@pytest.mark.parametrize("form", ["sha256", "md5", "SHA256"])
def test_a_hashed_identity_is_refused_rather_than_matched(form: str) -> None:
    with pytest.raises(InvalidInputError, match="raw identities"):
        parse(SubjectIdentity("email", "ab" * 32, form))


def test_the_types_and_regulations_map_onto_rightfuls() -> None:
    mail = SubjectIdentity("email", "a@example.org")
    assert parse(mail, kind="portability", regulation="ccpa").type.value == "portability"
    assert parse(mail, regulation="cpra").jurisdiction.value == "ccpa"
    with pytest.raises(InvalidInputError, match="subject_request_type"):
        parse(mail, kind="objection")


def test_every_status_reads_as_one_of_the_four_and_only_pending_ones_may_be_cancelled() -> None:
    shown = {status: request_status(status) for status in Status}
    assert set(shown.values()) == {"pending", "in_progress", "completed", "cancelled"}
    assert {s for s in Status if cancellable(s)} == {Status.RECEIVED, Status.AWAITING_VERIFICATION}
