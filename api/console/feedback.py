"""One feedback as its department sees it (read-only in this first part): the citizen's answers, the
place, the photos, the department's replies, the timeline and the deadline. Through the API's own
services and policy (services/feedback/workflow.get, services/files/attachments.fetch): a feedback the
user may not see is a 404 page, as in the API."""

import uuid

from flask import g, render_template
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from api.console import bp
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
}


@bp.get("/feedback/<uuid:feedback_id>")
def feedback(feedback_id: uuid.UUID):
    item = workflow.get(session(), g.principal, feedback_id)
    ward = areas.ward(item.ward_code) if item.ward_code else None
    return render_template(
        "console/feedback.html",
        item=item,
        answers=answer_rows(item.form_version.fields, item.answers, get_locale().language),
        place=", ".join(a.name for a in (ward, areas.province(item.province_code)) if a),
        statuses=STATUS_NAMES,
        priorities=PRIORITY_NAMES,
        steps=STEP_NAMES,
    )


@bp.get("/attachments/<uuid:attachment_id>")
def attachment(attachment_id: uuid.UUID):
    return served(*attachments.fetch(session(), g.principal, attachment_id))


def answer_rows(fields: list[dict], answers: dict, language: str) -> list[tuple[str, str]]:
    """(label, value) for each answered field in the form's order, choices by their label; photos are
    shown apart."""
    rows = []
    for spec in fields:
        value = answers.get(spec["name"])
        if value in (None, "", []) or spec["type"] == "photo":
            continue
        labels = {o["value"]: o["label"] for o in spec.get("options", [])}
        values = value if isinstance(value, list) else [value]
        shown = [_in(labels[v], language) if v in labels else str(v) for v in values]
        rows.append((_in(spec["label"], language), ", ".join(shown)))
    return rows


def _in(texts: dict, language: str) -> str:
    return texts.get(language) or texts.get("vi") or next(iter(texts.values()), "")
