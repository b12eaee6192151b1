"""Request-scoped dependencies: the container, and the staff principal behind an API key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import APIKeyHeader

from rightful.bootstrap import Container
from rightful.domain.errors import AuthenticationError
from rightful.domain.lifecycle import Role
from rightful.domain.staff import Principal
from rightful.services import staff

# A row number in the path: larger ones name no row (and overflowed the database driver).
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="Staff API key")


def container(request: Request) -> Container:
    return request.app.state.container  # type: ignore[no-any-return]


def staff_principal(request: Request, key: str | None = Depends(api_key_header)) -> Principal:
    """The staff member holding the presented key; 401 without a valid key."""
    if not key:
        raise AuthenticationError("this endpoint needs a staff API key in the X-API-Key header")
    c = container(request)
    with c.store.transaction() as session:
        return staff.authenticate(session, c.clock, key)


def require(role: Role) -> Callable[..., Principal]:
    """A dependency that admits staff holding at least `role` (403 otherwise)."""

    def check(principal: Principal = Depends(staff_principal)) -> Principal:
        principal.require(role)
        return principal

    return check
