"""Incident rules without I/O: who discovered it, what an opening may claim, circumstances by the
kind of breach, whose an item is, the scope in words, the clocks of each regime, reminders and
the register's digests (REQUIREMENTS.md: Breaches (Art. 33, 34, 5(2)); Severity: ENISA)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from rightful.domain.errors import ConfigurationError, InvalidInputError
from rightful.domain.incident_clocks import (
    BUILTIN_REGIMES,
    Audience,
    Decision,
    deadlines,
    regimes_from,
    reminders_due,
)
from rightful.domain.incident_notices import check_sections
from rightful.domain.incident_register import (
    REGISTER_FIELDS,
    compare,
    decode,
    digests,
    encode,
    field_digest,
)
from rightful.domain.incident_scope import (
    Attribution,
    Basis,
    Counts,
    Delivery,
    Scope,
    ScopeItem,
    attribute,
    count_items,
    describe,
    exposed_of,
    exposure,
    holders,
    scope_from_json,
    scope_json,
)
from rightful.domain.incidents import (
    Discovery,
    IncidentKind,
    IncidentSource,
    Nature,
    NewIncident,
    ReporterKind,
    circumstances_of,
    discovered_by,
)
from rightful.domain.sensitivity import Sensitivity
from rightful.domain.severity import Exposure, Level
from rightful.settings import load_settings

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
GDPR = BUILTIN_REGIMES["gdpr"]
RECORDING = ("system.operations", "user.behavior", "user.biometric.voice",
             "user.content.voice_transcript", "user.device.device_id")  # fmt: skip


# --- opening -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "found_by"),
    [
        (IncidentSource.GATE, Discovery.CONTROLLER),
        (IncidentSource.STAFF, Discovery.CONTROLLER),
        (IncidentSource.BUTTON, Discovery.OUTSIDER),
        (IncidentSource.OUTSIDE, Discovery.OUTSIDER),
    ],
)
def test_who_discovered_it_follows_from_who_opened_it(
    source: IncidentSource, found_by: Discovery
) -> None:
    """The register cannot claim the controller found what a recipient or the press reported."""
    assert discovered_by(source) is found_by


def _new(**kw: object) -> NewIncident:
    base: dict[str, object] = {"kind": IncidentKind.MISDELIVERY, "source": IncidentSource.STAFF,
                               "reporter": "key:1", "aware_at": T0}  # fmt: skip
    return NewIncident(**{**base, **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"aware_at": T0 + timedelta(seconds=1)}, "after it is opened"),
        ({"aware_at": T0 - timedelta(days=3700)}, "more than 10 years back"),
        ({"aware_at": datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1)))},
         "more than 10 years back"),
        ({"kind": IncidentKind.NEAR_MISS, "source": IncidentSource.OUTSIDE,
          "reporter_kind": ReporterKind.PRESS}, "never a near-miss"),
        ({"source": IncidentSource.OUTSIDE, "reporter_kind": ReporterKind.STAFF}, "outside report"),
        ({"source": IncidentSource.STAFF, "reporter_kind": ReporterKind.PRESS}, "reported by"),
        ({"nature": Nature.NEAR_MISS}, "only a near-miss"),
        ({"reporter": "  "}, "needs a reporter"),
    ],
)  # fmt: skip
def test_an_opening_that_cannot_be_true_is_refused(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        _new(**changes).check(T0)


def test_an_outside_report_names_the_kind_of_reporter_and_every_package_once() -> None:
    new = _new(source=IncidentSource.OUTSIDE, reporter_kind=ReporterKind.PRESS,
               package_id="p1", more_packages=("p2", "p1"))  # fmt: skip
    new.check(T0)
    assert new.kind_of_reporter is ReporterKind.PRESS
    assert new.packages == ("p1", "p2")


# --- circumstances ------------------------------------------------------------------------------


def test_a_misdelivery_nobody_downloaded_exposed_nothing() -> None:
    assert circumstances_of(Nature.KNOWN_RECIPIENT, 0)[0].confidentiality is Exposure.NONE
    assert (
        circumstances_of(Nature.KNOWN_RECIPIENT, 2)[0].confidentiality is Exposure.KNOWN_RECIPIENT
    )


def test_malice_and_unknown_recipients_score_higher_than_one_known_recipient() -> None:
    known, _ = circumstances_of(Nature.KNOWN_RECIPIENT, 1)
    malicious, _ = circumstances_of(Nature.MALICIOUS, 1)
    assert malicious.malicious and malicious.confidentiality is Exposure.UNKNOWN_RECIPIENTS
    assert known.confidentiality is Exposure.KNOWN_RECIPIENT and not known.malicious


# --- whose an item is, and the scope in words ------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(owners=st.sets(st.integers(1, 6), max_size=4), recipient=st.integers(1, 6))
def test_an_item_is_the_recipients_own_only_when_it_leads_to_them_alone(
    owners: set[int], recipient: int
) -> None:
    """No item that reaches anyone else is ever counted as the recipient's own."""
    found = attribute(owners, recipient)
    assert (found is Attribution.OWN) == (owners == {recipient})
    assert (found is Attribution.UNATTRIBUTED) == (not owners)
    assert (found is Attribution.FOREIGN) == (bool(owners) and recipient not in owners)


@st.composite
def _packages(draw: st.DrawFn) -> tuple[list[ScopeItem], dict[str, set[int]], int]:
    """A package of 1-12 records, each reaching some of six people, and its recipient."""
    n = draw(st.integers(1, 12))
    items = [ScopeItem(f"i{k}", "record", "c", ("user.content",)) for k in range(n)]
    owners = {i.id: draw(st.sets(st.integers(1, 6), max_size=3)) for i in items}
    return items, owners, draw(st.integers(1, 6))


@settings(max_examples=200, deadline=None)
@given(case=_packages())
def test_every_item_that_reaches_someone_else_is_exposed_and_names_them(
    case: tuple[list[ScopeItem], dict[str, set[int]], int],
) -> None:
    """Whose data is whose: no other person's item is ever left out of the scope, nobody is
    named who was not reached, and the recipient is named only when all of it was theirs."""
    items, owners, recipient = case
    basis, exposed = exposure(False, items, owners, recipient)
    named = holders(basis, exposed, owners, recipient)
    others = {i.id for i in items if owners[i.id] - {recipient} or not owners[i.id]}
    if others:
        assert basis is Basis.FOREIGN_ITEMS and {i.id for i in exposed} == others
        assert all(recipient not in people for people in named.values())
    else:
        assert basis is Basis.WHOLE_PACKAGE and len(exposed) == len(items)
        assert all(people == [recipient] for people in named.values())
    for item_id, people in named.items():
        assert set(people) <= owners[item_id] | {recipient}
    assert {o for i in exposed for o in owners[i.id]} - {recipient} <= {
        p for people in named.values() for p in people
    }


def test_a_near_miss_counts_exactly_the_items_the_gate_named() -> None:
    items = [ScopeItem("i1", "record", "c"), ScopeItem("b1", "blob", "c", of="i1")]
    assert exposure(True, items, {}, 1) == (Basis.OFFENDING_ITEMS, items)


def test_keys_compare_across_drivers() -> None:
    assert attribute({"4"}, 4) is Attribution.OWN


def _recordings(n: int) -> list[ScopeItem]:
    out = []
    for i in range(n):
        out.append(ScopeItem(f"r{i}", "record", "speaker.recordings", RECORDING))
        out.append(ScopeItem(f"b{i}", "blob", "speaker.recordings", ("user.biometric.voice",),
                             of=f"r{i}", size=100))  # fmt: skip
    return out


def test_the_scope_is_told_in_words_from_collections_and_categories() -> None:
    items = [
        *_recordings(1700),
        *[ScopeItem(f"c{i}", "record", "accounts.contacts",
                    ("user.name", "user.contact.phone_number")) for i in range(25)],
        ScopeItem("d", "record", "speaker.devices", ("user.device.device_id", "system.operations")),
    ]  # fmt: skip
    counts = count_items(items)
    assert (counts.records, counts.files, counts.file_bytes) == (1726, 1700, 170_000)
    assert counts.records_by_category["user.biometric.voice"] == 1700
    assert describe(counts) == (
        "1,700 recordings with voice audio, transcripts and device serials; "
        "25 contacts with phone numbers and names; 1 device with device serial"
    )


def test_a_collection_without_a_plural_name_is_counted_in_records() -> None:
    one = count_items([ScopeItem("n", "record", "shop.newsletter", ("user.contact.email",))])
    assert describe(one) == "1 newsletter record with e-mail address"
    assert describe(Counts()) == "no personal data"


def _scope(**kw: object) -> Scope:
    counts = count_items(_recordings(4))
    base: dict[str, object] = {
        "basis": Basis.FOREIGN_ITEMS, "counts": counts, "subjects": ("p1",),
        "subject_keys": (4,), "recipient_request": "r", "delivery": Delivery(),
        "summary": describe(counts), "datamap_sha256": "0" * 64,
    }  # fmt: skip
    return Scope(**{**base, **kw})  # type: ignore[arg-type]


def test_a_passphrase_package_nobody_downloaded_is_unintelligible() -> None:
    protected = _scope(delivery=Delivery(links=1, protected=True, downloads=0))
    downloaded = _scope(delivery=Delivery(links=1, protected=True, downloads=1))
    assert exposed_of(protected, {}).unintelligible
    assert not exposed_of(downloaded, {}).unintelligible


def test_the_data_maps_sensitivity_reaches_the_severity_inputs() -> None:
    declared = {"user.content.voice_transcript": Sensitivity.HIGH}
    exposed = exposed_of(_scope(), declared)
    assert exposed.declared_sensitivity["user.content.voice_transcript"] is Sensitivity.HIGH
    assert exposed.declared_sensitivity["user.biometric.voice"] is Sensitivity.HIGH  # default
    assert exposed.declared_sensitivity["user.behavior"] is Sensitivity.STANDARD


def test_a_scope_survives_its_stored_form() -> None:
    scope = _scope(delivery=Delivery(links=2, sent_at=T0, downloads=1, first_download_at=T0,
                                     last_download_at=T0, deletion="deleted",
                                     deletion_confirmed_at=T0),
                   by_subject={"p1": {"speaker.recordings": 4}})  # fmt: skip
    assert scope_from_json(scope_json(scope)) == scope


# --- clocks ----------------------------------------------------------------------------------


def _owed(level: Level, **kw: object) -> dict[Audience, bool]:
    found = deadlines(T0, Decision(level, **kw), [GDPR])  # type: ignore[arg-type]
    return {d.audience: d.required for d in found}


def test_the_authority_is_due_72_hours_after_awareness() -> None:
    (authority, _) = deadlines(T0, Decision(Level.MEDIUM), [GDPR])
    assert authority.audience is Audience.AUTHORITY and authority.required
    assert authority.due_at == T0 + timedelta(hours=72)
    assert authority.state(T0 + timedelta(hours=71)) == "open"
    assert authority.state(T0 + timedelta(hours=73)) == "overdue"


@pytest.mark.parametrize(
    ("level", "authority", "subjects"),
    [(Level.LOW, False, False), (Level.MEDIUM, True, False), (Level.HIGH, True, True),
     (Level.VERY_HIGH, True, True)],
)  # fmt: skip
def test_who_must_be_told_follows_the_severity(
    level: Level, authority: bool, subjects: bool
) -> None:
    """Art. 33: unless unlikely to result in a risk; Art. 34: when the risk is high."""
    assert _owed(level) == {Audience.AUTHORITY: authority, Audience.SUBJECTS: subjects}


def test_a_near_miss_owes_no_notice_whatever_its_score() -> None:
    assert _owed(Level.VERY_HIGH, near_miss=True) == {Audience.AUTHORITY: False,
                                                      Audience.SUBJECTS: False}  # fmt: skip


def test_the_dpos_decision_on_a_near_miss_stands() -> None:
    """An override with a justification that the authority or the people be told was recorded,
    then ignored for a near-miss: nothing owed, no deadline, no reminder."""
    assert _owed(Level.HIGH, near_miss=True, notify_authority=True) == {
        Audience.AUTHORITY: True, Audience.SUBJECTS: False}  # fmt: skip
    assert _owed(Level.HIGH, near_miss=True, notify_subjects=True)[Audience.SUBJECTS]


def test_unintelligible_data_exempts_from_telling_the_subjects_not_the_authority() -> None:
    assert _owed(Level.HIGH, unintelligible=True) == {Audience.AUTHORITY: True,
                                                      Audience.SUBJECTS: False}  # fmt: skip


def test_the_dpos_decision_overrides_the_regime() -> None:
    assert _owed(Level.LOW, notify_authority=True, notify_subjects=True) == {
        Audience.AUTHORITY: True, Audience.SUBJECTS: True}  # fmt: skip


def test_ccpa_tells_the_attorney_general_only_above_500_residents() -> None:
    (ccpa,) = regimes_from(["ccpa"], {})
    few = deadlines(T0, Decision(Level.HIGH, subjects=500), [ccpa])
    many = deadlines(T0, Decision(Level.HIGH, subjects=501), [ccpa])
    assert [d.required for d in few] == [False, True]
    assert [d.required for d in many] == [True, True]
    assert all(d.due_at is None for d in many)  # "the most expedient time possible"


def test_regimes_are_policies_in_the_settings() -> None:
    (gdpr, own) = regimes_from(
        ["gdpr", "house"],
        {"gdpr": {"subjects_hours": 48},
         "house": {"title": "House rule", "authority": "Board", "authority_hours": 24}},
    )  # fmt: skip
    assert gdpr.subjects_hours == 48 and gdpr.authority_hours == 72
    assert (own.title, own.authority_hours) == ("House rule", 24)
    with pytest.raises(ConfigurationError, match="unknown keys"):
        regimes_from(["gdpr"], {"gdpr": {"authority_days": 3}})
    with pytest.raises(ConfigurationError, match="not built in"):
        regimes_from(["nowhere"], {})
    with pytest.raises(ConfigurationError, match="bad authority_hours"):
        regimes_from(["gdpr"], {"gdpr": {"authority_hours": -1}})
    for hours in (1.5, 10**11, "72h"):  # 10**11 hours overflowed every clock of the jobs
        with pytest.raises(ConfigurationError, match=r"a whole number of hours from 1 to 8784"):
            regimes_from(["gdpr"], {"gdpr": {"authority_hours": hours}})


def test_reminder_hours_are_within_a_year(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="less than or equal to 8784"):
        load_settings(data_dir=tmp_path, incident_reminder_hours=[24, 10**12])


def test_a_notice_after_the_deadline_is_late() -> None:
    done = {("gdpr", Audience.AUTHORITY): T0 + timedelta(hours=80)}
    (authority, _) = deadlines(T0, Decision(Level.MEDIUM), [GDPR], done)
    assert authority.state(T0 + timedelta(hours=90)) == "late"


def test_only_the_notification_made_after_the_deadline_owes_reasons_for_the_delay() -> None:
    """REQUIREMENTS.md:28: a late notice states why; information in phases after a timely
    notification is no late notice (Art. 33(4)), nor is one before the deadline."""
    later = T0 + timedelta(hours=90)
    (unsent, _) = deadlines(T0, Decision(Level.MEDIUM), [GDPR])
    assert not unsent.owes_reasons_for_delay(T0 + timedelta(hours=71))
    assert unsent.owes_reasons_for_delay(later)
    in_time = {("gdpr", Audience.AUTHORITY): T0 + timedelta(hours=20)}
    (notified, _) = deadlines(T0, Decision(Level.MEDIUM), [GDPR], in_time)
    assert not notified.owes_reasons_for_delay(later) and notified.state(later) == "done"


def test_reminders_come_at_each_mark_and_once_overdue() -> None:
    (authority, _) = deadlines(T0, Decision(Level.MEDIUM), [GDPR])
    due = T0 + timedelta(hours=72)
    assert reminders_due(authority, due - timedelta(hours=30), (24, 6), set()) == []
    assert reminders_due(authority, due - timedelta(hours=23), (24, 6), set()) == [24]
    assert reminders_due(authority, due - timedelta(hours=23), (24, 6), {24}) == []
    assert reminders_due(authority, due - timedelta(hours=5), (24, 6), {24}) == [6]
    assert reminders_due(authority, due + timedelta(minutes=1), (24, 6), {24, 6}) == [0]


@settings(max_examples=150, deadline=None)
@given(hours=st.floats(-100, 100), sent=st.sets(st.sampled_from([0, 6, 24])))
def test_a_reminder_job_never_sends_more_than_one_reminder_or_one_too_early(
    hours: float, sent: set[int]
) -> None:
    (authority, _) = deadlines(T0, Decision(Level.MEDIUM), [GDPR])
    assert authority.due_at is not None
    now = authority.due_at - timedelta(hours=hours)
    found = reminders_due(authority, now, (24, 6), sent)
    assert len(found) <= 1
    assert all(now >= authority.due_at - timedelta(hours=h) and h not in sent for h in found)


# --- the register's digests -------------------------------------------------------------------


def _record(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {name: None for name in REGISTER_FIELDS}
    base.update(kind="misdelivery", status="open", aware_at=T0, package_ids=["p"], score=2.5)
    base.update(kw)
    return base


def test_the_chain_and_the_register_agree_until_a_field_is_changed() -> None:
    chain = {"i1": digests(_record())}
    assert compare(chain, {"i1": _record()}) == []
    (problem,) = compare(chain, {"i1": _record(level="low")})
    assert (problem.incident_id, problem.field, problem.reason) == ("i1", "level", "differs")


def test_a_row_missing_from_the_register_or_the_chain_is_found() -> None:
    reasons = {(p.incident_id, p.reason) for p in compare({"gone": digests(_record())},
                                                        {"new": _record()})}  # fmt: skip
    assert reasons == {("gone", "row_missing"), ("new", "not_in_chain")}


def test_times_are_digested_as_instants_whatever_their_zone() -> None:
    from zoneinfo import ZoneInfo

    berlin = T0.astimezone(ZoneInfo("Europe/Berlin"))
    assert field_digest(berlin) == field_digest(T0)
    assert field_digest(T0) != field_digest(T0 + timedelta(seconds=1))


def test_digests_travel_as_short_tokens_and_only_for_register_fields() -> None:
    values = digests(_record())
    encoded = encode(values)
    assert all(len(e) <= 80 and " " not in e for e in encoded)
    assert decode(encoded) == values
    with pytest.raises(InvalidInputError):
        decode(["password=abc"])


@pytest.mark.parametrize(
    "words",
    ["\x00" * 12, "Contained by\x07 IT staff", "We \u202edeleted\u202c the link today"],
)
def test_staffs_words_with_control_characters_are_refused(words: str) -> None:
    """NUL bytes met the 10-character rule; a right-to-left override makes an approved
    sentence read otherwise in the person's mail."""
    with pytest.raises(InvalidInputError, match="contains control characters"):
        check_sections(Audience.SUBJECTS, {"measures": words})
    with pytest.raises(InvalidInputError, match="contains control characters"):
        _new(description=words).check(T0)


def test_line_breaks_and_tabs_are_plain_text() -> None:
    words = "We revoked the link.\n\tWe asked the recipient to delete the files."
    assert check_sections(Audience.SUBJECTS, {"measures": words}) == {"measures": words}
