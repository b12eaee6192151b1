"""Serving a download's bytes: a live download session, the link's checks and the package's,
one download counted atomically against the link's limit, the bytes decrypted (and, with a
passphrase, age-encrypted) by range while they stream, stopped soon after a revocation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from rightful.adapters.crypto.age_stream import AgeStream, file_key_of
from rightful.adapters.db.delivery import DownloadLinkRow, DownloadSessionRow
from rightful.domain.delivery import (
    ByteRange,
    Client,
    DownloadSessionError,
    Outcome,
    ProtectedBeforeRotationError,
    RangeNotSatisfiableError,
    parse_range,
)
from rightful.domain.errors import ConflictError, RightfulError
from rightful.services.delivery import load_link, record_attempt
from rightful.services.download_sessions import DownloadSessions, digest

REVOCATION_CHECK_EVERY = 16  # chunks (about 1 MiB of a 64 KiB-chunked stream)


@dataclass(frozen=True)
class Download:
    """What the web layer streams: status 200 or 206, headers, and the bytes."""

    filename: str
    content_type: str
    byte_range: ByteRange
    body: Iterator[bytes]
    etag: str

    @property
    def status(self) -> int:
        return 206 if self.byte_range.partial else 200


class DownloadStreaming(DownloadSessions):
    """Streams the package of a link to a browser that holds a download session for it."""

    def open_download(
        self, link_id: str, token: str | None, range_header: str | None, client: Client,
        if_range: str | None = None, *, head: bool = False,
    ) -> Download:  # fmt: skip
        """Check session, link and package, count a new download, and stream the bytes asked.
        A range whose If-Range names another version of the file gets the whole file. `head`
        (HTTP HEAD) makes the same checks and answers the same headers, but counts nothing and
        streams nothing; the attempt is recorded as `checked`."""
        with self.store.transaction() as session:
            link = load_link(session, link_id)
            if if_range is not None and if_range.strip() != etag_of(link):
                range_header = None
            failure, plan = self._plan(session, link, token, range_header, client, head)
        if failure is not None:
            raise failure
        assert plan is not None
        return plan

    def _plan(
        self, session: Session, link: DownloadLinkRow, token: str | None, header_value: str | None,
        client: Client, head: bool = False,
    ) -> tuple[RightfulError | None, Download | None]:  # fmt: skip
        record = self._session(session, link.id, token)
        if record is None:
            record_attempt(session, self.audit, self.clock, link, Outcome.NO_SESSION, client)
            return DownloadSessionError("confirm it is you first: ask for a fresh code"), None
        failure = self._refused(session, link, client, new_download=False)
        if failure is not None:
            return failure, None
        try:
            self.packages.assert_deliverable(link.package_id)
            size, stream = self._stream(link)
            wanted = parse_range(header_value, size)
        except RangeNotSatisfiableError as refused:
            record_attempt(session, self.audit, self.clock, link, Outcome.RANGE_REFUSED, client,
                           header_value[:64] if header_value else None)  # fmt: skip
            return refused, None
        except ConflictError as refused:
            record_attempt(session, self.audit, self.clock, link, Outcome.NOT_DELIVERABLE, client)
            return refused, None
        # A session's first download counts; a later request that continues it (from past its
        # first byte) is a resume. One from the first byte, for the whole file or a piece, with
        # a Range header or without, starts another copy and counts too: a piece from byte 0
        # and the rest after it would otherwise be whole copies, none counted.
        new = record.counted_at is None or wanted.start == 0
        if new and (failure := self._refused(session, link, client)) is not None:
            return failure, None
        outcome = Outcome.STARTED if new else Outcome.RESUMED
        if head:
            outcome = Outcome.CHECKED
        elif new and not self._count(session, link, record):
            return self._refused(session, link, client) or ConflictError("link used up"), None
        record_attempt(session, self.audit, self.clock, link, outcome, client,
                       f"{wanted.start}-{wanted.end}/{wanted.size}")  # fmt: skip
        pieces = iter(()) if head else stream(wanted.start, wanted.end)
        body = self._guarded(link.id, pieces)
        return None, Download(_filename(link), _content_type(link), wanted, body, etag_of(link))

    def _count(self, session: Session, link: DownloadLinkRow, record: DownloadSessionRow) -> bool:
        """Count one download of the session, atomically against the link's limit."""
        result = session.execute(
            update(DownloadLinkRow)
            .where(DownloadLinkRow.id == link.id, DownloadLinkRow.revoked_at.is_(None),
                   DownloadLinkRow.downloads < DownloadLinkRow.max_downloads)
            .values(downloads=DownloadLinkRow.downloads + 1)
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        session.refresh(link)
        if getattr(result, "rowcount", 0) != 1:
            return False
        record.counted_at = self.clock.now()
        return True

    def _stream(self, link: DownloadLinkRow) -> tuple[int, Callable[[int, int], Iterator[bytes]]]:
        size = self.packages.plaintext_size(link.package_id)
        package_id = link.package_id

        def plain(start: int, end: int) -> Iterator[bytes]:
            return self.packages.read_range(package_id, start, end)

        if link.age_header is None or link.protection_id is None:
            return size, plain
        keys = file_key_of(self.config.age_key, link.protection_id, link.age_header)
        if keys is None:
            raise ProtectedBeforeRotationError
        age = AgeStream(link.age_header, keys[1], keys[0], size)
        return age.size, lambda start, end: age.iter_range(start, end, plain)

    def _guarded(self, link_id: str, pieces: Iterator[bytes]) -> Iterator[bytes]:
        """Stop a running download soon after its link is revoked (checked every ~1 MiB)."""
        try:
            for count, piece in enumerate(pieces, start=1):
                if count % REVOCATION_CHECK_EVERY == 0 and self._revoked(link_id):
                    return
                yield piece
        finally:
            close = getattr(pieces, "close", None)
            if close is not None:
                close()

    def _revoked(self, link_id: str) -> bool:
        with self.store.transaction() as session:
            revoked = session.scalar(
                select(DownloadLinkRow.revoked_at).where(DownloadLinkRow.id == link_id)
            )
            return revoked is not None


def etag_of(link: DownloadLinkRow) -> str:
    """Names one version of a link's file: the package and its passphrase protection."""
    return f'"{digest(link.package_id + chr(0) + (link.protection_id or ""))[:32]}"'


def _filename(link: DownloadLinkRow) -> str:
    base = f"data-{link.request_id[:8]}.zip"
    return base + ".age" if link.age_header is not None else base


def _content_type(link: DownloadLinkRow) -> str:
    return "application/octet-stream" if link.age_header is not None else "application/zip"
