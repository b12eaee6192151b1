"""Rotating the package signing key. The retired key's public half is kept beside the new key,
so that packages signed before stay verifiable against what the controller published; its
private half is deleted, so that nothing can be signed with it any more."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from rightful.adapters.db.base import Store
from rightful.adapters.files import atomic_writer, exclusive_lock, make_folder
from rightful.domain.audit import key_id_of, public_key_of
from rightful.domain.staff import Principal
from rightful.services.audit import AuditService, load_or_create_signing_key, public_key_pem


def retired_folder(key_file: Path) -> Path:
    """Where the public halves of retired signing keys are kept: `<key file>.retired/`."""
    return key_file.with_name(key_file.name + ".retired")


def published_keys(key_file: Path) -> str:
    """The current public key (PEM), then every retired one, oldest last."""
    current = public_key_pem(public_key_of(load_or_create_signing_key(key_file, _WHAT)))
    folder = retired_folder(key_file)
    retired = sorted(folder.glob("*.pem"), key=lambda p: p.stat().st_mtime, reverse=True)
    return current + "".join(path.read_text(encoding="ascii") for path in retired)


def lock_file(key_file: Path) -> Path:
    """Held while a rotation runs: `<key file>.lock`."""
    return key_file.with_name(key_file.name + ".lock")


def rotate_signing_key(
    key_file: Path, store: Store, audit: AuditService, by: Principal
) -> tuple[str, str]:
    """Replace the signing key with a new one; (retired id, new id). The old public key is
    written to the retired folder before the new private key replaces the old one in one
    rename, so an interruption loses no key that a signature needs. Rotations take turns (a
    lock beside the key file): two at once would both retire the same key, and the new key of
    the first, replaced by the second's unretired, would vanish from `public-key --all`."""
    with exclusive_lock(lock_file(key_file)):
        old_id, new_id = _replace_key(key_file)
    with store.transaction() as session:
        audit.record(
            session, by.id, by.role_name, "package.signing_key_rotated", None,
            retired_key_id=old_id, key_id=new_id,
        )  # fmt: skip
    return old_id, new_id


def _replace_key(key_file: Path) -> tuple[str, str]:
    old_public = public_key_of(load_or_create_signing_key(key_file, _WHAT))
    old_id = key_id_of(old_public)
    make_folder(retired_folder(key_file))
    with atomic_writer(retired_folder(key_file) / f"{old_id}.pem", mode=0o644) as out:
        out.write(public_key_pem(old_public).encode("ascii"))
    new = Ed25519PrivateKey.generate()
    pem = new.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with atomic_writer(key_file, prefix=".new-", mode=0o600) as out:
        out.write(pem)
    return old_id, key_id_of(new.public_key().public_bytes_raw())


_WHAT = "package signing key"
