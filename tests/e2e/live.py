"""A live rightful for browser tests: the Hearthly estate, a real in-process SMTP server, uvicorn
on a free loopback port in a background thread, and headless Debian Chromium via Playwright."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from alembic import command

from rightful.adapters.db.migrate import alembic_config
from rightful.adapters.mail.sink import MailSink, free_port
from rightful.bootstrap_web import WebServices, web_services
from rightful.demo.story import hearthly
from rightful.entrypoints.api.app import create_app
from rightful.entrypoints.web import install_web
from tests.integration.packages.world import World, make_world

CHROMIUM = Path("/usr/bin/chromium")
# Every browser test module: `pytestmark = BROWSER_TESTS`.
BROWSER_TESTS = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at "
                       "/usr/bin/chromium (apt-get install chromium; scripts/test does it)"),
]  # fmt: skip
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
SCREENSHOTS = Path(__file__).parents[2] / "test-artifacts" / "screenshots"
CODE = re.compile(r"code: (\d{6})", re.IGNORECASE)
LINK = re.compile(r"(https?://\S+/d/[A-Za-z0-9_-]+)\s")


@dataclass
class Live:
    """The running server, its world and the SMTP inbox."""

    world: World
    web: WebServices
    sink: MailSink
    base: str

    def mails_to(self, address: str) -> int:
        return len([m for m in self.sink.messages() if address in m.to])

    def next_mail(self, address: str, seen: int, timeout: float = 10.0) -> Any:
        """The first mail to `address` after the `seen` ones already there."""
        return self.sink.wait_for(address, seen + 1, timeout)[0]

    def code_after(self, address: str, seen: int) -> str:
        found = CODE.search(self.next_mail(address, seen).text)
        assert found is not None, "the mail has no code"
        return found.group(1)

    def link_after(self, address: str, seen: int) -> str:
        found = LINK.search(self.next_mail(address, seen).text + "\n")
        assert found is not None, "the mail has no download link"
        return found.group(1)


@contextmanager
def live_server(data_dir: Path, **overrides: Any) -> Iterator[Live]:
    """Start the SMTP sink and the web server; stop both afterwards."""
    sink = MailSink("127.0.0.1", 0).start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    world = make_world(
        f"sqlite:///{data_dir}/rightful.db", data_dir, hearthly(), smtp_host="127.0.0.1",
        smtp_port=sink.port, smtp_security="none", public_base_url=base,
        passphrase_scrypt_log_n=10, resend_interval_seconds=0, **overrides,
    )  # fmt: skip
    # The world builds its tables from the metadata; mark the store as migrated so that the
    # `rightful` command (run against the same store) does not try to create them again.
    command.stamp(alembic_config(world.c.settings.effective_database_url), "head")
    app = create_app(world.c)
    install_web(app, world.c)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the web server did not start")
        time.sleep(0.05)
    try:
        yield Live(world, web_services(world.c), sink, base)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sink.stop()
        world.c.store.engine.dispose()


def says(page: Any, text: str) -> None:
    """Wait until the page shows the text: after a click the next page may still be loading,
    and `page.content()` read at that moment is empty."""
    from playwright.sync_api import expect

    expect(page.locator("body")).to_contain_text(text)


def shot(page: Any, name: str) -> None:
    """Save a full-page screenshot as a test artifact."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
