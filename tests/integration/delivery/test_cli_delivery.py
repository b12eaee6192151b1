"""`rightful package deliver` run again on a delivered package sends a new link, and says what
becomes of the earlier one: it keeps working until it expires, is used up or is revoked."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from rightful.bootstrap import set_container
from rightful.entrypoints.cli.common import cli_principal
from rightful.entrypoints.cli.main import app

from .conftest import Desk


@pytest.fixture
def cli(desk: Desk) -> Iterator[Desk]:
    set_container(desk.c)
    yield desk
    set_container(None)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_delivering_again_sends_a_new_link_and_says_the_earlier_one_still_works(
    cli: Desk,
) -> None:
    """The first delivery reports the link; the second says it is a new link and that the
    earlier one (still active: delivering again revokes nothing) keeps working."""
    first = cli.deliver()
    address = cli.address_of(first)
    code, out = run("package", "deliver", first.package_id)
    assert code == 0, out
    assert out.startswith("sent a new link ")
    assert f"the earlier link {first.link_id} still works until it expires" in out
    assert cli.web.delivery.view(first.link_id).state == "active"
    assert len(cli.mailer.to(address)) >= 2


def test_a_link_after_the_earlier_ones_stopped_is_reported_plainly(cli: Desk) -> None:
    """When no earlier link of the package is active, the new link is reported on its own."""
    first = cli.deliver()
    cli.web.delivery.revoke(first.link_id, cli_principal())
    code, out = run("package", "deliver", first.package_id)
    assert code == 0 and out.startswith("link ") and "earlier" not in out
