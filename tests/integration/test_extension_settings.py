"""An extension is a decision of its day: a later change of settings cannot undo it.

REQUIREMENTS.md:8 (Art. 12(3)): one extension, told within the first month. Whether it was in
time is checked when it is granted; the deadline is computed again at every move, with the
settings of that moment, and a new time zone that ends the first month hours earlier made every
later move of an extended request fail ("an extension must be decided while the first period
runs"): the request could no longer be answered, cancelled or closed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from rightful.domain.clock import FixedClock
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.intake import NewRequest
from rightful.domain.lifecycle import Role, Status
from rightful.domain.requests import RequestType
from rightful.domain.staff import Principal

from .conftest import make_container

DPO = Principal("key:dpo", Role.DPO)
RECEIVED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # due by the end of 2 April in Berlin


def test_an_extension_granted_late_on_the_last_day_survives_a_change_of_time_zone(
    store_url: str, tmp_path: Path
) -> None:
    clock = FixedClock(RECEIVED)
    berlin = make_container(store_url, tmp_path, clock, timezone="Europe/Berlin")
    rid = berlin.requests.submit(
        NewRequest(RequestType.ACCESS, Jurisdiction.GDPR, email="ada@example.com"),
        Principal("public", None),
    ).id
    clock.set(datetime(2026, 4, 2, 20, 0, tzinfo=UTC))  # 22:00 in Berlin, the last day
    extended = berlin.requests.extend(rid, DPO, reason="Many systems to search.", months=2)
    assert extended.respond_by.date().isoformat() == "2026-06-02"
    berlin.store.engine.dispose()

    # In Tokyo the first month ended at 15:00 UTC on 2 April, before the extension was granted.
    tokyo = make_container(store_url, tmp_path, clock, timezone="Asia/Tokyo")
    clock.advance(timedelta(days=1))
    cancelled = tokyo.requests.cancel(rid, DPO, "The requester withdrew by telephone.")
    assert Status(cancelled.status) is Status.CANCELLED
    tokyo.store.engine.dispose()
