"""Staff accounts (admins): the list with search and filters, a new account, role and department,
deactivating (the person's console session and API tokens end at the next request: signin.py reads the
token each time) and a new password. Passwords are made here and shown once, in the answer to the form
that made them (admin.shown_once); the services hash them and audit every change."""

import secrets
import uuid

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from api.console import bp, once
from api.console.admin import confirmation, confirmed, refusal, shown_once
from api.console.choices import active_departments
from api.database import session
from api.http import text_errors
from schemas.users import UserCreateSchema, UserQuerySchema, UserUpdateSchema
from services.core.errors import DomainError
from services.identity import policy, users

ROLE_NAMES = {
    "admin": _l("Administrator (every department)"),
    "editor": _l("Editor"),
    "officer": _l("Officer"),
    "viewer": _l("Viewer"),
}
PAGE_SIZE = 20


def new_password() -> str:
    """16 letters and digits in four groups, easy to read out and type once (then changed)."""
    alphabet = "abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789"
    letters = "".join(secrets.choice(alphabet) for _ in range(16))
    return "-".join(letters[i : i + 4] for i in range(0, 16, 4))


def _choices() -> dict:
    db, principal = session(), g.principal
    return {
        "roles": ROLE_NAMES,
        "departments": active_departments(db, principal),
    }


@bp.get("/admin/users")
def admin_users():
    policy.require(g.principal, "users.manage")
    try:
        args = UserQuerySchema().load({k: v for k, v in request.args.items() if v and not text_errors(v)})
    except ValidationError:
        args = {}
    query = {k: str(v) for k, v in args.items() if k not in ("cursor", "limit")}
    page = users.list_users(session(), g.principal, **{**args, "limit": PAGE_SIZE})
    return render_template("console/admin_users.html", page=page, args=args, query=query, **_choices())


@bp.route("/admin/users/new", methods=["GET", "POST"])
def admin_user_new():
    policy.require(g.principal, "users.manage")
    if request.method == "GET":
        return _form(None, {"role": "officer"})
    values = request.form.to_dict()
    once.claim()
    password = new_password()
    try:
        data = UserCreateSchema().load(_account(values, password=password))
        user = users.create(session(), g.principal, data)
    except (ValidationError, DomainError) as error:
        return _form(None, values, refusal(error, field="email"), 422)
    return shown_once("console/admin_password.html", person=user, password=password, created=True)


@bp.route("/admin/users/<uuid:user_id>", methods=["GET", "POST"])
def admin_user(user_id: uuid.UUID):
    policy.require(g.principal, "users.manage")
    db = session()
    person = users.get(db, g.principal, user_id)
    if request.method == "GET":
        return _form(person, _values(person))
    values = request.form.to_dict()
    once.claim()
    try:
        fields = ("full_name", "role", "department_id", "privacy_officer")
        data = UserUpdateSchema().load(_account(values, fields=fields))
        users.update(db, g.principal, user_id, data)
    except (ValidationError, DomainError) as error:
        return _form(person, values, refusal(error, field="role"), 422)
    flash(gettext("The account is saved."), "success")
    return redirect(url_for("console.admin_user", user_id=user_id))


@bp.post("/admin/users/<uuid:user_id>/active")
def admin_user_active(user_id: uuid.UUID):
    policy.require(g.principal, "users.manage")
    db = session()
    person = users.get(db, g.principal, user_id)
    back = url_for("console.admin_user", user_id=user_id)
    switch_on = request.form.get("active") == "yes"
    if not switch_on and not confirmed():
        return confirmation(
            gettext("Deactivate %(name)s?", name=person.full_name or person.email),
            gettext("Yes, deactivate"),
            consequence=gettext(
                "They are signed out of the console and the API at once and cannot sign in again "
                "until the account is switched on."
            ),  # fmt: skip
            back=back,
        )
    once.claim()
    try:
        users.update(db, g.principal, user_id, {"active": switch_on})
    except DomainError as error:  # an admin's own account
        return _form(person, _values(person), refusal(error), error.status)
    flash(
        gettext("The account is switched on.") if switch_on else gettext("The account is deactivated."),
        "success",
    )
    return redirect(back)


@bp.post("/admin/users/<uuid:user_id>/password")
def admin_user_password(user_id: uuid.UUID):
    policy.require(g.principal, "users.manage")
    db = session()
    person = users.get(db, g.principal, user_id)
    if not confirmed():
        return confirmation(
            gettext("Give %(name)s a new password?", name=person.full_name or person.email),
            gettext("Yes, make a new password"),
            consequence=gettext(
                "Their password stops working and they are signed out everywhere. The new password "
                "is shown once, on the next page: give it to them in person or by phone."
            ),  # fmt: skip
            back=url_for("console.admin_user", user_id=user_id),
        )
    once.claim()
    password = new_password()
    users.update(db, g.principal, user_id, {"password": password})
    return shown_once("console/admin_password.html", person=person, password=password, created=False)


def _account(values: dict, *, password: str | None = None, fields=None) -> dict:
    """The form as the API's JSON body: an admin has no department, the others the one picked."""
    fields = fields or ("email", "full_name", "role", "department_id", "privacy_officer")
    data = {k: values.get(k, "").strip() for k in fields}
    data["department_id"] = None if data.get("role") == "admin" else data.get("department_id") or None
    data["privacy_officer"] = values.get("privacy_officer") == "yes"  # an unticked box is not sent
    if password:
        data["password"] = password
    if errors := text_errors(data):
        raise ValidationError(errors)
    return data


def _values(person) -> dict:
    return {
        "full_name": person.full_name,
        "role": person.role,
        "department_id": str(person.department_id or ""),
        "privacy_officer": "yes" if person.privacy_officer else "",
    }


def _form(person, values: dict, errors=None, status=200):
    """The account form (a new one when `person` is None), as typed, each message beside its field."""
    page = render_template(
        "console/admin_user.html", person=person, values=values, errors=errors or {}, **_choices()
    )
    return page, status
