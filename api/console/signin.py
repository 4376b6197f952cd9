"""Who is at the console: sign-in with the API's staff accounts, the session that follows, sign-out and
the language switch; the CSRF check of every form; the pages for errors.

The session keeps the staff token the API would have issued (services/identity/users.authenticate), and
every request reads it as the API reads a bearer token: it ends when the token expires, when the user is
deactivated, changes role or department, or has their tokens ended. A token past half its life is renewed
by the next page, so a session ends after JWT_TTL without use, not in the middle of a working day.
Failed and successful sign-ins count toward the same SIGN_IN limit as POST /api/v1/auth/token.
"""

import time

from flask import current_app, g, redirect, render_template, request, session, url_for
from flask_babel import get_locale, gettext
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from wtforms import ValidationError

from api.console import bp
from api.console.i18n import LANGUAGES
from api.database import session as db_session
from api.limits import SIGN_IN, limiter
from services.core.errors import DomainError, Unauthorized
from services.core.security import read_jwt
from services.identity import users
from services.identity.principals import Caller, Principal

OPEN_PAGES = {"console.login", "console.language", "console.static"}


@bp.before_request
def who_is_there():
    if request.endpoint == "console.static":
        return None  # the stylesheets and the script are the same for everyone
    g.principal = _signed_in()
    # Before the form is read: nobody signed in has a large upload parsed.
    if g.principal is None and request.endpoint not in OPEN_PAGES:
        return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
    if request.method == "POST":
        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError as error:
            raise CSRFError(str(error)) from None
    return None


def _signed_in() -> Principal | None:
    token = session.get("token")
    if not token:
        return None
    claims = read_jwt(current_app.config["SECRET_KEY"], token, current_app.config["JWT_TTL"])
    user = users.from_claims(db_session(), claims) if claims else None
    if user is None:  # expired, deactivated, or its tokens ended: sign in again
        session.pop("token")
        return None
    ttl = current_app.config["JWT_TTL"]
    if time.time() - int(claims["iat"]) > ttl / 2:  # renewed while in use: it ends after JWT_TTL idle
        session["token"] = users.token_for(user, secret=current_app.config["SECRET_KEY"], ttl=ttl)
    return Principal(kind=Caller.STAFF, user=user, ip=request.remote_addr)


@bp.context_processor
def page_context():
    return {
        "user": g.principal.user if g.get("principal") else None,
        "csrf_token": generate_csrf,
        "lang": get_locale().language,
    }


def back_to(target: str | None) -> str:
    """Where to go after signing in or switching language: a console page, never another site."""
    if target and target.startswith("/console/") and not target.startswith("//"):
        return target
    return url_for("console.inbox")


@bp.route("/login", methods=["GET", "POST"])
@limiter.shared_limit(SIGN_IN, scope="sign_in", methods=["POST"])
def login():
    target = request.values.get("next")
    if request.method == "GET":
        if g.principal is not None:
            return redirect(back_to(target))
        return render_template("console/login.html", next=target, email="")
    email = request.form.get("email", "")
    try:
        token = users.authenticate(
            db_session(),
            email,
            request.form.get("password", ""),
            secret=current_app.config["SECRET_KEY"],
            ttl=current_app.config["JWT_TTL"],
        )
    except Unauthorized:
        error = gettext("Wrong email or password.")
        return render_template("console/login.html", next=target, email=email, error=error), 401
    lang = session.get("lang")
    session.clear()  # a fresh session (and CSRF token) for the signed-in user
    session.update(token=token, **({"lang": lang} if lang else {}))
    return redirect(back_to(target))


@bp.post("/logout")
def logout():
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("console.login"))


@bp.post("/language")
def language():
    if request.form.get("lang") in LANGUAGES:
        session["lang"] = request.form["lang"]
    return redirect(back_to(request.form.get("next")))


@bp.errorhandler(CSRFError)
def refused_form(error):
    message = gettext(
        "This form has expired or did not come from the console. Go back, reload and try again."
    )
    return render_template("console/error.html", message=message), 400


@bp.errorhandler(RateLimitExceeded)
def too_many_sign_ins(error):
    message = gettext("Too many sign-in attempts from this address. Wait a few minutes and try again.")
    response = render_template("console/login.html", next=request.values.get("next"), email="", error=message)
    return response, 429


@bp.errorhandler(DomainError)
def refused(error: DomainError):
    # 404 also for what the user may not see, as in the API.
    messages = {
        404: gettext("This page does not exist, or it is not yours to see."),
        403: gettext("Your role does not allow this."),
    }
    message = messages.get(error.status, gettext("The request could not be carried out."))
    return render_template("console/error.html", message=message), error.status
