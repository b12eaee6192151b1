"""OpenDSR (formerly OpenGDPR) endpoints: another system posts a request, reads its status and
cancels it while pending. Every answer is signed (`X-OpenDSR-Signature`, Ed25519 over the exact
body) with the key whose certificate `/opendsr/certificate` serves."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rightful.bootstrap import Container
from rightful.domain import opendsr as spec
from rightful.domain.lifecycle import Role, Status
from rightful.domain.staff import Principal
from rightful.entrypoints.api.deps import container, require
from rightful.services.opendsr import Received

router = APIRouter(prefix="/opendsr", tags=["opendsr"])
Agent = Annotated[Principal, Depends(require(Role.AGENT))]
Deps = Annotated[Container, Depends(container)]
SIGNATURE = "X-OpenDSR-Signature"


class Lenient(BaseModel):
    """OpenDSR senders may add fields of later versions or their own: they are ignored."""

    model_config = ConfigDict(extra="ignore")


class SubjectIdentityIn(Lenient):
    identity_type: str = Field(max_length=64)
    identity_value: str = Field(max_length=320)
    identity_format: str = Field(default="raw", max_length=16)


class OpenDsrIn(Lenient):
    subject_request_id: str = Field(max_length=64)
    subject_request_type: str = Field(max_length=32, description="access, portability, erasure")
    subject_identities: list[SubjectIdentityIn] = Field(min_length=1, max_length=20)
    submitted_time: datetime
    regulation: str = Field(default="gdpr", max_length=16, description="gdpr, uk_gdpr, ccpa")
    api_version: str | None = Field(default=None, max_length=16)
    status_callback_urls: list[str] = Field(
        default_factory=list,
        max_length=10,
        description="accepted and counted, not called: poll GET /opendsr/requests/{id}",
    )


@router.get("/discovery")
def discovery(request: Request) -> Response:
    """What this endpoint supports (public)."""
    base = str(request.base_url).rstrip("/")
    return _signed(request, {
        "api_version": spec.API_VERSION,
        "supported_identities": [
            {"identity_type": name, "identity_format": "raw"} for name in spec.IDENTITY_TYPES
        ],
        "supported_subject_request_types": list(spec.REQUEST_TYPES),
        "supported_regulations": list(spec.REGULATIONS),
        "processor_certificate": f"{base}/opendsr/certificate",
    })  # fmt: skip


@router.get("/certificate", response_class=PlainTextResponse)
def certificate(c: Deps) -> str:
    """The X.509 certificate (PEM) whose key signs every OpenDSR answer (public)."""
    return c.opendsr.certificate_pem()


@router.post("/requests", status_code=201)
def submit(body: OpenDsrIn, c: Deps, who: Agent, request: Request) -> Response:
    """Take a request in (a staff API key of the sending system, role agent). Posting the same
    `subject_request_id` again answers 200 with the request it already became."""
    identities = [
        spec.SubjectIdentity(i.identity_type, i.identity_value, i.identity_format)
        for i in body.subject_identities
    ]
    submission = spec.parse_submission(
        body.subject_request_id, body.subject_request_type, identities, body.submitted_time,
        body.regulation,
    )  # fmt: skip
    received = c.opendsr.submit(submission, who, callback_urls=len(body.status_callback_urls))
    answer = {**_about(c, received), "received_time": received.link.received_at.isoformat()}
    return _signed(request, answer, 201 if received.created else 200)


@router.get("/requests/{subject_request_id}")
def status(subject_request_id: str, c: Deps, who: Agent, request: Request) -> Response:
    """Where the request stands: pending, in_progress, completed or cancelled. There is no
    `results_url`: the data goes to the verified person only, never to a bearer link."""
    return _signed(request, _about(c, c.opendsr.get(subject_request_id[:64], who)))


@router.delete("/requests/{subject_request_id}")
def cancel(subject_request_id: str, c: Deps, who: Agent, request: Request) -> Response:
    """Cancel while pending; once the person is verified it is theirs to cancel (409)."""
    return _signed(request, _about(c, c.opendsr.cancel(subject_request_id[:64], who)))


def _about(c: Container, received: Received) -> dict[str, Any]:
    row = received.request
    return {
        "api_version": spec.API_VERSION,
        "controller_id": c.opendsr.controller,
        "subject_request_id": received.link.subject_request_id,
        "request_status": spec.request_status(Status(row.status)),
        "expected_completion_time": row.respond_by.isoformat(),
        "results_url": None,
        "results_count": None,
    }


def _signed(request: Request, answer: dict[str, Any], status: int = 200) -> Response:
    body = json.dumps(answer, separators=(",", ":"), sort_keys=True).encode()
    signature = container(request).opendsr.sign(body)
    return Response(body, status, {SIGNATURE: signature}, media_type="application/json")


class SignedAnswers:
    """Signs what the routes above did not: the refusals (401, 404, 409, 413, 422, 500) that
    error handlers and outer layers write, so that every OpenDSR answer carries its signature."""

    def __init__(self, app: ASGIApp, sign: Callable[[bytes], str]) -> None:
        self.app, self.sign = app, sign

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope.get("path", "").startswith("/opendsr/"):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body = bytearray()

        async def held(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] == "http.response.body" and start is not None:
                body.extend(message.get("body", b""))
                if message.get("more_body"):
                    return
                headers = list(start.get("headers", []))
                if not any(k.lower() == SIGNATURE.lower().encode() for k, _ in headers):
                    headers.append((SIGNATURE.lower().encode(), self.sign(bytes(body)).encode()))
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": bytes(body)})
                return
            await send(message)

        await self.app(scope, receive, held)
