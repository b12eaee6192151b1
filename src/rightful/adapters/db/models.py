"""Imports every table module so that Base.metadata knows the whole store (Alembic, tests)."""

from rightful.adapters.db import (
    audit,
    console,
    delivery,
    idempotency,
    incidents,
    opendsr,
    packages,
    tables,
    verification,
)

__all__ = [
    "audit",
    "console",
    "delivery",
    "idempotency",
    "incidents",
    "opendsr",
    "packages",
    "tables",
    "verification",
]
