"""Console pages of one package: its review for a reviewer (counts, categories, the gate's
findings, a sample), approval and delivery, a hand-over another way, rows left out to protect
others, and sending it back. Every action needs a role and is audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from rightful.domain.delivery import HandOver
from rightful.domain.errors import (
    AuthenticationError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from rightful.domain.exclusions import exclusion
from rightful.domain.lifecycle import Role
from rightful.domain.messaging import DeliveryError
from rightful.entrypoints.web.console import (
    Again,
    act,
    console_page,
    current,
    denied,
    flash_of,
    shown_again,
)
from rightful.entrypoints.web.form_fields import Csrf, Reason, Word
from rightful.entrypoints.web.pages import container, services
from rightful.services.delivery import LinkWaits
from rightful.services.staff_auth import ConsoleSession

router = APIRouter(prefix="/console", include_in_schema=False)
Name = Annotated[str, Form(max_length=200)]

HAND_OVER_WAYS = [(HandOver.POST.value, "by post"), (HandOver.IN_PERSON.value, "in person"),
                  (HandOver.OTHER.value, "another way (say which in the note)")]  # fmt: skip


@router.get("/packages/{package_id}", response_class=HTMLResponse)
def package(request: Request, package_id: str, flash: str = "") -> Response:
    """Counts, categories, the gate's findings and a sample of items, for a reviewer."""
    try:
        me = current(request, Role.REVIEWER)
        done, error = flash_of(request, flash)
        return _package_page(request, me, package_id, done=done, error=error)
    except (AuthenticationError, PermissionDeniedError, NotFoundError) as exc:
        return denied(request, exc)


def _package_page(
    request: Request, me: ConsoleSession, package_id: str, *, done: str = "", error: str = "",
    typed: dict[str, str] | None = None, status: int = 200,
) -> Response:  # fmt: skip
    c = container(request)
    review = c.package_review.review(package_id[:64], me.principal)
    context = {"view": review.as_json(), "done": done, "error": error,
               "left_out": c.exclusions.of(review.package.request_id),
               "hand_over_ways": HAND_OVER_WAYS, "typed": typed or {}}  # fmt: skip
    return console_page(request, "console/package.html", me, context, status)


def _package_again(request: Request, package_id: str, form: str, **typed: str) -> Again:
    """The package's page with the error and `form` holding what was typed."""

    def page(me: ConsoleSession, error: str, kept: dict[str, str], status: int) -> Response:
        return _package_page(request, me, package_id, error=error, typed=kept, status=status)

    return shown_again(request, page, form, **typed)


@router.post("/packages/{package_id}/approve", response_class=HTMLResponse)
def approve(request: Request, package_id: str, csrf: Csrf = "") -> Response:
    """Approve (binding the manifest hash), then send the link to the verified requester."""
    c, web = container(request), services(request)

    def action(me: ConsoleSession) -> str:
        approved = c.package_review.approve(package_id, me.principal)
        try:
            sent = web.delivery.deliver(approved.request_id, approved.id, me.principal)
        except DeliveryError as exc:
            raise DeliveryError(
                f"Approved, but no link went out: {exc}. Send it once the mail service works."
            ) from None
        if isinstance(sent, LinkWaits):
            return f"Approved; {sent.reason}."
        return "Approved; the download link went to the requester's verified address."

    return act(request, csrf, Role.REVIEWER, f"/console/packages/{package_id}", action)


@router.post("/packages/{package_id}/deliver", response_class=HTMLResponse)
def deliver(request: Request, package_id: str, csrf: Csrf = "") -> Response:
    """Send a new link for an approved package (e.g. after the first one expired)."""
    c, web = container(request), services(request)

    def action(me: ConsoleSession) -> str:
        found = c.packages.get(package_id)
        sent = web.delivery.deliver(found.request_id, found.id, me.principal)
        if isinstance(sent, LinkWaits):
            return f"No link went out yet: {sent.reason}."
        return "A new download link went to the requester's verified address."

    return act(request, csrf, Role.REVIEWER, f"/console/packages/{package_id}", action)


@router.post("/packages/{package_id}/handed-over", response_class=HTMLResponse)
def handed_over(
    request: Request, package_id: str, csrf: Csrf = "", how: Word = "", note: Reason = ""
) -> Response:
    """Record that the package was given to the requester another way than a link."""
    c, web = container(request), services(request)

    def action(me: ConsoleSession) -> str:
        found = c.packages.get(package_id)
        if how not in dict(HAND_OVER_WAYS):
            raise InvalidInputError("choose how the package was handed over")
        web.delivery.hand_over(found.request_id, found.id, HandOver(how), note, me.principal)
        return "Recorded: the package was handed over; the request is delivered."

    again = _package_again(request, package_id, "hand-over", how=how, note=note)
    return act(request, csrf, Role.REVIEWER, f"/console/packages/{package_id}", action, again)


@router.post("/packages/{package_id}/left-out", response_class=HTMLResponse)
def leave_out(
    request: Request, package_id: str, csrf: Csrf = "", collection: Name = "", key: Reason = "",
    field: Name = "", reason: Reason = "",
) -> Response:  # fmt: skip
    """Leave a row, or one field of it, out to protect others (Art. 15(4)); it goes back."""
    c = container(request)

    def action(me: ConsoleSession) -> str:
        wanted = exclusion(collection, key.split(), field or None, reason, c.datamap)
        made = c.exclusions.leave_out(package_id, wanted, me.principal)
        return (f"Left out; the package went back. Build it again from request "
                f"{made.request_id[:8]}.")  # fmt: skip

    again = _package_again(request, package_id, "leave-out", collection=collection, key=key,
                           field=field, reason=reason)  # fmt: skip
    return act(request, csrf, Role.REVIEWER, f"/console/packages/{package_id}", action, again)


@router.post("/packages/{package_id}/put-back/{exclusion_id}", response_class=HTMLResponse)
def put_back(request: Request, package_id: str, exclusion_id: str, csrf: Csrf = "") -> Response:
    c = container(request)

    def action(me: ConsoleSession) -> str:
        package = c.packages.get(package_id[:64])
        c.exclusions.take_back(exclusion_id[:64], me.principal, request_id=package.request_id)
        return "Put back; build the package again to include it."

    return act(request, csrf, Role.REVIEWER, f"/console/packages/{package_id}", action)


@router.post("/packages/{package_id}/send-back", response_class=HTMLResponse)
def send_back(request: Request, package_id: str, csrf: Csrf = "", reason: Reason = "") -> Response:
    c = container(request)

    def action(me: ConsoleSession) -> str:
        c.package_review.send_back(package_id, me.principal, reason)
        return "Sent back to be collected again."

    again = _package_again(request, package_id, "send-back", reason=reason)
    return act(request, csrf, Role.REVIEWER, f"/console/packages/{package_id}", action, again)
