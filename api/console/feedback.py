"""One feedback as its department sees it: the citizen's answers and (for those the policy allows, each
view audited) contact details, the place, the photos, the department's replies, the timeline, the
deadline, and the forms of the actions the user may take now (api/console/feedback_actions.py).
Through the API's own services and policy (services/feedback/workflow.get,
services/files/attachments.fetch): a feedback the user may not see is a 404 page, as in the API."""

import uuid

from flask import g, render_template
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from api.console import answers, bp, feedback_actions
from api.console.inbox import PRIORITY_NAMES, STATUS_NAMES
from api.database import session
from api.namespaces.attachments import served
from services.core import areas
from services.feedback import workflow
from services.files import attachments

STEP_NAMES = {
    "submitted": _l("Sent by the citizen"),
    "assigned": _l("Assigned"),
    "transferred": _l("Transferred"),
    "answered": _l("Answered"),
    "in_progress": _l("Being handled"),
    "rejected": _l("Rejected"),
    "closed": _l("Closed"),
    "reopened": _l("Reopened by the citizen"),
    "rated": _l("Rated by the citizen"),
    "noted": _l("Internal note"),
}


@bp.get("/feedback/<uuid:feedback_id>")
def feedback(feedback_id: uuid.UUID):
    return render_page(workflow.get(session(), g.principal, feedback_id))


def render_page(item, action: str | None = None, errors: dict | None = None) -> str:
    """The page; after a refused form, with that form open, as typed, and its `errors`."""
    db = session()
    ward = areas.ward(item.ward_code) if item.ward_code else None
    return render_template(
        "console/feedback.html",
        item=item,
        contact=workflow.contact(db, g.principal, item),
        open_action=action,
        form=g.get("action_form") or MultiDict(),
        errors=errors or {},
        **feedback_actions.page_context(db, item),
        answers=answers.rows(item.form_version.fields, item.answers, get_locale().language),
        place=", ".join(a.name for a in (ward, areas.province(item.province_code)) if a),
        statuses=STATUS_NAMES,
        priorities=PRIORITY_NAMES,
        steps=STEP_NAMES,
    )


@bp.get("/attachments/<uuid:attachment_id>")
def attachment(attachment_id: uuid.UUID):
    return served(*attachments.fetch(session(), g.principal, attachment_id))
