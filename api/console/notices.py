"""The editors' notices: the department's list, the form (Markdown body with its sanitised preview,
targets, documents, closing date of a consultation), the life-cycle moves the notice's stage allows,
and the versions an edit kept.

Through the API's schemas (schemas/notices.py: what a form may hold) and services
(services/publishing/notices.py: the rules, the stages a notice may move to, the versions;
services/core/markup.py: the one sanitiser; services/files/attachments.py: documents). A notice of
another department is the 404 page, as in the API.
"""

import functools
import uuid
from datetime import datetime

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, ValidationError

from api.console import bp, field_errors, once
from api.console.choices import active_departments
from api.console.uploads import takes_files
from api.database import session
from api.http import text_errors
from schemas.common import MAX_LIMIT
from schemas.notices import NoticeCreateSchema, NoticeQuerySchema, NoticeUpdateSchema, TransitionSchema
from services.core import areas, markup
from services.core.deadlines import LOCAL
from services.core.errors import DomainError, Invalid
from services.directory import categories, departments
from services.files import attachments
from services.identity import policy
from services.publishing import consultation, notices
from services.push.subscriber import notice_push

KIND_NAMES = {
    "policy": _l("Draft policy"),
    "announcement": _l("Announcement"),
    "correction": _l("Correction"),
}
STAGE_NAMES = {
    "draft": _l("Draft"),
    "consultation": _l("Open for comments"),
    "adopted": _l("Adopted"),
    "in_effect": _l("In force"),
    "published": _l("Published"),
    "archived": _l("Archived"),
}
# The button that moves a notice into each stage, and what happens then.
MOVES = {
    "consultation": (
        _l("Open for comment"),
        _l("Citizens of the targeted places can read and comment on it."),
    ),
    "adopted": (_l("Mark as adopted"), _l("Comments close; citizens who follow the places are told.")),
    "in_effect": (_l("Put in force"), _l("The notice is shown as in force in the targeted places.")),
    "published": (_l("Publish"), _l("Citizens of the targeted places can read it.")),
    "archived": (_l("Archive"), _l("The notice leaves the lists; its link keeps working.")),
}
# What an edit changed, by the content a version keeps (services/models/notices.NoticeContent).
CONTENT_NAMES = {
    "title": _l("Title"),
    "summary": _l("Summary"),
    "body": _l("Text"),
    "translations": _l("Translations"),
    "document_number": _l("Document number"),
    "issued_on": _l("Issued on"),
    "effective_on": _l("Effective on"),
    "links": _l("Links"),
    "claim_url": _l("Claim corrected"),
    "attachment_ids": _l("Documents"),
}
PAGE_SIZE = 20
# The form's fields where the API's differ.
FORM_FIELDS = {"province_codes": "targets", "ward_codes": "targets", "_schema": "targets"}


class ListQuery(NoticeQuerySchema):
    """The API's list query; what the console does not send is left out."""

    class Meta:
        unknown = EXCLUDE


@bp.get("/notices")
def notices_list():
    principal, db = g.principal, session()
    try:
        given = {key: value for key, value in request.args.items() if value != ""}
        if unstorable := text_errors(given):
            raise ValidationError(unstorable)
        args, error = ListQuery().load(given), None
    except ValidationError:
        args, error = ListQuery().load({}), True
    # An admin sees every department's; anyone else the own department's (the policy's reach).
    department_id = None if principal.every_department else principal.department_id
    listing = functools.partial(
        notices.list_notices,
        db,
        principal,
        department_id=department_id,
        stage=args.get("stage"),
        kind=args.get("kind"),
        q=args.get("q"),
        limit=PAGE_SIZE,
    )
    try:
        page = listing(cursor=args.get("cursor"))
    except Invalid:  # a cursor this list never gave out: the first page, and the filters' warning
        page, error = listing(), True
    return render_template(
        "console/notices.html",
        page=page,
        args=args,
        error=error,
        comments=consultation.counts(db, principal, [n.id for n in page.items]),
        may_write=policy.lets_in(principal, "notices.write"),
        query={k: v for k, v in given.items() if k != "cursor"} if not error else {},
        kinds=KIND_NAMES,
        stages=STAGE_NAMES,
    )


@bp.route("/notices/new", methods=["GET", "POST"])
def notice_new():
    principal, db = g.principal, session()
    policy.require(principal, "notices.write")
    form, errors = request.form, {}
    # "Show the preview" (the page without its script) re-renders the form and stores nothing.
    if request.method == "POST" and form.get("action") != "preview":
        once.claim()
        try:
            notice = notices.create(db, principal, _loaded(NoticeCreateSchema(), form, creating=True))
        except (ValidationError, DomainError) as error:
            errors = _form_errors(error)
        else:
            flash(gettext("The draft is saved. Add its documents, then open it when it is ready."), "success")
            return redirect(url_for("console.notice", notice_id=notice.id))
    department = _department(db, form.get("department_id") or request.args.get("department"))
    return _form_page(None, department, form or {"kind": "policy"}, errors, creating=True)


@bp.route("/notices/<uuid:notice_id>", methods=["GET", "POST"])
def notice(notice_id: uuid.UUID):
    principal, db = g.principal, session()
    # Every staff of the issuing department reads it; another department's is the 404 page.
    found = notices.own(db, principal, notice_id, "notices.report")
    form, errors = request.form if request.method == "POST" else _filled(found), {}
    if request.method == "POST" and form.get("action") != "preview":
        once.claim()
        try:
            data = _loaded(NoticeUpdateSchema(), form, creating=False, notice=found)
            notices.update(db, principal, notice_id, data)
        except (ValidationError, DomainError) as error:
            errors = _form_errors(error)
        else:
            flash(gettext("The notice is saved."), "success")
            return redirect(url_for("console.notice", notice_id=notice_id))
    return _form_page(found, found.department, form, errors)


@bp.post("/notices/preview")
def notice_preview():
    """The body as the apps will get it (services/core/markup, the API's body_html): for the form's script."""
    policy.require(g.principal, "notices.write")
    return markup.to_html(request.form.get("body", "")), {"Content-Type": "text/html; charset=utf-8"}


@bp.post("/notices/<uuid:notice_id>/stage")
def notice_stage(notice_id: uuid.UUID):
    principal, db = g.principal, session()
    found = notices.own(db, principal, notice_id, "notices.report")
    once.claim()
    given = {"to": request.form.get("to", ""), "push": request.form.get("push") == "true"}
    if request.form.get("note"):
        given["note"] = request.form["note"]
    try:
        moved = notices.transition(db, principal, notice_id, TransitionSchema().load(given))
    except (ValidationError, Invalid) as error:
        return _form_page(found, found.department, _filled(found), _form_errors(error))
    flash(gettext("The notice is now: %(stage)s.", stage=STAGE_NAMES[moved.stage]), "success")
    return redirect(url_for("console.notice", notice_id=notice_id))


@bp.post("/notices/<uuid:notice_id>/documents")
@takes_files(attachments.MAX_BYTES, _l("The file is larger than 10 MB."))
def notice_document_add(notice_id: uuid.UUID):
    principal, db = g.principal, session()
    found = notices.own(db, principal, notice_id)
    once.claim()
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise Invalid({"file": ["Missing data for required field."]})
        document = attachments.upload(db, principal, upload.read())
        ids = [a.id for a in found.attachments] + [document.id]
        notices.update(db, principal, notice_id, {"attachment_ids": ids})
    except (ValidationError, DomainError) as error:
        return _form_page(
            found, found.department, _filled(found), _form_errors(error, {"attachment_ids": "file"})
        )
    flash(gettext("The document is attached."), "success")
    return redirect(url_for("console.notice", notice_id=notice_id, _anchor="documents"))


@bp.post("/notices/<uuid:notice_id>/documents/<uuid:attachment_id>/remove")
def notice_document_remove(notice_id: uuid.UUID, attachment_id: uuid.UUID):
    principal, db = g.principal, session()
    found = notices.own(db, principal, notice_id)
    once.claim()
    ids = [a.id for a in found.attachments if a.id != attachment_id]
    notices.update(db, principal, notice_id, {"attachment_ids": ids})
    flash(gettext("The document is removed from the notice."), "success")
    return redirect(url_for("console.notice", notice_id=notice_id, _anchor="documents"))


# ---------------------------------------------------------------- the form


def _loaded(schema, form, *, creating: bool, notice=None) -> dict:
    """The form as the API's JSON body, loaded by the API's schema (its rules, its messages)."""
    data = {key: form.get(key, "") for key in ("title", "summary", "body", "category_code")}
    if creating:
        data["kind"] = form.get("kind", "")
        if form.get("department_id"):
            data["department_id"] = form["department_id"]
    data["targets"] = {
        "province_codes": [_number(code) for code in form.getlist("province_codes")],
        "ward_codes": [_number(code) for code in form.getlist("ward_codes")],
    }
    closes = form.get("consultation_closes_at", "")
    kind = data.get("kind") or (notice.kind if notice else "")
    if (closes or kind == "policy") and closes != _local_input(notice and notice.consultation_closes_at):
        data["consultation_closes_at"] = _instant(closes)
    if unstorable := text_errors(data):
        raise ValidationError(unstorable)
    return schema.load(data)


def _number(text: str) -> int | str:
    return int(text) if text.isdigit() else text  # else the schema says "Not a valid integer."


def _instant(local: str) -> str | None:
    """A datetime-local value (Việt Nam time, no offset) as the ISO time with offset the API takes."""
    if not local:
        return None
    try:
        return datetime.fromisoformat(local).replace(tzinfo=LOCAL).isoformat()
    except ValueError:
        return local


def _local_input(moment: datetime | None) -> str:
    return moment.astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M") if moment else ""


def _filled(found) -> dict:
    """What the form shows for a stored notice."""
    targets = found.targets or {}
    return {
        "title": found.title,
        "summary": found.summary,
        "body": found.body,
        "kind": found.kind,
        "category_code": found.category_code,
        "consultation_closes_at": _local_input(found.consultation_closes_at),
        "province_codes": [str(code) for code in targets.get("province_codes", [])],
        "ward_codes": [str(code) for code in targets.get("ward_codes", [])],
    }


def _form_errors(error: Exception, fields_named: dict | None = None) -> dict[str, list[str]]:
    """The messages of a refused form by field; a refusal without field messages is the error page."""
    if isinstance(error, ValidationError):
        messages = error.normalized_messages()
    else:
        messages = error.extra.get("errors")
        if not messages:
            raise error
    return field_errors.by_field(messages, {**FORM_FIELDS, **(fields_named or {})})


def _department(db, department_id):
    """The issuing department of a new notice: the editor's own; an admin's pick (else the first)."""
    principal = g.principal
    if principal.department_id:
        return principal.department
    try:
        return departments.get(db, principal, uuid.UUID(str(department_id)))
    except (ValueError, DomainError):
        listed = departments.list_departments(db, principal, active=True, limit=1).items
        return listed[0] if listed else None


def _form_page(found, department, form, errors, *, creating=False):
    principal, db = g.principal, session()
    # Editing is for notices whose stage still leads somewhere (the service refuses the rest).
    may_write = not found or (
        policy.allows(principal, "notices.write", found) and bool(notices.next_stages(found))
    )
    form_values = {
        key: (form.getlist(key) if hasattr(form, "getlist") else form.get(key, []))
        for key in ("province_codes", "ward_codes")
    }
    province_code = department.province_code if department else None
    context = {
        "notice": found and notices.localize(found),
        "form": form,
        "chosen": {key: set(values) for key, values in form_values.items()},
        "errors": errors,
        "preview": markup.to_html(form.get("body") or ""),
        "creating": creating,
        "may_write": may_write,
        "department": department,
        "province": areas.province(province_code) if province_code else None,
        "wards": areas.wards(province_code) if province_code else [],
        "categories": categories.list_categories(db, kind="notice", limit=MAX_LIMIT).items,
        "kinds": KIND_NAMES,
        "stages": STAGE_NAMES,
        # Each move the stage allows: its button, what it does, and the push it sends (if any).
        "moves": [(stage, *MOVES[stage], notice_push(found, stage)) for stage in notices.next_stages(found)]
        if found and may_write
        else [],
        "versions": _versions(db, found) if found else [],
        "departments": (
            active_departments(db, principal) if creating and principal.department_id is None else []
        ),
    }
    return render_template("console/notice.html", **context), 422 if errors else 200


def _versions(db, found) -> list[tuple]:
    """(version, replaced at, what the edit after it changed), newest first."""
    kept = notices.versions(db, g.principal, found.id, limit=MAX_LIMIT).items
    later = [found, *kept]
    return [
        (
            old.version,
            old.replaced_at,
            [CONTENT_NAMES[key] for key in notices.VERSIONED if getattr(old, key) != getattr(new, key)],
        )
        for new, old in zip(later, kept, strict=False)
    ]
