"""The application: API routers, web pages, error handling, body limits. OpenAPI at /docs."""

from __future__ import annotations

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from rightful import __version__
from rightful.bootstrap import Container, get_container
from rightful.entrypoints.api import (
    audit,
    demo,
    notice_mail,
    opendsr,
    paper_declarations,
    reports,
    requests,
    restrictions,
    staff,
    verification,
    verification_page,
)
from rightful.entrypoints.api import incidents as incident_routes
from rightful.entrypoints.api import packages as package_routes
from rightful.entrypoints.api.errors import BodyLimit, Unexpected, install_error_handlers
from rightful.entrypoints.api.operations import install_operations
from rightful.entrypoints.web import install_web


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
    app.add_middleware(Unexpected)
    app.add_middleware(opendsr.SignedAnswers, sign=lambda body: c.opendsr.sign(body))
    for module in (
        requests, notice_mail, restrictions, staff, audit, verification, paper_declarations,
        verification_page, opendsr, reports,
    ):  # fmt: skip
        app.include_router(module.router)
    app.include_router(package_routes.router)
    app.include_router(incident_routes.router)
    install_operations(app, c)  # /readyz, /metrics
    if c.settings.demo_mode:
        app.include_router(demo.router)
    install_web(app, c)  # portal, download pages, "not my data", staff console
    if c.settings.trusted_proxies:  # outermost: every layer and the attempts log see the client
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=c.settings.trusted_proxies)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app
