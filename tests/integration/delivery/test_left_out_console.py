"""A reviewer leaves out, from the package page, a row that would harm another person
(REQUIREMENTS.md:20, Art. 15(4)) and puts it back."""

from __future__ import annotations

from fastapi.testclient import TestClient

from rightful.domain.lifecycle import Role

from ..packages.world import AGENT, manifest_of
from .conftest import ANNA, Desk
from .test_console import add, form_token, sign_in

WHY = "This contact asked us not to pass on their number to anyone."


def on_a_package_page(desk: Desk) -> tuple[str, str, str, TestClient, str]:
    """Anna's request, its package, the key of a contact row in it, and the package's page as a
    signed-in reviewer sees it."""
    rid = desk.world.request_for(ANNA, high=False)
    package = desk.c.packages.build(rid, AGENT)
    key = next(str(i["key"][0]) for i in manifest_of(desk.world, package.id)["items"]
               if i["kind"] == "record" and i["collection"] == "accounts.contacts")  # fmt: skip
    add(desk, "rita", Role.REVIEWER)
    rita = sign_in(desk, "rita")
    return rid, package.id, key, rita, rita.get(f"/console/packages/{package.id}").text


def test_a_reviewer_leaves_a_row_out_and_puts_it_back_from_the_package_page(desk: Desk) -> None:
    rid, package_id, key, rita, page = on_a_package_page(desk)
    assert "Nothing is left out." in page
    form = {"csrf": form_token(page), "collection": "accounts.contacts", "key": key,
            "field": "", "reason": "short"}  # fmt: skip
    wrong = rita.post(f"/console/packages/{package_id}/left-out", data=form)
    assert "Art. 15(4)" in wrong.text and desk.c.exclusions.of(rid) == []
    done = rita.post(f"/console/packages/{package_id}/left-out",
                     data={**form, "csrf": form_token(wrong.text), "reason": WHY})  # fmt: skip
    assert "Left out; the package went back" in done.text and WHY in done.text
    [made] = desk.c.exclusions.of(rid)
    other = desk.c.packages.build(desk.world.request_for(ANNA, high=False), AGENT)
    elsewhere = rita.post(f"/console/packages/{other.id}/put-back/{made.id}",
                          data={"csrf": form_token(done.text)})  # fmt: skip
    assert f"no exclusion {made.id}" in elsewhere.text, "another package's page puts nothing back"
    assert [e.id for e in desk.c.exclusions.of(rid)] == [made.id]
    back = rita.post(f"/console/packages/{package_id}/put-back/{made.id}",
                     data={"csrf": form_token(done.text)})  # fmt: skip
    assert "Put back" in back.text and desk.c.exclusions.of(rid) == []
