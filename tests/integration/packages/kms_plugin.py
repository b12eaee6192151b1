"""An external key service as an operator would plug one in (`package_key_wrapper =
"tests.integration.packages.kms_plugin:connect"`): it holds versioned keys itself, rotates on
its own schedule, and rightful only ever sees key ids and wrapped blobs."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from rightful.domain.errors import ConfigurationError
from rightful.domain.package_ports import WrappedKey
from rightful.settings import Settings


@dataclass
class Vault:
    """The service's side: every key version it has, and the one it wraps with."""

    versions: dict[str, bytes] = field(default_factory=dict)
    current: str = ""
    down: bool = False  # unreachable: every call fails as a client library's would

    def rotate(self) -> str:
        self.current = f"kms-v{len(self.versions) + 1}"
        self.versions[self.current] = os.urandom(32)
        return self.current


VAULTS: dict[str, Vault] = {}


class VaultKeys:
    """rightful's side of the service: the KeyWrapper port."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    @property
    def current_key_id(self) -> str:
        return self._vault.current

    def wrap(self, data_key: bytes) -> WrappedKey:
        self._answer()
        current = self._vault.current
        return WrappedKey(current, aes_key_wrap(self._vault.versions[current], data_key))

    def unwrap(self, wrapped: WrappedKey) -> bytes:
        self._answer()
        key = self._vault.versions.get(wrapped.key_id)
        if key is None:
            raise ConfigurationError(f"the key service has no version {wrapped.key_id}")
        try:
            return aes_key_unwrap(key, wrapped.blob)
        except InvalidUnwrap:
            raise ConfigurationError("the key service refused to unwrap") from None

    def known_key_ids(self) -> tuple[str, ...]:
        return tuple(self._vault.versions)

    def _answer(self) -> None:
        if self._vault.down:
            raise ConnectionError("kms.internal:443: connection refused")


def connect(settings: Settings) -> VaultKeys:
    """One vault per data folder, so that tests running side by side keep theirs apart."""
    vault = VAULTS.setdefault(str(settings.data_dir), Vault())
    if not vault.current:
        vault.rotate()
    return VaultKeys(vault)


def not_a_wrapper(settings: Settings) -> object:
    return object()
