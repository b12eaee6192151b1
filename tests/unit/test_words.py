"""Messages people read are grammatical: the right article before a status, and a move to where
something already is said as such."""

from __future__ import annotations

import pytest

from rightful.domain.errors import ConflictError
from rightful.domain.incidents import IncidentStatus, check_incident_move
from rightful.domain.packages import PackageStatus, check_package_move
from rightful.domain.words import counted, with_article


def test_a_package_moved_where_it_already_is_says_so() -> None:
    """Approving an approved package: 'the package is already approved'."""
    with pytest.raises(ConflictError, match=r"^the package is already approved$"):
        check_package_move(PackageStatus.APPROVED, PackageStatus.APPROVED)


@pytest.mark.parametrize(
    ("current", "target", "said"),
    [
        (PackageStatus.APPROVED, PackageStatus.READY, "an approved package cannot become ready"),
        (PackageStatus.READY, PackageStatus.DELIVERED, "a ready package cannot become delivered"),
        (PackageStatus.SENT_BACK, PackageStatus.APPROVED, "a sent back package cannot become "),
    ],
)
def test_a_refused_package_move_takes_the_right_article(
    current: PackageStatus, target: PackageStatus, said: str
) -> None:
    with pytest.raises(ConflictError, match=f"^{said}"):
        check_package_move(current, target)


def test_incident_moves_read_the_same_way() -> None:
    with pytest.raises(ConflictError, match=r"^the incident is already open$"):
        check_incident_move(IncidentStatus.OPEN, IncidentStatus.OPEN)
    with pytest.raises(ConflictError, match=r"^an open incident cannot become notified$"):
        check_incident_move(IncidentStatus.OPEN, IncidentStatus.NOTIFIED)


def test_articles() -> None:
    assert with_article("expired") == "an expired"
    assert with_article("awaiting_verification") == "an awaiting verification"
    assert with_article("closed") == "a closed"


def test_a_count_of_one_is_singular() -> None:
    assert counted(1, "checkpoint", "checkpoints") == "1 checkpoint"
    assert counted(0, "entry", "entries") == "0 entries"
    assert counted(2, "entry", "entries") == "2 entries"
