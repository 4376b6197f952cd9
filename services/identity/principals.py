"""Who is calling: a staff user, a citizen device, an integrator's API key, or nobody.

What each caller may do is services/identity/policy.py."""

import uuid
from dataclasses import dataclass, field
from enum import StrEnum

from services.models import ApiKey, Department, Device, User


class Caller(StrEnum):
    """The kinds of caller (`Principal.kind`)."""

    STAFF = "staff"
    DEVICE = "device"
    API_KEY = "api_key"
    ANONYMOUS = "anonymous"
    SYSTEM = "system"  # the application itself: workers, CLI, demo data


@dataclass(frozen=True)
class Principal:
    kind: Caller
    user: User | None = None
    device: Device | None = None
    api_key: ApiKey | None = None
    ip: str | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)

    @property
    def role(self) -> str | None:
        return self.user.role if self.user else None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def department_id(self) -> uuid.UUID | None:
        if self.user:
            return self.user.department_id
        if self.api_key:
            return self.api_key.department_id
        return None

    @property
    def every_department(self) -> bool:
        """Admins (and the system) act for every department, as does an API key issued without one."""
        return (
            self.is_admin
            or self.kind == Caller.SYSTEM
            or (
                self.kind == Caller.API_KEY
                and self.api_key is not None
                and self.api_key.department_id is None
            )
        )

    @property
    def department(self) -> Department | None:
        if self.user:
            return self.user.department
        return self.api_key.department if self.api_key else None

    @property
    def user_id(self) -> uuid.UUID | None:
        """The staff user acting, for the rows that name one (None for an API key: the audit log
        names the key)."""
        return self.user.id if self.user else None

    @property
    def actor(self) -> tuple[str, str | None, str]:
        """(type, id, label) for the audit log."""
        if self.user:
            return "user", str(self.user.id), self.user.email
        if self.api_key:
            return "api_key", str(self.api_key.id), self.api_key.name
        if self.device:
            return "device", str(self.device.id), ""
        return str(self.kind), None, ""


ANONYMOUS = Principal(kind=Caller.ANONYMOUS)
SYSTEM = Principal(kind=Caller.SYSTEM)
