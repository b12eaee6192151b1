"""Times read from sources: what is no instant makes a window not hold, never a crash
(docs/collection.md: a value that is not a timestamp means the reference does not hold)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rightful.domain.provenance import check_window, to_instant


@pytest.mark.parametrize(
    "value",
    [1_657_000_000_000_000, float("nan"), float("inf"), -(10**20), "not a time", object()],
)
def test_what_is_no_instant_is_none(value: object) -> None:
    """Epoch milliseconds in a seconds column gave 'year 53385 is out of range'."""
    assert to_instant(value) is None


def test_a_window_with_such_a_time_does_not_hold() -> None:
    start = datetime(2022, 1, 1, tzinfo=UTC)
    assert check_window(start, None, 1_657_000_000_000_000) is None
    assert check_window(start, None, datetime(2023, 1, 1, tzinfo=UTC)) is not None
