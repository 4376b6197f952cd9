"""The department console: server-rendered pages under /console where staff work with the same services
and the same policy as the API.

Its own cookie session (api/sessions.py switches them on for /console only; the API stays cookie-free),
a CSRF token on every form (Flask-WTF's csrf module, checked here rather than by CSRFProtect, which would
guard the API too), texts through Flask-Babel (api/console/i18n.py), and the app's strict
Content-Security-Policy (api/security_headers.py): no inline script or style in any template.
"""

from flask import Blueprint, Flask

from api.sessions import with_cookie_sessions

bp = with_cookie_sessions(
    Blueprint(
        "console",
        __name__,
        url_prefix="/console",
        template_folder="templates",
        static_folder="static",
        static_url_path="/static",
    )
)


def init_app(app: Flask) -> None:
    from api.console import (  # noqa: F401  (their views join the blueprint)
        admin,
        admin_api_keys,
        admin_audit,
        admin_deliveries,
        admin_users,
        admin_webhooks,
        admin_zalo,
        alerts,
        bulletins,
        categories,
        claims,
        consultation,
        dashboard,
        departments,
        feedback,
        forms_editor,
        i18n,
        inbox,
        notices,
        once,
        routing_rules,
        scam_reports,
        signin,
        sms_subscriptions,
    )

    app.config.update(
        SESSION_COOKIE_NAME="console_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Plain http only on a developer's machine and in the tests' live server.
        SESSION_COOKIE_SECURE=app.config["APP_ENV"] not in ("development", "test"),
        # A form's token lives as long as its session: a page left open over lunch still submits.
        WTF_CSRF_TIME_LIMIT=None,
    )
    i18n.init_app(app)
    app.register_blueprint(bp)
