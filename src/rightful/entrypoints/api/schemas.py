"""Response models shared by the routers."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict


class RowView(BaseModel):
    """A response read straight off the same-named attributes of a table row."""

    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def of(cls, row: object) -> Self:
        return cls.model_validate(row)
