"""The officers' inbox: a department's feedback through the API's own inbox (services/feedback/intake),
open ones first by deadline, with filters, counts per status and keyset pages; and the badge in the
navigation with the number of new feedback nobody has taken yet."""

from flask import g, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, ValidationError, fields, validate

from api.console import answers, bp
from api.console.choices import active_departments
from api.database import session
from api.http import text_errors
from schemas.common import MAX_LIMIT
from schemas.feedback import InboxQuerySchema
from services.core import areas
from services.directory import categories, departments
from services.feedback import intake
from services.feedback.workflow import OPEN
from services.models import FEEDBACK_STATUSES

STATUS_NAMES = {
    "received": _l("Received"),
    "assigned": _l("Assigned"),
    "in_progress": _l("In progress"),
    "answered": _l("Answered"),
    "closed": _l("Closed"),
    "rejected": _l("Rejected"),
    "reopened": _l("Reopened"),
}
PRIORITY_NAMES = {"urgent": _l("Urgent"), "normal": _l("Normal"), "complex": _l("Complex")}
PAGE_SIZE = 20


class ConsoleInboxQuery(InboxQuerySchema):
    """The API's inbox query, plus what the console's filters add: every open status at once (the
    default) or all, "assigned to me", and the department (admins)."""

    class Meta:
        unknown = EXCLUDE

    status = fields.String(load_default="open", validate=validate.OneOf(("open", "all", *FEEDBACK_STATUSES)))
    mine = fields.Boolean(load_default=False)
    department = fields.UUID()


@bp.context_processor
def inbox_badge():
    def waiting() -> int:
        # "New" is what no one has taken: the same for the whole team on every device, and it goes
        # down as soon as a colleague assigns it (no per-user "last seen" to keep).
        principal = g.get("principal")
        if principal is None or principal.department_id is None:
            return 0  # an admin has no inbox of their own
        return intake.waiting_count(session(), principal, principal.department_id)

    return {"waiting_feedback": waiting}


@bp.get("/")
@bp.get("/feedback")
def inbox():
    principal = g.principal
    db = session()
    try:
        given = {key: value for key, value in request.args.items() if value != ""}
        if unstorable := text_errors(given):  # a NUL or a control character: the API's rule
            raise ValidationError(unstorable)
        args, error = ConsoleInboxQuery().load(given), None
    except ValidationError:
        args, error = ConsoleInboxQuery().load({}), True
    department_id = principal.department_id or args.get("department")
    choices = {}
    if principal.department_id is None:  # an admin picks the department
        choices["departments"] = active_departments(db, principal)
        department_id = department_id or (choices["departments"][0].id if choices["departments"] else None)
    names = {"statuses": STATUS_NAMES, "priorities": PRIORITY_NAMES}
    if department_id is None:
        return render_template("console/inbox.html", page=None, args=args, choices=choices, **names)
    department = departments.get(db, principal, department_id)
    shared = {key: args.get(key) for key in ("category", "ward_code", "q")}
    status = {"open": OPEN, "all": None}.get(args["status"], args["status"])
    page = intake.inbox(
        db,
        principal,
        department_id,
        status=status,
        priority=args.get("priority"),
        overdue=args.get("overdue"),
        assignee_id=principal.user_id if args["mine"] else None,
        cursor=args.get("cursor"),
        limit=PAGE_SIZE,
        **shared,
    )
    counts = intake.inbox_counts(db, principal, department_id, **shared)
    choices["categories"] = categories.list_categories(db, kind="feedback", limit=MAX_LIMIT).items
    choices["wards"] = areas.wards(department.province_code) if department.province_code else []
    return render_template(
        "console/inbox.html",
        page=page,
        args=args,
        error=error,
        department=department,
        counts=counts,
        choices=choices,
        **names,
        query={k: v for k, v in request.args.items() if v != "" and k != "cursor"},
        ward_name=lambda code: areas.ward(code).name if code and areas.ward(code) else "",
        summary=lambda item: answers.summary(item.form_version.fields, item.answers, get_locale().language),
    )
