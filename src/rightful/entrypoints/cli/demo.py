"""`rightful demo`: the embedded default with demo data, served locally."""

from __future__ import annotations

from typing import Annotated

import typer

from rightful.entrypoints.cli.common import console, container, handles_errors
from rightful.services.demo import seed_demo_requests, prepare_demo


@handles_errors
def demo(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    serve: Annotated[bool, typer.Option(help="start the server after seeding")] = True,
) -> None:
    """Create the store under the data folder, seed the demo estate and requests, and serve."""
    c = container()
    summary = prepare_demo(c)
    seeded = seed_demo_requests(c)
    url = f"http://{host}:{port}"
    console.print(f"[bold]rightful demo[/bold] store: {c.settings.data_dir.resolve()}")
    for line in summary.lines:
        console.print(f"  {line}")
    console.print(f"  demo requests: {seeded} new")
    console.print(f"  URL:           {url}   (API docs: {url}/docs)")
    console.print(f"  staff API key: {summary.admin_key}   (role admin; send as X-API-Key)",
                  highlight=False)
    if serve:
        import uvicorn

        from rightful.entrypoints.api.app import create_app

        uvicorn.run(create_app(c), host=host, port=port, log_level="info")
