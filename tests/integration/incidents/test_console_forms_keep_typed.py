"""An incident form of the console the service turns down comes back with its error and what
staff typed (status 4xx, the same page, no redirect): the facts of a report from outside with
the reporter's address, a justification, a remedial action. Nothing of it goes into a URL."""

from __future__ import annotations

import html

from rightful.domain.lifecycle import Role

from .conftest import Response
from .test_api_and_console import _csrf, _open_by_api, _signed_in

STORY = "A customer's partner phoned: the package held recordings of someone else."


def test_a_report_naming_an_unknown_request_comes_back_as_typed(wrong_map: Response) -> None:
    agent = _signed_in(wrong_map, "ada", Role.AGENT)
    page = agent.get("/console/incidents/new")
    form = {"csrf": _csrf(page.text), "kind": "misdelivery", "description": STORY,
            "request_id": "no-such-request", "outside": "subject", "nature": "",
            "contact_email": "partner@example.org", "organisation": "Hearthly & Co"}  # fmt: skip
    back = agent.post("/console/incidents", data=form, follow_redirects=False)
    assert back.status_code == 404 and "location" not in back.headers
    text = html.unescape(back.text)
    assert "no request no-such-request" in text
    assert f'aria-describedby="h-description">{STORY}</textarea>' in text
    assert 'name="contact_email" type="email" maxlength="320" value="partner@example.org"' in text
    assert 'value="Hearthly & Co"' in text and 'value="no-such-request"' in text
    assert '<option value="subject" selected>subject</option>' in text
    assert wrong_map.c.incidents.register.rows() == []


def test_an_override_without_enough_justification_keeps_the_words_and_choices(
    wrong_map: Response,
) -> None:
    opened = _open_by_api(wrong_map)
    dpo = _signed_in(wrong_map, "dana", Role.DPO)
    path = f"/console/incidents/{opened['id']}"
    page = dpo.get(path)
    form = {"csrf": _csrf(page.text), "level": "low", "justification": "Encrypted.",
            "authority": "no", "subjects": "yes"}  # fmt: skip
    back = dpo.post(f"{path}/override", data=form, follow_redirects=False)
    assert back.status_code == 422 and "an override needs a justification" in back.text
    assert 'maxlength="8000">Encrypted.</textarea>' in back.text
    assert '<option value="low" selected>low</option>' in back.text
    assert '<option value="no" selected>no</option>' in back.text
    assert '<option value="yes" selected>yes</option>' in back.text
    assert wrong_map.c.incidents.get(opened["id"]).level == opened["level"]


def test_facts_sent_with_a_bad_time_keep_the_new_words_not_the_stored_ones(
    wrong_map: Response,
) -> None:
    opened = _open_by_api(wrong_map)
    rita = _signed_in(wrong_map, "rita", Role.REVIEWER)
    path = f"/console/incidents/{opened['id']}"
    page = rita.get(path)
    form = {"csrf": _csrf(page.text), "description": STORY, "remedial_action": "Links revoked.",
            "aware_at": "soon"}  # fmt: skip
    back = rita.post(f"{path}/facts", data=form, follow_redirects=False)
    assert back.status_code == 422 and "give the time of awareness as" in back.text
    text = html.unescape(back.text)
    assert f'name="description" maxlength="8000">{STORY}</textarea>' in text
    assert 'name="remedial_action" maxlength="8000">Links revoked.</textarea>' in text
    assert 'value="soon"' in text
