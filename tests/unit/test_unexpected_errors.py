"""An error nothing handled answers a bare 500 and logs its type and path, never the values in
play: personal data never goes into the logs (the brief: ids and counts only)."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from rightful.entrypoints.api.errors import Unexpected


def test_an_unhandled_error_is_a_500_whose_log_line_holds_no_personal_data(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = FastAPI()
    app.add_middleware(Unexpected)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("INSERT … parameters: maria.muster@example.org +49 151 9876543")

    with caplog.at_level(logging.DEBUG):
        answer = TestClient(app, raise_server_exceptions=True).get("/boom")
    assert answer.status_code == 500 and answer.json()["error"] == "InternalError"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "unexpected RuntimeError answering GET /boom" in logged
    assert "maria" not in logged and "9876543" not in logged and "maria" not in answer.text
