"""Audit chain endpoints for the DPO: verify, checkpoint, public key."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import PlainTextResponse

from rightful.bootstrap import Container
from rightful.domain.lifecycle import Role
from rightful.domain.staff import Principal
from rightful.entrypoints.api.deps import container, require

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
Dpo = Annotated[Principal, Depends(require(Role.DPO))]
Deps = Annotated[Container, Depends(container)]


@router.get("/verify")
def verify(c: Deps, _who: Dpo) -> dict[str, Any]:
    """Re-check every entry's hash link and every checkpoint's signature."""
    result = c.audit.verify()
    return {
        "intact": result.ok,
        "entries": result.entries_checked,
        "signed_up_to": result.signed_up_to,
        "first_bad_seq": result.first_bad_seq,
        "problem": result.reason,
    }


@router.post("/checkpoints", status_code=201)
def checkpoint(c: Deps, who: Dpo) -> dict[str, Any]:
    """Sign the current head of the chain now."""
    cp = c.audit.checkpoint()
    return {"seq": cp.seq, "head_hash": cp.head_hash, "key_id": cp.key_id, "at": cp.at}


@router.get("/public-key", response_class=PlainTextResponse)
def public_key(c: Deps) -> str:
    """The Ed25519 public key (PEM) that verifies checkpoints; public by design."""
    return c.audit.public_key_pem()
