"""Counting what a package file copies through its staging buffer (storage/package_file.py)."""

from __future__ import annotations

import pytest

from rightful.adapters.storage.package_file import PackageFile


def count_staged(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sizes of the writes a PackageFile copies into its stage, from now on."""
    staged: list[int] = []
    stage_bytes = PackageFile._stage_bytes

    def counted(self: PackageFile, view: memoryview) -> None:
        staged.append(view.nbytes)
        stage_bytes(self, view)

    monkeypatch.setattr(PackageFile, "_stage_bytes", counted)
    return staged
