"""Routing rules (/console/admin/routing): which department answers feedback of a category from a place —
a commune, a whole province or everywhere — with each province's intake department, which takes what no
rule claims; rules added, handed to another department and removed through the API's schema
(schemas/routing) and service (services/directory/routing). The "who would receive this?" tester asks
intake's own function (services/feedback/intake.destination) where a submission would go and by when."""

import uuid

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from marshmallow import ValidationError

from api.console import admin, bp, once
from api.console.choices import active_departments
from api.database import session
from schemas.routing import RoutingRuleSchema
from services.core import areas
from services.core.db import utcnow
from services.core.errors import DomainError
from services.directory import categories, departments, routing
from services.feedback import intake
from services.identity import policy

CONFLICTS = {"rule_exists": "place"}
# The schema's and the service's fields as the form names them: a rule's place is one choice.
FIELDS = {"category_code": "category_code", "province_code": "place", "ward_code": "place"}


@bp.get("/admin/routing")
def routing_page():
    policy.require(g.principal, "routing_rules.manage")
    return _page({"category_code": "", "place": "province", "department_id": ""})


@bp.post("/admin/routing")
def add_rule():
    policy.require(g.principal, "routing_rules.manage")
    values = {k: request.form.get(k, "").strip() for k in ("category_code", "place", "department_id")}
    once.claim()
    try:
        chosen = {k: v for k, v in values.items() if v and k != "place"}  # none chosen: "fill in"
        data = admin.loaded(RoutingRuleSchema(), {**_place(values["place"]), **chosen})
        routing.create(session(), g.principal, data)
    except (ValidationError, DomainError) as error:
        return _page(values, _renamed(admin.refusal(error, CONFLICTS)), admin.status(error))
    flash(gettext("The rule is added."), "success")
    return redirect(url_for("console.routing_page", province=_province()))


@bp.post("/admin/routing/<uuid:rule_id>")
def change_rule(rule_id: uuid.UUID):
    policy.require(g.principal, "routing_rules.manage")
    once.claim()
    given = {"department_id": request.form.get("department_id", "")}
    try:
        data = admin.loaded(RoutingRuleSchema(only=("department_id",)), given)
        routing.update(session(), g.principal, rule_id, data)
    except (ValidationError, DomainError) as error:
        message = " ".join(admin.refusal(error, {}).get("department_id", [gettext("Pick from the list.")]))
        flash(message, "error")
    else:
        flash(gettext("The rule now sends to the department chosen."), "success")
    return redirect(url_for("console.routing_page", province=_province()))


@bp.post("/admin/routing/<uuid:rule_id>/delete")
def delete_rule(rule_id: uuid.UUID):
    policy.require(g.principal, "routing_rules.manage")
    if not admin.confirmed():
        return admin.confirmation(
            gettext("Remove the rule? Its feedback goes to the next rule that matches, or to intake."),
            gettext("Remove"),
            action=url_for("console.delete_rule", rule_id=rule_id),
        )
    once.claim()
    routing.delete(session(), g.principal, rule_id)
    flash(gettext("The rule is removed."), "success")
    return redirect(url_for("console.routing_page", province=_province()))


@bp.get("/admin/routing/tester")
def routing_tester():
    """Where a submission of the category from the place would go now, and by when."""
    policy.require(g.principal, "routing_rules.manage")
    db = session()
    values = {"category_code": request.args.get("category_code", ""), "place": request.args.get("place", "")}
    answer, errors = None, {}
    if values["category_code"] or values["place"]:
        place = _place(values["place"] or "province")
        province_code = place.get("province_code") or _province()
        try:
            category = routing.feedback_category(db, values["category_code"])
            route, due = intake.destination(db, category, province_code, place.get("ward_code"), utcnow())
            answer = {"route": route, "due_at": due, "category": category}
        except DomainError as error:
            errors = _renamed(admin.refusal(error, {}))
    return (
        render_template(
            "console/routing_tester.html", values=values, errors=errors, answer=answer, **_areas()
        ),
        422 if errors else 200,
    )


def _page(values: dict, errors: dict | None = None, status: int = 200):
    principal, db = g.principal, session()
    active = active_departments(db, principal)
    return (
        render_template(
            "console/routing.html",
            values=values,
            errors=errors or {},
            rules=routing.every_rule(db, principal),
            intakes=routing.intake_departments(db),
            served=departments.provinces_with_departments(db),
            departments=[(str(d.id), d.name) for d in sorted(active, key=lambda d: d.name)],
            province_names={p.code: p.name for p in areas.provinces()},
            ward_name=lambda code: areas.ward(code).name if areas.ward(code) else code,
            **_areas(),
        ),
        status,
    )


def _areas() -> dict:
    """The province whose communes the forms list, the provinces to switch to, and the feedback
    categories to pick from."""
    province = areas.province(_province())
    return {
        "province": province,
        "provinces": [(p.code, p.name) for p in areas.provinces()],
        "wards": areas.wards(province.code),
        "feedback_categories": [
            (c.code, c.name_vi) for c in categories.every(session()) if c.kind == "feedback" and c.active
        ],
    }


def _province() -> int:
    """The province asked for (?province= or the form's), else the first with departments, else the first."""
    asked = request.values.get("province", "")
    if asked.isdigit() and areas.is_province(int(asked)):
        return int(asked)
    served = departments.provinces_with_departments(session())
    return served[0] if served else areas.provinces()[0].code


def _place(choice: str) -> dict:
    """The form's one choice of place as the API's fields: everywhere, the province, or a commune."""
    if choice == "country":
        return {"province_code": None, "ward_code": None}
    if choice.isdigit():
        return {"province_code": _province(), "ward_code": int(choice)}
    return {"province_code": _province(), "ward_code": None}


def _renamed(errors: dict) -> dict:
    renamed: dict = {}
    for field, messages in errors.items():
        renamed.setdefault(FIELDS.get(field, field), []).extend(messages)
    return renamed
