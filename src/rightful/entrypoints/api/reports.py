"""Reports for staff: the yearly figures on requests (CCPA §7102, GDPR Art. 5(2)). The
reviewer role or above: the figures are the business's own account of its compliance, which
the staff who decide requests keep and publish; an agent key is often a system's (an OpenDSR
sender's), which has no business reading them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from rightful.bootstrap import Container
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.lifecycle import Role
from rightful.domain.staff import Principal
from rightful.entrypoints.api.deps import container, require
from rightful.entrypoints.request_report import request_report

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])
Reviewer = Annotated[Principal, Depends(require(Role.REVIEWER))]
Deps = Annotated[Container, Depends(container)]


@router.get("/requests")
def requests_report(
    c: Deps,
    _who: Reviewer,
    start: Annotated[str | None, Query(alias="from", description="first day, 2026-01-01")] = None,
    end: Annotated[str | None, Query(alias="to", description="day after the last")] = None,
    year: Annotated[str | None, Query(description="a calendar year instead")] = None,
    jurisdiction: Jurisdiction | None = None,
    as_of_day: Annotated[
        str | None, Query(alias="as_of", description="the end of a past day, 2027-02-28")
    ] = None,
) -> dict[str, Any]:
    """Requests received in [from, to) (default: the previous calendar year) in the
    controller's zone, by jurisdiction and kind, as they stand now or stood at the end of the
    `as_of` day, as `rightful report requests --json`."""
    report = request_report(c, year=year, start=start, end=end, jurisdiction=jurisdiction,
                            as_of_day=as_of_day)  # fmt: skip
    return report.as_json()
