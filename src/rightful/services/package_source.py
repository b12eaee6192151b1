"""Where links get their bytes: the approved packages of the store (issue 5's package service),
and an in-memory source for tests and demos without a built package."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rightful.domain.delivery import NotDeliverableError
from rightful.domain.errors import NotFoundError
from rightful.services.package_review import PackageReview
from rightful.services.packaging import PackageService

if TYPE_CHECKING:
    from rightful.bootstrap import Container


@dataclass(frozen=True)
class StoredPackages:
    """Reads packages decrypted chunk by chunk; only approved, unchanged ones may go out.
    The package services are looked up on first use (they need the data map)."""

    c: Container

    @property
    def packages(self) -> PackageService:
        return self.c.packages

    @property
    def review(self) -> PackageReview:
        return self.c.package_review

    @classmethod
    def of(cls, c: Container) -> StoredPackages:
        return cls(c)

    def assert_deliverable(self, package_id: str) -> None:
        self.review.assert_deliverable(package_id)

    def request_of(self, package_id: str) -> str:
        return self.packages.get(package_id).request_id

    def mark_delivered(self, transaction: Any, package_id: str) -> None:
        self.packages.mark_delivered(transaction, package_id)

    def plaintext_size(self, package_id: str) -> int:
        package = self.packages.get(package_id)
        if package.plaintext_size is None:
            raise NotDeliverableError("the package was not finished")
        return package.plaintext_size

    def read_range(self, package_id: str, start: int, end: int) -> Iterator[bytes]:
        reader = self.packages.open_plaintext(self.packages.get(package_id))
        with reader:
            yield from reader.iter_range(start, end + 1)


@dataclass
class MemoryPackages:
    """Packages held in memory by id; `frozen` ones refuse delivery like a frozen package."""

    contents: dict[str, bytes] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)
    frozen: set[str] = field(default_factory=set)
    delivered: set[str] = field(default_factory=set)
    piece: int = 64 * 1024
    reads: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, package_id: str, content: bytes, request_id: str = "") -> None:
        self.contents[package_id] = content
        self.owners[package_id] = request_id

    def request_of(self, package_id: str) -> str:
        if package_id not in self.owners:
            raise NotFoundError(f"no package {package_id}")
        return self.owners[package_id]

    def assert_deliverable(self, package_id: str) -> None:
        if package_id not in self.contents:
            raise NotFoundError(f"no package {package_id}")
        if package_id in self.frozen:
            raise NotDeliverableError("the package is frozen, not approved")

    def mark_delivered(self, transaction: Any, package_id: str) -> None:
        self.assert_deliverable(package_id)
        self.delivered.add(package_id)

    def plaintext_size(self, package_id: str) -> int:
        return len(self.contents[package_id])

    def read_range(self, package_id: str, start: int, end: int) -> Iterator[bytes]:
        data = self.contents[package_id]
        for at in range(start, end + 1, self.piece):
            with self._lock:
                self.reads += 1
            yield data[at : min(at + self.piece, end + 1)]
