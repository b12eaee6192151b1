"""Rotating the package signing key: packages signed before stay verifiable against the keys the
controller published, and the retired private key is gone, so it can sign nothing more."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from typer.testing import CliRunner

from rightful.bootstrap import set_container
from rightful.demo.story import hearthly
from rightful.domain.audit import key_id_of, public_key_of
from rightful.entrypoints.cli.main import app
from rightful.services.audit import load_or_create_signing_key
from rightful.services.package_signing import published_keys, rotate_signing_key
from rightful.services.package_verify import pinned_keys

from .world import AGENT, World, make_world


def cli(world: World, *args: str) -> tuple[int, str]:
    set_container(world.c)
    try:
        result = CliRunner().invoke(app, list(args))
    finally:
        set_container(None)
    return result.exit_code, result.output


def restarted(world: World) -> World:
    url = world.c.settings.database_url.get_secret_value()  # type: ignore[union-attr]
    return make_world(url, world.c.settings.data_dir, hearthly())


def exported(world: World, customer: int, target: Path) -> Path:
    return world.export(world.c.packages.build(world.request_for(customer), AGENT).id, target)


def test_packages_signed_before_a_rotation_verify_against_the_published_keys(
    world: World, tmp_path: Path
) -> None:
    before = exported(world, 1, tmp_path / "before.zip")
    old_id = key_id_of(public_key_of(world.c.package_signing_key))
    key_file = world.c.settings.effective_package_signing_key_file
    old_private = key_file.read_bytes()

    code, out = cli(world, "package", "rotate-signing-key")
    assert code == 0, out
    later = restarted(world)
    new_id = key_id_of(public_key_of(later.c.package_signing_key))
    assert new_id != old_id
    assert out.strip() == (
        f"package signing key {old_id} retired, {new_id} signs from now on; restart running servers"
    )
    after = exported(later, 4, tmp_path / "after.zip")

    current, every = tmp_path / "current.pem", tmp_path / "every.pem"
    current.write_text(cli(later, "package", "public-key")[1])
    every.write_text(cli(later, "package", "public-key", "--all")[1])
    assert every.read_text().count("BEGIN PUBLIC KEY") == 2

    assert cli(later, "package", "verify", str(before), "--public-key", str(every))[0] == 0
    assert cli(later, "package", "verify", str(after), "--public-key", str(every))[0] == 0
    code, out = cli(later, "package", "verify", str(before), "--public-key", str(current))
    assert code == 1
    assert out.splitlines() == [f"✗ the manifest was signed by key {old_id}, not by the key given"]

    assert not any(
        old_private in p.read_bytes() for p in key_file.parent.rglob("*") if p.is_file()
    ), "the retired private key can sign nothing more"
    actions = [e.action for e in later.c.audit.timeline(None)]  # type: ignore[arg-type]
    assert "package.signing_key_rotated" in actions


def test_a_package_verifies_against_any_one_of_several_pinned_keys(
    world: World, tmp_path: Path
) -> None:
    package = exported(world, 1, tmp_path / "p.zip")
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from rightful.services.audit import public_key_pem

    stranger = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    own = public_key_of(world.c.package_signing_key)
    keys = tmp_path / "keys.pem"
    keys.write_text(public_key_pem(stranger) + public_key_pem(own))
    code, out = cli(world, "package", "verify", str(package), "--public-key", str(keys))
    assert code == 0 and f"signed by {key_id_of(own)}, the pinned key" in out
    keys.write_text(public_key_pem(stranger) * 2)
    code, out = cli(world, "package", "verify", str(package), "--public-key", str(keys))
    assert code == 1 and f"signed by key {key_id_of(own)}, not by any of the 2 keys given" in out


def test_rotations_run_at_once_take_turns_and_lose_no_key(world: World) -> None:
    """Two `rotate-signing-key` runs at once both read the current key, both retired it, and
    the first one's new key, replaced by the second's without being retired, was published
    nowhere: packages a server signed with it failed against `public-key --all`. Rotations
    take turns, so the keys form one chain and every one of them stays published."""
    key_file = world.c.settings.effective_package_signing_key_file
    first = key_id_of(public_key_of(world.c.package_signing_key))
    runs = 8
    start = threading.Barrier(runs)

    def rotate(_: int) -> tuple[str, str]:
        start.wait()
        return rotate_signing_key(key_file, world.c.store, world.c.audit, AGENT)

    with ThreadPoolExecutor(runs) as pool:
        rotations = list(pool.map(rotate, range(runs)))

    made = [new for _, new in rotations]
    current = key_id_of(public_key_of(load_or_create_signing_key(key_file)))
    retired = sorted(old for old, _ in rotations)
    assert retired == sorted({first, *made} - {current}), "one chain: each key retired once"
    published = {key_id_of(k) for k in pinned_keys(published_keys(key_file).encode())}
    assert published == {first, *made}
