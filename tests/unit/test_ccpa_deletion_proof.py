"""The proof a CCPA request to delete needs (REQUIREMENTS.md:15; Cal. Code Regs. tit. 11
§7061(b): an account holder re-authenticates before their data is deleted; §7062(d): anyone else
with a reasonable degree of certainty, two matching data points, or a reasonably high degree,
three, when the data is sensitive). Data points are counted as for a request to know: distinct
identity types leading to the bound subject."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rightful.adapters.sources.memory import MemorySource
from rightful.domain.datamap import DataCollection, DataField, DataMap, Dataset
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.declarations import (
    DataPoint,
    account_fields,
    data_points,
    deletion_applies,
    deletion_wait,
    holds_sensitive,
)
from rightful.domain.identities import IdentityType
from rightful.domain.provenance import SubjectKey
from rightful.domain.requests import RequestType
from rightful.domain.verification import Factor
from rightful.services.deletions import holds_account

CODES = [f for f in Factor if f is not Factor.ACCOUNT_ASSERTION]
point = st.builds(DataPoint, st.sampled_from(list(IdentityType)), st.sampled_from(CODES))
points = st.lists(point, max_size=6)
ACCOUNT = DataPoint(IdentityType.ACCOUNT_ID, Factor.ACCOUNT_ASSERTION)


@given(points, st.booleans(), st.booleans())
def test_a_signed_in_account_is_always_enough(proven: list[DataPoint], holder: bool,
                                              sensitive: bool) -> None:  # fmt: skip
    assert deletion_wait([*proven, ACCOUNT], holder, sensitive) is None


@given(points, st.booleans())
def test_an_account_holder_must_re_authenticate_whatever_data_points_match(
    proven: list[DataPoint], sensitive: bool
) -> None:
    """§7061(b): data points do not replace signing in with the account."""
    waiting = deletion_wait(proven, account_holder=True, sensitive=sensitive)
    assert waiting is not None and "§7061(b)" in waiting and "signed in" in waiting


@given(points)
def test_anyone_else_needs_two_distinct_data_points(proven: list[DataPoint]) -> None:
    """§7062(d), reasonable degree: two data points of distinct types."""
    waiting = deletion_wait(proven, account_holder=False, sensitive=False)
    assert (waiting is None) == (data_points(proven) >= 2)
    if waiting is not None:
        assert f"2 matching data points are verified ({data_points(proven)} so far)" in waiting
        assert "§7062(d)" in waiting


@given(points)
def test_sensitive_data_needs_three(proven: list[DataPoint]) -> None:
    """§7062(d), reasonably high degree for sensitive data: three data points."""
    waiting = deletion_wait(proven, account_holder=False, sensitive=True)
    assert (waiting is None) == (data_points(proven) >= 3)
    if waiting is not None:
        assert "3 matching data points" in waiting


@given(points, point, st.booleans(), st.booleans())
def test_a_further_proof_never_makes_a_deletion_wait(
    proven: list[DataPoint], more: DataPoint, holder: bool, sensitive: bool
) -> None:
    if deletion_wait(proven, holder, sensitive) is None:
        assert deletion_wait([*proven, more], holder, sensitive) is None


@given(points)
def test_what_sensitive_data_allows_the_rest_allows_too(proven: list[DataPoint]) -> None:
    if deletion_wait(proven, False, sensitive=True) is None:
        assert deletion_wait(proven, False, sensitive=False) is None


def test_two_e_mail_addresses_are_one_data_point() -> None:
    mails = [DataPoint(IdentityType.EMAIL, Factor.EMAIL_CODE),
             DataPoint(IdentityType.EMAIL, Factor.EMAIL_LINK)]  # fmt: skip
    assert deletion_wait(mails, False, False) is not None
    assert deletion_wait([*mails, DataPoint(IdentityType.PHONE, Factor.SMS_CODE)], False,
                         False) is None  # fmt: skip


def test_the_requester_reads_it_in_german() -> None:
    waiting = deletion_wait([DataPoint(IdentityType.EMAIL, Factor.EMAIL_CODE)], False, True, "de")
    assert waiting is not None and "3 übereinstimmende Angaben bestätigt sind (1 bisher)" in waiting
    holder = deletion_wait([], True, False, "de")
    assert holder is not None and "mit dem Konto angemeldet" in holder


def test_only_a_ccpa_request_to_delete_takes_the_rule() -> None:
    assert deletion_applies(Jurisdiction.CCPA, RequestType.ERASURE)
    for law in (Jurisdiction.GDPR, Jurisdiction.UK_GDPR):
        assert not deletion_applies(law, RequestType.ERASURE)
    for kind in set(RequestType) - {RequestType.ERASURE}:
        assert not deletion_applies(Jurisdiction.CCPA, kind)


# --- which data is sensitive, who holds an account ----------------------------------------------


def field(name: str, *categories: str, **kw: object) -> DataField:
    return DataField(name, tuple(categories), **kw)  # type: ignore[arg-type]  # test shorthand


def datamap(*fields: DataField, extra: tuple[DataCollection, ...] = ()) -> DataMap:
    people = DataCollection("d", "people", fields, subject=True)
    return DataMap((Dataset("d", "src", (people, *extra), "map.yaml"),))


ID = field("id", "user.unique_id", primary_key=True, identity=IdentityType.CUSTOMER_ID)
MAIL = field("email", "user.contact.email", identity=IdentityType.EMAIL)


def test_sensitive_is_what_asks_a_second_factor_elsewhere() -> None:
    """The data map's category sensitivity (domain.sensitivity: Art. 9, financial, precise
    location, biometric ...), the signal verification's step-up already uses."""
    assert not holds_sensitive(datamap(ID, MAIL))
    health = DataCollection("d", "visits", (field("note", "user.health_and_medical"),))
    assert holds_sensitive(datamap(ID, MAIL, extra=(health,)))


def test_every_subject_holds_an_account_when_the_account_is_the_subject_key() -> None:
    where = account_fields(datamap(ID, MAIL), IdentityType.CUSTOMER_ID)
    assert where is not None and where.every_subject
    assert account_fields(datamap(ID, MAIL), IdentityType.ACCOUNT_ID) is None


def test_an_account_field_holds_an_account_only_where_it_has_a_value() -> None:
    """A guest without an account matches data points; a subject with one re-authenticates."""
    account = field("login", "user.account", identity=IdentityType.ACCOUNT_ID)
    dm = datamap(ID, MAIL, account)
    source = MemorySource("src", {"people": (("id", "email", "login"),
                                             [(1, "a@example.com", "anna"),
                                              (2, "b@example.com", None),
                                              (3, "c@example.com", "  ")])})  # fmt: skip
    sources = {"src": source}

    def holder(n: int) -> bool:
        return holds_account(dm, sources, IdentityType.ACCOUNT_ID, SubjectKey("d.people", n))

    assert holder(1) and not holder(2) and not holder(3) and not holder(4)
