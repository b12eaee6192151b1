"""Building the access package: exactly the subject's data, laid out to be read by people and
machines, encrypted at rest (REQUIREMENTS.md:19-21, The access response, Art. 15, Art. 20)."""

from __future__ import annotations

import dataclasses
import errno
import gc
import hashlib
import json
import os
import weakref
import zipfile
from pathlib import Path
from typing import Any

import pytest

from rightful.adapters.buffers import ALIGNED, BUFFERS, KEEP
from rightful.adapters.datamap.fides_yaml import load_datamap
from rightful.adapters.db.packages import PackageRow
from rightful.adapters.packaging import spool
from rightful.demo import expected_records
from rightful.demo.estate import DemoEstate, EstateRow
from rightful.demo.story import hearthly
from rightful.domain.deadlines import Jurisdiction
from rightful.domain.errors import ConflictError
from rightful.domain.lifecycle import Status
from rightful.domain.provenance import SubjectKey
from rightful.services import packaging
from rightful.services.package_keys import subject_pseudonym

from .world import (
    AGENT,
    REVIEWER,
    World,
    make_world,
    manifest_of,
    packaged_records,
    zip_bytes,
)

ANNA, BEN, CARL, DORA = 1, 2, 4, 5
CUSTOMER_IDS = [c.customer_id for c in hearthly().customers]


@pytest.mark.parametrize("customer", CUSTOMER_IDS)
def test_each_customers_package_holds_exactly_their_records(world: World, customer: int) -> None:
    """Ground truth of the demo estate: no foreign record, no missing record (resold speaker,
    partner on the owner's speaker, namesakes, recycled address, wildcard address)."""
    rid = world.request_for(customer)
    package = world.c.packages.build(rid, AGENT)
    assert package.status == "ready"
    assert world.status(rid) is Status.IN_REVIEW
    assert world.estate.demo is not None
    assert packaged_records(world, package.id) == expected_records(world.estate.demo, customer)


def test_recordings_are_stored_uncompressed_with_the_hash_of_their_bytes(world: World) -> None:
    package = world.c.packages.build(world.request_for(ANNA), AGENT)
    archive = zip_bytes(world, package.id)
    blobs = [i for i in manifest_of(world, package.id)["items"] if i["kind"] == "blob"]
    assert len(blobs) == package.blob_count == 5
    estate = world.estate.demo
    assert estate is not None
    for blob in blobs:
        info = archive.getinfo(blob["path"])
        assert info.compress_type == zipfile.ZIP_STORED
        data = archive.read(blob["path"])
        assert data[:4] == b"RIFF" and hashlib.sha256(data).hexdigest() == blob["sha256"]
        assert data in estate.blobs.values()
    assert archive.getinfo("manifest.json").compress_type == zipfile.ZIP_DEFLATED


def test_each_collection_becomes_one_json_file_and_one_csv_file(world: World) -> None:
    """Art. 20: structured, commonly used, machine-readable."""
    package = world.c.packages.build(world.request_for(ANNA), AGENT)
    archive = zip_bytes(world, package.id)
    for collection, count in package.counts_by_collection.items():
        doc = json.loads(archive.read(f"data/{collection}.json"))
        assert doc["collection"] == collection and len(doc["records"]) == count
        lines = archive.read(f"data/{collection}.csv").decode("utf-8-sig").splitlines()
        assert lines[0].split(",") == doc["fields"]
    contacts = json.loads(archive.read("data/accounts.contacts.json"))
    assert set(contacts["third_party_fields"]) == {"contact_name", "contact_phone"}


def test_every_item_is_listed_with_source_key_chain_categories_hash_and_path(world: World) -> None:
    package = world.c.packages.build(world.request_for(DORA), AGENT)
    manifest = manifest_of(world, package.id)
    assert manifest["request_id"] == package.request_id and manifest["generated_at"]
    records = [i for i in manifest["items"] if i["kind"] == "record"]
    archive = zip_bytes(world, package.id)
    for item in records:
        assert item["source"] and item["collection"] and item["key"] and item["categories"]
        assert item["chain"], "every record shows how it links to the subject"
        row = json.loads(archive.read(item["path"]))["records"][item["row"]]
        canonical = json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert hashlib.sha256(canonical.encode()).hexdigest() == item["sha256"]
    recording = next(i for i in records if i["collection"] == "speaker.recordings")
    assert any(link["window"] for link in recording["chain"]), "the ownership window checked"


def test_the_subject_is_named_only_by_a_keyed_pseudonym(world: World) -> None:
    package = world.c.packages.build(world.request_for(CARL), AGENT)
    subject = manifest_of(world, package.id)["subject"]
    key = world.c.packages.config.pseudonym_key
    assert subject == subject_pseudonym(key, SubjectKey("accounts.customers", CARL))
    assert subject != subject_pseudonym(b"another key" * 4, SubjectKey("accounts.customers", CARL))
    assert str(CARL) not in subject or len(subject) == 32


# What the demo map declares, in the words it gives for each language.
MAP_TEXTS = {
    "en": [
        "Operate the voice assistant",
        "Standard contractual clauses",
        "18 months after recording",
        "Synced from the data subject",
        "Art. 6(1)(a) GDPR: consent",
        "Hosting provider (Hetzner Online GmbH)",
    ],
    "de": [
        "Betrieb des Sprachassistenten",
        "Standardvertragsklauseln",
        "18 Monate nach der Aufnahme",
        "Aus dem Telefon-Adressbuch",
        "Art. 6 Abs. 1 lit. a DSGVO: Einwilligung",
        "Hosting-Anbieter (Hetzner Online GmbH)",
    ],
}


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "en",
            ["Your personal data", "Your rights", "supervisory authority", "outside the EU/EEA"],
        ),
        (
            "de",
            [
                "Ihre personenbezogenen Daten",
                "Ihre Rechte",
                "Aufsichtsbehörde",
                "außerhalb der EU/des EWR",
            ],
        ),
    ],
)
def test_index_explains_the_package_in_the_requesters_language(
    world: World, language: str, words: list[str]
) -> None:
    """Art. 15(1)(a)-(h): purposes, categories, recipients (third countries and safeguards),
    retention, source, rights incl. complaint, automated decisions; Art. 15(4) marked."""
    package = world.c.packages.build(world.request_for(ANNA, language=language), AGENT)
    archive = zip_bytes(world, package.id)
    html = archive.read("index.html").decode()
    for word in words:
        assert word in html
    for fact in [
        "SpeechCloud Inc.",
        "Art. 77",
        "Art. 15",
        "Sächsische Datenschutzbeauftragte",
        "privacy@hearthly.example",
        *MAP_TEXTS[language],
    ]:
        assert fact in html, fact
    assert "contact_name, contact_phone" in html, "third-party data is marked"
    assert f'lang="{language}"' in html
    for link in _links(html):
        assert link in archive.namelist(), link
    assert "<script" not in html and "http://" not in html and "https://" not in html


@pytest.mark.parametrize(
    ("law", "named", "not_named"),
    [
        (Jurisdiction.GDPR, ["(Art. 17)", "Art. 77", "Sächsische Datenschutzbeauftragte"],
         ["California", "Information Commissioner"]),
        (Jurisdiction.UK_GDPR,
         ["(Art. 17)", "Information Commissioner's Office", "UK GDPR Art. 77"],
         ["Sächsische", "EU country", "California"]),
        (Jurisdiction.CCPA,
         ["§1798.105", "§1798.120", "§1798.125", "California Privacy Protection Agency"],
         ["Sächsische", "Art. 77", "(Art. 17)", "Art. 6(1)"]),
    ],
)  # fmt: skip
def test_index_names_the_rights_and_the_regulator_of_the_requests_law(
    world: World, law: Jurisdiction, named: list[str], not_named: list[str]
) -> None:
    """REQUIREMENTS.md:19: the rights and the right to complain, as the request's law gives
    them (a Californian has no EU supervisory authority to complain to)."""
    package = world.c.packages.build(world.request_for(ANNA, jurisdiction=law), AGENT)
    html = zip_bytes(world, package.id).read("index.html").decode().replace("&#39;", "'")
    for words in named:
        assert words in html, words
    for words in not_named:
        assert words not in html, words


def test_index_escapes_what_it_is_given(tmp_path: Path) -> None:
    w = make_world(
        f"sqlite:///{tmp_path}/r.db",
        tmp_path,
        hearthly(),
        controller_name='<script>alert("x")</script>',
    )
    package = w.c.packages.build(w.request_for(BEN), AGENT)
    html = zip_bytes(w, package.id).read("index.html").decode()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_index_escapes_what_the_data_map_says(tmp_path: Path) -> None:
    """The Art. 15 text of each collection comes from the data map, which staff edit."""
    hostile = "<img src=x onerror=alert(1)>"
    maps = []
    for path in hearthly().datamap_files:
        copy = tmp_path / path.name
        copy.write_text(path.read_text().replace("Sell and deliver products", hostile))
        maps.append(copy)
    w = make_world(f"sqlite:///{tmp_path}/r.db", tmp_path, hearthly())
    w.c.datamap = load_datamap(maps)  # type: ignore[misc]
    package = w.c.packages.build(w.request_for(ANNA), AGENT)
    html = zip_bytes(w, package.id).read("index.html").decode()
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_categories_above_the_verified_level_are_withheld_until_step_up(world: World) -> None:
    """One e-mail code (standard) does not open voice recordings (high)."""
    package = world.c.packages.build(world.request_for(ANNA, high=False), AGENT)
    manifest = manifest_of(world, package.id)
    assert not any(i["collection"] == "speaker.recordings" for i in manifest["items"])
    assert [w["collection"] for w in manifest["withheld"]] == ["speaker.recordings"]
    html = zip_bytes(world, package.id).read("index.html").decode()
    assert "Data that needs a further check" in html and "Voice recordings" in html
    assert package.withheld and package.status == "ready"


def test_data_waiting_for_a_step_up_comes_with_its_article_15_information(world: World) -> None:
    """REQUIREMENTS.md:19: the Art. 15(1)(a)-(h) information is owed with the confirmation, not
    only with the copy. Before a step-up, the page listed the recordings' categories and said
    nothing of why they are used, how long they are kept or that they go to the US."""
    package = world.c.packages.build(world.request_for(ANNA, high=False), AGENT)
    html = zip_bytes(world, package.id).read("index.html").decode()
    waiting = html[html.index("Data that needs a further check") : html.index("Your rights")]
    for fact in [
        "Answer voice requests; Improve speech recognition (opt-in)",
        "18 months after recording",
        "SpeechCloud Inc. (speech-to-text processor) (US, outside the EU/EEA)",
        "Standard contractual clauses",
        "Generated by the data subject",
        "Speech is transcribed automatically",
    ]:
        assert fact in waiting, fact
    assert 'href="data/speaker.recordings' not in html, "the data itself still waits"


def test_hostile_blob_names_become_safe_and_distinct_files(tmp_path: Path) -> None:
    hostile = [
        "D-1001/a b.wav",
        "D-1001/a_b.wav",
        "D-1001/CON.wav",
        "D-1001/.hidden",
        "D-1001/evil\u202egnp.exe",
        "D-1001/x%2F..%2Fy.wav",
    ]
    w = make_world(f"sqlite:///{tmp_path}/r.db", tmp_path, _renamed_blobs(hearthly(), hostile))
    package = w.c.packages.build(w.request_for(ANNA), AGENT)
    assert package.status == "ready"
    archive = zip_bytes(w, package.id)
    files = [n for n in archive.namelist() if n.startswith("files/")]
    assert len(files) == len(set(n.lower() for n in files)) == 5
    for name in files:
        last = name.rsplit("/", 1)[1]
        assert ".." not in name and not last.startswith(".") and last.isascii()


def test_packages_are_encrypted_at_rest_each_under_its_own_key(world: World) -> None:
    first = world.c.packages.build(world.request_for(ANNA), AGENT)
    second = world.c.packages.build(world.request_for(CARL), AGENT)
    stored = (world.c.settings.data_dir / "packages" / first.object_name).read_bytes()
    assert b"RIFF" not in stored and b"weather" not in stored and b"PK\x03\x04" not in stored
    assert world.c.packages.data_key(first) != world.c.packages.data_key(second)
    assert first.wrapped_key != second.wrapped_key


def test_a_rebuild_supersedes_the_package_sent_back(world: World) -> None:
    rid = world.request_for(ANNA)
    first = world.c.packages.build(rid, AGENT)
    world.c.package_review.send_back(first.id, REVIEWER, "the newsletter record looks wrong")
    assert world.status(rid) is Status.COLLECTING
    second = world.c.packages.build(rid, AGENT)
    assert world.c.packages.get(first.id).status == "superseded"
    assert world.c.packages.current(rid).id == second.id


def test_only_a_collecting_request_is_packaged(world: World) -> None:
    rid = world.request_for(ANNA)
    world.c.packages.build(rid, AGENT)
    with pytest.raises(ConflictError):
        world.c.packages.build(rid, AGENT)


def test_a_failed_build_keeps_nothing_and_is_audited(world: World) -> None:
    rid = world.request_for(ANNA)

    def breaks(*args: Any, **kwargs: Any) -> Any:
        yield from world.c.packages.collector(*args, **kwargs)
        raise OSError("source went away")

    with pytest.raises(OSError, match="source went away"):
        world.packages_with(breaks).build(rid, AGENT)
    [package] = world.c.packages.for_request(rid)
    assert package.status == "failed"
    assert not world.c.package_objects.exists(package.object_name)
    assert "package.build_failed" in world.actions(rid)
    assert world.status(rid) is Status.COLLECTING


def test_the_gate_reads_the_package_back_before_it_is_named_and_judges_it_after(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The leak gate runs while the disk makes the package durable; the verdict, which makes
    it reviewable, is recorded only for a package stored under its name."""
    rid = world.request_for(ANNA)
    seen: list[tuple[bool, str]] = []
    run_gate = packaging.run_gate

    def gate(*args: Any, **kwargs: Any) -> Any:
        [building] = world.c.packages.for_request(rid)
        seen.append((world.c.package_objects.exists(building.object_name), building.status))
        return run_gate(*args, **kwargs)

    monkeypatch.setattr(packaging, "run_gate", gate)
    package = world.c.packages.build(rid, AGENT)
    assert seen == [(False, "building")]
    assert package.status == "ready" and world.c.package_objects.exists(package.object_name)
    assert packaged_records(world, package.id) == expected_records(world.estate.demo, ANNA)


def test_a_package_written_past_the_page_cache_holds_the_same(tmp_path: Path) -> None:
    """`package_write_past_cache` changes how the bytes reach the disk, nothing of what the
    package holds or how it is judged."""
    past = make_world(
        f"sqlite:///{tmp_path}/rightful.db", tmp_path, hearthly(), package_write_past_cache=True
    )
    assert past.c.package_objects.past_cache
    package = past.c.packages.build(past.request_for(ANNA), AGENT)
    assert package.status == "ready"
    assert past.estate.demo is not None
    assert packaged_records(past, package.id) == expected_records(past.estate.demo, ANNA)
    with past.c.packages.open_plaintext(package) as reader:
        assert zipfile.ZipFile(reader).testzip() is None


def test_a_package_the_disk_cannot_make_durable_fails_without_a_verdict(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    rid = world.request_for(ANNA)
    real = os.fsync

    def failing(fd: int) -> None:
        if ".partial-" in os.readlink(f"/proc/self/fd/{fd}"):  # the package's own file
            raise OSError(errno.EIO, "Input/output error")
        real(fd)

    monkeypatch.setattr(os, "fsync", failing)
    with pytest.raises(OSError, match="Input/output error"):
        world.c.packages.build(rid, AGENT)
    [package] = world.c.packages.for_request(rid)
    assert package.status == "failed"
    assert not world.c.package_objects.exists(package.object_name)
    actions = world.actions(rid)
    assert "package.build_failed" in actions
    assert "package.gate_passed" not in actions and "package.built" not in actions
    assert world.status(rid) is Status.COLLECTING


def test_builds_leave_nothing_in_the_work_folder(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spool, "IN_MEMORY", 1)  # every row file and document goes to disk
    workdir = world.c.packages.config.workdir

    world.c.packages.build(world.request_for(ANNA), AGENT)
    assert list(workdir.iterdir()) == []

    def breaks(*args: Any, **kwargs: Any) -> Any:
        yield from world.c.packages.collector(*args, **kwargs)
        raise OSError("source went away")

    with pytest.raises(OSError, match="source went away"):
        world.packages_with(breaks).build(world.request_for(BEN), AGENT)
    assert list(workdir.iterdir()) == []


@pytest.mark.parametrize("past_cache", [False, True], ids=["through the cache", "past it"])
def test_buffers_kept_from_another_subjects_build_leave_nothing_in_the_next_package(
    past_cache: bool, tmp_path: Path
) -> None:
    world = make_world(
        f"sqlite:///{tmp_path}/rightful.db", tmp_path, hearthly(),
        package_write_past_cache=past_cache,
    )  # fmt: skip
    world.c.packages.build(world.request_for(BEN), AGENT)
    marker = b"\xdeBEN-WAS-HERE\xad"
    for pool in (BUFFERS, ALIGNED):
        dirty = [pool.take(size) for size in pool.sizes() for _ in range(KEEP)]
        for buffer in dirty:
            buffer[:] = (marker * (len(buffer) // len(marker) + 1))[: len(buffer)]
        for buffer in dirty:
            pool.give(buffer)
    assert BUFFERS.kept() >= 3  # blob blocks, the ZIP's copy buffer, the sealed batches
    if past_cache:
        assert ALIGNED.kept() >= 1  # where the stored file is staged

    package = world.c.packages.build(world.request_for(ANNA), AGENT)
    with world.c.packages.open_plaintext(package) as reader:
        plaintext = reader.read()
    with world.c.package_objects.open(package.object_name) as stored:
        ciphertext = stored.read()
    assert package.blob_bytes > 0
    assert marker[:8] not in plaintext and marker[:8] not in ciphertext


def test_garbage_made_during_a_build_is_collected_and_nothing_stays_frozen(world: World) -> None:
    frozen = gc.get_freeze_count()
    freed: list[str] = []

    def makes_garbage(*args: Any, **kwargs: Any) -> Any:
        class Node:
            other: Node

        first, second = Node(), Node()
        first.other, second.other = second, first
        weakref.finalize(first, freed.append, "cycle")
        del first, second
        gc.collect()
        yield from world.c.packages.collector(*args, **kwargs)
        raise OSError("source went away")

    with pytest.raises(OSError, match="source went away"):
        world.packages_with(makes_garbage).build(world.request_for(ANNA), AGENT)
    assert freed == ["cycle"]
    assert gc.get_freeze_count() == frozen
    world.c.packages.build(world.request_for(BEN), AGENT)
    assert gc.get_freeze_count() == frozen


def test_the_audit_trail_of_a_build_names_ids_and_counts_only(world: World) -> None:
    rid = world.request_for(ANNA)
    world.c.packages.build(rid, AGENT)
    entries = [e for e in world.c.audit.timeline(rid) if e.action.startswith("package.")]
    assert [e.action for e in entries] == [
        "package.build_started",
        "package.gate_passed",
        "package.built",
    ]
    text = json.dumps([e.summary for e in entries])
    assert "anna" not in text.lower() and "weather" not in text


def _links(html: str) -> list[str]:
    import re

    return [m for m in re.findall(r'href="([^"#]+)"', html)]


def _renamed_blobs(estate: DemoEstate, keys: list[str]) -> DemoEstate:
    """The estate with Anna's recordings' files renamed to `keys`."""
    rows, blobs, it = [], dict(estate.blobs), iter(keys)
    for row in estate.rows:
        if row.table == "recordings" and row.values[1] == "D-1001" and 1 in row.owners:
            old = row.values[5].removeprefix("blob://recordings/")
            new = next(it)
            blobs[new] = blobs.pop(old)
            row = EstateRow(
                row.dataset, row.table, (*row.values[:5], f"blob://recordings/{new}"), row.owners
            )
        rows.append(row)
    return dataclasses.replace(estate, rows=tuple(rows), blobs=blobs)


_ = PackageRow


def test_a_build_whose_caches_keep_starting_again_writes_the_same_items(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build works out categories and chain links once and keeps a bounded number of them
    (memory stays flat with any number of rows); a cache that starts again writes the same
    manifest items, chains and categories included."""
    from rightful.services import package_build

    usual = manifest_of(world, world.c.packages.build(world.request_for(ANNA), AGENT).id)
    monkeypatch.setattr(package_build, "CACHED", 1)
    tight = manifest_of(world, world.c.packages.build(world.request_for(ANNA), AGENT).id)
    assert len(usual["items"]) > 5
    assert tight["items"] == usual["items"]


def test_a_build_whose_sets_move_to_disk_writes_the_same_package(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past a number of rows and names, a build keeps them on disk instead of in memory (memory
    stays flat with any number of items); the rows packaged once and the names given are the
    same (test_package_zip.py: a repeated member name is refused either way)."""
    from rightful.adapters.packaging import spill_set

    usual = manifest_of(world, world.c.packages.build(world.request_for(ANNA), AGENT).id)
    monkeypatch.setattr(spill_set, "IN_MEMORY", 2)
    spilled = manifest_of(world, world.c.packages.build(world.request_for(ANNA), AGENT).id)
    assert len(usual["items"]) > 5
    assert spilled["items"] == usual["items"]
    data = [f for f in usual["files"] if f["path"] != "index.html"]  # it names the request
    assert [f for f in spilled["files"] if f["path"] != "index.html"] == data


def test_a_row_whose_declared_key_holds_null_fails_the_build_in_one_line(world: World) -> None:
    """One of Anna's orders with a NULL order_id (a view, or a table whose declared key is not
    its real one): no lookup by key finds that row again, so the gate blocked the package as a
    near miss and opened an incident over a data map mistake. The build now fails, with one
    line naming the collection and its declared key, and nothing goes to review."""
    from rightful.domain.errors import ConfigurationError

    estate = world.estate.demo
    assert estate is not None
    first = next(r for r in estate.rows if r.table == "orders" and r.owners == {ANNA})
    keyless = EstateRow(first.dataset, first.table, (None, *first.values[1:3], "other item",
                        *first.values[4:]), first.owners)  # fmt: skip
    world.estate.load(dataclasses.replace(estate, rows=(*estate.rows, keyless)))
    rid = world.request_for(ANNA)

    with pytest.raises(ConfigurationError) as caught:
        world.c.packages.build(rid, AGENT)

    assert str(caught.value).startswith(
        "shop.orders: a row of the subject holds NULL in the primary key the data map declares "
        "(order_id)"
    )
    assert "other item" not in str(caught.value)
    assert world.status(rid) is Status.COLLECTING
    assert "package.build_failed" in world.actions(rid)
    assert "incident.opened" not in world.actions(rid)
