"""Closing a request unanswered: the CCPA daily job that denies requests still unverified at
their deadline, and the expiry notice a closed request's requester is told."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from rightful.adapters.db.tables import RequestRow
from rightful.domain import deadlines as dl
from rightful.domain.errors import ConflictError, SourceUnavailableError
from rightful.domain.lifecycle import Status
from rightful.domain.notices import ccpa_unverified_text, expiry_text
from rightful.domain.requests import ANSWERED_WITH_PACKAGE, RequestType
from rightful.domain.staff import SYSTEM
from rightful.services.declarations import unverified_for_categories
from rightful.services.request_deadlines import law_of
from rightful.services.request_queries import RequestFilter
from rightful.services.request_refusals import opt_out_on_denial

if TYPE_CHECKING:
    from rightful.services.requests import RequestService

log = logging.getLogger("rightful.requests")

UNVERIFIED_AT_DEADLINE = "not verified by the CCPA deadline (§7021)"
# What a CCPA request closed unverified was not done (`ccpa_unverified_text`); a request to
# know is not disclosing, and gets the general practices too.
CCPA_UNVERIFIED_ACTION = {RequestType.ERASURE: "deleting", RequestType.RECTIFICATION: "correcting"}


def close_unverified_at_deadline(requests: RequestService) -> list[str]:
    """The daily job: CCPA requests whose requester was asked to verify and still has not
    on the last day of the 45 days (or the extension), in the controller's zone, are closed
    unanswered and told so that day (§7021: the deadline runs whether or not verification
    is finished, and the denial is the response due by then); ids of those closed. One
    still `received` (nobody asked the requester yet) stays, overdue, for staff. So does a
    verified request to know: it closes too unless its requester is verified for the
    categories (§7062(b)), which staff then answer in words (`answer`); and a verified
    request to delete short of §7061(b)/§7062(d)'s proof closes too."""
    if not requests.settings.ccpa_close_unverified_at_deadline:
        return []
    zone = requests.settings.zone
    today = requests.clock.now().astimezone(zone).date()
    ccpa = RequestFilter(jurisdiction=dl.Jurisdiction.CCPA, open_only=True, limit=100_000)
    waiting = [
        row
        for row in requests.list(ccpa)
        if row.respond_by.astimezone(zone).date() <= today and _unverified_ccpa(row)
    ]
    closed = []
    for row in waiting:
        try:
            requests.move(row.id, Status.EXPIRED, SYSTEM, UNVERIFIED_AT_DEADLINE,
                          only_from=frozenset({Status(row.status)}))  # fmt: skip
        except ConflictError:  # verified enough, or moved meanwhile: left as it is now
            continue
        except SourceUnavailableError as exc:  # not denied on a guess: tried again tomorrow
            log.warning("CCPA deadline: request %s left open: %s", row.id, exc)
            continue
        closed.append(row.id)
    if closed:
        log.warning("CCPA deadline: %d unverified requests closed %s", len(closed), closed)
    return closed


def expiry_notice(requests: RequestService, row: RequestRow) -> str:
    """What the requester of `row`, closed unanswered, is told: no action, with the remedies; a
    CCPA request unverified, what was not done, with the general practices or the opt-out."""
    if row.jurisdiction != dl.Jurisdiction.CCPA:
        return expiry_text(row.id, row.language, law_of(row))
    kind = RequestType(row.type)
    if kind in ANSWERED_WITH_PACKAGE:
        return ccpa_unverified_text(row.id, "disclosing", row.language,
                                    requests.practices(row.language))  # fmt: skip
    action = CCPA_UNVERIFIED_ACTION.get(kind, "acting")
    return ccpa_unverified_text(
        row.id, action, row.language, opt_out=opt_out_on_denial(requests, row)
    )


def check_unverified(requests: RequestService, session: Session, row: RequestRow) -> None:
    """A verified request expires only when it is a CCPA request to know whose requester is
    not verified even for the categories (§7062(b), §7024(e)), or a CCPA request to delete
    short of the proof a deletion needs (§7061(b), §7062(d)); every other one is answered."""
    if requests.deletion_wait(session, row) is not None:
        return
    _check_unverified_for_categories(requests, session, row)


def _check_unverified_for_categories(
    requests: RequestService, session: Session, row: RequestRow
) -> None:
    """A verified request expires only when it is a CCPA request to know whose requester is not
    verified even for the categories (§7062(b), §7024(e); an account holder who has not signed
    in, §7061(b)); every other one is answered."""
    if not unverified_for_categories(session, row, requests.account_holder):
        raise ConflictError(
            f"request {row.id} is verified; it is answered, not expired (a CCPA request to know "
            "verified for the categories only is answered in words: rightful requests answer)"
        )


def _unverified_ccpa(row: RequestRow) -> bool:
    """A CCPA request (no opt-out or limit) whose requester was asked to verify and has not, or
    is verified too little to be answered (the service checks which when it closes it)."""
    if dl.prompt_ccpa(dl.Jurisdiction.CCPA, RequestType(row.type)):
        return False
    waiting = row.status == Status.ON_HOLD and row.held_from == Status.AWAITING_VERIFICATION
    return row.status in (Status.AWAITING_VERIFICATION, Status.VERIFIED) or waiting
