"""HTTP routes for requests: public submission; staff endpoints to list, show and move them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from rightful.adapters.db.tables import RequestRow
from rightful.bootstrap import Container
from rightful.bootstrap_web import web_services
from rightful.domain.deadline_texts import verification_text
from rightful.domain.deadlines import (
    LONGEST_WINDOW_DAYS,
    MAX_EXTENSION_REASON,
    Jurisdiction,
    Urgency,
    urgency_at,
)
from rightful.domain.erasure import erasure_outcome
from rightful.domain.intake import MAX_DETAILS, MAX_NAME, NewRequest
from rightful.domain.lifecycle import Role, Status
from rightful.domain.rectification import rectified
from rightful.domain.requests import RequestType, parse_request_type
from rightful.domain.staff import Principal
from rightful.domain.unfounded import Manifestly, refused_manifestly
from rightful.entrypoints.api.deps import api_key_header, container, require
from rightful.entrypoints.api.notice_mail import NoticeOut, Told, UnsentNoticeOut, untold
from rightful.entrypoints.api.schemas import RowView
from rightful.entrypoints.web.security import client_of
from rightful.services import staff
from rightful.services.request_queries import RequestFilter, transitions

router = APIRouter(prefix="/api/v1/requests", tags=["requests"])
PUBLIC = Principal(id="public", role=None)
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="a key of the client's (a UUID, say): the same key and body again make no "
        "second request",
    ),
]

Staff = Annotated[Principal, Depends(require(Role.AGENT))]
Dpo = Annotated[Principal, Depends(require(Role.DPO))]
Deps = Annotated[Container, Depends(container)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ClaimedIdentity(Strict):
    type: str = Field(max_length=32)
    value: str = Field(max_length=320)


class SubmitRequest(Strict):
    type: str = Field(
        description="access, portability, erasure, rectification, restriction, "
        "objection; or the CCPA names know, delete, correct, opt_out, limit"
    )
    jurisdiction: Jurisdiction
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=40)
    name: str | None = Field(default=None, max_length=MAX_NAME)
    identities: list[ClaimedIdentity] = Field(default_factory=list, max_length=20)
    details: str | None = Field(default=None, max_length=MAX_DETAILS)
    language: Literal["en", "de"] = "en"
    direct_marketing: StrictBool = Field(
        default=False, description="an objection to direct marketing (Art. 21(2)): absolute"
    )


class SubmitAccepted(BaseModel):
    """The same answer whether or not the person is known to the controller: no oracle."""

    id: str
    status: Status
    respond_by: datetime
    message: str


class RequestOut(BaseModel):
    id: str
    type: RequestType
    jurisdiction: Jurisdiction
    status: Status
    held_from: Status | None
    channel: str
    language: str
    received_at: datetime
    acknowledge_by: datetime | None
    acknowledged_at: datetime | None
    respond_by: datetime
    urgency: Urgency
    extended: bool
    extension_reason: str | None
    refusal_reasons: list[str] | None
    refused_unverified: bool = False
    erasure_outcome: dict[str, Any] | None = None
    rectification_outcome: dict[str, Any] | None = None
    direct_marketing: bool = False
    details: str | None = None  # what the requester wrote (e.g. what is wrong, what is right)
    closed_at: datetime | None

    @classmethod
    def of(cls, row: RequestRow, now: datetime, due_soon_days: int) -> RequestOut:
        return cls(
            id=row.id,
            type=RequestType(row.type),
            jurisdiction=Jurisdiction(row.jurisdiction),
            status=Status(row.status),
            held_from=Status(row.held_from) if row.held_from else None,
            channel=row.channel,
            language=row.language,
            received_at=row.received_at,
            acknowledge_by=row.acknowledge_by,
            acknowledged_at=row.acknowledged_at,
            respond_by=row.respond_by,
            urgency=urgency_at(row.respond_by, now, due_soon_days),
            extended=row.extended_at is not None,
            extension_reason=row.extension_reason,
            refusal_reasons=row.refusal_reasons,
            refused_unverified=bool(row.refused_unverified),
            erasure_outcome=row.erasure_outcome,
            rectification_outcome=row.rectification_outcome,
            direct_marketing=bool(row.direct_marketing),
            details=row.details,
            closed_at=row.closed_at,
        )


class RequestChanged(RequestOut, Told):
    """A request after a write that may have mailed its requester a notice."""

    @classmethod
    def after(cls, c: Container, write: Callable[[], RequestRow]) -> RequestChanged:
        row, unsent = untold(c, write)
        base = RequestOut.of(row, c.clock.now(), c.settings.due_soon_days)
        return cls(**base.model_dump(), unsent_notices=unsent)


class TimelineEntry(BaseModel):
    seq: int
    at: datetime
    actor: str
    role: str
    action: str
    summary: dict[str, object]


class TransitionOut(RowView):
    at: datetime
    source: Status
    target: Status
    actor: str
    role: str
    reason: str


class RefusedManifestlyOut(BaseModel):
    ground: Literal["unfounded", "excessive"]
    earlier_requests: int = Field(description="from the same requester in the year before")


class RequestDetail(RequestOut):
    requester_email: str | None
    requester_phone: str | None
    requester_name: str | None
    claimed_identities: list[dict[str, str]]
    waiting_for: str | None = Field(
        default=None,
        description="why the package may not be built yet (CCPA §7062), or a CCPA deletion "
        "not carried out yet (§7061(b), §7062(d)), or null",
    )
    link_waits: str | None = Field(
        default=None,
        description="why an approved package's link has not gone out: the requester, "
        "confirmed by text message alone, is to confirm an e-mail address by a code; or null",
    )
    refused_manifestly: RefusedManifestlyOut | None = Field(
        default=None, description="the Art. 12(5) ground of a refusal, or null"
    )
    transitions: list[TransitionOut]
    notices: list[NoticeOut]
    timeline: list[TimelineEntry]


class MoveIn(Strict):
    to: Status
    reason: str = Field(default="", max_length=2000)


class ExtendIn(Strict):
    reason: str = Field(min_length=1, max_length=MAX_EXTENSION_REASON)
    months: int | None = Field(default=None, ge=1, le=2)
    days: int | None = Field(default=None, ge=1, le=45)


class CancelIn(Strict):
    reason: str = Field(min_length=1, max_length=2000)


class RefuseIn(Strict):
    reasons: list[str] = Field(min_length=1, max_length=20)
    manifestly: Literal["unfounded", "excessive"] | None = Field(
        default=None, description="refused as manifestly unfounded or excessive (Art. 12(5))"
    )
    unverified: bool = Field(
        default=False,
        description="refused because the requester's identity could not be verified; a CCPA "
        "deletion refused so offers the opt-out of sale or sharing (§7062(f))",
    )


class AnswerIn(Strict):
    text: str = Field(min_length=1, max_length=5000, description="what was done, as sent")


class KeptIn(Strict):
    category: str = Field(max_length=100, description="a data category, e.g. user.financial")
    exception: str = Field(max_length=2, description="the letter of Art. 17(3): a to e")


class ErasureIn(Strict):
    ground: str = Field(max_length=2, description="the letter of Art. 17(1): a to f")
    erased: list[str] = Field(default_factory=list, max_length=100)
    kept: list[KeptIn] = Field(default_factory=list, max_length=100)
    recipients_told: int = Field(default=0, ge=0, description="Art. 19: recipients informed")


class KeptPlaceIn(Strict):
    field: str = Field(max_length=300, description="dataset.collection.field left as it was")
    reason: str = Field(max_length=500, description="why it stays as it was")


class RectificationIn(Strict):
    fields: list[str] = Field(
        default_factory=list, max_length=100, description="dataset.collection.field corrected"
    )
    kept: list[KeptPlaceIn] = Field(
        default_factory=list, max_length=100,
        description="places also holding the data, left as they were, each with why",
    )  # fmt: skip
    recipients_told: int = Field(default=0, ge=0, description="Art. 19: recipients informed")


class DueOut(BaseModel):
    id: str
    status: Status
    jurisdiction: str
    respond_by: datetime
    seconds_left: int
    urgency: Urgency


@router.post("", status_code=202, response_model=SubmitAccepted)
def submit(
    body: SubmitRequest, c: Deps, request: Request, response: Response,
    idempotency_key: IdempotencyKey = None,
) -> SubmitAccepted:  # fmt: skip
    """Submit a request (public: no key). The answer never reveals whether the person is known.
    One network address may submit `submissions_per_hour` requests an hour (429 beyond).

    With an `Idempotency-Key` header, the same key and body again (a retry after a timeout)
    make no second request: the answer is the first's (same id), marked `Idempotent-Replayed:
    true`; the same key with another body is refused (422). A key is kept 24 hours at least."""
    once = None
    if idempotency_key is not None:
        once = c.idempotency.once(_scope(c, request), idempotency_key, body.model_dump(mode="json"))
        if (first := c.idempotency.first(once)) is not None:
            return _accepted(first, response, replayed=True)
    c.submissions.check(client_of(request).ip)
    new = NewRequest(
        type=parse_request_type(body.type),
        jurisdiction=body.jurisdiction,
        email=body.email,
        phone=body.phone,
        name=body.name,
        claimed_identities=tuple((i.type, i.value) for i in body.identities),
        details=body.details,
        language=body.language,
        channel="api",
        direct_marketing=body.direct_marketing,
    )
    made = c.idempotency.submit(new, PUBLIC, once)
    return _accepted(made.request, response, replayed=not made.created)


def _scope(c: Container, request: Request) -> str:
    """Whose an Idempotency-Key is: the staff API key's sent with it (401 for one that is not
    valid), else the public's."""
    presented = request.headers.get(api_key_header.model.name)
    if not presented:
        return f"api:{PUBLIC.id}"
    with c.store.transaction() as session:
        return f"api:{staff.authenticate(session, c.clock, presented).id}"


def _accepted(row: RequestRow, response: Response, *, replayed: bool) -> SubmitAccepted:
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    kind, law = RequestType(row.type), Jurisdiction(row.jurisdiction)
    return SubmitAccepted(
        id=row.id,
        status=Status(row.status),
        respond_by=row.respond_by,
        message=f"Request received. {verification_text(law, kind)}",
    )


@router.get("", response_model=list[RequestOut])
def list_requests(
    c: Deps,
    _who: Staff,
    status: Status | None = None,
    type: RequestType | None = None,
    jurisdiction: Jurisdiction | None = None,
    open_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> list[RequestOut]:
    """Requests sorted by deadline, filtered by status, type, jurisdiction."""
    flt = RequestFilter(
        status=status,
        type=type,
        jurisdiction=jurisdiction,
        open_only=open_only,
        limit=limit,
        offset=offset,
    )
    now = c.clock.now()
    return [RequestOut.of(r, now, c.settings.due_soon_days) for r in c.requests.list(flt)]


@router.get("/due", response_model=list[DueOut])
def due(
    c: Deps,
    _who: Staff,
    within_days: Annotated[int | None, Query(ge=0, le=LONGEST_WINDOW_DAYS)] = None,
) -> list[DueOut]:
    """Requests still to be answered (open, not delivered) by time left; overdue and due-soon
    are flagged in `urgency`."""
    return [
        DueOut(
            id=i.request_id,
            status=i.status,
            jurisdiction=i.jurisdiction,
            respond_by=i.respond_by,
            seconds_left=int(i.time_left.total_seconds()),
            urgency=i.urgency,
        )
        for i in c.requests.due(within_days=within_days)
    ]


@router.get("/unsent-notices", response_model=list[UnsentNoticeOut])
def unsent_notices(c: Deps, _who: Staff) -> list[UnsentNoticeOut]:
    """Notices that reached nobody, so their requester was not told (Art. 12(3), 12(4)): the
    mail relay refused them (`rightful jobs daily` tries them again), or the requester gave no
    e-mail address; each stays listed until it is sent or recorded as told another way."""
    return [UnsentNoticeOut.of(u) for u in c.notice_mail.unsent()]


@router.get("/{request_id}", response_model=RequestDetail)
def show(request_id: str, c: Deps, who: Staff) -> RequestDetail:
    """One request with its transitions, notices and audit timeline; the view is audited, as
    the console's is (it shows the requester's contact details)."""
    row = c.requests.get(request_id)
    with c.store.transaction() as session:
        c.audit.record(session, who.id, who.role_name, "api.request_viewed", request_id)
    base = RequestOut.of(row, c.clock.now(), c.settings.due_soon_days)
    timeline = c.audit.timeline(request_id)
    manifestly = refused_manifestly(timeline)
    return RequestDetail(
        **base.model_dump(),
        requester_email=row.requester_email,
        requester_phone=row.requester_phone,
        requester_name=row.requester_name,
        claimed_identities=row.claimed_identities,
        waiting_for=c.declarations.waiting_for(request_id),
        link_waits=web_services(c).delivery.link_waits(request_id),
        refused_manifestly=RefusedManifestlyOut(
            ground=manifestly.ground.value, earlier_requests=manifestly.earlier_requests
        )
        if manifestly
        else None,
        transitions=[TransitionOut.of(t) for t in transitions(c.store, request_id)],
        notices=[NoticeOut.of(n) for n in c.requests.notices(request_id)],
        timeline=[
            TimelineEntry(
                seq=e.seq,
                at=e.at,
                actor=e.actor,
                role=e.role,
                action=e.action,
                summary=dict(e.summary),
            )
            for e in timeline
        ],
    )


@router.post("/{request_id}/transitions", response_model=RequestChanged)
def move(request_id: str, body: MoveIn, c: Deps, who: Staff) -> RequestChanged:
    """Move a request by hand (hold, resume, expire, cancel, close); an illegal move is 409.

    Verified, collecting, in review, approved and delivered are reached only through their own
    steps (verification, collection, review, delivery)."""
    return RequestChanged.after(
        c, lambda: c.requests.move_by_hand(request_id, body.to, who, body.reason)
    )


@router.post("/{request_id}/extend", response_model=RequestChanged)
def extend(request_id: str, body: ExtendIn, c: Deps, who: Dpo) -> RequestChanged:
    """Extend the deadline once, with a reason; the notice to the requester is recorded."""
    return RequestChanged.after(c, lambda: c.requests.extend(
        request_id, who, reason=body.reason, months=body.months, days=body.days
    ))  # fmt: skip


@router.post("/{request_id}/cancel", response_model=RequestChanged)
def cancel(request_id: str, body: CancelIn, c: Deps, who: Staff) -> RequestChanged:
    return RequestChanged.after(c, lambda: c.requests.cancel(request_id, who, body.reason))


@router.post("/{request_id}/refuse", response_model=RequestChanged)
def refuse(request_id: str, body: RefuseIn, c: Deps, who: Dpo) -> RequestChanged:
    """Refuse with reasons; the notice states them and the right to complain (Art. 12(4))."""
    ground = Manifestly(body.manifestly) if body.manifestly else None
    return RequestChanged.after(
        c, lambda: c.requests.refuse(request_id, who, body.reasons, ground, body.unverified)
    )


@router.post("/{request_id}/erasure", response_model=RequestChanged)
def erasure(request_id: str, body: ErasureIn, c: Deps, who: Dpo) -> RequestChanged:
    """Record what an erasure request ended with and close it (GDPR and UK GDPR, once the
    requester is verified); the notice tells them what was erased, what was kept and under
    which exception of Art. 17(3), and how many recipients were told (Art. 19)."""
    kept = [(k.category, k.exception) for k in body.kept]
    outcome = erasure_outcome(body.ground, body.erased, kept, body.recipients_told, c.datamap)
    return RequestChanged.after(c, lambda: c.requests.record_erasure(request_id, outcome, who))


@router.post("/{request_id}/rectification", response_model=RequestChanged)
def rectification(request_id: str, body: RectificationIn, c: Deps, who: Dpo) -> RequestChanged:
    """Record which fields of the data map were corrected for a verified GDPR or UK GDPR
    rectification request, and which places also holding that data were kept, with why. It
    closes once none is left open (`rectification_outcome.open`); the requester is told what
    was corrected (Art. 16, 19)."""
    kept = [(k.field, k.reason) for k in body.kept]
    step = rectified(body.fields, body.recipients_told, c.datamap, kept)
    return RequestChanged.after(
        c, lambda: c.requests.record_rectification(request_id, step, c.datamap, who)
    )


@router.post("/{request_id}/answer", response_model=RequestChanged)
def answer(request_id: str, body: AnswerIn, c: Deps, who: Dpo) -> RequestChanged:
    """Close a verified rectification or objection request (or a CCPA one) by telling the
    requester what was done (Art. 12(3)); erasure has `/erasure`, restriction `/restriction`."""
    return RequestChanged.after(c, lambda: c.requests.answer(request_id, body.text, who))
