"""Who is acting: a staff member (by key or session) or the system itself."""

from __future__ import annotations

from dataclasses import dataclass

from rightful.domain.errors import PermissionDeniedError
from rightful.domain.lifecycle import Role


@dataclass(frozen=True)
class Principal:
    """An authenticated actor. `id` is what the audit chain records; never a name or address."""

    id: str
    role: Role | None  # None for the system and for requesters

    def require(self, role: Role) -> None:
        """Raise PermissionDeniedError unless this principal holds at least `role`."""
        if self.role is None or not self.role.at_least(role):
            raise PermissionDeniedError(f"this needs the {role} role")

    @property
    def role_name(self) -> str:
        return self.role.value if self.role else "system"


SYSTEM = Principal(id="system", role=None)


def requester(request_id: str) -> Principal:
    """The data subject acting on their own request (portal, verification links)."""
    return Principal(id=f"requester:{request_id}", role=None)
