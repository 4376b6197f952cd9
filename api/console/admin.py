"""Administration: the menu of the admin pages (each listed to those the policy lets use it), and
`may(action)` for templates, so the navigation shows "Quản trị" only to them."""

from flask import g, render_template

from api.console import bp
from services.core.errors import Forbidden
from services.identity import policy

# The actions behind the admin pages (add yours); each page asks the policy again.
ADMIN_ACTIONS = ("forms.manage",)


@bp.app_template_global()
def may(action: str) -> bool:
    return bool(g.get("principal")) and policy.allows(g.principal, action)


def administers() -> bool:
    return any(may(action) for action in ADMIN_ACTIONS)


bp.add_app_template_global(administers)


@bp.get("/admin")
def admin_menu():
    if not administers():
        raise Forbidden("Administration is for admins.")
    return render_template("console/admin.html")
