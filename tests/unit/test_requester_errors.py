"""What a requester reads when something goes wrong: a configuration error is the operators'
business, so it reads as the generic error and lands in the log by type only."""

from __future__ import annotations

import logging

import pytest

from rightful.domain.errors import ConfigurationError, SourceSchemaError
from rightful.entrypoints.web.i18n import translate
from rightful.entrypoints.web.requester import error_text


@pytest.mark.parametrize(
    "error",
    [
        ConfigurationError("the data map has a problem: /srv/maps/shop.yaml: cannot read"),
        SourceSchemaError("shop", 'column "total" does not exist'),
    ],
)
def test_a_configuration_error_reads_as_the_generic_one_and_is_logged_by_type(
    error: ConfigurationError, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="rightful.web"):
        text = error_text(error, "en")
    assert text == translate("err_generic", "en")
    assert caplog.messages == [f"{type(error).__name__} shown to a requester as a generic error"]
