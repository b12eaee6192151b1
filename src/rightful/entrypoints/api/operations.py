"""Endpoints for operators: /readyz for probes, /metrics for a Prometheus scraper."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from starlette.exceptions import HTTPException

from rightful.bootstrap import Container
from rightful.entrypoints.api.deps import container
from rightful.entrypoints.api.metrics import exposition, registry_of

router = APIRouter(tags=["ops"])
Deps = Annotated[Container, Depends(container)]


@router.get("/readyz")
def readyz(c: Deps) -> JSONResponse:
    """200 when the store, the package storage and the broker (if any) answer; 503 naming the
    check that failed. No key: it says nothing but check names and ok or failed."""
    result = c.readiness.check()
    checks = {name: "ok" if passed else "failed" for name, passed in result.checks.items()}
    status = "ready" if result.ready else "not_ready"
    return JSONResponse({"status": status, "checks": checks}, 200 if result.ready else 503)


@router.get("/metrics", include_in_schema=False)
def metrics(
    request: Request, c: Deps, authorization: Annotated[str | None, Header()] = None
) -> Response:
    """The figures in Prometheus' text format, for the holder of `metrics_token` (404 while it
    is unset, 401 without it)."""
    token = c.settings.metrics_token
    if token is None:
        raise HTTPException(404, "Not Found")
    expected = f"Bearer {token.get_secret_value()}".encode()
    if not hmac.compare_digest((authorization or "").encode(), expected):
        raise HTTPException(401, "send the metrics token as `Authorization: Bearer <token>`",
                            headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
    return Response(exposition(request.app.state.metrics), media_type=CONTENT_TYPE_PLAIN_0_0_4)


def install_operations(app: FastAPI, c: Container) -> None:
    """Mount the routes, with the registry /metrics reads (its figures are read per scrape)."""
    app.state.metrics = registry_of(lambda: c.figures.read())
    app.include_router(router)
