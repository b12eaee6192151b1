"""`rightful package ...`: build, list, show, approve, deliver, hand over, send back, verify,
export (attachments.py, exclusions.py and package_keys.py hold its other commands)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Column, Table
from rich.text import Text

from rightful.domain.category_words import category_with_key
from rightful.domain.delivery import HandOver, NotDeliverableError
from rightful.domain.packages import PackageStatus
from rightful.domain.words import counted
from rightful.entrypoints.cli.common import (
    check_target,
    cli_principal,
    console,
    container,
    err_console,
    fail,
    handles_errors,
    id_column,
    known_request,
    print_json,
    read_limited,
)
from rightful.entrypoints.cli.params import Json, PackageId, RequestId
from rightful.services.package_verify import pinned_keys, verify_package

app = typer.Typer(help="Access packages: build, review, approve, verify, export, attach files.")

MAX_KEY_FILE = 1_000_000  # `public-key --all` prints a few hundred bytes a key
PUBLISHED_KEY = "give the PEM that `rightful package public-key` prints"


@app.command()
@handles_errors
def build(
    request_id: RequestId,
    queued: Annotated[bool, typer.Option(help="run as a job on the configured queue")] = False,
    timeout: Annotated[float, typer.Option(help="seconds to wait for a queued job")] = 3600,
) -> None:
    """Collect the request's data into a new encrypted package and run the leak gate."""
    c = container()
    if queued:
        jobs = c.package_jobs
        outcome = jobs.wait(jobs.submit(request_id), timeout)
        status = outcome["status"]
        console.print(f"{outcome['package_id']}  {status}  {_items(outcome['items'])}")
    else:
        package = c.packages.build(request_id, cli_principal())
        status = package.status
        console.print(f"{package.id}  {status}  {_items(package.item_count)}")
    if status == "blocked":
        err_console.print(
            "[red]the leak gate blocked this package; a near-miss incident is open", markup=True
        )
        raise typer.Exit(3)


def _items(n: int) -> str:
    return counted(n, "item", "items")


@app.command("list")
@handles_errors
def list_packages(request_id: RequestId, json_out: Json = False) -> None:
    """The packages of a request, newest first."""
    c = container()
    known_request(c, request_id)
    packages = c.packages.for_request(request_id)
    if json_out:
        print_json(
            [
                {
                    "id": p.id,
                    "status": p.status,
                    "items": p.item_count,
                    "built_at": p.built_at,
                    "manifest_sha256": p.manifest_sha256,
                }
                for p in packages
            ]
        )
        return
    table = Table(id_column(), "status", "items", "built", "manifest sha256")
    for p in packages:
        built = f"{p.built_at:%Y-%m-%d %H:%M}" if p.built_at else "-"
        table.add_row(p.id, p.status, str(p.item_count), built, (p.manifest_sha256 or "")[:16])
    console.print(table)


@app.command()
@handles_errors
def show(
    package_id: PackageId,
    sample: Annotated[
        int | None,
        typer.Option(
            min=0, max=500, help="items to sample; default: the package_review_sample setting"
        ),
    ] = None,
    content: Annotated[
        bool, typer.Option("--content", help="show the sampled records' values (audited)")
    ] = False,
    json_out: Json = False,
) -> None:
    """What a reviewer sees: counts, categories, gate results and a sample of items."""
    view = container().package_review.review(
        package_id, cli_principal(), sample=sample, include_content=content
    )
    data = view.as_json()
    if json_out:
        print_json(data)
        return
    p = view.package
    console.print(f"package {p.id} ({p.status}) of request {p.request_id}")
    if p.status == PackageStatus.FAILED.value:
        _failed_lines(p.request_id, view.build_error)
        return
    records, files = (
        counted(p.record_count, "record", "records"),
        counted(p.blob_count, "file", "files"),
    )
    console.print(f"{records}, {files}, {p.attachment_count} attached")
    for category, count in sorted(p.counts_by_category.items()):
        console.print(f"  {count:6d}  {category_with_key(category)}")
    _missing_lines(p.missing_blobs, data["missing_files"])
    for w in data["withheld"]:
        categories = ", ".join(map(category_with_key, w["categories"]))
        console.print(f"withheld until the requester steps up: {w['collection']} "
                      f"({w['sensitivity']} sensitivity): {categories}")  # fmt: skip
    console.print(_gate_line(data["gate"]), highlight=False, soft_wrap=True)
    for f in data["findings"][:50]:
        console.print(f"  {f['item']}  {f['check']}  {f['reason']}  {f['collection']}")
    if data["sample"]:
        table = Table(id_column("item"), "kind", Column("collection", no_wrap=True),
                      Column("key", overflow="fold"), Column("path", overflow="fold"),
                      title=f"sample of {_items(len(data['sample']))}")  # fmt: skip
        for item in data["sample"]:
            key = ", ".join(map(str, item.get("key") or [])) or "-"
            table.add_row(item["id"], item["kind"], item.get("collection") or "-", Text(key),
                          Text(item.get("path") or "-"))  # fmt: skip
        console.print(table)
    if content:
        _values_lines(data["sample"])


def _values_lines(sample: list[dict[str, Any]]) -> None:
    """The values of the sampled records, one record a line; files are opened from an export."""
    shown = [item for item in sample if "values" in item]
    console.print(f"values of {counted(len(shown), 'sampled record', 'sampled records')}"
                  + (":" if shown else ""), highlight=False)  # fmt: skip
    for item in shown:
        values = json.dumps(item["values"], ensure_ascii=False, default=str)
        console.print(Text(f"  {item['id']}  {item.get('collection')}  {values}"), soft_wrap=True)
    if len(shown) < len(sample):
        console.print("files are not shown here: `rightful package export` writes them",
                      highlight=False)  # fmt: skip


# What to do after a build failed with one of these errors (types only are recorded).
_NEXT_STEP = {
    "SourceSchemaError": "the data map names a table or column a source lacks: "
    "`rightful datamap check --live` says which",
    "SourceNotPopulatedError": "a collection reads a PostgreSQL materialized view that was never "
    "populated: `rightful datamap check --live` names it and the REFRESH to run",
    "SourceUnavailableError": "a source could not be read: `rightful datamap check --live` "
    "tries each",
    "ConfigurationError": "the settings or the data map are wrong: `rightful datamap check "
    "--live` checks both",
    "BuildLost": "its worker stopped mid-build (killed, restarted) and another build took over: "
    "`rightful package list` shows that newer package",
}
_REBUILT = frozenset({"BuildLost"})  # a newer build already answers: no need to build again


def _failed_lines(request_id: str, error: str | None) -> None:
    """A failed build holds nothing to review: say so, why if recorded, and what to do."""
    why = f" with {error}" if error else ""
    console.print(f"[bold red]the build failed{escape(why)}[/bold red]; the package holds nothing",
                  highlight=False, markup=True)  # fmt: skip
    step = _NEXT_STEP.get(error or "", "the server or worker log has the error's type")
    again = "" if error in _REBUILT else f"; then build again: rightful package build {request_id}"
    console.print(f"  {step}{again}", highlight=False, soft_wrap=True)


def _missing_lines(count: int, named: list[dict[str, str]]) -> None:
    """Files the data map points at that could not be read: the reviewer must see them."""
    if not count:
        return
    console.print(f"[bold red]{counted(count, 'file', 'files')} not found[/bold red]; "
                  "the records are included, the requester's overview says so",
                  markup=True)  # fmt: skip
    for m in named:
        console.print(f"  record {m['item']}: {m['collection']}.{m['field']}", highlight=False)
    if count > len(named):
        console.print(f"  and {count - len(named)} more")


def _gate_line(gate: dict[str, Any] | None) -> str:
    """'gate: passed, 16 items checked (derivation 16, ...)' or what blocked the package."""
    if gate is None:
        return "gate: not run"
    checks = ", ".join(f"{name} {n}" for name, n in gate["checked"].items())
    line = f"gate: {'passed' if gate['passed'] else 'BLOCKED'}, {_items(gate['items_checked'])} "
    line += f"checked ({checks})" if checks else "checked"
    if gate["failures"]:
        failed = ", ".join(f"{name} {n}" for name, n in gate["failures"].items())
        line += f"; {_items(gate['offending_items'])} failed: {failed}"
    if gate["incident_id"]:
        line += f"; incident {gate['incident_id']}"
    return line


@app.command()
@handles_errors
def approve(package_id: PackageId) -> None:
    """Approve a gated package; its manifest hash is recorded."""
    p = container().package_review.approve(package_id, cli_principal())
    console.print(f"approved {p.id}; manifest sha256 {p.approved_manifest_sha256}")


@app.command()
@handles_errors
def deliver(package_id: PackageId) -> None:
    """Send the requester a download link to an approved package (opening it re-verifies them).
    Run again, it sends a new link; earlier links keep working until they expire, are used up
    or are revoked in the staff console."""
    from rightful.bootstrap_web import web_services
    from rightful.services.delivery import LinkWaits

    c = container()
    package = c.packages.get(package_id)
    delivery = web_services(c).delivery
    earlier = [link for link in delivery.links_of(package.request_id)
               if link.package_id == package.id and link.state == "active"]  # fmt: skip
    issued = delivery.deliver(package.request_id, package.id, cli_principal())
    if isinstance(issued, LinkWaits):
        console.print(f"no link went out yet: {issued.reason}", highlight=False, soft_wrap=True)
        return
    expires = f"{issued.expires_at:%Y-%m-%d %H:%M %Z}"
    if not earlier:
        console.print(f"link {issued.link_id} sent; expires {expires}", highlight=False)
        return
    ids = ", ".join(link.id for link in earlier)
    one = len(earlier) == 1
    console.print(
        f"sent a new link {issued.link_id} (expires {expires}); the earlier "
        f"{'link' if one else 'links'} {ids} still {'works' if one else 'work'} until "
        f"{'it expires, is' if one else 'they expire, are'} used up or revoked in the staff "
        "console",
        highlight=False,
        soft_wrap=True,
    )


@app.command("handed-over")
@handles_errors
def handed_over(
    package_id: PackageId,
    how: Annotated[HandOver, typer.Option(help="how the exported package was given")],
    note: Annotated[str, typer.Option(help="what was sent or given, to whom, when")],
) -> None:
    """Record that an approved package was given to the requester another way than a link,
    for requesters verified by letter, phone or in person (export it first with `package
    export`); the request becomes delivered."""
    from rightful.bootstrap_web import web_services

    c = container()
    package = c.packages.get(package_id)
    web_services(c).delivery.hand_over(package.request_id, package.id, how, note, cli_principal())
    console.print(f"recorded: package {package.id} handed over ({how.value})", highlight=False)


@app.command("send-back")
@handles_errors
def send_back(
    package_id: PackageId,
    reason: Annotated[str, typer.Option(help="what is wrong with it, kept with the package")],
) -> None:
    """Refuse a package with a reason; the request goes back to collecting."""
    p = container().package_review.send_back(package_id, cli_principal(), reason)
    console.print(f"sent back {p.id}")


@app.command()
@handles_errors
def verify(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="decrypted ZIP")],
    public_key: Annotated[Path | None, typer.Option(help="PEM that must have signed it")] = None,
) -> None:
    """Check a package offline: signature, every hash, nothing missing and nothing extra.
    Exit 1: the package failed; exit 2: the command was used wrongly (e.g. an unreadable key)."""
    if not file.is_file():  # zipfile would read a device such as /dev/zero to its end
        fail(f"{file} is not a regular file; give the decrypted ZIP")
    pem = _pinned_key(public_key) if public_key else None
    report = verify_package(file, pem)
    for problem in report.problems:
        err_console.print(f"[red]✗[/red] {escape(problem)}", highlight=False, markup=True)
    if not report.ok:
        raise typer.Exit(1)
    signer = (
        "the pinned key"
        if report.pinned
        else "the key named in manifest.sig (not pinned: pass --public-key to pin it)"
    )
    console.print(
        f"✓ intact: {_items(report.items)}, {counted(report.files, 'file', 'files')}, signed by "
        f"{report.key_id}, "
        f"{signer}",
        highlight=False,
        soft_wrap=True,
    )


def _pinned_key(path: Path) -> bytes:
    """The PEM of --public-key, once it is known to be an Ed25519 public key."""
    pem = read_limited(path, MAX_KEY_FILE, "--public-key")
    try:
        pinned_keys(pem)
    except ValueError as exc:
        fail(f"--public-key {path}: {exc}; {PUBLISHED_KEY}")
    return pem


@app.command()
@handles_errors
def export(
    request_id: RequestId,
    out: Annotated[
        Path, typer.Argument(help="the ZIP file to write (refused if it exists unless --force)")
    ],
    package_id: Annotated[
        str | None,
        typer.Option("--package", help="which of the request's packages (default: the current)"),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite OUT if it exists")] = False,
) -> None:
    """Write the decrypted ZIP of a request's current package for staff (audited; mode 0600:
    it holds the requester's personal data)."""
    c = container()
    known_request(c, request_id)
    pid = package_id or c.packages.current(request_id).id
    if c.packages.get(pid).request_id != c.requests.get(request_id).id:
        fail(f"package {pid} belongs to another request, not to {request_id}")
    check_target(out, force)
    try:
        c.packages.export(pid, out, cli_principal())
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror}")
    console.print(f"wrote {out} (package {pid})")
    try:
        c.package_review.assert_deliverable(pid)
    except NotDeliverableError as exc:  # for staff's eyes (an incident, a review): said plainly
        err_console.print(
            f"note: not for the requester: {exc} (a hand-over needs an approved package)",
            highlight=False, soft_wrap=True,
        )  # fmt: skip
