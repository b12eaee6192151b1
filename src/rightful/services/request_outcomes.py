"""How staff close a verified request with what was done: an answer in words, a GDPR erasure's
outcome, a GDPR rectification's; and which requests each closes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rightful.adapters.db.tables import RequestRow
from rightful.domain import deadlines as dl
from rightful.domain.datamap import DataMap
from rightful.domain.erasure import ErasureOutcome, erasure_text
from rightful.domain.errors import ConflictError, InvalidInputError
from rightful.domain.lifecycle import IDENTITY_WAIT, Role, Status
from rightful.domain.notices import action_taken_text, remedies
from rightful.domain.rectification import (
    Rectification,
    Rectified,
    progressed,
    rectification_text,
)
from rightful.domain.requests import ANSWERED_WITH_PACKAGE, RequestType
from rightful.domain.staff import Principal
from rightful.domain.verification import needs_verification
from rightful.domain.words import written
from rightful.services.declarations import not_in_words
from rightful.services.request_deadlines import law_of
from rightful.services.subject_records import subject_records

if TYPE_CHECKING:
    from rightful.services.requests import RequestService

MIN_ANSWER, MAX_ANSWER = 20, 5000  # characters staff write to the requester when answering
# GDPR and UK GDPR requests whose outcome is recorded by a command of its own, not in words
RECORDED_BY_ITS_OWN = {
    RequestType.ERASURE: "an Art. 17 erasure: record it with `rightful requests erased` (ground, "
    "erased, kept with exceptions)",
    RequestType.RESTRICTION: "an Art. 18 restriction: record it with `rightful requests "
    "restricted` (ground, categories), so that it is told before it lifts",
}


def answered_in_words(row: RequestRow) -> bool:
    """Whether `row` is closed by an answer in words (`answer`) once verified: not one answered
    with a package, nor a GDPR erasure or restriction, whose outcome has a command of its own."""
    kind = RequestType(row.type)
    if kind in ANSWERED_WITH_PACKAGE:
        return False
    return kind not in RECORDED_BY_ITS_OWN or row.jurisdiction == dl.Jurisdiction.CCPA


def answer(
    requests: RequestService, request_id: str, what_we_did: str, by: Principal
) -> RequestRow:
    """Close a verified rectification, restriction, objection (or CCPA) request by telling
    the requester what was done (Art. 12(3)); the words are staff's, in their language. A
    CCPA opt-out or limit is answered without verification (§7026(c), §7027); a CCPA request
    to know whose requester is verified for the categories only, with the categories."""
    by.require(Role.DPO)
    words = written(what_we_did, "the answer", MIN_ANSWER)
    if len(words) > MAX_ANSWER:
        raise InvalidInputError(
            f"say what was done in {MIN_ANSWER} to {MAX_ANSWER} characters; it goes to the "
            "requester as written"
        )
    with requests.store.transaction() as session:
        row = requests.load(session, request_id)
        kind = RequestType(row.type)
        if kind in ANSWERED_WITH_PACKAGE:
            refused = not_in_words(session, row, requests.account_holder)
            if refused is not None:
                raise ConflictError(f"request {row.id} {refused}")
        recorded_by = RECORDED_BY_ITS_OWN.get(kind)
        if recorded_by is not None and row.jurisdiction != dl.Jurisdiction.CCPA:
            raise ConflictError(f"request {row.id} is {recorded_by}")
        waiting = requests.deletion_wait(session, row)
        if waiting is not None:
            raise ConflictError(f"request {row.id} may not be deleted yet: {waiting}")
        if Status(row.status) not in _answerable_from(row):
            raise ConflictError(
                f"request {row.id} is {row.status}; it is answered once the requester is verified"
            )
        requests.move_in(session, row, Status.CLOSED, by, "action taken; the requester was told")
        text = action_taken_text(row.id, words, row.language, law_of(row))
        requests.record_notice(session, row, "action_taken", text, by)
        return row


def record_erasure(
    requests: RequestService, request_id: str, outcome: ErasureOutcome, by: Principal
) -> RequestRow:
    """Close a verified GDPR or UK GDPR erasure request with what staff did (Art. 17, 19);
    the requester is told what was erased, what was kept and why."""
    by.require(Role.DPO)
    with requests.store.transaction() as session:
        row = requests.load(session, request_id)
        check_gdpr_outcome(row, RequestType.ERASURE, "an Art. 17 outcome")
        row.erasure_outcome = outcome.as_json()
        requests.move_in(session, row, Status.CLOSED, by, "erasure carried out and recorded")
        requests.audit.record(
            session, by.id, by.role_name, "request.erasure_recorded", row.id,
            ground=outcome.ground.value, erased=len(outcome.erased), kept=len(outcome.kept),
            exceptions=sorted({why.value for _, why in outcome.kept}),
            recipients_told=outcome.recipients_told,
        )  # fmt: skip
        text = erasure_text(outcome, row.id, row.language, remedies(law_of(row), row.language))
        requests.record_notice(session, row, "erasure", text, by)
        return row


def record_rectification(
    requests: RequestService, request_id: str, step: Rectified, datamap: DataMap,
    by: Principal,
) -> RequestRow:  # fmt: skip
    """Record a step of a verified GDPR or UK GDPR rectification (Art. 16, 19): the fields staff
    corrected, the places also holding that data kept with a reason. The request closes, and
    the requester is told what was corrected in plain words, once no place is left open."""
    by.require(Role.DPO)
    with requests.store.transaction() as session:
        row = requests.load(session, request_id)
        check_gdpr_outcome(row, RequestType.RECTIFICATION, "a rectification")
        before = Rectification.from_json(row.rectification_outcome)
        records = subject_records(session, row.id, requests.settings)
        record = progressed(before, step, datamap, records)
        row.rectification_outcome = record.as_json()
        counts = {"fields": len(record.fields), "also_held": len(record.also_held),
                  "kept": len(record.kept), "no_records": len(record.unheld),
                  "recipients_told": record.recipients_told}  # fmt: skip
        if record.open:
            requests.audit.record(
                session, by.id, by.role_name, "request.rectification_progressed", row.id,
                **counts, open=len(record.open),
            )  # fmt: skip
            return row
        requests.move_in(session, row, Status.CLOSED, by, "rectification carried out and recorded")
        requests.audit.record(
            session, by.id, by.role_name, "request.rectification_recorded", row.id, **counts
        )
        law = law_of(row)
        text = rectification_text(
            record, datamap, row.id, row.language, law.value, remedies(law, row.language)
        )
        requests.record_notice(session, row, "rectification", text, by)
        return row


def check_gdpr_outcome(row: RequestRow, kind: RequestType, what: str) -> None:
    """`what` (an erasure outcome, a restriction) is recorded on a verified GDPR or UK GDPR
    request of `kind`; ConflictError saying what fits instead."""
    if row.type != kind or row.jurisdiction == dl.Jurisdiction.CCPA:
        raise ConflictError(
            f"request {row.id} is a {row.jurisdiction} {row.type} request; {what} is recorded "
            f"for GDPR and UK GDPR {kind} requests; answer others with `rightful requests answer`"
        )
    if row.status != Status.VERIFIED:
        raise ConflictError(
            f"request {row.id} is {row.status}; {what} is recorded once the requester is verified"
        )


def _answerable_from(row: RequestRow) -> frozenset[Status]:
    """Where an answer in words may close the request: once verified, or at once for a request
    the law lets nobody verify (a CCPA opt-out or limit)."""
    kind, law = RequestType(row.type), dl.Jurisdiction(row.jurisdiction)
    if needs_verification(law, kind):
        return frozenset({Status.VERIFIED})
    return frozenset({Status.VERIFIED, *IDENTITY_WAIT})
