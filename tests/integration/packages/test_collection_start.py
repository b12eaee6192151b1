"""A verified request moves on by itself: an access or portability request is collected and its
package built as soon as it is bound to its subject (REQUIREMENTS: respond without undue delay,
Art. 12(3)), and nobody can skip the step that records it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from rightful.adapters.queue.package_jobs import InlinePackageJobs
from rightful.demo.story import hearthly
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.errors import ConflictError
from rightful.domain.identities import Identity, IdentityType
from rightful.domain.intake import NewRequest
from rightful.domain.lifecycle import Status
from rightful.domain.requests import ANSWERED_WITH_PACKAGE, RequestType
from rightful.domain.subjects import StaffCheckMethod
from rightful.domain.verification import Factor
from rightful.services.build_heartbeat import STALE_BUILD
from rightful.services.identity_set import Proof, record_proof
from rightful.services.packaging import BUILD_ATTEMPTS
from rightful.services.request_queries import transitions

from .world import AGENT, PUBLIC, REVIEWER, World, make_world


@pytest.fixture
def auto(tmp_path: Path) -> Iterator[World]:
    """Hearthly with the default: collection starts when a request is verified."""
    w = make_world(f"sqlite:///{tmp_path}/rightful.db", tmp_path, hearthly(),
                   collect_when_verified=True)  # fmt: skip
    yield w
    w.c.store.engine.dispose()


def verified(
    world: World, customer_id: int, kind: RequestType = RequestType.ACCESS, *, wait: bool = True
) -> str:
    """A request of `kind` submitted and verified by the customer's signed-in account (and,
    with `wait`, whatever build that started has ended)."""
    demo = world.estate.demo
    assert demo is not None
    email = demo.customer(customer_id).email
    rid = world.c.requests.submit(NewRequest(kind, Jurisdiction.GDPR, email=email), PUBLIC).id
    proof = Proof(Identity(IdentityType.CUSTOMER_ID, str(customer_id)), Factor.ACCOUNT_ASSERTION,
                  f"test-{rid[:8]}", world.clock.now())  # fmt: skip
    with world.c.store.transaction() as session:
        record_proof(session, world.c.audit, rid, proof, PUBLIC)
    settled = world.c.subjects.settle(rid)
    assert settled.outcome == "bound" and settled.status is Status.VERIFIED
    if wait:
        drained(world)
    return rid


def drained(world: World) -> None:
    """Wait for the builds verification started (they run on the process's build thread)."""
    jobs = world.c.package_jobs
    assert isinstance(jobs, InlinePackageJobs)
    jobs.drain()


def moves(world: World, request_id: str) -> list[tuple[str, str, str]]:
    """(from, to, who) of every recorded move of the request."""
    return [(t.source, t.target, t.actor) for t in transitions(world.c.store, request_id)]


def test_a_verified_access_request_is_collected_and_built_without_anyone_asking(
    auto: World,
) -> None:
    """Binding the subject is enough: the request is collected by the system, gated, and waits
    for a reviewer; the move into collecting is recorded like any other."""
    rid = verified(auto, 1)
    assert auto.status(rid) is Status.IN_REVIEW
    package = auto.c.packages.current(rid)
    assert package.status == "ready" and package.item_count > 0
    assert ("verified", "collecting", "system") in moves(auto, rid)
    assert "package.built" in auto.actions(rid)


def test_the_requester_is_answered_before_the_build_ends(
    auto: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build runs on the process's build thread: confirming the code returns while it is
    still going, and it ends on its own."""
    release, real = threading.Event(), auto.c.package_jobs._run  # type: ignore[union-attr]

    def slow(request_id: str) -> dict[str, Any]:
        release.wait(30)
        return real(request_id)

    monkeypatch.setattr(auto.c.package_jobs, "_run", slow)
    rid = verified(auto, 1, wait=False)
    assert auto.status(rid) is Status.VERIFIED
    release.set()
    drained(auto)
    assert auto.status(rid) is Status.IN_REVIEW


def test_a_portability_request_is_collected_too_but_an_erasure_waits_for_staff(
    auto: World,
) -> None:
    """Only requests answered with a copy of the data are built on their own."""
    portable = verified(auto, 2, RequestType.PORTABILITY)
    erasure = verified(auto, 3, RequestType.ERASURE)
    assert auto.status(portable) is Status.IN_REVIEW
    assert auto.status(erasure) is Status.VERIFIED
    assert auto.c.packages.for_request(erasure) == []


@pytest.mark.parametrize("kind", sorted(set(RequestType) - ANSWERED_WITH_PACKAGE))
def test_staff_cannot_build_a_package_for_a_request_that_asked_for_no_copy(
    world: World, kind: RequestType
) -> None:
    """A copy of the data answers access and portability (Art. 15, 20) only. A package built
    by hand for an erasure would disclose the data on the proof asked for its deletion (a CCPA
    deletion waiting for more proof, §7061(b), §7062(d), included) and close it undone."""
    rid = verified(world, 1, kind)
    with pytest.raises(ConflictError, match=f"access or portability, not one for {kind.value}"):
        world.c.packages.build(rid, AGENT)
    assert world.c.packages.for_request(rid) == [] and world.status(rid) is Status.VERIFIED


def test_left_to_staff_a_verified_request_waits_and_its_first_build_starts_collecting(
    world: World,
) -> None:
    """With `collect_when_verified` off, nothing happens until staff build; that build moves the
    request into collecting under their name, then on to review."""
    rid = verified(world, 1)
    assert world.status(rid) is Status.VERIFIED and world.c.packages.for_request(rid) == []
    package = world.c.packages.build(rid, AGENT)
    assert package.status == "ready" and world.status(rid) is Status.IN_REVIEW
    assert ("verified", "collecting", AGENT.id) in moves(world, rid)


def test_a_package_is_built_only_for_a_verified_or_collecting_request(world: World) -> None:
    """A request already in review is not built again behind the reviewer's back."""
    rid = verified(world, 1)
    world.c.packages.build(rid, AGENT)
    with pytest.raises(ConflictError, match="verified or collecting request, not in_review"):
        world.c.packages.build(rid, AGENT)


def test_a_build_that_fails_to_start_never_undoes_the_verification(
    auto: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The requester's verification stands whatever the build does; the failure is logged by
    request id and error type only (no personal data), and the request waits to be built."""

    def broken(request_id: str) -> dict[str, Any]:
        raise OSError("the blob store is not mounted: /srv/recordings/anna@example.com")

    monkeypatch.setattr(auto.c.package_jobs, "_run", broken)
    with caplog.at_level(logging.WARNING):
        rid = verified(auto, 1)
    assert auto.status(rid) is Status.VERIFIED
    logged = [r.getMessage() for r in caplog.records if "package build" in r.getMessage()]
    assert logged == [f"package build for request {rid} failed (OSError)"]


def test_the_daily_job_starts_verified_requests_left_waiting(world: World) -> None:
    """Requests verified while collection was left to staff (or whose build could not be
    queued) are started by the daily job; requests past that step are left alone."""
    waiting, erasure = verified(world, 1), verified(world, 3, RequestType.ERASURE)
    built = verified(world, 2)
    world.c.packages.build(built, AGENT)
    assert world.c.start_waiting_collections() == 1
    drained(world)
    assert world.status(waiting) is Status.IN_REVIEW
    assert world.status(erasure) is Status.VERIFIED
    assert len(world.c.packages.for_request(built)) == 1


def crashed_build(world: World, request_id: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A build whose process ends mid-way: its package stays `building`, as nothing is left
    to record that it failed."""
    packages = world.c.packages

    def killed(*args: Any) -> Any:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(packages, "_write", killed)
        patch.setattr(packages, "_fail", lambda *args: None)
        with pytest.raises(KeyboardInterrupt):
            packages.build(request_id, AGENT)


def test_the_daily_job_builds_again_a_build_whose_process_ended(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build lost with its process (a server restarted mid-build) is left alone while it
    could still be running elsewhere (its heartbeat is younger than `build_lost_after_seconds`,
    five minutes), then built again, minutes after it stopped rather than hours: the lost
    package is marked failed and the request reaches review (jobs resume, nothing is lost)."""
    rid = verified(world, 1)
    crashed_build(world, rid, monkeypatch)
    lost = world.c.packages.current(rid)
    assert (world.status(rid), lost.status) == (Status.COLLECTING, "building")
    cut_off = timedelta(seconds=world.c.settings.build_lost_after_seconds)
    assert cut_off == timedelta(minutes=5) < STALE_BUILD

    world.clock.advance(cut_off - timedelta(seconds=1))
    assert world.c.start_waiting_collections() == 0
    world.clock.advance(timedelta(seconds=1))
    assert world.c.start_waiting_collections() == 1
    drained(world)
    assert world.status(rid) is Status.IN_REVIEW
    assert world.c.packages.get(lost.id).status == "failed"
    assert world.c.packages.current(rid).status == "ready"


def test_the_daily_job_retries_a_failed_build_but_leaves_a_sent_back_package_to_staff(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build that failed (a source down) is tried again; a package a reviewer sent back
    waits for staff to act on the reason."""
    failed, sent_back = verified(world, 1), verified(world, 2)
    with monkeypatch.context() as patch:
        patch.setattr(world.c.packages, "_write", broken_source)
        with pytest.raises(OSError, match="not mounted"):
            world.c.packages.build(failed, AGENT)
    package = world.c.packages.build(sent_back, AGENT)
    world.c.package_review.send_back(package.id, REVIEWER, "the contact list is missing")
    assert world.status(failed) is world.status(sent_back) is Status.COLLECTING

    assert world.c.start_waiting_collections() == 1
    drained(world)
    assert world.status(failed) is Status.IN_REVIEW
    assert world.status(sent_back) is Status.COLLECTING
    assert world.c.packages.current(sent_back).status == "sent_back"


def test_after_three_failed_builds_in_a_row_the_daily_job_leaves_the_request_to_staff(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A source that stays down is not retried every day until the deadline passes unseen: after
    BUILD_ATTEMPTS failures the request waits for staff, the log says so by id, and a build by
    staff still works."""
    rid = verified(world, 1)
    with monkeypatch.context() as patch:
        patch.setattr(world.c.packages, "_write", broken_source)
        for _ in range(BUILD_ATTEMPTS - 1):
            with pytest.raises(OSError, match="not mounted"):
                world.c.packages.build(rid, AGENT)
        assert world.c.start_waiting_collections() == 1
        drained(world)
        builds = world.c.packages.for_request(rid)
        assert [p.status for p in builds] == ["failed"] * BUILD_ATTEMPTS

        with caplog.at_level(logging.WARNING, logger="rightful.packaging"):
            assert world.c.start_waiting_collections() == 0
    assert f"request {rid}: its last {BUILD_ATTEMPTS} builds failed" in caplog.text
    world.c.packages.build(rid, AGENT)
    assert world.status(rid) is Status.IN_REVIEW


def broken_source(*args: Any) -> Any:
    raise OSError("the recordings' disk is not mounted")


def test_the_daily_job_builds_a_step_up_rebuild_that_never_ran(
    auto: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A step-up sends the request back to collecting, then its build is lost (a broker down,
    a restart): the daily job builds it with what the stronger proof releases."""
    rid = auto.request_for(1, high=False)
    drained(auto)
    monkeypatch.setattr(auto.c.package_jobs, "start", lambda request_id: None)
    prove(auto, rid, Identity(IdentityType.CUSTOMER_ID, "1"), Factor.ACCOUNT_ASSERTION)
    assert auto.status(rid) is Status.COLLECTING
    assert auto.c.packages.current(rid).withheld != []

    monkeypatch.undo()
    assert auto.c.start_waiting_collections() == 1
    drained(auto)
    assert auto.status(rid) is Status.IN_REVIEW
    assert auto.c.packages.current(rid).withheld == []


def prove(world: World, request_id: str, identity: Identity, factor: Factor) -> None:
    """A further proof by the requester, and the request settled with it."""
    proof = Proof(identity, factor, f"more-{request_id[:8]}-{factor.value}", world.clock.now())
    with world.c.store.transaction() as session:
        record_proof(session, world.c.audit, request_id, proof, PUBLIC)
    world.c.subjects.settle(request_id)
    drained(world)


def test_a_step_up_while_in_review_rebuilds_with_what_it_releases(auto: World) -> None:
    """Verified by e-mail only, the requester's recordings are withheld (they need a stronger
    check). Signing in to the account while the package waits for review builds it again with
    them; the weaker package is superseded, and the move back is the system's, with its reason.
    A later proof that releases nothing more builds nothing."""
    rid = auto.request_for(1, high=False)
    drained(auto)
    first = auto.c.packages.current(rid)
    assert auto.status(rid) is Status.IN_REVIEW
    assert "speaker.recordings" in {w["collection"] for w in first.withheld}

    prove(auto, rid, Identity(IdentityType.CUSTOMER_ID, "1"), Factor.ACCOUNT_ASSERTION)
    second = auto.c.packages.current(rid)
    assert second.id != first.id and second.status == "ready" and second.withheld == []
    assert auto.c.packages.get(first.id).status == "superseded"
    assert second.blob_count > 0
    assert ("in_review", "collecting", "system") in moves(auto, rid)

    demo = auto.estate.demo
    assert demo is not None
    prove(auto, rid, Identity(IdentityType.EMAIL, demo.customer(1).email), Factor.EMAIL_CODE)
    assert {p.id for p in auto.c.packages.for_request(rid)} == {second.id, first.id}


def test_a_staff_check_after_binding_is_a_step_up_that_rebuilds_the_package(auto: World) -> None:
    """Where the requester can take no stronger check here (no SMS gateway, no account
    sign-in), staff call back the number on file; once a second staff member approves, the
    package in review is built again with the recordings it withheld."""
    rid = auto.request_for(1, high=False)
    drained(auto)
    first = auto.c.packages.current(rid)
    assert "speaker.recordings" in {w["collection"] for w in first.withheld}

    demo = auto.estate.demo
    assert demo is not None
    check = auto.c.approvals.record_check(rid, StaffCheckMethod.CALLBACK_TO_PHONE_ON_FILE,
                                          [("phone", demo.customer(1).phone)],
                                          "called back the number on file", AGENT)  # fmt: skip
    auto.c.approvals.decide_check(rid, check.id, REVIEWER, approve=True)
    drained(auto)
    second = auto.c.packages.current(rid)
    assert second.id != first.id and second.withheld == [] and second.blob_count > 0
    assert auto.status(rid) is Status.IN_REVIEW


def test_a_step_up_after_approval_changes_nothing(auto: World) -> None:
    """Once a reviewer approved what goes out, a further proof does not pull it back."""
    rid = auto.request_for(1, high=False)
    drained(auto)
    package = auto.c.packages.current(rid)
    auto.c.package_review.approve(package.id, REVIEWER)
    prove(auto, rid, Identity(IdentityType.CUSTOMER_ID, "1"), Factor.ACCOUNT_ASSERTION)
    assert auto.status(rid) is Status.APPROVED
    assert [p.id for p in auto.c.packages.for_request(rid)] == [package.id]


def test_whatever_goes_wrong_after_a_proof_the_proof_stands(
    auto: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Handing a settled request on may fail (a reviewer's change racing it, a store error):
    the requester's proof is kept and answered as usual; the failure is logged by id and type."""
    rid = auto.request_for(1, high=False)
    drained(auto)

    def racing(request_id: str) -> bool:
        raise RuntimeError("the request changed meanwhile")

    monkeypatch.setattr(auto.c.packages, "reopen_after_step_up", racing)
    with caplog.at_level(logging.WARNING):
        prove(auto, rid, Identity(IdentityType.CUSTOMER_ID, "1"), Factor.ACCOUNT_ASSERTION)
    assert auto.c.verification.progress(rid).assurance.value == "high"
    assert auto.status(rid) is Status.IN_REVIEW
    assert f"request {rid} was not handed on (RuntimeError)" in caplog.messages
