"""Forms that change data act once (services/identity/submitted_forms.py): each carries a one-time token,
`{{ once_field() }}`, and its view calls `claim()` before the service. The same form sent again — a
double click, the back button — goes back to the page it came from with a notice instead of acting
twice. console.js also holds a form back while it is being sent; this is the check that does not depend
on the browser."""

import uuid
from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from api.console import bp
from api.console.signin import back_to
from api.database import session
from services.identity import submitted_forms


class AlreadySent(Exception):
    """This form was carried out before."""


def once_field() -> Markup:
    return Markup('<input type="hidden" name="once" value="{}">').format(uuid.uuid4())


def claim() -> None:
    """Take the posted form's token, or raise AlreadySent; a form without one is refused like a forged one."""
    try:
        token = uuid.UUID(request.form.get("once", ""))
    except ValueError:
        raise CSRFError("The form's one-time token is missing.") from None
    if not submitted_forms.claim(session(), token, g.principal.user_id):
        raise AlreadySent


bp.add_app_template_global(once_field)


@bp.errorhandler(AlreadySent)
def already_sent(error):
    flash(gettext("This form was already sent, and it was carried out only once."), "info")
    referrer = urlsplit(request.referrer or "")
    if referrer.path and not _shown_by_get(referrer.path):
        # The form came from a confirmation, the answer to a POST (…/alerts/<id>/publish): back to the
        # page the action belongs to, its address without the action's segments.
        path = referrer.path
        while path.count("/") > 2 and not _shown_by_get(path):
            path = path.rsplit("/", 1)[0]
        return redirect(back_to(path))
    same_page = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return redirect(back_to(same_page))


def _shown_by_get(path: str) -> bool:
    try:
        current_app.url_map.bind("").match(path, method="GET")
    except HTTPException:
        return False
    return True
