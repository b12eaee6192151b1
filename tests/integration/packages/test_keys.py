"""Key rotation: every package's data key is re-wrapped under a new master key; old keys stay
readable until the rotation is done, and packages stay readable throughout."""

from __future__ import annotations

import base64
import io
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rightful.adapters.storage.keys import master_key_id
from rightful.bootstrap import set_container
from rightful.demo.story import hearthly
from rightful.domain.errors import ConfigurationError
from rightful.entrypoints.cli.common import cli_principal
from rightful.entrypoints.cli.main import app
from rightful.services.package_keys import key_folder, rotate_keys

from .world import AGENT, REVIEWER, World, make_world, stored_manifest

SYSTEM_ADMIN = cli_principal()


def readable(world: World, package_id: str) -> bool:
    return stored_manifest(world, package_id).startswith(b"{")


def build_two(world: World) -> list[str]:
    ids = []
    for customer in (1, 4):
        rid = world.request_for(customer)
        ids.append(world.c.packages.build(rid, AGENT).id)
    return ids


def test_rotation_with_generated_keys_rewraps_everything_and_retires_the_old_key(
    world: World,
) -> None:
    ids = build_two(world)
    rid = world.request_for(5)
    upload = world.c.attachments.upload(
        rid,
        AGENT,
        filename="n.txt",
        content=io.BytesIO(b"note"),
        collection="shop.orders",
        justification="Scanned letter that the customer sent with the request.",
        labels=[("customer_id", "5")],
    )
    old = world.c.package_keys.current_key_id
    report = rotate_keys(world.c.store, world.c.audit, world.c.settings, SYSTEM_ADMIN)
    assert report.current_key_id != old
    assert (report.packages, report.attachments, report.still_old) == (2, 1, {})
    assert len(list(key_folder(world.c.settings).glob("*.key"))) == 2, "old key kept meanwhile"
    fresh = make_world(
        world.c.settings.database_url.get_secret_value(),  # type: ignore[union-attr]
        world.c.settings.data_dir,
        hearthly(),
    )
    assert fresh.c.package_keys.current_key_id == report.current_key_id
    for pid in ids:
        assert fresh.c.packages.get(pid).master_key_id == report.current_key_id
        assert readable(fresh, pid)
    world.c.attachments.approve(upload.id, REVIEWER)
    retired = rotate_keys(fresh.c.store, fresh.c.audit, fresh.c.settings, SYSTEM_ADMIN, retire=True)
    assert old in retired.retired and len(list(key_folder(world.c.settings).glob("*.key"))) == 1
    last = make_world(
        world.c.settings.database_url.get_secret_value(),  # type: ignore[union-attr]
        world.c.settings.data_dir,
        hearthly(),
    )
    assert all(readable(last, pid) for pid in ids)
    assert last.c.packages.build(rid, AGENT).attachment_count == 1, "the upload still opens"
    rotations = [
        e
        for e in world.c.audit.timeline(None)  # type: ignore[arg-type]
        if e.action == "package.keys_rotated"
    ]
    assert [e.summary["packages"] for e in rotations] == [2, 2]


def test_rotation_to_a_configured_key_keeps_the_old_one_readable_until_done(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path}/rightful.db"
    k1, k2 = (base64.b64encode(os.urandom(32)).decode() for _ in range(2))
    first = make_world(url, tmp_path, hearthly(), package_master_key=k1)
    ids = build_two(first)
    without_old = make_world(url, tmp_path, hearthly(), package_master_key=k2)
    with pytest.raises(ConfigurationError, match="not configured"):
        readable(without_old, ids[0])
    during = make_world(
        url, tmp_path, hearthly(), package_master_key=k2, package_previous_master_keys=[k1]
    )
    assert all(readable(during, pid) for pid in ids)
    report = rotate_keys(during.c.store, during.c.audit, during.c.settings, SYSTEM_ADMIN)
    assert report.current_key_id == master_key_id(base64.b64decode(k2)) and report.packages == 2
    after = make_world(url, tmp_path, hearthly(), package_master_key=k2)
    assert all(readable(after, pid) for pid in ids)


def test_rotate_key_from_the_cli(world: World) -> None:
    ids = build_two(world)
    set_container(world.c)
    try:
        result = CliRunner().invoke(app, ["package", "rotate-key"])
    finally:
        set_container(None)
    assert result.exit_code == 0, result.output
    assert "re-wrapped 2 packages" in result.output
    fresh = make_world(
        world.c.settings.database_url.get_secret_value(),  # type: ignore[union-attr]
        world.c.settings.data_dir,
        hearthly(),
    )
    assert all(readable(fresh, pid) for pid in ids)
