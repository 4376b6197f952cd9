"""Integrators' API keys (admins): a new key with its scopes, each described in plain words, and its
department, the key shown once (admin.shown_once: only its hash is stored); the list with each key's
prefix, scopes and last use; revoking, which the next request with the key finds."""

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
from schemas.api_keys import ApiKeySchema
from services.core.errors import DomainError
from services.identity import api_keys, policy

SCOPE_NAMES = {
    "notices:read": _l("Read notices, including drafts of its department"),
    "notices:write": _l("Write and publish notices"),
    "alerts:read": _l("Read alerts"),
    "alerts:write": _l("Write and publish alerts"),
    "feedback:read": _l("Read its department's feedback"),
    "feedback:write": _l("Submit feedback for citizens and answer its department's"),
    "departments:read": _l("Read the departments and their focal points"),
    "webhooks:manage": _l("Register and manage its department's webhooks"),
}
PAGE_SIZE = 20


@bp.get("/admin/api-keys")
def admin_api_keys():
    page = api_keys.list_keys(
        session(), g.principal, cursor=request.args.get("cursor") or None, limit=PAGE_SIZE
    )
    return _page(page, {"scopes": []})


@bp.post("/admin/api-keys")
def admin_api_key_new():
    policy.require(g.principal, "api_keys.manage")
    values = {
        "name": request.form.get("name", "").strip(),
        "scopes": request.form.getlist("scopes"),
        "department_id": request.form.get("department_id") or None,
    }
    once.claim()
    try:
        if errors := text_errors(values):
            raise ValidationError(errors)
        api_key, key = api_keys.create(session(), g.principal, ApiKeySchema().load(values))
    except (ValidationError, DomainError) as error:
        return _page(api_keys.list_keys(session(), g.principal, limit=PAGE_SIZE), values, refusal(error), 422)
    return shown_once("console/admin_api_key_created.html", api_key=api_key, key=key, scopes=SCOPE_NAMES)


@bp.post("/admin/api-keys/<uuid:key_id>/revoke")
def admin_api_key_revoke(key_id: uuid.UUID):
    policy.require(g.principal, "api_keys.manage")
    if not confirmed():
        return confirmation(
            gettext("Revoke the key?"),
            gettext("Yes, revoke"),
            consequence=gettext(
                "Every system using it is refused from its next request. This cannot be undone."
            ),
            back=url_for("console.admin_api_keys"),
        )
    once.claim()
    api_keys.revoke(session(), g.principal, key_id)
    flash(gettext("The key is revoked."), "success")
    return redirect(url_for("console.admin_api_keys"))


@bp.get("/admin/api-keys/<uuid:key_id>/revoke")
def admin_api_key_action_page(key_id: uuid.UUID):
    return redirect(url_for("console.admin_api_keys"))


def _page(page, values: dict, errors=None, status=200):
    db, principal = session(), g.principal
    return render_template(
        "console/admin_api_keys.html",
        page=page,
        query={},
        values=values,
        errors=errors or {},
        scopes=SCOPE_NAMES,
        departments=active_departments(db, principal),
    ), status
