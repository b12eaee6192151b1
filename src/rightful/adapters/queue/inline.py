"""InlineJobQueue: runs each job in the calling process, at once (the default backend)."""

from __future__ import annotations

from collections.abc import Callable

from rightful.domain.jobs import CollectionJob, JobOutcome


class InlineJobQueue:
    """submit() runs the job before returning; wait() hands back its outcome or its error."""

    def __init__(self, run: Callable[[CollectionJob], JobOutcome]) -> None:
        self._run = run
        self._outcomes: dict[str, JobOutcome | BaseException] = {}

    def submit(self, job: CollectionJob) -> None:
        """Run the job now; a failure is kept for wait() to raise."""
        try:
            self._outcomes[job.job_id] = self._run(job)
        except Exception as exc:  # kept and re-raised by wait(), as a worker's failure would be
            self._outcomes[job.job_id] = exc

    def wait(self, job_id: str, timeout: float) -> JobOutcome:
        """The outcome of a submitted job (timeout is moot: the job already ran)."""
        if job_id not in self._outcomes:
            raise TimeoutError("no such job was submitted")
        outcome = self._outcomes[job_id]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome
