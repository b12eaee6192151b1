"""How many requests one network address may submit, counted by the `limits` library over a
moving hour: in this process's memory, or in Redis to share the count between processes."""

from __future__ import annotations

import time

from limits import RateLimitItemPerHour
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from rightful.domain.errors import TooManySubmissionsError


class SubmissionThrottle:
    """`per_hour` submissions per address (0: no limit); check() counts one or refuses it."""

    def __init__(self, per_hour: int, storage: str = "memory://") -> None:
        self._limit = RateLimitItemPerHour(per_hour) if per_hour > 0 else None
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage))

    def check(self, address: str | None) -> None:
        """Count a submission from `address`; TooManySubmissionsError when over the limit."""
        if self._limit is None or not address:
            return
        if not self._limiter.hit(self._limit, "submission", address):
            stats = self._limiter.get_window_stats(self._limit, "submission", address)
            raise TooManySubmissionsError(max(1, int(stats.reset_time - time.time())))
