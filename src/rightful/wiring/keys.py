"""The keys the container loads, or makes on first use, from the paths the settings give."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rightful.domain.errors import ConfigurationError
from rightful.domain.key_ring import KeyRing
from rightful.settings import Settings

if TYPE_CHECKING:
    from rightful.adapters.db.base import Store


def audit_signing_key(settings: Settings, store: Callable[[], Store]) -> bytes:
    """The key that signs audit checkpoints; made on first use only while the chain is empty
    (`store` is opened only to look, when the key file is missing)."""
    from rightful.services.audit import load_or_create_signing_key

    path = settings.effective_signing_key_file
    if not path.exists() and _chain_started(store()):
        raise ConfigurationError(
            f"the audit signing key {path} does not exist, but the audit chain already "
            "holds entries: point audit_signing_key_file at the key that signed them (a new "
            "key would make every checkpoint look forged)"
        )
    return load_or_create_signing_key(path)


def _chain_started(store: Store) -> bool:
    """Whether the audit chain holds an entry (its key then exists somewhere)."""
    from sqlalchemy import exists, inspect, select

    from rightful.adapters.db.audit import AuditEntryRow

    if not inspect(store.engine).has_table(AuditEntryRow.__tablename__):
        return False  # no store yet: `rightful init` creates it, and the key
    with store.transaction() as session:
        return bool(session.scalar(select(exists().where(AuditEntryRow.seq > 0))))


def package_signing_key(settings: Settings) -> bytes:
    """The Ed25519 key that signs packages and OpenDSR answers (made on first use)."""
    from rightful.services.audit import load_or_create_signing_key

    return load_or_create_signing_key(
        settings.effective_package_signing_key_file, "package signing key"
    )


def web_secret(settings: Settings) -> bytes:
    """The secret web keys derive from: `web_secret`, else the one kept in data_dir."""
    from rightful.services.web_keys import load_or_create_web_secret

    configured = settings.web_secret.get_secret_value() if settings.web_secret else None
    return load_or_create_web_secret(configured, settings.data_dir / "keys" / "web_secret")


def web_previous_secrets(settings: Settings) -> tuple[bytes, ...]:
    """The secrets `web_secret` replaced, still accepted when a value made under them is
    checked (`web_previous_secrets`)."""
    from rightful.services.web_keys import previous_web_secrets

    return previous_web_secrets(s.get_secret_value() for s in settings.web_previous_secrets)


def web_keys(settings: Settings, purpose: str) -> KeyRing:
    """The key for one purpose under the web secret, and those under the previous ones."""
    from rightful.services.web_keys import subkeys

    return subkeys(web_secret(settings), web_previous_secrets(settings), purpose)
