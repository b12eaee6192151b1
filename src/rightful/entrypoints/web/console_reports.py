"""Console pages of reports: the yearly figures on requests (CCPA §7102, GDPR Art. 5(2)) as a
table for reviewers and above, and the same CSV as `rightful report requests --csv`. The form
is a GET: a period and a jurisdiction are no personal data, and the page's address is then the
report's. Counts only, so not audited, as the command is not."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from rightful.domain.deadlines import Jurisdiction
from rightful.domain.errors import AuthenticationError, InvalidInputError, PermissionDeniedError
from rightful.domain.lifecycle import Role
from rightful.domain.request_report import RequestReport
from rightful.entrypoints.request_report import COLUMNS, cells, request_report, title, write_csv
from rightful.entrypoints.web.console import console_page, current, denied
from rightful.entrypoints.web.pages import container
from rightful.services.staff_auth import ConsoleSession

router = APIRouter(prefix="/console", include_in_schema=False)
PAGE = "/console/reports/requests"


@dataclass(frozen=True)
class Asked:
    """The form as typed ("" for a field left empty: the command's default)."""

    year: str = ""
    start: str = ""
    end: str = ""
    jurisdiction: str = ""
    as_of: str = ""

    def query(self) -> str:
        """The fields given, as the page's query string (the API's names)."""
        names = {"start": "from", "end": "to"}
        given = {names.get(k, k): v for k, v in asdict(self).items() if v}
        return urlencode(given)

    def report(self, request: Request) -> RequestReport:
        """The figures asked for; InvalidInputError says what is wrong with the form."""
        return request_report(
            container(request), year=self.year or None, start=self.start or None,
            end=self.end or None, jurisdiction=_jurisdiction(self.jurisdiction),
            as_of_day=self.as_of or None,
        )  # fmt: skip


def _jurisdiction(text: str) -> Jurisdiction | None:
    if not text:
        return None
    try:
        return Jurisdiction(text)
    except ValueError:
        laws = ", ".join(j.value for j in Jurisdiction)
        raise InvalidInputError(f"the jurisdiction {text!r} is not one of {laws}") from None


def _asked(
    year: str = "", start: Annotated[str, Query(alias="from")] = "",
    end: Annotated[str, Query(alias="to")] = "", jurisdiction: str = "", as_of: str = "",
) -> Asked:  # fmt: skip
    """The query's fields, trimmed (a field longer than any valid value is wrong anyway)."""
    return Asked(*(text.strip()[:40] for text in (year, start, end, jurisdiction, as_of)))


Form = Annotated[Asked, Depends(_asked)]
Answer = Callable[[ConsoleSession, RequestReport], Response]


@router.get("/reports/requests", response_class=HTMLResponse)
def requests_report(request: Request, form: Form) -> Response:
    """The figures asked for as a table, or the form with what is wrong (422)."""
    return _figures(request, form, lambda me, report: _page(request, me, form, report))


@router.get("/reports/requests.csv")
def requests_report_csv(request: Request, form: Form) -> Response:
    """The table as `rightful report requests --csv FILE` writes it, as a download."""
    return _figures(request, form, lambda _me, report: _csv(report))


def _figures(request: Request, form: Asked, answer: Answer) -> Response:
    """`answer` with the figures for a reviewer or above; the form with its error otherwise."""
    try:
        me = current(request, Role.REVIEWER)
    except (AuthenticationError, PermissionDeniedError) as exc:
        return denied(request, exc)
    try:
        report = form.report(request)
    except InvalidInputError as exc:
        return _page(request, me, form, None, str(exc), exc.http_status)
    return answer(me, report)


def _csv(report: RequestReport) -> Response:
    text = io.StringIO()
    write_csv(text, report)
    name = f"requests-{report.period.start}-to-{report.period.end}.csv"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(text.getvalue(), media_type="text/csv", headers=disposition)


def _page(
    request: Request, me: ConsoleSession, form: Asked, report: RequestReport | None,
    error: str = "", status: int = 200,
) -> Response:  # fmt: skip
    context = {"form": form, "error": error, "laws": [j.value for j in Jurisdiction],
               "report": report, "title": title(report) if report else "", "columns": COLUMNS,
               "rows": [cells(line) for line in report.lines] if report else [],
               "csv": f"{PAGE}.csv?{form.query()}".rstrip("?")}  # fmt: skip
    return console_page(request, "console/request_report.html", me, context, status)
