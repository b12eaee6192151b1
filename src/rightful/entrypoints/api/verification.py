"""HTTP routes for verification: public ones for the requester (no key), staff ones for reviews
and approvals. Public answers never depend on whether a contact detail is in the estate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from rightful.adapters.db.verification import StaffCheckRow
from rightful.bootstrap import Container
from rightful.domain.errors import AuthenticationError
from rightful.domain.lifecycle import Role, Status
from rightful.domain.staff import Principal, requester
from rightful.domain.subjects import StaffCheckMethod, parse_authority_kind
from rightful.domain.verification import (
    Assurance,
    Channel,
    Factor,
    ResendTooSoonError,
    TooManyChallengesError,
    WrongCodeError,
)
from rightful.entrypoints.api.deps import (
    RowId,
    api_key_header,
    container,
    require,
    staff_principal,
)
from rightful.entrypoints.api.schemas import RowView
from rightful.entrypoints.web import requester as rq
from rightful.services.approvals import Document
from rightful.services.identity_set import Settlement
from rightful.services.subjects import ReviewView
from rightful.services.verification import StartReceipt
from rightful.services.verification_progress import Progress

router = APIRouter(prefix="/api/v1/verification", tags=["verification"])
Deps = Annotated[Container, Depends(container)]
Agent = Annotated[Principal, Depends(require(Role.AGENT))]
Reviewer = Annotated[Principal, Depends(require(Role.REVIEWER))]

MESSAGES = {
    "bound": "You are verified. We are preparing the answer to your request.",
    "answered": "You are verified, and we have answered your request: the page of your "
    "request in our portal shows the answer.",
    "bound_waiting": "You are verified, but we cannot answer yet: California law asks for more "
    "proof that the request is yours (`waiting_for` says what is missing).",
    "no_subject": "You are verified. We hold no personal data about you under the details you "
    "confirmed, so the request is closed.",
    "ambiguous": "Thank you. A member of our team must check one detail before we go on.",
    "awaiting_approval": "Thank you. A member of our team must approve the request before we "
    "go on.",
    "unverified": "Not verified yet: confirm a code we sent you.",
    "rejected": "We refused this request: the page of your request in our portal gives the "
    "reasons.",
}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class StartIn(Strict):
    channel: Channel = Channel.EMAIL
    address: str | None = Field(
        default=None, max_length=320, description="default: the contact given with the request"
    )


class StartOut(BaseModel):
    """Identical whether or not the contact detail is on file."""

    challenge_id: str
    channel: Channel
    expires_at: datetime
    message: str

    @classmethod
    def of(cls, receipt: StartReceipt) -> StartOut:
        return cls(
            challenge_id=receipt.challenge_id,
            channel=receipt.channel,
            expires_at=receipt.expires_at,
            message=receipt.message,
        )


class CodeIn(Strict):
    challenge_id: str = Field(max_length=64)
    code: str = Field(max_length=20)


class LinkIn(Strict):
    token: str = Field(max_length=200)


class AssertionIn(Strict):
    assertion: str = Field(max_length=8000, description="JWT signed by the controller's app")


class DeclarationIn(Strict):
    full_name: str = Field(
        max_length=200, description="typed as the signature under the declaration shown"
    )


class ProgressOut(BaseModel):
    request_id: str
    status: Status
    outcome: str
    assurance: Assurance
    required: Assurance
    step_up_offered: bool
    step_up_options: list[Factor]
    message: str
    waiting_for: str | None = Field(
        default=None,
        description="why the answer waits for more proof (CCPA §7062; a deletion §7061(b), "
        "§7062(d)), in the request's language",
    )
    declaration: str | None = Field(
        default=None,
        description="the statement a CCPA request to know specific pieces signs (none for an "
        "account holder, who signs in with the account instead: §7061(b))",
    )
    declared: bool = False

    @classmethod
    def of(cls, p: Progress) -> ProgressOut:
        message = MESSAGES.get(p.told, f"Your request is {p.status.value.replace('_', ' ')}.")
        return cls(
            request_id=p.request_id,
            status=p.status,
            outcome=p.outcome,
            assurance=p.assurance,
            required=p.required,
            step_up_offered=p.step_up_offered,
            step_up_options=list(p.step_up_options),
            message=message,
            waiting_for=p.waiting_for,
            declaration=p.declaration,
            declared=p.declared,
        )


def answered(
    call: Callable[[], Progress], request: Request, response: Response
) -> ProgressOut | JSONResponse:
    """Run a verification step; a wrong code says how many attempts are left. A confirmed
    step signs the client in for its request, as the portal does (the status needs it)."""
    try:
        progress = call()
        rq.sign_in(request, response, progress.request_id)
        return ProgressOut.of(progress)
    except WrongCodeError as exc:
        body = {"error": "WrongCodeError", "detail": str(exc), "attempts_left": exc.attempts_left}
        return JSONResponse(body, status_code=exc.http_status)


def sent(call: Callable[[], StartReceipt]) -> StartOut | JSONResponse:
    """Send a code; a resend too soon, or one past the request's codes for now, says when to
    try again."""
    try:
        return StartOut.of(call())
    except (ResendTooSoonError, TooManyChallengesError) as exc:
        if exc.retry_after is None:
            raise
        kind, wait = type(exc).__name__, exc.retry_after
        body = {"error": kind, "detail": str(exc), "retry_after": wait}
        return JSONResponse(body, exc.http_status, headers={"Retry-After": str(wait)})


# --- staff ---------------------------------------------------------------------------------


class CandidateOut(BaseModel):
    id: int
    position: int
    subject_collection: str
    subject_key: Any
    matched_by: list[dict[str, str]]


class ReviewOut(BaseModel):
    review_id: int
    request_id: str
    opened_at: datetime
    identity_set_version: int
    candidates: list[CandidateOut]

    @classmethod
    def of(cls, r: ReviewView) -> ReviewOut:
        return cls(
            review_id=r.review_id,
            request_id=r.request_id,
            opened_at=r.opened_at,
            identity_set_version=r.identity_set_version,
            candidates=[
                CandidateOut(
                    id=c.id,
                    position=c.position,
                    subject_collection=c.subject.collection,
                    subject_key=c.subject.value,
                    matched_by=c.matched_by,
                )
                for c in r.candidates
            ],
        )


class SettlementOut(BaseModel):
    outcome: str
    status: Status
    pending: list[str]

    @classmethod
    def of(cls, s: Settlement) -> SettlementOut:
        return cls(outcome=s.outcome, status=s.status, pending=list(s.pending))


class PickIn(Strict):
    reason: str = Field(default="", max_length=2000)


class DecisionIn(Strict):
    approve: StrictBool
    note: str = Field(default="", max_length=2000)


class IdentityIn(Strict):
    type: str = Field(max_length=32)
    value: str = Field(max_length=320)


class StaffCheckIn(Strict):
    method: StaffCheckMethod
    identities: list[IdentityIn] = Field(min_length=1, max_length=10)
    note: str = Field(min_length=1, max_length=2000, description="how the identity was checked")


class StaffCheckOut(BaseModel):
    id: int
    method: str
    identities: int
    checked_by: str
    checked_at: datetime
    state: str
    decided_by: str | None

    @classmethod
    def of(cls, r: StaffCheckRow) -> StaffCheckOut:
        return cls(
            id=r.id,
            method=r.method,
            identities=len(r.identities),
            checked_by=r.checked_by,
            checked_at=r.checked_at,
            state=r.state,
            decided_by=r.decided_by,
        )


class AuthorityOut(RowView):
    id: int
    kind: str
    sha256: str
    size: int
    content_type: str
    submitted_at: datetime
    state: str


# --- public routes -------------------------------------------------------------------------


@router.get("/reviews", response_model=list[ReviewOut])
def open_reviews(c: Deps, _who: Reviewer) -> list[ReviewOut]:
    """Requests whose verified identities lead to several subjects, oldest first."""
    return [ReviewOut.of(r) for r in c.subjects.reviews()]


@router.post("/link", response_model=ProgressOut)
def open_link(
    body: LinkIn, c: Deps, request: Request, response: Response
) -> ProgressOut | JSONResponse:
    """Confirm with the link token from the mail (public)."""
    return answered(lambda: c.verification.open_link(body.token), request, response)


def signed_in_requester(request: Request, request_id: str) -> None:
    """The requester signed in for this very request, as the portal's declaration asks."""
    if rq.signed_in_for(request) != request_id:
        raise AuthenticationError(
            "confirm a code for this request first (its answer signs you in), "
            "or sign in at the portal"
        )


def requester_or_staff(
    request: Request, request_id: str, key: str | None = Depends(api_key_header)
) -> None:
    """The requester signed in for this very request (the cookie a confirmed code, link or
    assertion sets, here or in the portal), or staff with a key. Request ids are no secret
    (URLs, the audit chain and its exports): the status tells whether the person was found."""
    if key:
        staff_principal(request, key).require(Role.AGENT)
    else:
        signed_in_requester(request, request_id)


@router.get("/{request_id}", response_model=ProgressOut,
            dependencies=[Depends(requester_or_staff)])  # fmt: skip
def progress(request_id: str, c: Deps) -> ProgressOut:
    """Where verification stands, with the step-up offered when the data needs more: for the
    requester signed in for it, or staff. Everyone else gets the same 401, known id or not."""
    return ProgressOut.of(c.verification.progress(request_id))


@router.post("/{request_id}/start", status_code=202, response_model=StartOut)
def start(request_id: str, body: StartIn, c: Deps) -> StartOut | JSONResponse:
    """Send a code (and for e-mail a link) to the request's own contact detail if one is due
    and it is on file (public): the same answer at every stage of the request."""
    return sent(lambda: c.verification.start(request_id, body.channel, body.address))


@router.post("/{request_id}/step-up", status_code=202, response_model=StartOut,
             dependencies=[Depends(signed_in_requester)])  # fmt: skip
def step_up(request_id: str, body: StartIn, c: Deps) -> StartOut | JSONResponse:
    """Send a second code through another channel on file for the bound subject, signed in
    as the requester (a confirmed code signs in): its errors tell the request's stage."""
    return sent(lambda: c.verification.step_up(request_id, body.channel, body.address))


@router.post("/{request_id}/code", response_model=ProgressOut)
def submit_code(
    request_id: str, body: CodeIn, c: Deps, request: Request, response: Response
) -> ProgressOut | JSONResponse:
    """Confirm a code (public). Wrong: 400 with attempts_left; locked: 423; expired: 410; used:
    409, told only to the requester signed in for the request (to anyone else it is wrong)."""
    discreet = rq.signed_in_for(request) != request_id
    return answered(
        lambda: c.verification.submit_code(
            request_id, body.challenge_id, body.code, discreet=discreet
        ),
        request, response,
    )  # fmt: skip


@router.post("/{request_id}/assertion", response_model=ProgressOut)
def submit_assertion(
    request_id: str, body: AssertionIn, c: Deps, request: Request, response: Response
) -> ProgressOut:
    """Confirm with the controller's signed statement that you are logged in (public)."""
    progress = c.verification.submit_assertion(request_id, body.assertion)
    rq.sign_in(request, response, progress.request_id)
    return ProgressOut.of(progress)


@router.post("/{request_id}/declaration", response_model=ProgressOut,
             dependencies=[Depends(signed_in_requester)])  # fmt: skip
def declare(request_id: str, body: DeclarationIn, c: Deps) -> ProgressOut:
    """Sign the declaration under penalty of perjury with your full name (CCPA requests to know
    specific pieces, §7062(c)), signed in as the requester: holding the request id is not
    being the person. 409 for any other request."""
    c.declarations.sign(request_id, body.full_name)
    return ProgressOut.of(c.verification.progress(request_id))


@router.post("/{request_id}/authority", status_code=201, response_model=AuthorityOut)
def add_authority(
    request_id: str,
    c: Deps,
    kind: Annotated[str, Form()],
    agent_name: Annotated[str, Form(max_length=200)],
    document: Annotated[UploadFile, File()],
) -> AuthorityOut:
    """An agent attaches the authority to act for the subject (public; a reviewer approves)."""
    scan = Document.uploaded(document.file, document.content_type,
                             c.settings.authority_max_bytes)  # fmt: skip
    row = c.approvals.add_authority(
        request_id, parse_authority_kind(kind), agent_name, scan, requester(request_id)
    )
    return AuthorityOut.of(row)


# --- staff routes --------------------------------------------------------------------------


@router.get("/{request_id}/candidates", response_model=ReviewOut)
def candidates(request_id: str, c: Deps, _who: Reviewer) -> ReviewOut:
    """The candidates of the request's open review, side by side."""
    return ReviewOut.of(c.subjects.review(request_id))


@router.post("/{request_id}/candidates/{candidate_id}/pick", response_model=SettlementOut)
def pick(
    request_id: str, candidate_id: RowId, body: PickIn, c: Deps, who: Reviewer
) -> SettlementOut:
    """Bind the request to one candidate (re-checked against the estate first)."""
    return SettlementOut.of(c.subjects.pick(request_id, candidate_id, who, body.reason))


@router.post("/{request_id}/settle", response_model=SettlementOut)
def settle(request_id: str, c: Deps, _who: Agent) -> SettlementOut:
    """Resolve the verified identities again (after an approval or a source came back)."""
    return SettlementOut.of(c.subjects.settle(request_id))


@router.get("/{request_id}/authority", response_model=list[AuthorityOut])
def authorities(request_id: str, c: Deps, _who: Reviewer) -> list[AuthorityOut]:
    return [AuthorityOut.of(r) for r in c.approvals.authorities(request_id)]


@router.get("/{request_id}/authority/{authority_id}/document", response_class=Response)
def authority_document(request_id: str, authority_id: RowId, c: Deps, who: Reviewer) -> Response:
    """The authority document itself, decrypted, for the reviewer to read (audited; 500
    TamperedError when its encrypted file fails authentication)."""
    content, content_type = c.approvals.read_document(request_id, authority_id, who)
    return Response(content, media_type=content_type)


@router.post("/{request_id}/authority/{authority_id}/decision", response_model=SettlementOut)
def decide_authority(
    request_id: str, authority_id: RowId, body: DecisionIn, c: Deps, who: Reviewer
) -> SettlementOut:
    """Approve or reject an agent's authority; not by the person who submitted it."""
    settled = c.approvals.decide_authority(
        request_id, authority_id, who, approve=body.approve, note=body.note
    )
    return SettlementOut.of(settled)


@router.post("/{request_id}/staff-checks", status_code=201, response_model=StaffCheckOut)
def record_check(request_id: str, body: StaffCheckIn, c: Deps, who: Agent) -> StaffCheckOut:
    """Record how the identity of a caller or letter writer was checked."""
    identities = [(i.type, i.value) for i in body.identities]
    return StaffCheckOut.of(
        c.approvals.record_check(request_id, body.method, identities, body.note, who)
    )


@router.get("/{request_id}/staff-checks", response_model=list[StaffCheckOut])
def staff_checks(request_id: str, c: Deps, _who: Agent) -> list[StaffCheckOut]:
    return [StaffCheckOut.of(r) for r in c.approvals.checks(request_id)]


@router.post("/{request_id}/staff-checks/{check_id}/decision", response_model=SettlementOut)
def decide_check(
    request_id: str, check_id: RowId, body: DecisionIn, c: Deps, who: Reviewer
) -> SettlementOut:
    """A second staff member approves or rejects a recorded identity check."""
    settled = c.approvals.decide_check(
        request_id, check_id, who, approve=body.approve, note=body.note
    )
    return SettlementOut.of(settled)
