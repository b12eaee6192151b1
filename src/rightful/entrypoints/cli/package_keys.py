"""`rightful package public-key`, `rotate-signing-key`, `rotate-key` and `retire-keys`: the key
that signs manifests, and the master keys that wrap each package's data key."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from rightful.domain.words import counted
from rightful.entrypoints.cli.common import (
    cli_principal,
    console,
    container,
    err_console,
    fail,
    handles_errors,
)

if TYPE_CHECKING:
    from rightful.bootstrap import Container
    from rightful.services.package_keys import Unreadable


@handles_errors
def public_key(
    every: Annotated[
        bool, typer.Option("--all", help="also every retired key that signed packages before")
    ] = False,
) -> None:
    """The Ed25519 public key (PEM) that verifies manifests; give it to requesters."""
    from rightful.domain.audit import public_key_of
    from rightful.services.audit import public_key_pem
    from rightful.services.package_signing import published_keys

    c = container()
    if every:
        typer.echo(published_keys(c.settings.effective_package_signing_key_file), nl=False)
        return
    typer.echo(public_key_pem(public_key_of(c.package_signing_key)), nl=False)


@handles_errors
def rotate_signing_key() -> None:
    """Sign with a new key from now on; the old one's public half is kept for `public-key --all`,
    its private half deleted. Restart running servers: they keep the key they loaded."""
    from rightful.services.package_signing import rotate_signing_key as rotate

    c = container()
    key_file = c.settings.effective_package_signing_key_file
    old_id, new_id = rotate(key_file, c.store, c.audit, cli_principal())
    console.print(
        f"package signing key {old_id} retired, {new_id} signs from now on; "
        "restart running servers",
        highlight=False,
    )


@handles_errors
def rotate_key(
    retire: Annotated[
        bool, typer.Option(help="then delete old generated keys (as `retire-keys` does)")
    ] = False,
) -> None:
    """Re-wrap every package, attachment and identity document key under a new (or the
    configured) master key; encrypt the documents stored before encryption at rest."""
    from rightful.services.documents import FILE_MISSING
    from rightful.services.package_keys import rotate_keys

    c = container()
    report = rotate_keys(c.store, c.audit, c.package_keys, c.package_key_folder, cli_principal(),
                         c.settings.data_dir)  # fmt: skip
    resumed = " (resuming the rotation cut short before)" if report.resumed else ""
    console.print(
        f"master key {report.current_key_id}{resumed}: re-wrapped "
        f"{counted(report.packages, 'package', 'packages')}, "
        f"{counted(report.attachments, 'attachment', 'attachments')}, "
        f"{counted(report.documents, 'document', 'documents')}; encrypted "
        f"{counted(report.encrypted, 'document', 'documents')} stored in plaintext before",
        highlight=False,
    )
    if report.plaintext_removed:
        left = counted(report.plaintext_removed, "plaintext document", "plaintext documents")
        console.print(f"deleted {left} an interrupted rotation left behind", highlight=False)
    for line in _unreadable_lines(report.failed):
        err_console.print(f"✗ {line}", highlight=False)
    if report.still_old:
        still = ", ".join(f"{key} ({n})" for key, n in sorted(report.still_old.items()))
        err_console.print(f"still under old keys: {still}", highlight=False)
    if report.stopped:
        fail(f"{report.stopped}; run rotate-key again once it does", code=1)
    if retire:
        _retire(c)
    unwrapped = [row for row in report.failed if row.reason != FILE_MISSING]
    if unwrapped:
        fail(
            f"{counted(len(unwrapped), 'key', 'keys')} could not be re-wrapped; make their "
            "master key available (package_previous_master_keys) and run rotate-key again",
            code=1,
        )
    if report.failed:
        fail(f"{counted(len(report.failed), 'document file is', 'document files are')} missing "
             "(listed above); their rows stay as they are", code=1)  # fmt: skip


def _unreadable_lines(failed: list[Unreadable]) -> list[str]:
    """One line per row, except rows under a master key that is not available: one line per
    such key (a key left out of the settings is thousands of rows, and one thing to fix)."""
    by_key: dict[str, list[Unreadable]] = {}
    lines = []
    for row in failed:
        if row.missing_key is None:
            lines.append(f"{row.kind} {row.id}: {row.reason}")
        else:
            by_key.setdefault(row.missing_key, []).append(row)
    for key_id, rows in by_key.items():
        if len(rows) == 1:
            lines.append(f"{rows[0].kind} {rows[0].id}: {rows[0].reason}")
            continue
        kinds = Counter(row.kind for row in rows)  # in the order rotation meets them
        what = [counted(n, kind, f"{kind}s") for kind, n in kinds.items()]
        lines.append(f"{' and '.join(what)}: their master key {key_id} is not available")
    return lines


@handles_errors
def retire_keys() -> None:
    """Delete old generated master keys that no package or attachment uses any more."""
    _retire(container())


def _retire(c: Container) -> None:
    from rightful.services.package_keys import retire_keys as retire

    grace = timedelta(minutes=c.settings.package_key_retire_grace_minutes)
    result = retire(c.store, c.audit, c.package_keys, c.package_key_folder, cli_principal(), grace)
    if result.retired:
        console.print(f"retired keys: {', '.join(result.retired)}", highlight=False)
    for key_id, why in result.kept.items():
        console.print(f"kept {key_id}: {why}", highlight=False)
    if not result.retired and not result.kept:
        console.print("no old keys to retire", highlight=False)
