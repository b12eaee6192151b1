"""Real SMTP: rightful's mailer talks to an in-process aiosmtpd server (plain, STARTTLS with
login, implicit TLS), and a requester's code is read back from the mail the server received."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rightful.adapters.mail.sink import MailSink, free_port
from rightful.adapters.mail.smtp import SmtpMailer
from rightful.adapters.outbox import ThreadOutbox
from rightful.domain.lifecycle import Status
from rightful.domain.messaging import DeliveryError, MailMessage
from rightful.entrypoints.api.app import create_app

from . import estate
from .conftest import CODE, World, make_world, server_context

HELLO = MailMessage(
    to="anna@example.org", subject="Hello", text="plain words\n", html="<p>html words</p>"
)


@pytest.fixture
def plain_sink() -> Iterator[MailSink]:
    with MailSink(port=0) as sink:
        yield sink


def test_plain_smtp_delivers_text_with_an_html_alternative(plain_sink: MailSink) -> None:
    SmtpMailer("127.0.0.1", plain_sink.port, "privacy@shop.example", security="none").send(HELLO)
    [mail] = plain_sink.wait_for("anna@example.org")
    assert mail.subject == "Hello"
    assert mail.mail_from == "privacy@shop.example"
    assert mail.text.strip() == "plain words"
    assert mail.html.strip() == "<p>html words</p>"


def test_starttls_with_login(certificate: tuple[Path, Path]) -> None:
    context = server_context(certificate)
    with MailSink(port=0, tls_context=context, credentials=("rightful", "s3cret")) as sink:
        SmtpMailer(
            "127.0.0.1",
            sink.port,
            "privacy@shop.example",
            security="starttls",
            username="rightful",
            password="s3cret",
            ca_file=certificate[0],
        ).send(HELLO)
        assert sink.wait_for("anna@example.org")
        wrong = SmtpMailer(
            "127.0.0.1",
            sink.port,
            "privacy@shop.example",
            security="starttls",
            username="rightful",
            password="nope",
            ca_file=certificate[0],
        )
        with pytest.raises(DeliveryError) as caught:
            wrong.send(HELLO)
        assert "anna" not in str(caught.value)


def test_a_server_that_insists_on_starttls_refuses_plain_mail(
    certificate: tuple[Path, Path],
) -> None:
    with (
        MailSink(port=0, tls_context=server_context(certificate)) as sink,
        pytest.raises(DeliveryError),
    ):
        SmtpMailer("127.0.0.1", sink.port, "privacy@shop.example", security="none").send(HELLO)


def test_implicit_tls(certificate: tuple[Path, Path]) -> None:
    with MailSink(port=0, implicit_tls=server_context(certificate)) as sink:
        SmtpMailer(
            "127.0.0.1", sink.port, "privacy@shop.example", security="tls", ca_file=certificate[0]
        ).send(HELLO)
        assert sink.wait_for("anna@example.org")


def test_an_untrusted_certificate_is_refused(certificate: tuple[Path, Path]) -> None:
    with (
        MailSink(port=0, implicit_tls=server_context(certificate)) as sink,
        pytest.raises(DeliveryError, match="SSL"),
    ):
        SmtpMailer("127.0.0.1", sink.port, "privacy@shop.example", security="tls").send(HELLO)


def test_an_unreachable_server_is_a_delivery_error() -> None:
    mailer = SmtpMailer(
        "127.0.0.1", free_port(), "privacy@shop.example", security="none", timeout=2
    )
    with pytest.raises(DeliveryError, match="did not accept"):
        mailer.send(HELLO)


@pytest.fixture
def smtp_world(store_url: str, tmp_path: Path) -> Iterator[tuple[World, MailSink]]:
    port = free_port()
    world = make_world(store_url, tmp_path, smtp_port=port, demo_mode=True)
    del world.c.mailer  # the real SMTP mailer from the settings, not the in-memory one
    del world.c.outbox
    with world.c.mail_sink as sink:
        yield world, sink
    outbox = world.c.outbox
    assert isinstance(outbox, ThreadOutbox)
    outbox.close()
    world.c.store.engine.dispose()


def test_a_requester_reads_the_code_from_real_mail_and_is_verified(
    smtp_world: tuple[World, MailSink],
) -> None:
    world, sink = smtp_world
    with TestClient(create_app(world.c)) as client:
        rid = world.submit()
        challenge = client.post(f"/api/v1/verification/{rid}/start", json={}).json()
        [mail] = sink.wait_for(estate.ANNA)
        found = CODE.search(mail.text)
        assert found is not None
        assert found.group(1) in mail.html
        answer = client.post(
            f"/api/v1/verification/{rid}/code",
            json={"challenge_id": challenge["challenge_id"], "code": found.group(1)},
        )
        assert answer.json()["outcome"] == "bound"
        assert world.status(rid) is Status.VERIFIED
        inbox = client.get("/demo/mail")
        assert inbox.status_code == 200
        assert "Confirm your data request" in inbox.text
        assert client.get("/demo/mail.json").json()["mail"][0]["to"] == [estate.ANNA]


class _AcceptsThenFailsQuit(socketserver.StreamRequestHandler):
    """A relay that accepts the message (250 after DATA) and then answers QUIT with an error."""

    def handle(self) -> None:
        self.wfile.write(b"220 relay ready\r\n")
        for raw in self.rfile:
            command = raw.decode().strip().upper()
            if command == "DATA":
                self.wfile.write(b"354 go ahead\r\n")
                for body_line in self.rfile:
                    if body_line in (b".\r\n", b".\n"):
                        break
                self.server.accepted += 1  # type: ignore[attr-defined]
                self.wfile.write(b"250 queued\r\n")
            elif command == "QUIT":
                self.wfile.write(b"451 trouble saying goodbye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


def test_a_message_the_relay_accepted_is_sent_even_when_saying_goodbye_fails() -> None:
    """Recorded as refused, an accepted notice was sent a second time by the daily job, and an
    accepted "ready" mail undid its link, leaving the requester a link that does not work."""
    with socketserver.TCPServer(("127.0.0.1", 0), _AcceptsThenFailsQuit) as relay:
        relay.accepted = 0  # type: ignore[attr-defined]
        threading.Thread(target=relay.serve_forever, daemon=True).start()
        try:
            port = relay.server_address[1]
            SmtpMailer("127.0.0.1", port, "privacy@shop.example", security="none").send(HELLO)
        finally:
            relay.shutdown()
        assert relay.accepted == 1  # type: ignore[attr-defined]
