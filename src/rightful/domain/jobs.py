"""A collection run as a job: its input, its outcome, and the queue port that runs it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from rightful.domain.errors import InvalidInputError
from rightful.domain.identities import Identity, IdentityType
from rightful.domain.provenance import SubjectKey
from rightful.domain.sensitivity import Sensitivity

JOB_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class JobFailedError(RuntimeError):
    """A queued job failed unexpectedly. It stands in for the job's own error in worker logs and
    the result backend: its message names ids and the error's type, never what the error
    quoted (a source's error may quote the data it was reading)."""


@dataclass(frozen=True)
class CollectionJob:
    """Collect one subject's records from the verified identities; the output is named by job_id."""

    job_id: str
    datamap_files: tuple[str, ...]
    identities: tuple[Identity, ...]
    subject: SubjectKey
    max_sensitivity: Sensitivity | None = None

    def __post_init__(self) -> None:
        if not JOB_ID.match(self.job_id):
            raise InvalidInputError("job id: 1-64 letters, digits, '-' or '_'")
        if not self.identities:
            raise InvalidInputError("a collection job needs at least one verified identity")

    def to_primitive(self) -> dict[str, Any]:
        """A JSON-ready form, for a queue message."""
        return {
            "job_id": self.job_id,
            "datamap_files": list(self.datamap_files),
            "identities": [{"type": i.type.value, "value": i.value} for i in self.identities],
            "subject": {"collection": self.subject.collection, "value": self.subject.value},
            "max_sensitivity": self.max_sensitivity.value if self.max_sensitivity else None,
        }

    @classmethod
    def from_primitive(cls, data: dict[str, Any]) -> CollectionJob:
        """The job back from its JSON-ready form (identities were normalised when verified)."""
        level = data.get("max_sensitivity")
        return cls(
            job_id=str(data["job_id"]),
            datamap_files=tuple(str(p) for p in data["datamap_files"]),
            identities=tuple(
                Identity(IdentityType(i["type"]), str(i["value"])) for i in data["identities"]
            ),
            subject=SubjectKey(str(data["subject"]["collection"]), data["subject"]["value"]),
            max_sensitivity=Sensitivity(level) if level else None,
        )


@dataclass(frozen=True)
class JobOutcome:
    """Where a finished job's records are, counts per collection, and what waits for step-up."""

    job_id: str
    records_path: str
    records: int
    sha256: str
    counts: dict[str, int] = field(default_factory=dict)
    withheld: tuple[str, ...] = ()

    def to_primitive(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "records_path": self.records_path,
            "records": self.records,
            "sha256": self.sha256,
            "counts": dict(self.counts),
            "withheld": list(self.withheld),
        }

    @classmethod
    def from_primitive(cls, data: dict[str, Any]) -> JobOutcome:
        return cls(
            str(data["job_id"]),
            str(data["records_path"]),
            int(data["records"]),
            str(data["sha256"]),
            {str(k): int(v) for k, v in data["counts"].items()},
            tuple(str(w) for w in data["withheld"]),
        )


class JobQueue(Protocol):
    """Runs collection jobs: in-process, or on workers through a broker.

    `submit` returns once the job is accepted (inline: once it has run); re-submitting a job id
    that already ran returns the same outcome without collecting again. `wait` raises
    TimeoutError when the outcome is not there within `timeout` seconds, and re-raises the
    job's own error when it failed.
    """

    def submit(self, job: CollectionJob) -> None: ...

    def wait(self, job_id: str, timeout: float) -> JobOutcome: ...
