"""The FastAPI application: routers, error handling, body limits. OpenAPI is served at /docs."""

from __future__ import annotations

from fastapi import FastAPI

from rightful import __version__
from rightful.bootstrap import Container, get_container
from rightful.entrypoints.api import audit, requests, staff
from rightful.entrypoints.api.errors import BodyLimit, install_error_handlers


def create_app(container: Container | None = None) -> FastAPI:
    """Build the app around a container (the process-wide one by default)."""
    c = container or get_container()
    app = FastAPI(
        title="rightful",
        version=__version__,
        summary="Data subject requests answered to the right person, provably.",
    )
    app.state.container = c
    install_error_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=c.settings.max_body_bytes)
    for module in (requests, staff, audit):
        app.include_router(module.router)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app
