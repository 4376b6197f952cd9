"""The administrators' menu (/console/admin) and what their forms share: the schema's or the service's
refusal as messages beside each field, and the confirmation step before a deactivation.

Each admin page requires the policy action it changes, as its API does (403 for other staff)."""

from flask import g, render_template, request
from marshmallow import Schema, ValidationError

from api.console import bp, field_errors
from api.http import text_errors
from services.core.errors import DomainError
from services.identity import policy

# The admin pages, each shown to those the policy lets use it: (endpoint, policy action, title, what for).
# Other admin pages add their line here.
PAGES = []


def page(endpoint: str, action: str, title, summary):
    PAGES.append((endpoint, action, title, summary))


def may_administer(principal) -> bool:
    return any(policy.allows(principal, action) for _, action, _, _ in PAGES)


@bp.context_processor
def admin_nav():
    principal = g.get("principal")
    return {"admin_nav": bool(principal) and may_administer(principal)}


@bp.get("/admin")
def admin():
    pages = [(e, t, s) for e, action, t, s in PAGES if policy.allows(g.principal, action)]
    if not pages:
        policy.require(g.principal, PAGES[0][1])  # the policy's own refusal
    return render_template("console/admin.html", pages=pages)


def loaded(schema: Schema, body: dict) -> dict:
    """The form's body as the API's schema loads JSON, after the API's rule on unstorable text."""
    if errors := text_errors(body):
        raise ValidationError(errors)
    return schema.load(body)


def refusal(error: ValidationError | DomainError, conflicts: dict[str, str]) -> dict[str, list[str]]:
    """{form field: [messages]}: a schema's or an Invalid's field errors (a nested focal point's fields
    as focal_name, focal_phone…), or a Conflict named by its code beside the field `conflicts` gives."""
    if isinstance(error, ValidationError):
        messages = error.messages if isinstance(error.messages, dict) else {"form": error.messages}
    elif "errors" in error.extra:
        messages = error.extra["errors"]
    elif error.code in conflicts:
        messages = {conflicts[error.code]: [error.detail]}
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


def confirmation(question: str, action: str, button: str):
    """The page that asks before acting, carrying the form's fields on."""
    fields = [(k, v) for k, v in request.form.items(multi=True) if k not in ("csrf_token", "confirmed")]
    return render_template(
        "console/admin_confirm.html", question=question, action=action, button=button, fields=fields
    )
