"""What the API says when it cannot do what was asked: one naming scheme for errors, a reason the
caller can act on, and nothing about the server's own set-up for anonymous callers."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from .conftest import App

ACCESS = {"type": "access", "jurisdiction": "gdpr", "email": "anna@example.org"}


def test_a_broken_configuration_is_a_503_without_internals_and_is_logged(
    app: App, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app.container.settings.datamap_files = [tmp_path / "maps" / "nope.yaml"]
    rid = app.client.post("/api/v1/requests", json=ACCESS).json()["id"]
    path = f"/api/v1/verification/{rid}/start"
    with caplog.at_level(logging.ERROR, logger="rightful.api"):
        answer = app.client.post(path, json={"channel": "email"})
    assert answer.status_code == 503
    assert answer.json()["error"] == "ConfigurationError"
    assert "nope.yaml" not in answer.text and str(tmp_path) not in answer.text
    assert "Errno" not in answer.text and "data map" not in answer.text
    logged = [r.getMessage() for r in caplog.records if r.name == "rightful.api"]
    assert logged == [f"ConfigurationError answering POST {path}"]


@pytest.mark.parametrize(
    "body",
    [
        {**ACCESS, "type": "everything"},  # refused by the domain
        {**ACCESS, "email": "not-an-address"},  # refused by the domain
        {**ACCESS, "jurisdiction": "mars"},  # refused by the schema
        {**ACCESS, "colour": "red"},  # refused by the schema
    ],
)
def test_invalid_input_has_one_name_whoever_refuses_it(app: App, body: dict[str, str]) -> None:
    answer = app.client.post("/api/v1/requests", json=body)
    assert (answer.status_code, answer.json()["error"]) == (422, "InvalidInputError")


def test_a_body_that_is_not_json_says_so_and_where(app: App) -> None:
    answer = app.client.post(
        "/api/v1/requests",
        content=b'{"type": "access",, "jurisdiction": "gdpr"}',
        headers={"content-type": "application/json"},
    )
    assert answer.status_code == 422
    assert answer.json()["error"] == "InvalidInputError"
    assert answer.json()["detail"] == "the body is not valid JSON (at character 19)"


def test_a_body_too_large_is_named_like_every_other_error(app: App) -> None:
    answer = app.client.post("/api/v1/requests", json={**ACCESS, "details": "x" * 2_000_000})
    assert (answer.status_code, answer.json()["error"]) == (413, "BodyTooLargeError")
    # Sent in chunks, without a length: the framework answered 400 "error parsing the body".
    chunks = (b"x" * 65536 for _ in range(40))
    chunked = app.client.post("/api/v1/requests", content=chunks,
                              headers={"content-type": "application/json"})  # fmt: skip
    assert (chunked.status_code, chunked.json()["error"]) == (413, "BodyTooLargeError")
    small = (part for part in (b'{"type": "access", ', b'"jurisdiction": "gdpr", ',
                               b'"email": "anna@example.org"}'))  # fmt: skip
    fine = app.client.post("/api/v1/requests", content=small,
                           headers={"content-type": "application/json"})  # fmt: skip
    assert fine.status_code == 202, fine.text


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/requests?offset=99999999999999999999"),
        ("get", "/api/v1/requests/due?within_days=100000000000"),
        ("get", "/api/v1/verification/R/authority/99999999999999999999999/document"),
        ("post", "/api/v1/verification/R/authority/99999999999999999999999/decision"),
        ("post", "/api/v1/verification/R/staff-checks/99999999999999999999999/decision"),
    ],
)
def test_numbers_too_large_for_any_row_are_a_422_not_a_crash(
    app: App, method: str, path: str
) -> None:
    """Each gave HTTP 500 (OverflowError in the database driver)."""
    body = {"json": {"approve": True}} if method == "post" else {}
    answer = getattr(app.client, method)(path, headers=app.as_role("reviewer"), **body)
    assert (answer.status_code, answer.json()["error"]) == (422, "InvalidInputError")


def test_a_notice_number_too_large_for_any_row_is_a_422_not_a_crash(app: App) -> None:
    """It gave HTTP 500 (OverflowError in the database driver), in the console too."""
    rid = "0" * 8 + "-0000-4000-8000-" + "0" * 12
    answer = app.client.post(
        f"/api/v1/requests/{rid}/notices/99999999999999999999999/told-otherwise",
        json={"way": "phone", "how": "told them by phone today"}, headers=app.as_role("admin"),
    )  # fmt: skip
    assert (answer.status_code, answer.json()["error"]) == (422, "InvalidInputError")
    assert "notice_id" in answer.json()["detail"]


def test_yes_and_no_are_not_booleans(app: App) -> None:
    """`"approve": "yes"` was taken as true: a decision is given as true or false."""
    answer = app.client.post(
        "/api/v1/verification/R/staff-checks/1/decision", json={"approve": "yes"},
        headers=app.as_role("reviewer"),
    )  # fmt: skip
    assert (answer.status_code, answer.json()["error"]) == (422, "InvalidInputError")
    assert "approve" in answer.json()["detail"]


def test_the_frameworks_own_refusals_have_the_same_shape(app: App) -> None:
    """README: an error answers {"error": "<Name>Error", "detail": ...}; 404 and 405 too."""
    unknown = app.client.get("/api/v1/nowhere", headers=app.as_role("agent"))
    assert (unknown.status_code, unknown.json()["error"]) == (404, "NotFoundError")
    wrong = app.client.put("/api/v1/requests", headers=app.as_role("agent"))
    assert (wrong.status_code, wrong.json()["error"]) == (405, "MethodNotAllowedError")
    assert "allow" in wrong.headers
    page = app.client.get("/portal/nowhere")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
