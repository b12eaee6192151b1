"""Sealed collection-job messages: the identities and the subject a job collects for cross the
broker encrypted, so they never rest in Redis (queue or unacknowledged set) in clear.

Envelope encryption, as for packages: a fresh 256-bit data key per job, AES-256-GCM over the
canonical JSON of {identities, subject}, the data key wrapped by the package KeyWrapper (master
key in the key folder, or a KMS) beside it. The associated data is the canonical JSON of the
fields that stay in clear (job id, data map files, sensitivity ceiling): a sealed payload moved
under another job id, or a job whose ceiling was raised in the queue, fails authentication.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from rightful.adapters.storage.encryption import TamperedError, new_data_key
from rightful.domain.errors import ConfigurationError, ConflictError
from rightful.domain.jobs import JOB_ID, CollectionJob
from rightful.domain.package_ports import KeyWrapper, WrappedKey

SEALED: Final = "sealed"
SEALED_VERSION: Final = 1
NONCE_SIZE: Final = 12
SECRET_FIELDS: Final = ("identities", "subject")


class UnsealedJobError(ConflictError):
    """A job message in clear, queued by a version before sealing: refused, never run."""


def seal_job(job: CollectionJob, keys: KeyWrapper) -> dict[str, Any]:
    """The job's message: the clear fields, and {identities, subject} sealed for this job id."""
    message = job.to_primitive()
    secret = {name: message.pop(name) for name in SECRET_FIELDS}
    data_key = new_data_key()
    wrapped = keys.wrap(data_key)
    nonce = os.urandom(NONCE_SIZE)
    ciphertext = AESGCM(data_key).encrypt(nonce, _canonical(secret), _canonical(message))
    message[SEALED] = {
        "v": SEALED_VERSION,
        "key_id": wrapped.key_id,
        "wrapped_key": _b64(wrapped.blob),
        "nonce": _b64(nonce),
        "ciphertext": _b64(ciphertext),
    }
    return message


def open_job(message: dict[str, Any], keys: KeyWrapper) -> CollectionJob:
    """The job a sealed message carries. UnsealedJobError for a message in clear, TamperedError
    for one that fails authentication or is malformed; both name the job id only."""
    clear = {k: v for k, v in message.items() if k != SEALED}
    job_id = job_id_of(clear)
    if SEALED not in message:
        raise UnsealedJobError(
            f"collection job {job_id}: its message is not sealed (queued by an older version); "
            "refused: submit the job again under a new job id"
        )
    refused = TamperedError(f"collection job {job_id}: its sealed payload failed authentication")
    try:
        sealed = message[SEALED]
        if sealed["v"] != SEALED_VERSION or set(clear) & set(SECRET_FIELDS):
            raise refused
        wrapped = WrappedKey(str(sealed["key_id"]), _unb64(sealed["wrapped_key"]))
        nonce, ciphertext = _unb64(sealed["nonce"]), _unb64(sealed["ciphertext"])
    except (KeyError, TypeError, ValueError, binascii.Error):
        raise refused from None
    try:
        data_key = keys.unwrap(wrapped)
        plain = AESGCM(data_key).decrypt(nonce, ciphertext, _canonical(clear))
    except (TamperedError, InvalidTag, ValueError):
        raise refused from None
    except ConfigurationError as exc:  # an unknown or retired master key: ids only
        raise ConfigurationError(f"collection job {job_id}: {exc}") from None
    try:
        return CollectionJob.from_primitive({**clear, **json.loads(plain)})
    except (KeyError, TypeError, ValueError):
        raise refused from None


def job_id_of(message: dict[str, Any]) -> str:
    """The message's job id when it is one (it is printed: nothing else may be)."""
    value = message.get("job_id") if isinstance(message, dict) else None
    return value if isinstance(value, str) and JOB_ID.match(value) else "(no valid job id)"


def _canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise TypeError("not base64 text")
    return base64.b64decode(text, validate=True)
