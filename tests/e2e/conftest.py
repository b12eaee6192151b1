"""What every browser test shares: one headless Debian Chromium and one live server (a
module may define its own `live`) per module."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .live import CHROMIUM, CHROMIUM_ARGS, Live, live_server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with live_server(tmp_path_factory.mktemp("live")) as running:
        yield running
