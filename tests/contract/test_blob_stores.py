"""The BlobStore contract, for the filesystem store and the in-memory one."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from rightful.adapters.sources import open_blob_store
from rightful.adapters.sources.memory import MemoryBlobStore
from rightful.domain.errors import ConfigurationError, InvalidInputError, NotFoundError
from rightful.domain.sources import BlobStore

OBJECTS = {"dev/1.wav": b"RIFF....WAVE", "dev/2.wav": b"", "top.bin": bytes(range(256))}


@pytest.fixture(params=["filesystem", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
    if request.param == "memory":
        yield MemoryBlobStore("rec", OBJECTS)
        return
    root = tmp_path / "bucket"
    for key, data in OBJECTS.items():
        (root / key).parent.mkdir(parents=True, exist_ok=True)
        (root / key).write_bytes(data)
    (tmp_path / "secret.txt").write_text("outside the store")
    os.symlink(tmp_path / "secret.txt", root / "link.txt")
    yield open_blob_store("rec", root.as_uri())


def test_open_streams_the_bytes(store: BlobStore) -> None:
    for key, data in OBJECTS.items():
        with store.open(f"blob://rec/{key}") as stream:
            assert stream.read() == data
        assert store.size(f"blob://rec/{key}") == len(data)
        assert store.exists(f"blob://rec/{key}")


def test_a_missing_object_is_not_found(store: BlobStore) -> None:
    assert not store.exists("blob://rec/dev/3.wav")
    with pytest.raises(NotFoundError):
        store.open("blob://rec/dev/3.wav")
    with pytest.raises(NotFoundError):
        store.size("blob://rec/dev/3.wav")


@pytest.mark.parametrize(
    "uri",
    [
        "blob://rec/../secret.txt",
        "blob://rec/dev/../../secret.txt",
        "blob://rec//etc/passwd",
        "blob://rec/",
        "blob://other/dev/1.wav",
        "file:///etc/passwd",
        "blob://rec/dev\\..\\x",
        "blob://rec/dev/./1.wav",
        "blob://rec/c:/windows",
    ],
)
def test_uris_that_leave_the_store_are_refused(store: BlobStore, uri: str) -> None:
    assert not store.exists(uri)
    with pytest.raises(InvalidInputError):
        store.open(uri)


def test_a_symlink_out_of_the_store_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "bucket"
    root.mkdir()
    (tmp_path / "secret.txt").write_text("outside")
    os.symlink(tmp_path / "secret.txt", root / "link.txt")
    store = open_blob_store("rec", root.as_uri())
    with pytest.raises(InvalidInputError):
        store.open("blob://rec/link.txt")


def test_a_blob_store_needs_an_existing_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as missing:
        open_blob_store("rec", (tmp_path / "missing").as_uri())
    assert str(missing.value) == (
        f"blob store rec: the folder does not exist ({tmp_path}/missing); restore it or correct "
        "the store's DSN"
    )
    (tmp_path / "a-file").write_text("")
    with pytest.raises(ConfigurationError) as a_file:
        open_blob_store("rec", (tmp_path / "a-file").as_uri())
    assert str(a_file.value) == f"blob store rec: {tmp_path}/a-file is a file, not a folder"
    with pytest.raises(ConfigurationError):
        open_blob_store("rec", "s3://bucket")


def test_a_linked_folder_out_of_the_store_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "bucket"
    root.mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "1.wav").write_bytes(b"someone else")
    os.symlink(tmp_path / "elsewhere", root / "dev")
    store = open_blob_store("rec", root.as_uri())
    with pytest.raises(InvalidInputError):
        store.open("blob://rec/dev/1.wav")
    assert not store.exists("blob://rec/dev/1.wav")


def test_a_link_that_stays_inside_the_store_is_followed(tmp_path: Path) -> None:
    root = tmp_path / "bucket"
    (root / "dev").mkdir(parents=True)
    (root / "dev" / "1.wav").write_bytes(b"RIFF")
    os.symlink(root / "dev" / "1.wav", root / "alias.wav")
    store = open_blob_store("rec", root.as_uri())
    with store.open("blob://rec/alias.wav") as stream:
        assert stream.read() == b"RIFF"


def test_only_regular_files_are_objects(tmp_path: Path) -> None:
    root = tmp_path / "bucket"
    (root / "dev").mkdir(parents=True)
    os.mkfifo(root / "pipe")  # opening must not wait for a writer
    store = open_blob_store("rec", root.as_uri())
    for uri in ("blob://rec/dev", "blob://rec/pipe", "blob://rec/dev/1.wav/x"):
        assert not store.exists(uri)
        with pytest.raises(NotFoundError):
            store.open(uri)
