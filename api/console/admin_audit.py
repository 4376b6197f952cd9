"""The audit log (admins): who changed what and when, filtered by actor, action, object and dates, in
keyset pages (services/identity/audit.list_events, as GET /api/v1/audit)."""

from datetime import datetime, time, timedelta

from flask import g, render_template, request
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate

from api.console import bp, field_errors
from api.database import session
from api.http import text_errors
from schemas.audit import AuditQuerySchema
from services.core.deadlines import LOCAL
from services.identity import audit

ENTITY_NAMES = {
    "users": _l("Users"),
    "api_keys": _l("API keys"),
    "webhooks": _l("Webhooks"),
    "zalo_templates": _l("Zalo templates"),
    "departments": _l("Departments"),
    "categories": _l("Categories"),
    "routing_rules": _l("Routing rules"),
    "forms": _l("Forms"),
    "notices": _l("Notices"),
    "notice_comments": _l("Consultation comments"),
    "alerts": _l("Alerts"),
    "scam_reports": _l("Scam reports"),
    "trusted_indicators": _l("Trusted numbers and sites"),
    "notifications": _l("Notifications"),
    "attachments": _l("Attachments"),
    "feedback": _l("Feedback"),
    "claim_groups": _l("Reported claims"),
    "fact_checks": _l("Fact-checks"),
}
PAGE_SIZE = 30


class DateRangeSchema(Schema):
    """The form's days (in Vietnam's time), both included."""

    class Meta:
        unknown = "exclude"

    date_from = fields.Date(validate=validate.Range(min=datetime(2000, 1, 1).date()))
    date_to = fields.Date(validate=validate.Range(min=datetime(2000, 1, 1).date()))


@bp.get("/admin/audit")
def admin_audit():
    given = {k: v.strip() for k, v in request.args.items() if v.strip() and not text_errors(v)}
    errors, days = {}, {}
    try:
        days = DateRangeSchema().load(given)
    except ValidationError as error:
        errors = error.messages
    try:
        args = AuditQuerySchema().load({k: v for k, v in given.items() if k not in ("date_from", "date_to")})
    except ValidationError as error:
        errors.update(error.messages)
        args = {}
    if "date_from" in days:
        args["since"] = datetime.combine(days["date_from"], time(), LOCAL)
    if "date_to" in days:
        args["until"] = datetime.combine(days["date_to"] + timedelta(days=1), time(), LOCAL)
    page = audit.list_events(session(), g.principal, **{**args, "limit": PAGE_SIZE})
    return render_template(
        "console/admin_audit.html",
        page=page,
        values=given,
        errors=field_errors.by_field(errors),
        query={k: v for k, v in given.items() if k != "cursor"},
        entities=ENTITY_NAMES,
        changed=changed,
    )


def changed(event) -> list[tuple[str, object, object]]:
    """(field, before, after) for the fields an update changed; none for a creation or deletion."""
    before, after = event.before or {}, event.after or {}
    if not before or not after:
        return []
    skip = {"updated_at", "token_version"}
    return [
        (k, before.get(k), after.get(k))
        for k in sorted(after)
        if k not in skip and before.get(k) != after.get(k)
    ]
