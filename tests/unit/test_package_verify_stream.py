"""`rightful package verify` reads manifests and collection files as streams, so a recipient can
check a package of any size (REQUIREMENTS: Art. 15(3) copy, Art. 20 machine-readable), and its
verdict is the one the standard library's whole-document reading would give."""

from __future__ import annotations

import base64
import hashlib
import io
import itertools
import json
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from rightful.domain.audit import key_id_of
from rightful.domain.packages import SIGNATURE_FORMAT, canonical_bytes, signed_statement
from rightful.services.package_verify import verify_package
from rightful.services.verify_reading import (
    MAX_DEPTH,
    DamagedArchiveError,
    NestingTracker,
    Unstreamable,
    streamed,
)

KEY = Ed25519PrivateKey.generate()
COLLECTION = "data/shop.orders.json"


def rows_of(text: st.SearchStrategy[str]) -> st.SearchStrategy[list[dict[str, Any]]]:
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),  # past 64 bits too
        st.floats(allow_nan=True, allow_infinity=True),
        text,
    )
    values = st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
        max_leaves=6,
    )
    return st.lists(st.dictionaries(st.text(max_size=5), values, max_size=4), max_size=6)


# Rows as a source may hold them, and rows that can be hashed (canonical JSON is UTF-8, which
# has no form for a lone surrogate).
any_rows = rows_of(st.text(st.characters(exclude_categories=()) | st.characters(categories=["Cs"])))
rows = rows_of(st.text())


def as_json(value: Any, ensure_ascii: bool) -> bytes:
    """UTF-8 JSON; a lone surrogate has no UTF-8 form, so such text is written escaped."""
    try:
        return json.dumps(value, ensure_ascii=ensure_ascii).encode()
    except UnicodeEncodeError:
        return json.dumps(value).encode()


def package(
    records: list[Any],
    *,
    ensure_ascii: bool = True,
    blobs: int = 0,
    extra: dict[str, Any] | None = None,
) -> bytes:
    """A package ZIP as rightful lays it out: one collection file, its rows listed as record
    items, `blobs` small files, and a manifest signed in the /2 format."""
    collection = as_json({"collection": "shop.orders", "records": records}, ensure_ascii)
    members = {COLLECTION: collection}
    items: list[dict[str, Any]] = [
        {"id": f"r{n}", "kind": "record", "path": COLLECTION, "row": n,
         "sha256": hashlib.sha256(canonical_bytes(record)).hexdigest()}
        for n, record in enumerate(records)
    ]  # fmt: skip
    for n in range(blobs):
        data = f"recording {n}".encode()
        members[f"files/{n}.wav"] = data
        items.append({"id": f"b{n}", "kind": "blob", "path": f"files/{n}.wav", "size": len(data),
                      "sha256": hashlib.sha256(data).hexdigest()})  # fmt: skip
    manifest_doc = {
        "format": "rightful-package/1",
        "signing_key_id": key_id_of(KEY.public_key().public_bytes_raw()),
        "counts": {"items": len(items)},
        "files": [{"path": COLLECTION, "size": len(collection),
                   "sha256": hashlib.sha256(collection).hexdigest()}],
        "items": items,
        **(extra or {}),
    }  # fmt: skip
    manifest = json.dumps(manifest_doc, indent=1).encode()
    members["manifest.json"] = manifest
    members["manifest.sig"] = signature(manifest)
    return zipped(members, zipfile.ZIP_DEFLATED)


def signature(manifest: bytes) -> bytes:
    public = KEY.public_key().public_bytes_raw()
    key_id, sha256 = key_id_of(public), hashlib.sha256(manifest).hexdigest()
    return json.dumps({
        "format": SIGNATURE_FORMAT, "algorithm": "Ed25519", "key_id": key_id,
        "public_key": base64.b64encode(public).decode(), "manifest_sha256": sha256,
        "signature": base64.b64encode(KEY.sign(signed_statement(key_id, sha256))).decode(),
    }).encode()  # fmt: skip


def zipped(members: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def written(tmp_path: Path, data: bytes, name: str = "p.zip") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def same(a: Any, b: Any) -> bool:
    """Equal as JSON values, NaN and lone surrogates included."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


@settings(max_examples=300, deadline=None)
@given(records=any_rows, ensure_ascii=st.booleans())
def test_the_stream_reads_what_json_loads_reads_or_gives_way(
    records: list[Any], ensure_ascii: bool
) -> None:
    """Any document: the streaming reader yields exactly the standard library's rows, or says it
    cannot (and the verifier then reads the document whole); it never reads one otherwise."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(COLLECTION, as_json({"records": records}, ensure_ascii))
    with zipfile.ZipFile(out) as archive:
        expected = json.loads(archive.read(COLLECTION))["records"]
        try:
            got = list(streamed(archive, COLLECTION, "records.item"))
        except Unstreamable:
            return
    assert len(got) == len(expected)
    assert all(same(g, e) for g, e in zip(got, expected, strict=True))


@settings(max_examples=100, deadline=None)
@given(records=rows.filter(bool), ensure_ascii=st.booleans(), pick=st.integers(min_value=0))
def test_any_correct_package_verifies_and_any_changed_row_is_caught(
    tmp_path_factory: pytest.TempPathFactory, records: list[Any], ensure_ascii: bool, pick: int
) -> None:
    """Whatever the rows hold (wide integers, NaN, surrogates), a package whose hashes are right
    verifies, and one whose row no longer matches its listed hash does not."""
    folder = tmp_path_factory.mktemp("pkg")
    assert verify_package(written(folder, package(records, ensure_ascii=ensure_ascii))).ok
    changed = list(records)
    row = pick % len(changed)
    changed[row] = {**changed[row], "\x00changed": 1}
    data = package(changed, ensure_ascii=ensure_ascii)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    original = json.loads(members["manifest.json"])
    original["items"][row]["sha256"] = hashlib.sha256(canonical_bytes(records[row])).hexdigest()
    members["manifest.json"] = json.dumps(original, indent=1).encode()
    members["manifest.sig"] = signature(members["manifest.json"])
    report = verify_package(written(folder, zipped(members), "changed.zip"))
    assert report.problems == [f"r{row} ({COLLECTION} row {row}): SHA-256 does not match"]


def test_a_lone_surrogate_is_never_read_as_something_else(tmp_path: Path) -> None:
    """The streaming parser would read an escaped lone surrogate as "?": a row listed with the
    hash of its "?" form would pass. The file is read whole instead; the row cannot be
    canonical JSON, so it matches no listed hash, and verification says so (no crash)."""
    data = package([{"note": "? alone"}, {"note": "\U0001f600 paired"}])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    members[COLLECTION] = members[COLLECTION].replace(b"? alone", b"\\ud800 alone")
    manifest = json.loads(members["manifest.json"])
    manifest["files"][0]["sha256"] = hashlib.sha256(members[COLLECTION]).hexdigest()
    manifest["files"][0]["size"] = len(members[COLLECTION])
    members["manifest.json"] = json.dumps(manifest).encode()
    members["manifest.sig"] = signature(members["manifest.json"])
    changed = written(tmp_path, zipped(members))
    with zipfile.ZipFile(changed) as archive, pytest.raises(Unstreamable):
        list(streamed(archive, COLLECTION, "records.item"))
    assert verify_package(changed).problems == [f"r0 ({COLLECTION} row 0): SHA-256 does not match"]


def test_a_manifest_the_stream_refuses_is_read_whole(tmp_path: Path) -> None:
    """A manifest holding an integer past 64 bits (which the streaming parser refuses) still
    verifies, read whole; a changed blob in it is still caught."""
    data = package([{"n": 1}], blobs=2, extra={"note": 2**80})
    assert verify_package(written(tmp_path, data)).ok
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    members["files/1.wav"] = b"someone else"
    problems = verify_package(written(tmp_path, zipped(members), "x.zip")).problems
    assert problems == ["b1 (files/1.wav): size does not match the manifest (12 bytes, not 11)"]


def test_a_manifest_that_is_not_an_object_is_named(tmp_path: Path) -> None:
    """Valid JSON of the wrong shape is a problem stated, not a crash."""
    members = {"manifest.json": b"[1, 2]", "manifest.sig": signature(b"[1, 2]")}
    report = verify_package(written(tmp_path, zipped(members)))
    assert report.problems == ["manifest.json is not a JSON object"]


def test_an_item_without_a_path_is_named(tmp_path: Path) -> None:
    data = package([{"n": 1}], extra={})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    manifest = json.loads(members["manifest.json"])
    manifest["items"].append({"id": "b9", "kind": "blob"})
    manifest["counts"]["items"] += 1
    members["manifest.json"] = json.dumps(manifest).encode()
    members["manifest.sig"] = signature(members["manifest.json"])
    report = verify_package(written(tmp_path, zipped(members)))
    assert report.problems == ["b9: the manifest names no path for it"]


def verify_peak(path: Path) -> int:
    tracemalloc.start()
    try:
        assert verify_package(path).ok
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_verifying_holds_no_copy_of_the_manifest_or_the_rows(tmp_path: Path) -> None:
    """Memory grows with the number of items only by what must be remembered per item (its
    row's hash, a member name), not by the manifest's or the collection file's size: 20,000
    rows and 5,000 files against 400 rows and 100 files."""
    rows_of = [
        {"order": n, "note": "x" * 200, "placed": "2026-01-01T00:00:00+00:00"}
        for n in range(20_000)
    ]
    small = verify_peak(written(tmp_path, package(rows_of[:400], blobs=100), "small.zip"))
    large = verify_peak(written(tmp_path, package(rows_of, blobs=5_000), "large.zip"))
    assert large - small < 16 * 2**20, f"{(large - small) / 2**20:.1f} MiB more for 20,000 items"


def nested(depth: int, text: str) -> bytes:
    """JSON nested `depth` deep (written by hand: json.dumps stops near 1000 levels), with
    keys and a value full of brackets, quotes and backslashes."""
    string = json.dumps(text).encode()
    opening = [b"[" if level % 2 else b'{"k[{\\\\\\"":' for level in range(depth)]
    closing = [b"]" if level % 2 else b"}" for level in reversed(range(depth))]
    return b"".join(opening) + string + b"".join(closing)


@settings(max_examples=200, deadline=None)
@given(
    depth=st.integers(0, MAX_DEPTH + 3),
    text=st.text(alphabet='[]{}"\\ab', max_size=12),
    cuts=st.lists(st.integers(0, 10_000), max_size=6),
)
def test_nesting_is_measured_outside_strings_however_the_document_is_cut(
    depth: int, text: str, cuts: list[int]
) -> None:
    """Brackets, quotes and backslashes inside strings (also a string cut in two, or cut after
    a backslash) never count: a document is refused exactly when it nests too deep."""
    document = nested(depth, text)
    tracker = NestingTracker("x.json")
    edges = sorted({0, len(document), *(c % (len(document) + 1) for c in cuts)})
    try:
        for start, end in itertools.pairwise(edges):
            tracker.feed(document[start:end])
    except DamagedArchiveError:
        assert depth > MAX_DEPTH
    else:
        assert depth <= MAX_DEPTH


def members_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {n: archive.read(n) for n in archive.namelist()}


def relisted(members: dict[str, bytes], collection: bytes) -> None:
    """Put `collection` in the package, listed and signed as if it had always been there."""
    members[COLLECTION] = collection
    manifest = json.loads(members["manifest.json"])
    manifest["files"][0].update(size=len(collection), sha256=hashlib.sha256(collection).hexdigest())
    members["manifest.json"] = json.dumps(manifest).encode()
    members["manifest.sig"] = signature(members["manifest.json"])


# JSON text with a key twice, as no json.dumps writes it: (member, old, new, the key).
KEY_TWICE = {
    "manifest": ("manifest.json", b'"items": [', b'"items": [], "items": [', "items"),
    "manifest-item": ("manifest.json", b'"kind": "record"', b'"kind": "blob", "kind": "record"',
                      "kind"),
    "collection": (COLLECTION, b'"records": [', b'"records": [], "records": [', "records"),
    "row": (COLLECTION, b'{"n": 1}', b'{"n": 2, "n": 1}', "n"),
}  # fmt: skip


@pytest.mark.parametrize("read_whole", [False, True], ids=["streamed", "read-whole"])
@pytest.mark.parametrize("where", KEY_TWICE)
def test_a_document_holding_a_key_twice_is_refused_by_either_reader(
    tmp_path: Path, where: str, read_whole: bool
) -> None:
    """json.loads keeps the last of two equal keys, the stream sees both: a manifest listing
    `items` twice verified a different item list depending on the reader. A verifier must not
    pick one: the package is refused, naming the file and the key, whichever reader reads it
    (an escaped surrogate makes the stream give way to the whole-document reader)."""
    member, old, new, key = KEY_TWICE[where]
    members = members_of(package([{"n": 1}], ensure_ascii=False))
    text = members[member].replace(b"\n", b"").replace(b"  ", b"").replace(b"[ ", b"[")
    assert old in text, text
    text = text.replace(old, new, 1)
    if read_whole:
        text = text.replace(b"{", b'{"note": "\\ud83d\\ude00", ', 1)
    if member == COLLECTION:
        relisted(members, text)
    else:
        members["manifest.json"] = text
        members["manifest.sig"] = signature(text)
    problems = verify_package(written(tmp_path, zipped(members))).problems
    assert problems == [
        f"{member}: the key {key!r} appears twice in one object; readers differ on which "
        "counts, so it is not read further"
    ]


def test_a_signature_holding_a_key_twice_is_refused(tmp_path: Path) -> None:
    """manifest.sig is read by the same guarded reader: a second `key_id` (which one the signed
    statement names would be the reader's choice) is refused, named; the contents are still
    checked and said to be intact."""
    members = members_of(package([{"n": 1}]))
    sig = members["manifest.sig"]
    members["manifest.sig"] = sig.replace(b'"key_id": ', b'"key_id": "k0", "key_id": ', 1)
    problems = verify_package(written(tmp_path, zipped(members))).problems
    assert problems == [
        "manifest.sig: the key 'key_id' appears twice in one object; readers differ on which "
        "counts, so it is not read further"
    ]
    members["manifest.sig"] = b'{"format": 2'
    problems = verify_package(written(tmp_path, zipped(members), "cut.zip")).problems
    assert problems == ["manifest.sig is not a readable signature"]


@pytest.mark.parametrize("member", ["manifest.json", "manifest.sig", COLLECTION])
def test_json_within_the_depth_limit_that_json_loads_cannot_read_is_named(
    tmp_path: Path, member: str
) -> None:
    """json.loads gives up (RecursionError) a little short of MAX_DEPTH levels: a manifest read
    whole (an escaped surrogate in it) nested 999 deep crashed verify with a traceback. Every
    document read whole goes through one reader that says so, naming the file."""
    deep = b'{"x": "\\ud800", "records": ' + b"[" * (MAX_DEPTH - 2) + b"]" * (MAX_DEPTH - 2) + b"}"
    members = members_of(package([{"n": 1}]))
    if member == COLLECTION:
        relisted(members, deep)
    else:
        members[member] = deep
        if member == "manifest.json":
            members["manifest.sig"] = signature(deep)
    problems = verify_package(written(tmp_path, zipped(members))).problems
    assert f"{member}: nested too deep to be read" in problems, problems
