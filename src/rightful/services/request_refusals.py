"""Refusals: a request rejected with its reasons, as manifestly unfounded or excessive, or
because its requester could not be verified; and the opt-out a CCPA deletion denied so offers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from rightful.adapters.db.tables import RequestRow
from rightful.domain import deadline_texts
from rightful.domain.declarations import deletion_applies
from rightful.domain.errors import ConflictError, InvalidInputError
from rightful.domain.lifecycle import Status
from rightful.domain.notices import OptOutOffer, opt_out_text
from rightful.domain.requests import RequestType
from rightful.domain.staff import Principal
from rightful.domain.unfounded import (
    LOOK_BACK,
    REFUSED_MANIFESTLY,
    Manifestly,
    check_justification,
    manifestly_paragraph,
)
from rightful.services.audit import digest
from rightful.services.request_deadlines import law_of

if TYPE_CHECKING:
    from rightful.services.requests import RequestService


def refuse(
    requests: RequestService,
    request_id: str,
    by: Principal,
    reasons: Sequence[str],
    manifestly: Manifestly | None = None,
    unverified: bool = False,
) -> RequestRow:
    """Reject with recorded reasons; the notice states them and the right to complain. A
    refusal as manifestly unfounded or excessive (Art. 12(5)) names that ground, needs a
    real justification, and records how often the requester asked in the year before. One
    because the requester's identity could not be verified (`unverified`) is recorded so;
    a CCPA deletion refused so offers the opt-out of sale or sharing as its denial at the
    deadline does (§7062(f))."""
    cleaned = [r.strip() for r in reasons if r.strip()]
    if not cleaned:
        raise InvalidInputError("a refusal needs at least one reason (Art. 12(4))")
    if manifestly is not None:
        check_justification(cleaned)
    with requests.store.transaction() as session:
        row = requests.load(session, request_id)
        if row.direct_marketing:
            raise ConflictError(
                f"request {row.id} objects to direct marketing, which cannot be refused "
                "(Art. 21(3)): stop the processing for direct marketing and tell them "
                "(rightful requests answer)"
            )
        requests.move_in(session, row, Status.REJECTED, by, "; ".join(cleaned))
        row.refusal_reasons, row.refused_unverified = cleaned, unverified
        law = law_of(row)
        paragraphs = list(
            deadline_texts.build_refusal_notice(law, cleaned, language=row.language).paragraphs
        )
        if unverified:
            _refused_unverified(requests, session, row, by, paragraphs)
        if manifestly is not None:
            earlier = _earlier_requests(session, row)
            paragraphs.insert(-1, manifestly_paragraph(manifestly, law.value, row.language,
                                                       earlier))  # fmt: skip
            requests.audit.record(
                session, by.id, by.role_name, REFUSED_MANIFESTLY, row.id,
                ground=manifestly.value, earlier_requests=earlier,
                reasons_sha256=digest("; ".join(cleaned)),
            )  # fmt: skip
        requests.record_notice(session, row, "refusal", "\n\n".join(paragraphs), by)
        return row


def opt_out_on_denial(requests: RequestService, row: RequestRow) -> OptOutOffer | None:
    """How to opt out of sale or sharing, which a CCPA deletion denied as unverified offers
    (§7062(f)), closed at its deadline or refused by staff alike; None for any other
    request, or where the data map declares no sale or sharing."""
    if not deletion_applies(law_of(row), RequestType(row.type)):
        return None
    return requests.opt_out(row.language)


def _refused_unverified(
    requests: RequestService,
    session: Session,
    row: RequestRow,
    by: Principal,
    paragraphs: list[str],
) -> None:
    """Record a refusal because the requester's identity could not be verified, and add to
    its notice, before the remedies, the opt-out a CCPA deletion denied so offers."""
    offer = opt_out_on_denial(requests, row)
    if offer is not None:
        paragraphs.insert(-1, opt_out_text(offer, row.language))
    requests.audit.record(
        session, by.id, by.role_name, "request.refused_unverified", row.id,
        opt_out_offered=offer is not None,
    )  # fmt: skip


def _earlier_requests(session: Session, row: RequestRow) -> int:
    """Requests from the same e-mail address or phone number received in the year before."""
    same = [
        column == value
        for column, value in ((RequestRow.requester_email, row.requester_email),
                             (RequestRow.requester_phone, row.requester_phone))
        if value
    ]  # fmt: skip
    if not same:
        return 0
    query = (
        select(func.count())
        .select_from(RequestRow)
        .where(
            or_(*same),
            RequestRow.id != row.id,
            RequestRow.received_at >= row.received_at - LOOK_BACK,
            RequestRow.received_at < row.received_at,
        )
    )
    return int(session.scalar(query) or 0)
