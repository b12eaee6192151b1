"""A real HTTP gateway on loopback: the webhook sender POSTs the number and text as JSON with
its bearer token, and any answer but 2xx, a timeout or an untrusted certificate is a
DeliveryError that names neither number nor text."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from rightful.adapters.mail.sink import free_port
from rightful.adapters.sms.webhook import WebhookSmsSender
from rightful.domain.errors import ConfigurationError
from rightful.domain.messaging import DeliveryError, SmsMessage
from rightful.domain.verification import Assurance, Channel

from . import estate
from .conftest import CODE, make_world, server_context

ANNA_TEXT = SmsMessage(to="+4915123456789", text="Hearthly: your confirmation code is 493817.")


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Gateway:
    """What the gateway answers (status, after a delay, where it redirects) and what it got."""

    status: int = 202
    delay: float = 0.0
    location: str = ""
    received: list[Received] = field(default_factory=list)
    url: str = ""


@contextmanager
def running(gateway: Gateway, server: ThreadingHTTPServer, scheme: str = "http") -> Iterator[None]:
    gateway.url = f"{scheme}://127.0.0.1:{server.server_address[1]}/send"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


def handler_for(gateway: Gateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            gateway.received.append(Received(self.path, dict(self.headers.items()), body))
            time.sleep(gateway.delay)
            self.send_response(gateway.status)
            if gateway.location:
                self.send_header("Location", gateway.location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    answers = Gateway()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(answers))
    with running(answers, server):
        yield answers


@pytest.fixture
def tls_gateway(certificate: tuple[Path, Path]) -> Iterator[Gateway]:
    answers = Gateway()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(answers))
    server.socket = server_context(certificate).wrap_socket(server.socket, server_side=True)
    with running(answers, server, "https"):
        yield answers


def test_the_gateway_gets_number_and_text_as_json_with_the_bearer_token(
    gateway: Gateway,
) -> None:
    WebhookSmsSender(gateway.url, token="gw-secret").send(ANNA_TEXT)
    [got] = gateway.received
    assert got.path == "/send"
    assert json.loads(got.body) == {"to": "+4915123456789", "text": ANNA_TEXT.text}
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["Authorization"] == "Bearer gw-secret"


def test_without_a_token_no_authorization_is_sent(gateway: Gateway) -> None:
    WebhookSmsSender(gateway.url).send(ANNA_TEXT)
    assert "Authorization" not in gateway.received[0].headers


def test_an_error_answer_is_a_delivery_error_and_the_log_names_only_a_hash(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    gateway.status = 500
    with caplog.at_level(logging.DEBUG), pytest.raises(DeliveryError, match="HTTP 500") as caught:
        WebhookSmsSender(gateway.url, token="gw-secret").send(ANNA_TEXT)
    told = str(caught.value) + caplog.text
    assert "HTTP 500" in caplog.text
    assert "23456789" not in told and "493817" not in told and "gw-secret" not in told


def test_an_accepted_text_is_logged_by_a_hash_of_the_number_only(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="rightful.sms"):
        WebhookSmsSender(gateway.url, token="gw-secret").send(ANNA_TEXT)
    assert "accepted by the gateway (HTTP 202)" in caplog.text
    assert "23456789" not in caplog.text and "493817" not in caplog.text


def test_a_gateway_that_does_not_answer_in_time_is_a_delivery_error(gateway: Gateway) -> None:
    gateway.delay = 2.0
    started = time.monotonic()
    with pytest.raises(DeliveryError, match="Timeout"):
        WebhookSmsSender(gateway.url, timeout=0.3).send(ANNA_TEXT)
    assert time.monotonic() - started < 1.5


def test_a_redirect_is_refused_not_followed(gateway: Gateway) -> None:
    """Following it would turn the POST into a GET and carry the token elsewhere."""
    gateway.status, gateway.location = 302, "/elsewhere"
    with pytest.raises(DeliveryError, match="HTTP 302"):
        WebhookSmsSender(gateway.url, token="gw-secret").send(ANNA_TEXT)
    assert [r.path for r in gateway.received] == ["/send"]


def test_an_unreachable_gateway_is_a_delivery_error() -> None:
    sender = WebhookSmsSender(f"http://127.0.0.1:{free_port()}/send", timeout=2)
    with pytest.raises(DeliveryError, match="ConnectionRefused"):
        sender.send(ANNA_TEXT)


def test_tls_is_verified_against_the_system_store_or_the_ca_file_given(
    tls_gateway: Gateway, certificate: tuple[Path, Path]
) -> None:
    with pytest.raises(DeliveryError, match="SSL"):
        WebhookSmsSender(tls_gateway.url).send(ANNA_TEXT)
    assert tls_gateway.received == []
    WebhookSmsSender(tls_gateway.url, ca_file=certificate[0]).send(ANNA_TEXT)
    assert len(tls_gateway.received) == 1


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://sms.example/", "sms.example/send"])
def test_only_http_urls_are_gateways(url: str) -> None:
    with pytest.raises(ConfigurationError):
        WebhookSmsSender(url)


def test_a_configured_webhook_carries_the_step_up_code_that_reaches_the_high_level(
    gateway: Gateway, tmp_path: Path
) -> None:
    world = make_world(
        f"sqlite:///{tmp_path}/rightful.db", tmp_path, sms_backend="webhook",
        sms_webhook_url=gateway.url, sms_webhook_token="gw-secret",
    )  # fmt: skip
    rid = world.submit()
    world.verify(rid)
    receipt = world.c.verification.step_up(rid, Channel.SMS, estate.ANNA_PHONE)
    [got] = gateway.received
    sent = json.loads(got.body)
    found = CODE.search(sent["text"])
    assert sent["to"] == estate.ANNA_PHONE and found is not None
    progress = world.c.verification.submit_code(rid, receipt.challenge_id, found.group(1))
    assert progress.assurance is Assurance.HIGH
    world.c.store.engine.dispose()
