"""HEAD on the console's pages answers like GET without a body (RFC 9110 9.3.2): link checkers
and browsers' prefetchers got 405. The page runs, so sign-in, role and 404 answer as for GET."""

from __future__ import annotations

import re

from fastapi.routing import APIRoute

from rightful.domain.lifecycle import Role
from rightful.entrypoints.web import (
    console,
    console_declarations,
    console_packages,
    console_requests,
    incidents,
)

from .conftest import ANNA, Desk
from .test_console import add, sign_in


def console_get_paths() -> list[str]:
    """Every console GET route, its path parameters filled with values that name nothing."""
    modules = (console, console_requests, console_packages, console_declarations, incidents)
    routes = [r for m in modules for r in m.router.routes if isinstance(r, APIRoute)]
    paths = [r.path for r in routes if r.path.startswith("/console") and "GET" in r.methods]
    assert len(paths) >= 9  # the queue, a request, a package, the incidents' pages, ...
    return [re.sub(r"\{[a-z_]+\}", "1", path) for path in paths]


def test_head_on_every_console_page_answers_as_get_does_without_a_body(desk: Desk) -> None:
    add(desk, "rita", Role.REVIEWER)
    rita = sign_in(desk, "rita")
    signed_out = desk.another_browser()
    for path in console_get_paths():
        for client in (rita, signed_out):
            get = client.get(path, follow_redirects=False)
            head = client.head(path, follow_redirects=False)
            assert head.status_code == get.status_code != 405, path
            assert head.content == b"" and head.headers.get("location") == get.headers.get(
                "location"
            )


def test_head_on_a_request_page_gives_its_headers_and_length_but_no_body(desk: Desk) -> None:
    rid = desk.world.request_for(ANNA, high=False)
    add(desk, "rita", Role.REVIEWER)
    rita = sign_in(desk, "rita")
    get, head = rita.get(f"/console/requests/{rid}"), rita.head(f"/console/requests/{rid}")
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-type"] == get.headers["content-type"] == "text/html; charset=utf-8"
    assert int(head.headers["content-length"]) > 1000
    assert head.headers["cache-control"] == "no-store"
    assert rita.head("/console/requests/nothing-here").status_code == 404
    assert rita.head(f"/console/requests/{rid}/cancel").status_code == 405  # a POST-only action
