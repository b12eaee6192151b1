"""Where a subject's records are, by their newest package: what a rectification checks the data
map's other places against (REQUIREMENTS.md:25), so that a place holding none of the subject's
records is not left open. Packages of any request bound to the same subject count: they share
the subject's pseudonym."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from rightful.adapters.db import verification_repo as repo
from rightful.adapters.db.packages import ExclusionRow, PackageRow
from rightful.domain.packages import PackageStatus
from rightful.domain.rectification import SubjectRecords
from rightful.services.package_keys import pseudonym_key, subject_pseudonym
from rightful.settings import Settings


def subject_records(session: Session, request_id: str, settings: Settings) -> SubjectRecords | None:
    """The collections the newest built package of the request's subject found records in, or
    may have (withheld for a step-up, rows a reviewer left out); None where the request is bound
    to no subject or no package of theirs was built."""
    bound = repo.binding(session, request_id)
    if bound is None or session.scalar(select(PackageRow.id).limit(1)) is None:
        return None
    pseudonym = subject_pseudonym(pseudonym_key(settings), repo.subject_of(bound))
    package = session.scalars(
        select(PackageRow)
        .where(PackageRow.subject_pseudonym == pseudonym, PackageRow.built_at.is_not(None),
               PackageRow.status != PackageStatus.FAILED.value)
        .order_by(PackageRow.built_at.desc())
        .limit(1)
    ).first()  # fmt: skip
    if package is None or package.built_at is None:
        return None
    left_out = session.scalars(
        select(ExclusionRow.collection).where(ExclusionRow.request_id == package.request_id)
    )
    held = {*package.counts_by_collection, *(w["collection"] for w in package.withheld), *left_out}
    return SubjectRecords(package.id, package.built_at.date().isoformat(), frozenset(held))
