"""The download itself: a fresh proof of identity (a one-time code to the verified channel, or a
signed-in account assertion) opens one download session; the file is decrypted while it streams,
by byte range, optionally re-encrypted with the requester's passphrase (age)."""

from __future__ import annotations

from rightful.services.download_proofs import DownloadProofs
from rightful.services.download_protection import PassphraseProtection
from rightful.services.download_streaming import DownloadStreaming


class DownloadService(DownloadProofs, DownloadStreaming, PassphraseProtection):
    """Re-verification at download time, download sessions, streaming, passphrase protection."""
