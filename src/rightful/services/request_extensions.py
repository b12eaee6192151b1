"""Extensions: a request's deadline extended once, with a reason, in its first period, and the
requester told the new one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rightful.adapters.db.tables import RequestRow
from rightful.domain import deadline_texts
from rightful.domain import deadlines as dl
from rightful.domain.errors import ConflictError
from rightful.domain.lifecycle import ANSWERED, OPEN, Role, Status
from rightful.domain.staff import Principal
from rightful.domain.words import with_article
from rightful.services.audit import digest
from rightful.services.request_deadlines import deadlines, extension_of, store_deadlines

if TYPE_CHECKING:
    from rightful.services.requests import RequestService


def extend(
    requests: RequestService,
    request_id: str,
    by: Principal,
    *,
    reason: str,
    months: int | None = None,
    days: int | None = None,
) -> RequestRow:
    """Extend once, with a reason, in the first period; the notice to the requester is kept."""
    by.require(Role.DPO)
    with requests.store.transaction() as session:
        row = requests.load(session, request_id)
        if Status(row.status) not in OPEN or Status(row.status) in ANSWERED:
            raise ConflictError(f"{with_article(row.status)} request cannot be extended")
        if row.extended_at is not None:
            raise dl.ExtensionNotAllowedError("this request was extended already")
        now = requests.clock.now()
        row.extension_months, row.extension_days = months, days
        row.extension_reason, row.extended_at = reason.strip(), now
        result = deadlines(session, row, requests.settings, requests.clock, extending=True)
        store_deadlines(row, result)
        body = deadline_texts.extension_text(
            dl.Jurisdiction(row.jurisdiction),
            row.id,
            row.respond_by,
            reason.strip(),
            row.language,
            tz=requests.settings.zone,
        )
        requests.record_notice(session, row, "extension", body, by)
        extension = extension_of(row)
        assert extension is not None  # set above
        length, unit = dl.extension_length(dl.Jurisdiction(row.jurisdiction), extension)
        requests.audit.record(
            session, by.id, by.role_name, "request.extended", row.id,
            **{unit: length}, respond_by=row.respond_by.isoformat(),
            reason_sha256=digest(row.extension_reason),
        )  # fmt: skip
        return row
