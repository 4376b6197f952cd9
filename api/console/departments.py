"""Departments and their focal points (/console/admin/departments): the list with its search, the
departments short of a focal point first with the coverage figure of the reports (services/reports/
coverage, one definition), a department's creation, its focal point, its deactivation. Through the API's
schemas (schemas/departments) and service (services/directory/departments)."""

import uuid

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from marshmallow import ValidationError

from api.console import admin, bp, once
from api.database import session
from schemas.departments import DepartmentSchema, DepartmentUpdateSchema
from services.core import areas
from services.core.errors import DomainError
from services.directory import departments
from services.identity import policy
from services.reports import coverage, scope

PAGE_SIZE = 50
FIELDS = ("code", "name", "province_code", "focal_name", "focal_phone", "focal_email", "intake")
CONFLICTS = {"department_code_taken": "code", "intake_taken": "intake"}


@bp.get("/admin/departments")
def departments_list():
    principal, db = g.principal, session()
    policy.require(principal, "departments.manage")
    q = request.args.get("q", "").strip()[:100]
    page = departments.list_departments(
        db, principal, q=q or None, cursor=request.args.get("cursor") or None, limit=PAGE_SIZE
    )
    return render_template(
        "console/departments.html",
        page=page,
        q=q,
        coverage=_coverage(db),
        province_names={p.code: p.name for p in areas.provinces()},
    )


def _coverage(db) -> list[tuple[str, dict]]:
    """The coverage report's focal-point figures per province with departments, then the whole."""
    rows = [
        (areas.province(code).name, coverage.focal_point_coverage(db, _scope(db, code)))
        for code in departments.provinces_with_departments(db)
    ]
    return [*rows, (gettext("All departments"), coverage.focal_point_coverage(db, _scope(db, None)))]


def _scope(db, province_code):
    return scope.resolve(db, g.principal, {"province_code": province_code})


@bp.route("/admin/departments/new", methods=["GET", "POST"])
def new_department():
    policy.require(g.principal, "departments.manage")
    if request.method == "GET":
        return _form(None, dict.fromkeys(FIELDS, ""))
    values = _values()
    once.claim()
    try:
        department = departments.create(
            session(), g.principal, admin.loaded(DepartmentSchema(), _body(values))
        )
    except (ValidationError, DomainError) as error:
        return _form(None, values, admin.refusal(error, CONFLICTS), admin.status(error))
    flash(gettext("Department %(code)s is added.", code=department.code), "success")
    return redirect(url_for("console.departments_list", q=department.name))


@bp.route("/admin/departments/<uuid:department_id>", methods=["GET", "POST"])
def department(department_id: uuid.UUID):
    principal, db = g.principal, session()
    policy.require(principal, "departments.manage")
    item = departments.get(db, principal, department_id)
    if request.method == "GET":
        focal = item.focal_point or {}
        values = {
            "code": item.code,
            "name": item.name,
            "province_code": str(item.province_code or ""),
            "intake": "on" if item.intake else "",
            **{f"focal_{k}": focal.get(k) or "" for k in ("name", "phone", "email")},
        }
        return _form(item, values)
    values = _values()
    once.claim()
    try:
        body = {k: v for k, v in _body(values).items() if k != "code"}  # a code is for good
        departments.update(db, principal, department_id, admin.loaded(DepartmentUpdateSchema(), body))
    except (ValidationError, DomainError) as error:
        return _form(item, values, admin.refusal(error, CONFLICTS), admin.status(error))
    flash(gettext("Department %(code)s is saved.", code=item.code), "success")
    return redirect(url_for("console.departments_list", q=item.name))


@bp.post("/admin/departments/<uuid:department_id>/active")
def department_active(department_id: uuid.UUID):
    principal, db = g.principal, session()
    policy.require(principal, "departments.manage")
    item = departments.get(db, principal, department_id)
    active = request.form.get("active") == "true"
    if not active and not admin.confirmed():
        return admin.confirmation(
            gettext(
                "Deactivate %(name)s? Its staff are signed out, and routing rules skip it.", name=item.name
            ),
            gettext("Deactivate"),
            action=url_for("console.department_active", department_id=department_id),
        )
    once.claim()
    departments.update(db, principal, department_id, {"active": active})
    flash(
        gettext("%(name)s is deactivated.", name=item.name)
        if not active
        else gettext("%(name)s is active again.", name=item.name),
        "success",
    )
    return redirect(url_for("console.departments_list"))


def _values() -> dict:
    return {k: request.form.get(k, "").strip() for k in FIELDS}


def _body(values: dict) -> dict:
    """The form as the API's JSON body: no province is a central body, no focal fields no focal point;
    the intake box ticked makes it its province's intake department (what no routing rule claims)."""
    focal = {k: values[f"focal_{k}"] or None for k in ("name", "phone", "email")}
    return {
        "code": values["code"],
        "name": values["name"],
        "province_code": values["province_code"] or None,
        "intake": values["intake"] == "on",
        "focal_point": {k: v for k, v in focal.items() if v} if any(focal.values()) else None,
    }


def _form(item, values: dict, errors: dict | None = None, status: int = 200):
    return (
        render_template(
            "console/department_form.html",
            item=item,
            values=values,
            errors=errors or {},
            provinces=[(p.code, p.name) for p in areas.provinces()],
        ),
        status,
    )
