"""The administrators' menu (/console/admin) and what their pages share: the schema's or the service's
refusal as messages beside each field, the confirmation step before what cannot be taken back, and the
answer that carries a secret shown once.

Each admin page requires the policy action it changes, as its API does; the menu and the nav's
"Administration" show a user only the pages the policy lets them use."""

from flask import g, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError

from api.console import bp, field_errors
from api.http import text_errors
from services.core.errors import Conflict, DomainError, Invalid
from services.identity import policy

# The menu, in its order: (endpoint, the policy action that lets a user in, title, what it is for).
PAGES = (
    ("console.departments_list", "departments.manage", _l("Departments and focal points"),
     _l("Who answers for each department; the coverage against the 100 % target.")),
    ("console.categories_list", "categories.manage", _l("Categories"),
     _l("What citizens and departments write about: the deadline in working days and the priority.")),
    ("console.admin_forms", "forms.manage", _l("Feedback forms"),
     _l("The forms citizens fill in: fields, places, versions.")),
    ("console.routing_page", "routing_rules.manage", _l("Routing rules"),
     _l("Which department answers each category where; who would receive a submission, and by when.")),
    ("console.admin_users", "users.manage", _l("Users"),
     _l("Staff accounts, roles, departments, passwords.")),
    ("console.admin_api_keys", "api_keys.manage", _l("API keys"),
     _l("Keys for other systems, with what each may do.")),
    ("console.admin_webhooks", "webhooks.manage", _l("Webhooks"),
     _l("Signed event deliveries to other systems, and how they went.")),
    ("console.admin_zalo_templates", "zalo.templates", _l("Zalo templates"),
     _l("The templates Zalo approved for our messages, and the field each parameter takes.")),
    ("console.admin_deliveries", "notifications.manage", _l("Deliveries"),
     _l("How alerts and notices reached phones and systems; what is waiting.")),
    ("console.admin_audit", "audit.read", _l("Audit log"), _l("Who changed what, and when.")),
)  # fmt: skip


def pages_for(principal) -> list[tuple]:
    return [(e, t, s) for e, action, t, s in PAGES if principal and policy.allows(principal, action)]


@bp.context_processor
def admin_nav():
    return {"admin_nav": bool(pages_for(g.get("principal")))}


@bp.get("/admin")
def admin():
    pages = pages_for(g.principal)
    if not pages:
        policy.require(g.principal, PAGES[0][1])  # the policy's own refusal
    return render_template("console/admin.html", pages=pages)


def loaded(schema: Schema, body: dict) -> dict:
    """The form's body as the API's schema loads JSON, after the API's rule on unstorable text."""
    if errors := text_errors(body):
        raise ValidationError(errors)
    return schema.load(body)


def refusal(
    error: ValidationError | DomainError, conflicts: dict[str, str] | None = None, field: str = "form"
) -> dict[str, list[str]]:
    """{form field: [messages]}: a schema's or a service's field errors (a nested focal point's fields
    as focal_name, focal_phone…), or a service's refusal beside the field `conflicts` names for its code,
    else beside `field`. Any other refusal is the error page."""
    if isinstance(error, ValidationError):
        messages = error.messages if isinstance(error.messages, dict) else {field: error.messages}
    elif error.extra.get("errors"):
        messages = error.extra["errors"]
    elif error.code in (conflicts or {}):
        messages = {conflicts[error.code]: [error.detail]}
    elif isinstance(error, Conflict | Invalid):
        messages = {field: [error.detail]}
    else:
        raise error
    flat = {}
    for key, value in messages.items():
        if isinstance(value, dict) and key == "focal_point":
            flat.update({f"focal_{k}": v for k, v in value.items()})
        else:
            flat[key] = value
    return field_errors.by_field(flat)


def status(error: ValidationError | DomainError) -> int:
    """The refused form's status, as the API's: 422, or 409 for a conflict."""
    return error.status if isinstance(error, DomainError) else 422


def confirmed() -> bool:
    """Whether the form says its action was confirmed (the confirmation page, or console.js's dialog)."""
    return request.form.get("confirmed") == "yes"


def confirmation(question: str, button: str, *, consequence: str = "", action: str = "", back: str = ""):
    """The page that asks before acting: the same form again (to `action`, else where it was sent),
    confirmed, with the form's fields carried on."""
    fields = [(k, v) for k, v in request.form.items(multi=True) if k not in ("csrf_token", "confirmed")]
    return render_template(
        "console/admin_confirm.html",
        question=question,
        consequence=consequence,
        button=button,
        action=action,
        back=back,
        fields=fields,
    )


def shown_once(template: str, **context):
    """A page holding a secret (a password, a key): the answer to the POST that made it, kept by no
    cache or browser history; it is in no URL and no cookie, so it cannot be shown again."""
    response = make_response(render_template(template, **context))
    response.headers["Cache-Control"] = "no-store"
    return response
