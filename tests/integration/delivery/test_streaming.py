"""The file is decrypted while it streams, by byte range, so a broken download resumes without
counting again; with the requester's passphrase it is an age file; a revoked link stops a
running download."""

from __future__ import annotations

import zipfile
from datetime import timedelta
from io import BytesIO

import pyrage
import pytest

from rightful.adapters.crypto.age_stream import CHUNK
from rightful.domain.delivery import NOBODY, DownloadSessionError
from rightful.services.package_source import MemoryPackages

from ..packages.world import REVIEWER
from .conftest import Desk


def test_a_broken_download_resumes_with_a_range_and_counts_once(desk: Desk) -> None:
    delivered = desk.deliver()
    desk.verified_download(delivered)
    url = f"/download/{delivered.link_id}/file"
    whole = desk.client.get(url)
    assert whole.headers["accept-ranges"] == "bytes"
    tail = desk.client.get(url, headers={"Range": "bytes=100-", "If-Range": whole.headers["etag"]})
    assert tail.status_code == 206
    assert (
        tail.headers["content-range"] == f"bytes 100-{len(whole.content) - 1}/{len(whole.content)}"
    )
    assert whole.content[:100] + tail.content == whole.content
    assert desk.web.delivery.view(delivered.link_id).downloads == 1


def test_a_range_outside_the_file_is_answered_416_with_the_size(desk: Desk) -> None:
    delivered = desk.deliver()
    desk.verified_download(delivered)
    url = f"/download/{delivered.link_id}/file"
    size = len(desk.client.get(url).content)
    refused = desk.client.get(url, headers={"Range": f"bytes={size}-"})
    assert refused.status_code == 416 and refused.headers["content-range"] == f"bytes */{size}"


def test_a_resume_against_another_version_of_the_file_gets_the_whole_file(desk: Desk) -> None:
    delivered = desk.deliver()
    desk.verified_download(delivered)
    url = f"/download/{delivered.link_id}/file"
    response = desk.client.get(url, headers={"Range": "bytes=100-", "If-Range": '"other"'})
    assert response.status_code == 200 and response.content.startswith(b"PK")


def test_a_passphrase_protected_download_is_an_age_file_only_the_passphrase_opens(
    desk: Desk,
) -> None:
    delivered = desk.deliver()
    desk.verified_download(delivered)
    page = desk.post(f"/download/{delivered.link_id}/protect")
    phrase = page.text.split('class="passphrase"')[1].split(">")[1].split("<")[0]
    assert len(phrase) == 29
    protected = desk.client.get(f"/download/{delivered.link_id}/file")
    assert protected.headers["content-disposition"].endswith('.zip.age"')
    plain = pyrage.passphrase.decrypt(protected.content, phrase)
    assert "manifest.json" in zipfile.ZipFile(BytesIO(plain)).namelist()
    assert all(phrase not in m.text + m.html for m in desk.mailer.outbox)  # never e-mailed
    with desk.c.store.engine.connect() as conn:
        from sqlalchemy import text

        stored = [str(v) for row in conn.execute(text("SELECT * FROM download_links")) for v in row]
    assert not any(phrase in value for value in stored)  # never stored
    middle = desk.client.get(f"/download/{delivered.link_id}/file",
                             headers={"Range": "bytes=200-5000"})  # fmt: skip
    assert middle.status_code == 206 and middle.content == protected.content[200:5001]


def test_protection_needs_a_fresh_proof_first(desk: Desk) -> None:
    delivered = desk.deliver()
    with pytest.raises(DownloadSessionError):
        desk.web.downloads.protect(delivered.link_id, None, NOBODY)


def test_two_clicks_at_once_show_one_passphrase_and_it_opens_the_file(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A double click: the second waits for the first and is told, rather than shown a
    passphrase that the first click's had already replaced (or the other way round)."""
    import contextlib
    import threading

    from rightful.services import download as module

    delivered = desk.deliver()
    downloads = desk.web.downloads
    session = downloads.confirm_code(delivered.link_id, _code(desk, delivered), NOBODY)
    both_read = threading.Barrier(2)
    check = module.DownloadService._still_as_seen

    def after_both_read(self: object, link_id: str, seen: str | None) -> None:
        if not both_read.broken:  # the second waits at the lock, so the barrier breaks
            with contextlib.suppress(threading.BrokenBarrierError):
                both_read.wait(timeout=0.5)
        check(self, link_id, seen)  # type: ignore[arg-type]

    monkeypatch.setattr(module.DownloadService, "_still_as_seen", after_both_read)
    results: list[object] = []

    def click() -> None:
        try:
            results.append(downloads.protect(delivered.link_id, session, NOBODY))
        except Exception as exc:  # the test sorts them below
            results.append(exc)

    clicks = [threading.Thread(target=click) for _ in range(2)]
    for t in clicks:
        t.start()
    for t in clicks:
        t.join(timeout=30)
    phrases = [r for r in results if isinstance(r, str)]
    refused = [r for r in results if not isinstance(r, str)]
    assert len(phrases) == 1 and len(refused) == 1, results
    assert "protected a moment ago" in str(refused[0])
    download = downloads.open_download(delivered.link_id, session, None, NOBODY)
    protected = b"".join(download.body)
    assert pyrage.passphrase.decrypt(protected, phrases[0])


def test_streaming_reads_the_package_piece_by_piece_and_stops_when_revoked(desk: Desk) -> None:
    """Memory stays flat: nothing is read before it is sent; revocation ends a running stream."""
    delivered = desk.deliver()
    packages = MemoryPackages(piece=CHUNK)
    packages.add(delivered.package_id, bytes(200 * CHUNK))
    downloads = desk.web.downloads
    downloads.packages = packages
    session = downloads.confirm_code(delivered.link_id, _code(desk, delivered), NOBODY)
    download = downloads.open_download(delivered.link_id, session, None, NOBODY)
    assert packages.reads == 0
    first = next(download.body)
    assert len(first) == CHUNK and packages.reads == 1
    desk.web.delivery.revoke(delivered.link_id, _reviewer())
    rest = list(download.body)
    assert len(rest) < 32  # stopped within the next revocation check (16 pieces)


def _code(desk: Desk, delivered: object) -> str:
    desk.web.downloads.send_code(delivered.link_id, NOBODY)  # type: ignore[attr-defined]
    return desk.code_for(desk.address_of(delivered))  # type: ignore[arg-type]


def _reviewer() -> object:
    from ..packages.world import REVIEWER

    return REVIEWER


def test_head_answers_the_headers_of_the_file_without_a_body_or_counting(desk: Desk) -> None:
    """Browsers, download managers and link checkers send HEAD before (or instead of) GET."""
    delivered = desk.deliver()
    desk.verified_download(delivered)
    url = f"/download/{delivered.link_id}/file"
    head = desk.client.head(url)
    assert head.status_code == 200 and head.content == b""
    assert desk.web.delivery.view(delivered.link_id).downloads == 0
    whole = desk.client.get(url)
    for name in ("content-length", "content-type", "accept-ranges", "etag",
                 "content-disposition"):  # fmt: skip
        assert head.headers[name] == whole.headers[name], name
    assert int(head.headers["content-length"]) == len(whole.content)
    part = desk.client.head(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.headers["content-range"].startswith("bytes 100-199/")
    outside = desk.client.head(url, headers={"Range": f"bytes={len(whole.content)}-"})
    assert outside.status_code == 416
    assert desk.web.delivery.view(delivered.link_id).downloads == 1
    outcomes = [e.summary["outcome"] for e in desk.c.audit.timeline(delivered.request_id)
                if e.action == "delivery.attempt"]  # fmt: skip
    assert outcomes[-4:] == ["checked", "started", "checked", "range_refused"]


def test_head_makes_the_checks_get_makes_and_is_recorded_as_an_attempt(desk: Desk) -> None:
    delivered = desk.deliver()
    url = f"/download/{delivered.link_id}/file"
    assert desk.client.head(url).status_code == 403  # not verified in this browser
    desk.verified_download(delivered)
    assert desk.another_browser().head(url).status_code == 403
    desk.web.delivery.revoke(delivered.link_id, REVIEWER)
    assert desk.client.head(url).status_code == 410
    outcomes = [e.summary["outcome"] for e in desk.c.audit.timeline(delivered.request_id)
                if e.action == "delivery.attempt"]  # fmt: skip
    assert outcomes[0] == "no_session" and outcomes[-2:] == ["no_session", "revoked"]


def test_head_on_an_expired_link_is_refused_like_get(desk: Desk) -> None:
    delivered = desk.deliver()
    desk.verified_download(delivered)
    desk.world.clock.advance(timedelta(days=14))
    url = f"/download/{delivered.link_id}/file"
    head, get = desk.client.head(url), desk.client.get(url)
    assert head.status_code == get.status_code != 200 and head.content == b""


def test_the_whole_file_asked_for_by_range_is_another_copy_and_counts(desk: Desk) -> None:
    """Only part of the file resumes a session's download for free; the whole file again, by
    any Range header, counts, and once the link is used up it is refused (docs/delivery.md;
    brief: downloads expire, are limited and audited)."""
    delivered = desk.deliver()
    desk.verified_download(delivered)
    url = f"/download/{delivered.link_id}/file"
    whole = desk.client.get(url).content
    assert desk.web.delivery.view(delivered.link_id).max_downloads == 3
    for downloads, asked in [(2, "bytes=0-"), (3, "bytes=0-0,1-")]:
        assert desk.client.get(url, headers={"Range": asked}).content == whole
        assert desk.web.delivery.view(delivered.link_id).downloads == downloads, asked
    assert desk.client.get(url, headers={"Range": "bytes=0-"}).status_code == 410
    assert desk.client.get(url, headers={"Range": "bytes=100-"}).status_code == 206


def test_a_piece_from_the_first_byte_starts_another_copy_and_counts(desk: Desk) -> None:
    """The first byte and then the rest, again and again, were whole copies none of which
    counted; a resume continues a download from past its start."""
    delivered = desk.deliver()
    desk.verified_download(delivered)
    url = f"/download/{delivered.link_id}/file"
    whole = desk.client.get(url).content
    for downloads in (2, 3):
        head = desk.client.get(url, headers={"Range": "bytes=0-0"})
        rest = desk.client.get(url, headers={"Range": "bytes=1-"})
        assert (head.status_code, rest.status_code) == (206, 206)
        assert head.content + rest.content == whole
        assert desk.web.delivery.view(delivered.link_id).downloads == downloads
    assert desk.client.get(url, headers={"Range": "bytes=0-0"}).status_code == 410
    assert desk.client.get(url, headers={"Range": "bytes=1-"}).status_code == 206
