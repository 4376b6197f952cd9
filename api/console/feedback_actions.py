"""What a department does with a feedback from its page: assign, transfer, reply (with photos or PDFs),
an internal note, mark in progress, reject, close. The page offers what services/feedback/workflow.actions
allows the user in the feedback's state, and each form goes to the workflow's own function with
g.principal, after the API's own request schema (schemas/feedback.py). Each form shows the push the
citizen will get (services/push/subscriber.feedback_push), refreshed by console.js as the officer types.

A form with a mistake comes back (422) with what was typed and the error beside its field; photos
already uploaded by it stay attached. After an action: back to the page (the inbox after a transfer,
which takes the feedback out of the department's sight) with a message.
"""

import uuid

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from api.console import bp, field_errors, once
from api.console.choices import active_departments
from api.console.uploads import takes_files
from api.database import session
from schemas.feedback import AssignSchema, NewReplySchema, NoteSchema, StatusChangeSchema, TransferSchema
from services.core.errors import Invalid, NotFound
from services.directory import departments
from services.feedback import intake, workflow
from services.files import attachments
from services.push.subscriber import feedback_push

REJECTION_NAMES = {
    "spam": _l("Spam"),
    "duplicate": _l("Duplicate of another feedback"),
    "out_of_scope": _l("Not a matter for the authorities"),
    "abusive": _l("Abusive"),
    "insufficient_information": _l("Not enough information"),
}
DONE = {
    "assign": _l("The feedback is assigned."),
    "transfer": _l("The feedback is transferred; the citizen is told which department handles it now."),
    "reply": _l("Your answer is sent to the citizen."),
    "note": _l("The note is saved for the department."),
    "in_progress": _l("The feedback is marked as being handled."),
    "reject": _l("The feedback is rejected."),
    "close": _l("The feedback is closed; the citizen is told."),
}
MAX_FILES = 5  # a reply's photos and PDFs sent with one form
PREVIEWED = ("transfer", "reply", "close")  # the actions whose push depends on what is typed
# Upload fields of the services and their place on the reply form.
FORM_FIELDS = {"file": "files", "attachment_ids": "files"}


def page_context(db, item) -> dict:
    """What the feedback page needs for its action forms: the allowed actions and their choices, and
    the push each sends the citizen as the page opens."""
    allowed = workflow.actions(g.principal, item)
    context = {"actions": allowed, "reasons": REJECTION_NAMES, "max_files": MAX_FILES, "previewed": PREVIEWED}
    if "assign" in allowed:
        context["colleagues"] = workflow.colleagues(db, item)
    if "transfer" in allowed:
        offered = active_departments(db, g.principal)
        context["departments"] = [d for d in offered if d.id != item.department_id]
    form = getattr(g, "action_form", MultiDict())
    context["pushes"] = {action: citizen_push(db, item, action, form) for action in allowed}
    return context


def citizen_push(db, item, action: str, values) -> dict:
    """The push `action` would send the citizen with the form's `values` (as typed so far): its
    Vietnamese text, or a sentence saying that nothing is sent."""
    if action == "transfer":
        department = _department(db, values.get("department_id"))
        text = feedback_push(item, "transferred", {"department": department or gettext("(the department)")})
    elif action == "reply":
        text = feedback_push(item, "answered", {"answer": values.get("body") or gettext("(your answer)")})
    elif action == "close":
        resolution = "unresolved" if values.get("resolution") == "unresolved" else "resolved"
        text = feedback_push(item, "closed", {"resolution": resolution})
    else:
        text = None
    if text is not None:
        return {"push": text["vi"]}
    if action == "note":
        return {"nothing": gettext("The citizen sees nothing: an internal note stays in the department.")}
    return {"nothing": gettext("No notification is sent; the citizen sees the new status in the app.")}


def _department(db, department_id) -> str | None:
    try:
        return departments.get(db, g.principal, uuid.UUID(department_id)).name
    except (TypeError, ValueError, NotFound):
        return None


@bp.get("/feedback/<uuid:feedback_id>/preview/<any(transfer,reply,close):action>")
def preview(feedback_id: uuid.UUID, action: str):
    """The push text for a form as typed so far (console.js asks as the officer types)."""
    db = session()
    item = workflow.get(db, g.principal, feedback_id)
    return render_template("console/push_preview.html", preview=citizen_push(db, item, action, request.args))


@bp.post("/feedback/<uuid:feedback_id>/<any(assign,transfer,reply,note,in_progress,reject,close):action>")
@takes_files(
    MAX_FILES * attachments.MAX_BYTES,
    _l("Too many megabytes at once: send at most %(num)d files of 10 MB each.", num=MAX_FILES),
)
def act(feedback_id: uuid.UUID, action: str):
    from api.console.feedback import render_page  # the page imports this module for its forms

    once.claim()  # a second post of the same form (double click, back button) does nothing
    db = session()
    form = request.form.copy()
    try:
        _DO[action](db, feedback_id, form)
    except (Invalid, ValidationError) as error:
        db.rollback()
        errors = error.messages if isinstance(error, ValidationError) else error.extra["errors"]
        g.action_form = form
        item = workflow.get(db, g.principal, feedback_id)
        return render_page(item, action, field_errors.by_field(errors, FORM_FIELDS)), 422
    flash(str(DONE[action]), "success")
    if action == "transfer":
        return redirect(url_for("console.inbox"))
    return redirect(url_for("console.feedback", feedback_id=feedback_id))


def _given(form, *names) -> dict:
    """The form's non-empty fields among `names` (an empty field is a missing one)."""
    return {name: form[name] for name in names if form.get(name, "").strip()}


def _assign(db, feedback_id, form):
    workflow.assign(db, g.principal, feedback_id, AssignSchema().load(_given(form, "user_id"))["user_id"])


def _transfer(db, feedback_id, form):
    data = TransferSchema().load(_given(form, "department_id", "reason"))
    workflow.transfer(db, g.principal, feedback_id, data)


def _reply(db, feedback_id, form):
    schema, given = NewReplySchema(), {**_given(form, "body"), "public": form.get("public") == "on"}
    schema.load(given)  # a mistake in the text: no file is stored
    uploads = [file for file in request.files.getlist("files") if file.filename]
    if len(uploads) + len(form.getlist("attachment_ids")) > MAX_FILES:
        raise Invalid({"files": [f"Longer than maximum length {MAX_FILES}."]})  # marshmallow's words
    min_free = current_app.config["ATTACHMENTS_MIN_FREE_MB"] * attachments.MB
    for file in uploads:  # each kept for this form (and its uploader) should the reply not go through
        stored = attachments.upload(db, g.principal, file.read(), min_free_bytes=min_free)
        form.add("attachment_ids", str(stored.id))
    data = schema.load({**given, "attachment_ids": form.getlist("attachment_ids")})
    workflow.reply(db, g.principal, feedback_id, data)


def _note(db, feedback_id, form):
    workflow.note(db, g.principal, feedback_id, NoteSchema().load(_given(form, "body")))


def _status(to: str, *fields):
    def change(db, feedback_id, form):
        data = {"to": to, **_given(form, "note", *fields)}
        if to == "rejected" and data.get("reason") == "duplicate" and data.get("duplicate_of"):
            data["duplicate_of"] = str(_original(db, data["duplicate_of"]))
        workflow.change_status(db, g.principal, feedback_id, StatusChangeSchema().load(data))

    return change


def _original(db, code: str) -> uuid.UUID:
    """The feedback a duplicate repeats, by the tracking code the officer knows it by."""
    try:
        return intake.track(db, g.principal, code).id
    except NotFound:
        raise Invalid({"duplicate_of": ["No such feedback in your department."]}) from None


_DO = {
    "assign": _assign,
    "transfer": _transfer,
    "reply": _reply,
    "note": _note,
    "in_progress": _status("in_progress"),
    "reject": _status("rejected", "reason", "duplicate_of"),
    "close": _status("closed", "resolution"),
}
