"""HTTP routes of incident response: the breach register, opening (staff or outside report),
scope, assessment and the DPO's override, notices (draft, edit, approve, send) and closing."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from rightful.bootstrap import Container
from rightful.domain.incident_clocks import Audience
from rightful.domain.incident_untold import UntoldException
from rightful.domain.incidents import IncidentKind, IncidentSource, Nature, ReporterKind
from rightful.domain.lifecycle import Role
from rightful.domain.severity import MAX_REASON, Adjustment, Factor, Level
from rightful.domain.staff import Principal
from rightful.entrypoints.api.deps import container, require
from rightful.entrypoints.api.schemas import RowView
from rightful.services.incident_register import details
from rightful.services.incidents import IncidentReport

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])
Agent = Annotated[Principal, Depends(require(Role.AGENT))]
Reviewer = Annotated[Principal, Depends(require(Role.REVIEWER))]
Dpo = Annotated[Principal, Depends(require(Role.DPO))]
Deps = Annotated[Container, Depends(container)]
Text = Annotated[str, Field(min_length=1, max_length=8000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OpenIn(Strict):
    kind: IncidentKind = IncidentKind.MISDELIVERY
    description: str = Field(min_length=10, max_length=8000)
    outside: ReporterKind | None = Field(default=None, description="reported from outside by")
    aware_at: datetime | None = None
    request_id: str | None = Field(default=None, max_length=36)
    package_ids: list[str] = Field(default_factory=list, max_length=50)
    nature: Nature | None = None
    contact_name: str | None = Field(default=None, max_length=200)
    contact_email: str | None = Field(default=None, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    organisation: str | None = Field(default=None, max_length=200)
    reference: str | None = Field(default=None, max_length=200)


class AdjustmentIn(Strict):
    factor: Factor
    step: int = Field(ge=0, le=2, description="0 withdraws the factor entered before")
    reason: str = Field(default="", max_length=MAX_REASON)


class AssessIn(Strict):
    nature: Nature | None = None
    adjustments: list[AdjustmentIn] = Field(
        default_factory=list,
        max_length=len(Factor),
        description="contextual factors of the data processing context (ENISA), with reasons",
    )


class OverrideIn(Strict):
    level: Level
    justification: str = Field(min_length=20, max_length=8000)
    notify_authority: StrictBool | None = None
    notify_subjects: StrictBool | None = None


class FactsIn(Strict):
    description: str | None = Field(default=None, max_length=8000)
    remedial_action: str | None = Field(default=None, max_length=8000)
    aware_at: datetime | None = Field(default=None, description="aware earlier than recorded")


class ContainedIn(Strict):
    measure: str = Field(min_length=10, max_length=8000)


class CloseIn(Strict):
    remedial_action: str = Field(min_length=10, max_length=8000)
    untold_exception: UntoldException | None = Field(
        default=None, description="Art. 34(3) exception to close with people never told"
    )
    justification: str | None = Field(default=None, max_length=8000)


class DraftIn(Strict):
    audience: Audience
    regime: str | None = Field(default=None, max_length=24)
    language: str | None = Field(default=None, max_length=5)


class EditIn(Strict):
    sections: dict[str, Text] = Field(min_length=1, max_length=10)


class SendIn(Strict):
    late_reason: str | None = Field(default=None, max_length=8000)
    authority_reference: str | None = Field(default=None, max_length=200)


class NoticeOut(RowView):
    id: str
    incident_id: str
    audience: str
    regime: str
    language: str
    status: str
    sections: dict[str, str]
    approved_by: str | None
    approved_sha256: str | None
    sent_at: datetime | None
    recipients: int
    failures: int
    late_reason: str | None


# --- the register ---------------------------------------------------------------------------


@router.get("")
def register(c: Deps, _who: Agent) -> list[dict[str, Any]]:
    """The breach register (Art. 33(5)): every incident, near-misses included."""
    return c.incidents.register.rows()


@router.get("/register.{fmt}")
def export_register(fmt: str, c: Deps, who: Reviewer) -> Response:
    """The register as a CSV or JSON file (audited)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"register.{fmt}"
        c.incidents.register.export(path, who, fmt)
        body = path.read_bytes()
    media = "text/csv" if fmt == "csv" else "application/json"
    headers = {"Content-Disposition": f'attachment; filename="breach-register.{fmt}"'}
    return Response(body, media_type=media, headers=headers)


@router.get("/register/verify")
def verify_register(c: Deps, _who: Dpo) -> dict[str, Any]:
    """Recompute the register's digests and compare them with the audit chain."""
    result = c.incidents.register.verify()
    return {"ok": result.ok, "chain_ok": result.chain_ok, "incidents": result.incidents,
            "problems": [str(p) for p in result.problems], "detail": result.describe()}  # fmt: skip


# --- one incident ---------------------------------------------------------------------------


@router.post("", status_code=201)
def open_incident(body: OpenIn, c: Deps, who: Agent) -> dict[str, Any]:
    """Open an incident (staff, or for an outside reporter): contained at once, then triaged."""
    report = IncidentReport(
        kind=body.kind, source=IncidentSource.OUTSIDE if body.outside else IncidentSource.STAFF,
        description=body.description, aware_at=body.aware_at, reporter_kind=body.outside,
        request_id=body.request_id, package_ids=tuple(body.package_ids), nature=body.nature,
        contact_name=body.contact_name, contact_email=body.contact_email,
        organisation=body.organisation, reference=body.reference,
    )  # fmt: skip
    row = c.incidents.open(report, who)
    return details(c.incidents, row.id)


@router.get("/{incident_id}")
def show(incident_id: str, c: Deps, who: Agent) -> dict[str, Any]:
    """Scope, assessments, deadlines, notices and the timeline from the audit chain."""
    return details(c.incidents, incident_id, with_contact=who.role is not None
                   and who.role.at_least(Role.DPO))  # fmt: skip


@router.post("/{incident_id}/rescope")
def rescope(incident_id: str, c: Deps, who: Reviewer) -> dict[str, Any]:
    """Compute the scope again from the records (e.g. after the data map was corrected)."""
    c.incidents.rescope(incident_id, who)
    return details(c.incidents, incident_id)


@router.post("/{incident_id}/assess")
def assess(incident_id: str, body: AssessIn, c: Deps, who: Reviewer) -> dict[str, Any]:
    """Score by the ENISA method from the scope (optionally with another nature, and with the
    contextual factors staff enter, each with its reason)."""
    given = [Adjustment(a.factor, a.step, a.reason) for a in body.adjustments]
    c.incidents.assess(incident_id, who, body.nature, given)
    return details(c.incidents, incident_id)


@router.post("/{incident_id}/override")
def override(incident_id: str, body: OverrideIn, c: Deps, who: Dpo) -> dict[str, Any]:
    """The DPO's decision, with a justification; the computed assessment is kept."""
    c.incidents.override(incident_id, who, body.level, body.justification,
                         notify_authority=body.notify_authority,
                         notify_subjects=body.notify_subjects)  # fmt: skip
    return details(c.incidents, incident_id)


@router.post("/{incident_id}/facts")
def facts(incident_id: str, body: FactsIn, c: Deps, who: Reviewer) -> dict[str, Any]:
    c.incidents.update_facts(incident_id, who, description=body.description,
                             remedial_action=body.remedial_action,
                             aware_at=body.aware_at)  # fmt: skip
    return details(c.incidents, incident_id)


@router.post("/{incident_id}/contained")
def contained(incident_id: str, body: ContainedIn, c: Deps, who: Agent) -> dict[str, Any]:
    """Record containment done outside rightful (packages are contained at opening)."""
    c.incidents.record_containment(incident_id, who, body.measure)
    return details(c.incidents, incident_id)


@router.post("/{incident_id}/close")
def close(incident_id: str, body: CloseIn, c: Deps, who: Dpo) -> dict[str, Any]:
    c.incidents.close(incident_id, who, body.remedial_action,
                      untold_exception=body.untold_exception,
                      justification=body.justification)  # fmt: skip
    return details(c.incidents, incident_id)


class ReopenIn(Strict):
    reason: str = Field(min_length=20, max_length=8000)


@router.post("/{incident_id}/reopen")
def reopen(incident_id: str, body: ReopenIn, c: Deps, who: Dpo) -> dict[str, Any]:
    """Reopen a closed incident when facts come to light after closing."""
    c.incidents.reopen(incident_id, who, body.reason)
    return details(c.incidents, incident_id)


# --- notices ---------------------------------------------------------------------------------


@router.post("/{incident_id}/notices", status_code=201)
def draft(incident_id: str, body: DraftIn, c: Deps, who: Reviewer) -> NoticeOut:
    """A fresh generated draft (Art. 33(3) or 34(2) content) from the incident's records."""
    n = c.incidents.notices.draft(incident_id, body.audience, who, regime=body.regime,
                                  language=body.language)  # fmt: skip
    return NoticeOut.of(n)


@router.get("/notices/{notice_id}", response_model=None)
def notice(
    notice_id: str, c: Deps, _who: Agent,
    format: Annotated[str, Query(pattern="^(json|markdown)$")] = "json",
) -> NoticeOut | PlainTextResponse:  # fmt: skip
    n = c.incidents.notices.get(notice_id)
    if format == "markdown":
        return PlainTextResponse(c.incidents.notices.markdown(n), media_type="text/markdown")
    return NoticeOut.of(n)


@router.patch("/notices/{notice_id}")
def edit(notice_id: str, body: EditIn, c: Deps, who: Reviewer) -> NoticeOut:
    """Change sections; an approved notice returns to draft."""
    return NoticeOut.of(c.incidents.notices.edit(notice_id, who, body.sections))


@router.post("/notices/{notice_id}/approve")
def approve(notice_id: str, c: Deps, who: Dpo) -> NoticeOut:
    return NoticeOut.of(c.incidents.notices.approve(notice_id, who))


@router.post("/notices/{notice_id}/send")
def send(notice_id: str, body: SendIn, c: Deps, who: Dpo) -> dict[str, Any]:
    """E-mail an approved communication to the people concerned, or record and return the
    notification for the authority (JSON; Markdown at ?format=markdown of the notice)."""
    notices = c.incidents.notices
    if notices.get(notice_id).audience == Audience.SUBJECTS.value:
        n = notices.send(notice_id, who, body.late_reason)
        return {"notice": NoticeOut.of(n).model_dump(mode="json")}
    done = notices.export(notice_id, who, late_reason=body.late_reason,
                          authority_reference=body.authority_reference)  # fmt: skip
    return {"notice": NoticeOut.of(done.notice).model_dump(mode="json"),
            "document": notices.document(done.notice), "file": done.json_path.name}  # fmt: skip
