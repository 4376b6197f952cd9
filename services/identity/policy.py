"""Who may do what: one rule per action, read by `api.openapi.operation()` (to document each operation
and refuse early) and by the services (the authority; tests and the CLI call them directly).

A rule names the callers let in — staff roles, the citizen's device, an API key holding a scope,
everyone (public) — and the object rule that decides which objects they reach. An object out of reach
answers 404, as if absent, so that ids cannot be probed.
"""

import uuid
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

from services.core.errors import Forbidden, NotFound, Unauthorized
from services.identity.principals import Caller, Principal
from services.models import Department

ADMINS = ("admin",)
EDITORS = ("admin", "editor")
WRITERS = ("admin", "editor", "officer")
ANY_STAFF = ("admin", "editor", "officer", "viewer")


class Reach(StrEnum):
    """Which objects a caller let in by the rule may act on (the label is the docs' wording)."""

    ANY = "—"  # no object, or every one
    PUBLIC = "public; unpublished: issuing department"  # a query filter in the service
    OWN_DEPARTMENT = "own department"
    ISSUING_DEPARTMENT = "issuing department"
    OWN_FEEDBACK = "own feedback"
    OWN_FEEDBACK_OR_DEPARTMENT = "own feedback (device); own department"
    UPLOADER_OR_SUBJECT = "uploader; who may read its feedback or notice"  # services/files
    # Figures about departments: the communication office's viewers read every department's.
    OWN_DEPARTMENT_VIEWERS_ALL = "own department; viewers: all"


_DEPARTMENTAL = (
    Reach.OWN_DEPARTMENT,
    Reach.ISSUING_DEPARTMENT,
    Reach.OWN_FEEDBACK_OR_DEPARTMENT,
    Reach.OWN_DEPARTMENT_VIEWERS_ALL,
)


@dataclass(frozen=True)
class Rule:
    staff: tuple[str, ...] = ()  # roles let in (admins are always named)
    privacy_officer: bool = False  # staff holding the data-protection officer's permission, any role
    device: bool = False  # the citizen's own device
    scope: str | None = None  # an API key holding it; for a public rule, what a key must hold
    public: bool = False  # anyone, signed in or not
    reach: Reach = Reach.ANY

    @property
    def open_to_all(self) -> bool:
        """No caller is ever refused (the operation needs no guard)."""
        return self.public and self.scope is None


RULES = {
    "areas.read": Rule(public=True),
    "auth.sign_in": Rule(public=True),
    "categories.read": Rule(public=True),
    "categories.manage": Rule(staff=ADMINS),
    "forms.read": Rule(public=True),
    "forms.manage": Rule(staff=ADMINS),
    "feeds.read": Rule(public=True),
    "feed.read": Rule(public=True, scope="notices:read"),
    "devices.register": Rule(public=True),
    "devices.self": Rule(device=True),
    "devices.zalo": Rule(public=True),  # a Mini App user signs in; a device token links the native app
    "privacy.notices": Rule(public=True),
    # The citizen's requests under the personal data law; the officer's side (admins too: they name the
    # officer and stand in when none is named).
    "privacy.requests.submit": Rule(device=True),
    "privacy.requests.track": Rule(staff=ADMINS, privacy_officer=True, device=True),  # a device: its own
    "privacy.requests": Rule(staff=ADMINS, privacy_officer=True),
    "privacy.breaches": Rule(staff=ADMINS, privacy_officer=True),
    "privacy.access_log": Rule(staff=ADMINS, privacy_officer=True),
    # The citizen's consents, export and erasure: their own device only (another's is never reached).
    "privacy.self": Rule(device=True),
    "zalo.templates": Rule(staff=ADMINS),
    "zalo.webhook": Rule(public=True),  # Zalo's calls, checked by their signature
    "sms.subscriptions": Rule(staff=WRITERS),  # a commune office records a number with consent
    "bulletins.read": Rule(staff=ANY_STAFF, scope="bulletins:read"),  # the radio system's key
    "bulletins.edit": Rule(staff=WRITERS),
    "notifications.inbox": Rule(device=True),
    "notifications.manage": Rule(staff=ADMINS),
    "attachments.upload": Rule(staff=WRITERS, device=True),
    "attachments.read": Rule(public=True, reach=Reach.UPLOADER_OR_SUBJECT),
    "feedback.submit": Rule(device=True, scope="feedback:write"),
    "feedback.mine": Rule(device=True),
    "feedback.follow_up": Rule(device=True, reach=Reach.OWN_FEEDBACK),
    "feedback.board": Rule(public=True),
    "feedback.track": Rule(
        staff=ANY_STAFF, device=True, scope="feedback:read", reach=Reach.OWN_FEEDBACK_OR_DEPARTMENT
    ),
    "feedback.read": Rule(staff=ANY_STAFF, scope="feedback:read", reach=Reach.OWN_DEPARTMENT),
    "feedback.write": Rule(staff=WRITERS, scope="feedback:write", reach=Reach.OWN_DEPARTMENT),
    # The citizen's name, phone and e-mail: for those who act on the feedback and for integrators that
    # read it (not viewers), each view audited (services/feedback/workflow.contact).
    "feedback.contact": Rule(staff=WRITERS, scope="feedback:read", reach=Reach.OWN_DEPARTMENT),
    "notices.read": Rule(public=True, scope="notices:read", reach=Reach.PUBLIC),
    "notices.write": Rule(staff=EDITORS, scope="notices:write", reach=Reach.ISSUING_DEPARTMENT),
    "notices.comment": Rule(device=True),
    "notices.moderate": Rule(staff=WRITERS, reach=Reach.ISSUING_DEPARTMENT),
    "notices.report": Rule(staff=ANY_STAFF, reach=Reach.ISSUING_DEPARTMENT),
    "alerts.read": Rule(public=True, scope="alerts:read", reach=Reach.PUBLIC),
    "alerts.write": Rule(staff=EDITORS, scope="alerts:write", reach=Reach.ISSUING_DEPARTMENT),
    "alerts.deliveries": Rule(staff=ANY_STAFF, reach=Reach.ISSUING_DEPARTMENT),
    "scam_check.read": Rule(public=True),
    "scam_reports.submit": Rule(device=True),
    "scam_reports.read": Rule(staff=ANY_STAFF),
    "scam_reports.moderate": Rule(staff=WRITERS),
    "scam_reports.promote": Rule(staff=EDITORS),
    "claims.report": Rule(device=True),
    "claims.check": Rule(public=True),
    "claims.read": Rule(staff=ANY_STAFF, reach=Reach.OWN_DEPARTMENT),
    "claims.fact_check": Rule(staff=WRITERS, reach=Reach.OWN_DEPARTMENT),
    "claims.transfer": Rule(staff=WRITERS, reach=Reach.OWN_DEPARTMENT),  # like feedback's transfer
    "fact_checks.read": Rule(public=True),
    "trusted_indicators.read": Rule(staff=ANY_STAFF),
    "trusted_indicators.manage": Rule(staff=ADMINS),
    "users.read": Rule(staff=ANY_STAFF, reach=Reach.OWN_DEPARTMENT),
    "users.manage": Rule(staff=ADMINS),
    "users.self": Rule(staff=ANY_STAFF),
    "departments.read": Rule(staff=ANY_STAFF, scope="departments:read"),
    "departments.manage": Rule(staff=ADMINS),
    "routing_rules.read": Rule(staff=ANY_STAFF),
    "routing_rules.manage": Rule(staff=ADMINS),
    "api_keys.manage": Rule(staff=ADMINS),
    "audit.read": Rule(staff=ADMINS),
    "webhooks.manage": Rule(staff=EDITORS, scope="webhooks:manage", reach=Reach.OWN_DEPARTMENT),
    # No API-key scope: none of the grantable ones means "KPIs"; integrators read the public ranking.
    "reports.read": Rule(staff=ANY_STAFF, reach=Reach.OWN_DEPARTMENT_VIEWERS_ALL),
    "reports.public": Rule(public=True),
}


def lets_in(principal: Principal, action: str) -> bool:
    """The caller is one the rule names (objects aside)."""
    rule = RULES[action]
    match principal.kind:
        case Caller.SYSTEM:
            return True
        case Caller.STAFF:
            return (
                rule.public
                or principal.role in rule.staff
                or (rule.privacy_officer and principal.user.privacy_officer)
            )
        case Caller.DEVICE:
            return rule.public or rule.device
        case Caller.API_KEY:
            return rule.scope in principal.scopes if rule.scope else rule.public
    return rule.public


def reaches(principal: Principal, action: str, obj) -> bool:
    """The object is within the caller's reach under the action's rule."""
    reach = RULES[action].reach
    if reach == Reach.OWN_FEEDBACK or (
        reach == Reach.OWN_FEEDBACK_OR_DEPARTMENT and principal.kind == Caller.DEVICE
    ):
        return principal.kind == Caller.DEVICE and principal.device.citizen_id == obj.citizen_id
    if reach in _DEPARTMENTAL and not every_department(principal, action):
        return reaches_department(principal, obj.id if isinstance(obj, Department) else obj.department_id)
    return True


def every_department(principal: Principal, action: str) -> bool:
    """Whether the caller reaches every department's objects under the rule of `action`."""
    reach = RULES[action].reach
    if reach == Reach.OWN_DEPARTMENT_VIEWERS_ALL and principal.role == "viewer":
        return True
    return reach not in _DEPARTMENTAL or principal.every_department


def reaches_department(principal: Principal, department_id: uuid.UUID | None) -> bool:
    """Every department (Principal.every_department), else staff and API keys their own."""
    if principal.every_department:
        return True
    return principal.kind in (Caller.STAFF, Caller.API_KEY) and department_id == principal.department_id


def allows(principal: Principal, action: str, obj=None) -> bool:
    return lets_in(principal, action) and (obj is None or reaches(principal, action, obj))


def require(principal: Principal, action: str, obj=None, *, missing: str = "Not found.") -> None:
    """401 for an anonymous caller the rule does not let in, 403 for another caller it does not (an API
    key without the scope: `missing_scope`), 404 (`missing`) for an object out of reach."""
    if not lets_in(principal, action):
        raise _refusal(principal, RULES[action])
    if obj is not None and not reaches(principal, action, obj):
        raise NotFound(missing)


def fetch(db: Session, principal: Principal, action: str, model, object_id, *, missing: str):
    """The object with this id, if the caller may do `action` on it; 404 `missing` when it is absent or
    out of reach (the same answer, so that ids cannot be probed)."""
    require(principal, action)
    obj = db.get(model, object_id)
    if obj is None or not reaches(principal, action, obj):
        raise NotFound(missing)
    return obj


def _refusal(principal: Principal, rule: Rule) -> Unauthorized | Forbidden:
    if principal.kind == Caller.ANONYMOUS:
        only_devices = rule.device and not rule.staff and not rule.scope
        return Unauthorized("A device token is required." if only_devices else None)
    if principal.kind == Caller.API_KEY and rule.scope:
        return Forbidden(f"API key lacks scope {rule.scope}.", code="missing_scope")
    if principal.kind == Caller.STAFF and rule.privacy_officer:
        return Forbidden(f"Requires role: {', '.join(rule.staff)}, or the data-protection officer.")
    if principal.kind == Caller.STAFF and rule.staff:
        return Forbidden(f"Requires role: {', '.join(rule.staff)}.")
    if rule.staff:
        return Forbidden("Staff sign-in required.")
    return Forbidden("Only a citizen device may do this.")


def callers(action: str) -> str:
    """Who may call, in words (Swagger descriptions and the table of docs/api.md)."""
    rule = RULES[action]
    if rule.public:
        return "anyone"
    who = []
    if rule.staff:
        roles = ", ".join([*rule.staff, *(["data-protection officer"] if rule.privacy_officer else [])])
        who.append("staff" if rule.staff == ANY_STAFF else f"staff ({roles})")
    if rule.device:
        who.append("citizen device")
    if rule.scope:
        who.append("API key")
    return "; ".join(who)


def table() -> str:
    """The policy as the Markdown table docs/api.md shows (a test keeps the two equal)."""
    rows = ["| action | who | API-key scope | object rule |", "|---|---|---|---|"]
    for action, rule in RULES.items():
        scope = f"`{rule.scope}`" if rule.scope else "—"
        rows.append(f"| `{action}` | {callers(action)} | {scope} | {rule.reach} |")
    return "\n".join(rows)
