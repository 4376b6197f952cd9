"""Categories (/console/admin/categories): their names in Vietnamese and English, the working days to
answer and the default priority; created, edited and retired through the API's schemas
(schemas/categories) and service (services/directory/categories). A retired category takes no new
feedback; what it holds keeps it."""

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from api.console import admin, bp, once
from api.console.inbox import PRIORITY_NAMES
from api.database import session
from schemas.categories import KINDS, CategorySchema, CategoryUpdateSchema
from services.core.errors import DomainError
from services.directory import categories
from services.directory.categories import DEFAULT_DEADLINE_DAYS
from services.identity import policy

KIND_NAMES = {"feedback": _l("Feedback"), "notice": _l("Notices"), "alert": _l("Alerts")}
FIELDS = ("code", "kind", "name_vi", "name_en", "deadline_working_days", "priority")
CONFLICTS = {"category_code_taken": "code"}


@bp.get("/admin/categories")
def categories_list():
    policy.require(g.principal, "categories.manage")
    return render_template(
        "console/categories.html",
        categories=categories.every(session()),
        kinds=KIND_NAMES,
        priorities=PRIORITY_NAMES,
    )


@bp.route("/admin/categories/new", methods=["GET", "POST"])
def new_category():
    policy.require(g.principal, "categories.manage")
    if request.method == "GET":
        return _form(None, {**dict.fromkeys(FIELDS, ""), "kind": "feedback", "priority": "normal"})
    values = _values()
    once.claim()
    try:
        category = categories.create(session(), g.principal, admin.loaded(CategorySchema(), _body(values)))
    except (ValidationError, DomainError) as error:
        return _form(None, values, admin.refusal(error, CONFLICTS), admin.status(error))
    flash(gettext("Category %(name)s is added.", name=category.name_vi), "success")
    return redirect(url_for("console.categories_list"))


@bp.route("/admin/categories/<code>", methods=["GET", "POST"])
def category(code: str):
    policy.require(g.principal, "categories.manage")
    db = session()
    item = categories.get(db, code)
    if request.method == "GET":
        return _form(item, {k: str(getattr(item, k) or "") for k in FIELDS})
    values = _values()
    once.claim()
    body = {k: v for k, v in _body(values).items() if k not in ("code", "kind")}  # both are for good
    try:
        categories.update(db, g.principal, code, admin.loaded(CategoryUpdateSchema(), body))
    except (ValidationError, DomainError) as error:
        return _form(item, values, admin.refusal(error, CONFLICTS), admin.status(error))
    flash(gettext("Category %(name)s is saved.", name=item.name_vi), "success")
    return redirect(url_for("console.categories_list"))


@bp.post("/admin/categories/<code>/active")
def category_active(code: str):
    policy.require(g.principal, "categories.manage")
    db = session()
    item = categories.get(db, code)
    active = request.form.get("active") == "true"
    if not active and not admin.confirmed():
        return admin.confirmation(
            gettext("Retire %(name)s? It takes no new feedback; what it holds keeps it.", name=item.name_vi),
            gettext("Retire"),
            action=url_for("console.category_active", code=code),
        )
    once.claim()
    categories.update(db, g.principal, code, {"active": active})
    flash(
        gettext("%(name)s is retired.", name=item.name_vi)
        if not active
        else gettext("%(name)s is active again.", name=item.name_vi),
        "success",
    )
    return redirect(url_for("console.categories_list"))


def _values() -> dict:
    return {k: request.form.get(k, "").strip() for k in FIELDS}


def _body(values: dict) -> dict:
    """The form as the API's JSON body: no deadline given is the priority's default."""
    body = {k: values[k] for k in FIELDS if k != "deadline_working_days"}
    if values["deadline_working_days"]:
        body["deadline_working_days"] = values["deadline_working_days"]
    return body


def _form(item, values: dict, errors: dict | None = None, status: int = 200):
    return (
        render_template(
            "console/category_form.html",
            item=item,
            values=values,
            errors=errors or {},
            kinds=[(k, KIND_NAMES[k]) for k in KINDS],
            priorities=list(PRIORITY_NAMES.items()),
            default_days=DEFAULT_DEADLINE_DAYS,
        ),
        status,
    )
