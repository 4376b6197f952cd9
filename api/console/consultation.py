"""Consultation on the department's draft policies: the moderation queue (newest first, by notice and
status), hiding a comment with a reason, publishing it, answering it publicly (with the push the citizen
will get, from services/push/subscriber.py), and the consultation report with the API's CSV.

Through services/publishing/consultation.py and the API's schemas (schemas/consultation.py); who may
moderate is the policy's `notices.moderate`, who may read the queue and the report `notices.report`.
"""

import functools
import uuid

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, ValidationError, fields, validate

from api.console import bp, field_errors, once
from api.console.choices import active_departments
from api.console.notices import STAGE_NAMES
from api.database import session
from api.http import text_errors
from api.namespaces.notices import report_download
from schemas.common import ListQuerySchema
from schemas.consultation import ModerationSchema, ReplySchema
from services.core.errors import DomainError, Invalid
from services.identity import policy
from services.models import COMMENT_STATUSES
from services.publishing import consultation, notices
from services.push.subscriber import comment_reply_push

STATUS_NAMES = {"pending": _l("Waiting for moderation"), "published": _l("Public"), "hidden": _l("Hidden")}
PAGE_SIZE = 20


class QueueQuery(ListQuerySchema):
    class Meta:
        unknown = EXCLUDE

    notice = fields.UUID()
    status = fields.String(validate=validate.OneOf(COMMENT_STATUSES))
    department = fields.UUID()


@bp.get("/consultation", endpoint="consultation")
def queue():
    return _queue_page()


def _queue_page(failed: dict | None = None):
    principal, db = g.principal, session()
    try:
        given = {key: value for key, value in request.args.items() if value != ""}
        if unstorable := text_errors(given):
            raise ValidationError(unstorable)
        args, error = QueueQuery().load(given), None
    except ValidationError:
        given, args, error = {}, QueueQuery().load({}), True
    department_id = principal.department_id or args.get("department")
    choices = []
    if principal.department_id is None:  # an admin picks the department
        choices = active_departments(db, principal)
        department_id = department_id or (choices[0].id if choices else None)
    drafts = (
        notices.list_notices(db, principal, department_id=department_id, kind="policy", limit=100).items
        if department_id
        else []
    )
    page = None
    if department_id:
        listing = functools.partial(
            consultation.queue,
            db,
            principal,
            department_id,
            notice_id=args.get("notice"),
            status=args.get("status"),
            limit=PAGE_SIZE,
        )
        try:
            page = listing(cursor=args.get("cursor"))
        except Invalid:  # a cursor this queue never gave out: the first page, and the filters' warning
            page, error = listing(), True
    return render_template(
        "console/consultation.html",
        page=page,
        args=args,
        error=error,
        drafts=drafts,
        departments=choices,
        department_id=department_id,
        moderates=lambda comment: policy.allows(principal, "notices.moderate", comment.notice),
        push=comment_reply_push("…")["vi"],
        failed=failed or {},
        query={k: v for k, v in given.items() if k != "cursor"},
        statuses=STATUS_NAMES,
        stages=STAGE_NAMES,
    ), 422 if failed else 200


@bp.post("/consultation/<uuid:notice_id>/comments/<uuid:comment_id>/moderate")
def consultation_moderate(notice_id: uuid.UUID, comment_id: uuid.UUID):
    given = {"status": request.form.get("status", "")}
    if request.form.get("reason"):
        given["reason"] = request.form["reason"]
    return _act(notice_id, comment_id, ModerationSchema(), given, consultation.moderate)


@bp.post("/consultation/<uuid:notice_id>/comments/<uuid:comment_id>/reply")
def consultation_reply(notice_id: uuid.UUID, comment_id: uuid.UUID):
    given = {"body": request.form.get("body", "")}
    return _act(notice_id, comment_id, ReplySchema(), given, consultation.reply)


def _act(notice_id, comment_id, schema, given, service):
    """Load the form with the API's schema, call the service; a refusal with field messages is the queue
    again (422) with them beside the comment's form and the text kept."""
    once.claim()
    try:
        if unstorable := text_errors(given):
            raise ValidationError(unstorable)
        done = service(session(), g.principal, notice_id, comment_id, schema.load(given))
    except (ValidationError, DomainError) as error:
        messages = (
            error.normalized_messages() if isinstance(error, ValidationError) else error.extra.get("errors")
        )
        if not messages:
            raise
        failed = {"comment": comment_id, "form": request.form, "errors": field_errors.by_field(messages)}
        return _queue_page(failed)
    texts = {
        "hidden": gettext("The comment is hidden."),
        "published": gettext("The comment is public."),
    }
    flash(
        gettext("The answer is published.") if service is consultation.reply else texts[done.status],
        "success",
    )
    return redirect(
        request.form.get("back")
        if _console_page(request.form.get("back"))
        else url_for("console.consultation")
    )


def _console_page(target: str | None) -> bool:
    return bool(target) and target.startswith("/console/consultation") and not target.startswith("//")


@bp.get("/consultation/<uuid:notice_id>/report")
def consultation_report(notice_id: uuid.UUID):
    report = consultation.report(session(), g.principal, notice_id)
    sections: dict[str, list] = {}
    for comment in report["comments"]:
        sections.setdefault(comment.section or "", []).append(comment)
    return render_template(
        "console/consultation_report.html",
        report=report,
        # By section of the draft, those naming none last.
        sections=sorted(sections.items(), key=lambda item: (item[0] == "", item[0])),
        statuses=STATUS_NAMES,
        stages=STAGE_NAMES,
    )


@bp.get("/consultation/<uuid:notice_id>/report.csv")
def consultation_report_csv(notice_id: uuid.UUID):
    """The API's CSV (GET /api/v1/notices/{id}/consultation-report with Accept: text/csv)."""
    return report_download(notice_id, consultation.report(session(), g.principal, notice_id))
