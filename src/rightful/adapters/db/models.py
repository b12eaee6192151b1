"""Imports every table module so that Base.metadata knows the whole store (for Alembic and tests)."""

from rightful.adapters.db import audit, tables

__all__ = ["audit", "tables"]
