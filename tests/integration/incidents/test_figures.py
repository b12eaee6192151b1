"""The metrics of an incident's people: those a sent communication has not told, and those of
them past their own due time (REQUIREMENTS.md:30, Art. 34(1): without undue delay), as the
incident job reminds the DPO of them; the packages it froze are counted by status."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from .conftest import ANNA, CARL, DPO, Response, make_response
from .test_people_added_later import _breach_of

TOKEN = "metrics-" + "k" * 40


@pytest.fixture
def metered(tmp_path: Path) -> Iterator[Response]:
    r = make_response(f"sqlite:///{tmp_path}/rightful.db", tmp_path, metrics_token=TOKEN)
    yield r
    r.c.store.engine.dispose()


def figures(r: Response, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    response = r.client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    return {tuple(sorted(s.labels.items())): s.value
            for family in text_string_to_metric_families(response.text)
            for s in family.samples if s.name == name}  # fmt: skip


def test_people_a_sent_notice_has_not_told_are_counted_and_then_counted_overdue(
    metered: Response,
) -> None:
    incident_id, nid = _breach_of(metered, ANNA)
    incidents, clock = metered.c.incidents, metered.world.clock
    incidents.notices.send(nid, DPO)
    gdpr = (("regime", "gdpr"),)
    assert figures(metered, "rightful_incident_people_untold")[gdpr] == 0
    clock.advance(timedelta(days=4))
    incidents.contain_more(incident_id, DPO, (metered.deliver_verified(CARL).package_id,))
    added = len(incidents.rescope(incident_id, DPO).subjects) - 1
    assert added > 0
    assert figures(metered, "rightful_incident_people_untold")[gdpr] == added
    assert figures(metered, "rightful_incident_people_untold_overdue")[gdpr] == 0
    clock.advance(timedelta(hours=73))
    assert figures(metered, "rightful_incident_people_untold_overdue")[gdpr] == added
    assert figures(metered, "rightful_packages")[(("status", "frozen"),)] == 2
    incidents.notices.send(nid, DPO)  # told: nobody left
    assert figures(metered, "rightful_incident_people_untold")[gdpr] == 0
