"""Who is calling: a staff user, a citizen device, an integrator's API key, or nobody."""

import uuid
from dataclasses import dataclass, field

from services.core.errors import Forbidden, Unauthorized
from services.models import ApiKey, Device, User


@dataclass(frozen=True)
class Principal:
    kind: str  # "staff" | "device" | "api_key" | "anonymous" | "system"
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

    def acts_for(self, department_id: uuid.UUID | None) -> bool:
        """Admins act for every department; staff and API keys for their own."""
        return self.is_admin or department_id == self.department_id

    @property
    def actor(self) -> tuple[str, str | None, str]:
        """(type, id, label) for the audit log."""
        if self.user:
            return "user", str(self.user.id), self.user.email
        if self.api_key:
            return "api_key", str(self.api_key.id), self.api_key.name
        if self.device:
            return "device", str(self.device.id), ""
        return self.kind, None, ""

    def require_staff(self, *roles: str) -> None:
        """Staff of one of `roles` (any staff when none given); admins pass every role check."""
        if self.kind == "anonymous":
            raise Unauthorized()
        if self.kind != "staff":
            raise Forbidden("Staff sign-in required.")
        if roles and not self.is_admin and self.role not in roles:
            raise Forbidden(f"Requires role: {', '.join(dict.fromkeys(('admin', *roles)))}.")

    def require_admin(self) -> None:
        self.require_staff("admin")

    def require_device(self) -> Device:
        if self.kind == "anonymous":
            raise Unauthorized("A device token is required.")
        if self.kind != "device":
            raise Forbidden("Only a citizen device may do this.")
        return self.device

    def require_staff_or_scope(self, scope: str) -> None:
        """Staff, or an API key holding `scope`."""
        if self.kind == "api_key":
            if scope not in self.scopes:
                raise Forbidden(f"API key lacks scope {scope}.", code="missing_scope")
            return
        self.require_staff()


ANONYMOUS = Principal(kind="anonymous")
SYSTEM = Principal(kind="system")
