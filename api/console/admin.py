"""The administration menu (/console/admin) and what its pages share: the links each user may follow
(the nav shows "Administration" only when there is one), the answer that carries a secret shown once,
and the confirmation step of an action that cannot be taken back."""

from flask import g, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from api.console import bp, field_errors
from services.core.errors import Conflict, DomainError, Invalid, NotFound
from services.identity import policy

# (endpoint, title, what it is for, the policy action that lets a user in)
LINKS = (
    ("console.admin_users", _l("Users"), _l("Staff accounts, roles, departments, passwords."),
     "users.manage"),
    ("console.admin_api_keys", _l("API keys"), _l("Keys for other systems, with what each may do."),
     "api_keys.manage"),
    ("console.admin_webhooks", _l("Webhooks"),
     _l("Signed event deliveries to other systems, and how they went."),
     "webhooks.manage"),
    ("console.admin_deliveries", _l("Deliveries"),
     _l("How alerts and notices reached phones and systems; what is waiting."), "notifications.manage"),
    ("console.admin_audit", _l("Audit log"), _l("Who changed what, and when."), "audit.read"),
)  # fmt: skip


def admin_links() -> list[tuple]:
    principal = g.get("principal")
    return [link for link in LINKS if principal and policy.allows(principal, link[3])]


@bp.context_processor
def administration():
    return {"admin_links": admin_links}


@bp.get("/admin")
def admin():
    links = admin_links()
    if not links:
        raise NotFound("No administration for this role.")
    return render_template("console/admin.html", links=links)


def shown_once(template: str, **context):
    """A page holding a secret (a password, a key): the answer to the POST that made it, kept by no
    cache or browser history; it is in no URL and no cookie, so it cannot be shown again."""
    response = make_response(render_template(template, **context))
    response.headers["Cache-Control"] = "no-store"
    return response


def confirmed() -> bool:
    """The form's second step was agreed (the confirmation page's button, or console.js's dialog)."""
    return request.form.get("confirmed") == "yes"


def confirm(question: str, consequence: str, button: str, back: str):
    """The page that asks before an action that cannot be undone: the same form again, confirmed."""
    fields = [(k, v) for k, v in request.form.items(multi=True) if k not in ("csrf_token", "confirmed")]
    return render_template(
        "console/admin_confirm.html",
        question=question,
        consequence=consequence,
        button=button,
        back=back,
        fields=fields,
    )


def form_errors(error: ValidationError | DomainError, field: str = "form") -> dict[str, list[str]]:
    """A refused form's messages by field, in the page's language: the schema's, a service's field
    errors, or a service's refusal (a conflict) put beside `field`. Any other refusal is the error page."""
    if isinstance(error, ValidationError):
        messages = error.messages if isinstance(error.messages, dict) else {field: error.messages}
    elif error.extra.get("errors"):
        messages = error.extra["errors"]
    elif isinstance(error, Conflict | Invalid):
        messages = {field: [error.detail]}
    else:
        raise error
    return field_errors.by_field(messages)
